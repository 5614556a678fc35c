package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/capture/capturetest"
)

const (
	reqTopic   = "/sys/gwP/gw1/thing/measurepoint/post/batch"
	replyTopic = reqTopic + "_reply"
	reqBody    = `{"id":"1","version":"1.0","params":[],"method":"thing.measurepoint.post.batch"}`
	replyBody  = `{"id":"1","code":200,"data":{}}`
)

// got is what a test compares: the messages and the problems, in order.
type got struct {
	Frame      int64
	FromClient bool
	Topic      string
	Payload    string
	QoS        byte
	Version    byte
	Problem    Reason
}

func readAll(t *testing.T, data []byte, opts Options) ([]got, error) {
	t.Helper()
	var out []got
	opts.Problem = func(p Problem) { out = append(out, got{Frame: p.Frame, Problem: p.Reason}) }
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, err
	}
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, got{Frame: m.Frame, FromClient: m.FromClient, Topic: m.Topic, Payload: string(m.Payload), QoS: m.QoS, Version: m.Version})
	}
}

// exchange is a connection with one request and its reply.
func exchange(t *testing.T, ipv6 bool, version byte) *capturetest.Conversation {
	c := capturetest.NewConversation(ipv6).Handshake()
	c.Send(true, capturetest.Connect(t, version), 0)
	c.Send(false, capturetest.Connack(t, version), 0)
	c.Send(true, capturetest.Publish(t, version, 1, 7, reqTopic, []byte(reqBody), packets.Properties{}), 0)
	c.Send(false, capturetest.Publish(t, version, 1, 1, replyTopic, []byte(replyBody), packets.Properties{}), 0)
	c.Fin()
	return c
}

func wantExchange(version byte) []got {
	return []got{
		{Frame: 6, FromClient: true, Topic: reqTopic, Payload: reqBody, QoS: 1, Version: version},
		{Frame: 7, FromClient: false, Topic: replyTopic, Payload: replyBody, QoS: 1, Version: version},
	}
}

func TestLinkTypes(t *testing.T) {
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6}
	for _, link := range links {
		for _, ipv6 := range []bool{false, true} {
			if (link == layers.LinkTypeIPv4 && ipv6) || (link == layers.LinkTypeIPv6 && !ipv6) {
				continue
			}
			name := link.String()
			if ipv6 {
				name += "/IPv6"
			}
			t.Run(name, func(t *testing.T) {
				c := exchange(t, ipv6, 4)
				out, err := readAll(t, c.Pcap(t, link), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(wantExchange(4), out); diff != "" {
					t.Errorf("(-want +got)\n%s", diff)
				}
			})
		}
	}
}

func TestFileFormats(t *testing.T) {
	c := exchange(t, false, 5)
	frames, times := c.Frames(t, layers.LinkTypeEthernet)
	files := []struct {
		name   string
		data   []byte
		format Format
		nanos  bool
	}{
		{"pcap/micro/little-endian", capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.LittleEndian, false), PCAP, false},
		{"pcap/micro/big-endian", capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.BigEndian, false), PCAP, false},
		{"pcap/nano/little-endian", capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.LittleEndian, true), PCAP, true},
		{"pcap/nano/big-endian", capturetest.PcapFile(frames, times, layers.LinkTypeEthernet, binary.BigEndian, true), PCAP, true},
		{"pcapng", capturetest.PcapngFile(t, frames, times, layers.LinkTypeEthernet), PCAPNG, true},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			if got := Detect(f.data); got != f.format {
				t.Fatalf("Detect = %v, want %v", got, f.format)
			}
			r, err := NewReader(bytes.NewReader(f.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			want := times[5]
			if !f.nanos {
				want = want.Truncate(time.Microsecond)
			}
			if !m.At.Equal(want) || m.Frame != 6 || m.Topic != reqTopic || !m.FromClient || m.Version != 5 {
				t.Errorf("got frame %d at %v topic %q fromClient %v version %d; want frame 6 at %v", m.Frame, m.At, m.Topic, m.FromClient, m.Version, want)
			}
			if m.Stream.String() != "10.0.0.1:40000 -> 10.0.0.2:1883" {
				t.Errorf("stream %v", m.Stream)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
	}{
		{"", JSONLines}, {"\xd4\xc3\xb2", JSONLines}, {`{"topic":1}`, JSONLines},
		{"\xd4\xc3\xb2\xa1", PCAP}, {"\xa1\xb2\xc3\xd4", PCAP}, {"\x4d\x3c\xb2\xa1", PCAP}, {"\xa1\xb2\x3c\x4d", PCAP},
		{"\x0a\x0d\x0d\x0a", PCAPNG},
	} {
		if got := Detect([]byte(tc.in)); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// reorder returns the capturetest.Conversation with its segments in a new order.
func reorder(c *capturetest.Conversation, order ...int) *capturetest.Conversation {
	segs := make([]capturetest.Segment, len(order))
	for i, j := range order {
		segs[i] = c.Segs[j]
		segs[i].At = capturetest.Epoch.Add(time.Duration(i) * time.Millisecond) // times keep increasing
	}
	c.Segs = segs
	return c
}

func TestReassembly(t *testing.T) {
	big := []byte(strings.Repeat("x", 3000))
	t.Run("split across segments", func(t *testing.T) {
		c := capturetest.NewConversation(false).Handshake()
		c.Send(true, capturetest.Connect(t, 4), 0)
		idx := c.Send(true, capturetest.Publish(t, 4, 0, 0, reqTopic, big, packets.Properties{}), 500)
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{{Frame: int64(idx[len(idx)-1] + 1), FromClient: true, Topic: reqTopic, Payload: string(big), Version: 4}}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("two packets in one segment", func(t *testing.T) {
		c := capturetest.NewConversation(false).Handshake()
		two := append(capturetest.Connect(t, 4), capturetest.Publish(t, 4, 0, 0, reqTopic, []byte("a"), packets.Properties{})...)
		two = append(two, capturetest.Publish(t, 4, 2, 9, reqTopic, []byte("b"), packets.Properties{})...)
		c.Send(true, two, 0)
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{
			{Frame: 4, FromClient: true, Topic: reqTopic, Payload: "a", Version: 4},
			{Frame: 4, FromClient: true, Topic: reqTopic, Payload: "b", QoS: 2, Version: 4},
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("out of order and retransmitted", func(t *testing.T) {
		c := capturetest.NewConversation(true).Handshake()
		c.Send(true, capturetest.Connect(t, 5), 0)                                                    // 3
		c.Send(true, capturetest.Publish(t, 5, 1, 1, reqTopic, big, packets.Properties{}), 1000)      // 4, 5, 6, 7
		c.Send(true, capturetest.Publish(t, 5, 1, 2, reqTopic, []byte("2"), packets.Properties{}), 0) // 8
		// 4 arrives after 5, and twice.
		c = reorder(c, 0, 1, 2, 3, 5, 4, 4, 6, 7, 8)
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeLinuxSLL), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{
			{Frame: 9, FromClient: true, Topic: reqTopic, Payload: string(big), QoS: 1, Version: 5},
			{Frame: 10, FromClient: true, Topic: reqTopic, Payload: "2", QoS: 1, Version: 5},
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("bytes missing", func(t *testing.T) {
		c := capturetest.NewConversation(false).Handshake()
		c.Send(true, capturetest.Connect(t, 4), 0)
		c.Send(true, capturetest.Publish(t, 4, 0, 0, reqTopic, big, packets.Properties{}), 1000) // 4, 5, 6, 7
		c.Send(true, capturetest.Publish(t, 4, 0, 0, reqTopic, []byte("after"), packets.Properties{}), 0)
		c = reorder(c, 0, 1, 2, 3, 4, 6, 7, 8) // 5 never captured
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The rest of the direction cannot be framed again: nothing after
		// the gap is read as MQTT.
		// The reassembly waits for the missing bytes until the capture ends.
		want := []got{{Frame: 8, Problem: ReasonGap}}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
}

func TestMQTT(t *testing.T) {
	t.Run("QoS 0, 1 and 2", func(t *testing.T) {
		c := capturetest.NewConversation(false).Handshake()
		c.Send(true, capturetest.Connect(t, 4), 0)
		for q := byte(0); q <= 2; q++ {
			c.Send(true, capturetest.Publish(t, 4, q, uint16(q)*10, reqTopic, []byte{'0' + q}, packets.Properties{}), 0)
		}
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{
			{Frame: 5, FromClient: true, Topic: reqTopic, Payload: "0", QoS: 0, Version: 4},
			{Frame: 6, FromClient: true, Topic: reqTopic, Payload: "1", QoS: 1, Version: 4},
			{Frame: 7, FromClient: true, Topic: reqTopic, Payload: "2", QoS: 2, Version: 4},
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("MQTT 5 properties and topic aliases", func(t *testing.T) {
		c := capturetest.NewConversation(false).Handshake()
		c.Send(true, capturetest.Connect(t, 5), 0)
		props := packets.Properties{ContentType: "application/json", User: []packets.UserProperty{{Key: "k", Val: "v"}}, TopicAlias: 3, TopicAliasFlag: true}
		c.Send(true, capturetest.Publish(t, 5, 1, 1, reqTopic, []byte("first"), props), 0)                                              // sets alias 3
		c.Send(true, capturetest.Publish(t, 5, 1, 2, "", []byte("second"), packets.Properties{TopicAlias: 3, TopicAliasFlag: true}), 0) // uses it
		// The server's aliases are its own: alias 3 from the server is unknown.
		c.Send(false, capturetest.Publish(t, 5, 0, 0, "", []byte("unknown"), packets.Properties{TopicAlias: 3, TopicAliasFlag: true}), 0)
		out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{
			{Frame: 5, FromClient: true, Topic: reqTopic, Payload: "first", QoS: 1, Version: 5},
			{Frame: 6, FromClient: true, Topic: reqTopic, Payload: "second", QoS: 1, Version: 5},
			{Frame: 7, Problem: ReasonMalformed},
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("not MQTT, TLS, and --mqtt-port", func(t *testing.T) {
		other := capturetest.NewConversation(false).Handshake()
		other.Send(true, []byte("GET / HTTP/1.1\r\n\r\n"), 0)
		tls := capturetest.NewConversation(false).Handshake()
		tls.ClientPort = 40001
		tls.Send(true, []byte{0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0}, 0)
		out, err := readAll(t, append(other.Pcap(t, layers.LinkTypeEthernet), tls.Pcap(t, layers.LinkTypeEthernet)[24:]...), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []got{{Frame: 4, Problem: ReasonNotMQTT}, {Frame: 8, Problem: ReasonTLS}}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}

		// A capture that starts after the CONNECT: no SYN, no CONNECT.
		mid := capturetest.NewConversation(false)
		mid.Send(false, capturetest.Publish(t, 5, 0, 0, "other", []byte("s"), packets.Properties{}), 0)
		mid.Send(true, capturetest.Publish(t, 5, 0, 0, reqTopic, []byte("c"), packets.Properties{}), 0)
		data := mid.Pcap(t, layers.LinkTypeEthernet)
		out, _ = readAll(t, data, Options{})
		if diff := cmp.Diff([]got{{Frame: 1, Problem: ReasonNotMQTT}}, out); diff != "" {
			t.Errorf("without --mqtt-port (-want +got)\n%s", diff)
		}
		out, _ = readAll(t, data, Options{MQTTPorts: []uint16{1883}, MQTTVersion: 5})
		want = []got{
			{Frame: 1, FromClient: false, Topic: "other", Payload: "s", Version: 5},
			{Frame: 2, FromClient: true, Topic: reqTopic, Payload: "c", Version: 5},
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("with --mqtt-port (-want +got)\n%s", diff)
		}
	})
	t.Run("packet size bound at N and N+1", func(t *testing.T) {
		for _, payload := range []int{100, 101} {
			c := capturetest.NewConversation(false).Handshake()
			c.Send(true, capturetest.Connect(t, 4), 0)
			pk := capturetest.Publish(t, 4, 0, 0, "t", bytes.Repeat([]byte("p"), payload), packets.Properties{})
			c.Send(true, pk, 40)
			c.Send(true, capturetest.Publish(t, 4, 0, 0, "t", []byte("next"), packets.Properties{}), 0)
			out, err := readAll(t, c.Pcap(t, layers.LinkTypeEthernet), Options{MaxPacket: 3 + 100}) // topic 2+1 bytes
			if err != nil {
				t.Fatal(err)
			}
			last := int64(len(c.Segs))
			want := []got{{Frame: last - 1, FromClient: true, Topic: "t", Payload: strings.Repeat("p", payload), Version: 4}, {Frame: last, FromClient: true, Topic: "t", Payload: "next", Version: 4}}
			if payload == 101 {
				want[0] = got{Frame: 5, Problem: ReasonTooLarge} // noticed at the first segment
			}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("payload %d (-want +got)\n%s", payload, diff)
			}
		}
	})
}

func TestCutCapture(t *testing.T) {
	c := capturetest.NewConversation(false).Handshake()
	c.Send(true, capturetest.Connect(t, 4), 0)
	c.Send(true, capturetest.Publish(t, 4, 0, 0, reqTopic, []byte("whole"), packets.Properties{}), 0)
	c.Send(true, capturetest.Publish(t, 4, 0, 0, reqTopic, bytes.Repeat([]byte("x"), 2000), packets.Properties{}), 1000)
	data := c.Pcap(t, layers.LinkTypeEthernet)
	// Cut inside the last frame's record: the file was still being written.
	out, err := readAll(t, data[:len(data)-10], Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{Frame: 5, FromClient: true, Topic: reqTopic, Payload: "whole", Version: 4},
		{Frame: 8, Problem: ReasonTruncated}, // frames 6, 7, 8 hold the last PUBLISH
		{Frame: 8, Problem: ReasonPartial},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestReadError(t *testing.T) {
	data := exchange(t, false, 4).Pcap(t, layers.LinkTypeEthernet)
	boom := errors.New("boom")
	r, err := NewReader(io.MultiReader(bytes.NewReader(data[:200]), iotest.ErrReader(boom)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
	}
	if err != boom {
		t.Errorf("Next: %v, want the reader's error", err)
	}
	if _, err := NewReader(strings.NewReader("\xd4\xc3\xb2\xa1\x02"), Options{}); err == nil || !strings.Contains(err.Error(), "pcap header") {
		t.Errorf("short header: %v", err)
	}
}

// A pcapng file may hold interfaces of different link types; each frame is
// decoded as its interface says.
func TestPcapngMixedLinkTypes(t *testing.T) {
	a := exchange(t, false, 4)
	b := exchange(t, true, 5)
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65536}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	any, err := w.AddInterface(pcapgo.NgInterface{Name: "any", LinkType: layers.LinkTypeLinuxSLL2, SnapLength: 65536})
	if err != nil {
		t.Fatal(err)
	}
	write := func(c *capturetest.Conversation, link layers.LinkType, intf int) {
		frames, times := c.Frames(t, link)
		for i, f := range frames {
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: times[i], CaptureLength: len(f), Length: len(f), InterfaceIndex: intf}, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(a, layers.LinkTypeEthernet, 0)
	write(b, layers.LinkTypeLinuxSLL2, any)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out, err := readAll(t, buf.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(wantExchange(4), wantExchange(5)...)
	for i := 2; i < 4; i++ {
		want[i].Frame += int64(len(a.Segs))
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
