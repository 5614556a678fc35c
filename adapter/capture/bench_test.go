package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/capture/capturetest"
)

// benchCapture is a pcap of conns MQTT 5 connections on Ethernet, each with
// perConn requests of payload and their replies, interleaved, cut into
// segments of at most 1448 bytes.
func benchCapture(b *testing.B, conns, perConn int, payload []byte) []byte {
	var frames [][]byte
	var times []time.Time
	cs := make([]*capturetest.Conversation, conns)
	for i := range cs {
		c := capturetest.NewConversation(false).Handshake()
		c.ClientPort = uint16(20000 + i)
		c.Send(true, capturetest.Connect(b, 5), 0)
		c.Send(false, capturetest.Connack(b, 5), 0)
		for k := range perConn {
			c.Send(true, capturetest.Publish(b, 5, 1, uint16(k+1), reqTopic, payload, packets.Properties{}), 1448)
			c.Send(false, capturetest.Publish(b, 5, 1, uint16(k+1), replyTopic, []byte(replyBody), packets.Properties{}), 0)
		}
		c.Fin()
		cs[i] = c
	}
	// Interleave the connections segment by segment.
	pos := make([]int, conns)
	t := capturetest.Epoch
	for more := true; more; {
		more = false
		for i, c := range cs {
			if pos[i] < len(c.Segs) {
				frames = append(frames, c.Frame(b, c.Segs[pos[i]], layers.LinkTypeEthernet))
				t = t.Add(time.Microsecond)
				times = append(times, t)
				pos[i]++
				more = true
			}
		}
	}
	return capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.LittleEndian, false)
}

// BenchmarkReader measures reading, framing, TCP reassembly and MQTT decoding
// of a capture, beside pcapgo reading the same file's records alone.
func BenchmarkReader(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 600)
	data := benchCapture(b, 50, 200, payload)
	b.Run("capture.Reader", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := NewReader(bytes.NewReader(data), Options{})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != 2*50*200 {
				b.Fatalf("%d messages", n)
			}
		}
	})
	b.Run("pcapgo records only (baseline)", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := pcapgo.NewReader(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
					break
				}
			}
		}
	})
}
