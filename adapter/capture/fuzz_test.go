package capture

import (
	"bytes"
	"io"
	"os"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/capture/capturetest"
)

// fuzzMaxPacket is a small packet bound, so that the fuzzer reaches it.
const fuzzMaxPacket = 4096

// readEvents reads a capture whole and returns what it yields, as text.
func readEvents(r io.Reader) ([]string, error) {
	var out []string
	opts := Options{MaxPacket: fuzzMaxPacket, MQTTPorts: []uint16{1883},
		Problem: func(p Problem) { out = append(out, "problem "+p.Reason.String()+" "+p.Detail) }}
	rd, err := NewReader(r, opts)
	if err != nil {
		return nil, err
	}
	var last int64
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if m.Frame < last || m.Frame < 1 {
			return out, errString("frame numbers go back: " + m.Topic)
		}
		last = m.Frame
		if len(m.Payload) > fuzzMaxPacket {
			return out, errString("a payload over the packet bound")
		}
		out = append(out, m.Stream.String()+" "+m.Topic+" "+string(m.Payload))
	}
}

func captureSeeds(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/captures/loopback.pcap"); err == nil {
		f.Add(b)
	} else {
		f.Fatal(err)
	}
	c := capturetest.NewConversation(true).Handshake()
	c.Send(true, capturetest.Connect(f, 5), 0)
	c.Send(true, capturetest.Publish(f, 5, 1, 1, reqTopic, []byte(reqBody), packets.Properties{TopicAlias: 1, TopicAliasFlag: true}), 7)
	c.Send(true, capturetest.Publish(f, 5, 0, 0, "", []byte("x"), packets.Properties{TopicAlias: 1, TopicAliasFlag: true}), 0)
	frames, times := c.Frames(f, layers.LinkTypeLinuxSLL2)
	f.Add(capturetest.PcapngFile(f, frames, times, layers.LinkTypeLinuxSLL2))
	f.Add(c.Pcap(f, layers.LinkTypeNull))
}

// FuzzReader reads arbitrary bytes as a capture: it must not panic, frame
// numbers never go back, payloads stay within the packet bound, and a reader
// that returns one byte at a time gives the same result.
func FuzzReader(f *testing.F) {
	captureSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, err1 := readEvents(bytes.NewReader(data))
		if e, ok := err1.(errString); ok {
			t.Fatal(e)
		}
		one, err2 := readEvents(iotest.OneByteReader(bytes.NewReader(data)))
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("whole: %v; one byte at a time: %v", err1, err2)
		}
		if diff := cmp.Diff(whole, one); diff != "" {
			t.Fatalf("whole (-) and one byte at a time (+) differ:\n%s", diff)
		}
	})
}

// decodeStream frames data, fed in the pieces that cuts says, and returns
// the packets and problems, as text.
func decodeStream(data []byte, cuts []byte) []string {
	var out []string
	version := byte(4)
	d := streamDecoder{maxPacket: 64, version: &version}
	emit := func(pk *packets.Packet) {
		out = append(out, packets.PacketNames[pk.FixedHeader.Type]+" "+pk.TopicName+" "+string(pk.Payload))
	}
	problem := func(r Reason, detail string) { out = append(out, "problem "+detail) }
	for _, c := range cuts {
		n := min(int(c), len(data))
		d.feed(data[:n], emit, problem)
		data = data[n:]
	}
	d.feed(data, emit, problem)
	if len(d.pending) > 64+5 {
		out = append(out, "pending over the bound")
	}
	return out
}

// FuzzStreamDecoder frames arbitrary bytes as one direction of an MQTT
// connection: fed whole or in any pieces, it gives the same packets, and it
// never holds more than one packet within the bound.
func FuzzStreamDecoder(f *testing.F) {
	f.Add(append(capturetest.Connect(f, 5), capturetest.Publish(f, 5, 1, 1, "a/b", []byte("payload"), packets.Properties{TopicAlias: 2, TopicAliasFlag: true})...), []byte{1, 2, 3})
	f.Add(append(capturetest.Connect(f, 4), capturetest.Publish(f, 4, 0, 0, "t", bytes.Repeat([]byte("x"), 100), packets.Properties{})...), []byte{20})
	f.Add([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}, []byte{2})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := decodeStream(data, nil)
		pieces := decodeStream(data, cuts)
		if diff := cmp.Diff(whole, pieces); diff != "" {
			t.Fatalf("whole (-) and in pieces %v (+) differ:\n%s", cuts, diff)
		}
		for _, s := range whole {
			if s == "pending over the bound" {
				t.Fatal(s)
			}
		}
	})
}
