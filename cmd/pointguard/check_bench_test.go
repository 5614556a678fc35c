package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/capture/capturetest"
)

// BenchmarkCheckCapture runs check on the same 5,000 requests (okPayload) as a
// pcap of 25 interleaved MQTT 5 connections with their replies, and as JSON
// Lines; MB/s is of each input file.
func BenchmarkCheckCapture(b *testing.B) {
	const conns, perConn = 25, 200
	var frames [][]byte
	var times []time.Time
	var jsonl strings.Builder
	t := capturetest.Epoch
	cs := make([]*capturetest.Conversation, conns)
	for i := range cs {
		c := capturetest.NewConversation(false).Handshake()
		c.ClientPort = uint16(20000 + i)
		c.Send(true, capturetest.Connect(b, 5), 0)
		for k := range perConn {
			c.Send(true, capturetest.Publish(b, 5, 1, uint16(k+1), batchTopic, []byte(okPayload), packets.Properties{}), 1448)
			c.Send(false, capturetest.Publish(b, 5, 1, uint16(k+1), batchTopic+"_reply", []byte(`{"id":"1","code":200,"data":{}}`), packets.Properties{}), 0)
			jsonl.WriteString(receivedLine(batchTopic, okPayload, 1000))
		}
		cs[i] = c
	}
	pos := make([]int, conns)
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
	pcap := capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.LittleEndian, false)
	b.Chdir(rootDir)
	for _, in := range []struct {
		name string
		data []byte
		args []string
	}{
		{"pcap", pcap, nil},
		{"pcap --compare", pcap, []string{"--compare"}},
		{"jsonl (baseline)", []byte(jsonl.String()), nil},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				if status := run(append([]string{"check"}, in.args...), bytes.NewReader(in.data), io.Discard, io.Discard); status != exitOK {
					b.Fatalf("status %d", status)
				}
			}
			b.ReportMetric(float64(conns*perConn)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
