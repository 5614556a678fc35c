package capturetest

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Segment is one TCP segment of a conversation.
type Segment struct {
	FromClient bool
	Flags      string // any of "S", "A", "F", "R"
	Seq        uint32
	Payload    []byte
	At         time.Time
}

// Conversation builds the segments of one TCP connection between a client,
// 10.0.0.1:40000 (fd00::1 with IPv6), and a server, 10.0.0.2:1883 (fd00::2).
// Segs may be reordered, repeated or dropped before writing.
type Conversation struct {
	client, server    net.IP
	ClientPort, sport uint16
	cseq, sseq        uint32
	Segs              []Segment
	t                 time.Time
}

// Epoch is the time of the first segment; each next one is 1 ms later.
var Epoch = time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC)

// NewConversation returns an empty conversation over IPv4, or IPv6.
func NewConversation(ipv6 bool) *Conversation {
	c := &Conversation{ClientPort: 40000, sport: 1883, cseq: 1000, sseq: 5000, t: Epoch}
	if ipv6 {
		c.client, c.server = net.ParseIP("fd00::1"), net.ParseIP("fd00::2")
	} else {
		c.client, c.server = net.IPv4(10, 0, 0, 1).To4(), net.IPv4(10, 0, 0, 2).To4()
	}
	return c
}

func (c *Conversation) tick() time.Time {
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// Handshake adds SYN, SYN-ACK and ACK.
func (c *Conversation) Handshake() *Conversation {
	c.Segs = append(c.Segs,
		Segment{FromClient: true, Flags: "S", Seq: c.cseq, At: c.tick()},
		Segment{FromClient: false, Flags: "SA", Seq: c.sseq, At: c.tick()},
		Segment{FromClient: true, Flags: "A", Seq: c.cseq + 1, At: c.tick()})
	c.cseq++
	c.sseq++
	return c
}

// Send adds data from one side, cut into segments of at most mss bytes
// (0: one Segment), and returns the indexes of the segments added.
func (c *Conversation) Send(fromClient bool, data []byte, mss int) []int {
	var idx []int
	seq := &c.sseq
	if fromClient {
		seq = &c.cseq
	}
	for len(data) > 0 {
		n := len(data)
		if mss > 0 && n > mss {
			n = mss
		}
		idx = append(idx, len(c.Segs))
		c.Segs = append(c.Segs, Segment{FromClient: fromClient, Flags: "A", Seq: *seq, Payload: data[:n], At: c.tick()})
		*seq += uint32(n)
		data = data[n:]
	}
	return idx
}

// Fin adds a FIN from each side.
func (c *Conversation) Fin() {
	c.Segs = append(c.Segs,
		Segment{FromClient: true, Flags: "FA", Seq: c.cseq, At: c.tick()},
		Segment{FromClient: false, Flags: "FA", Seq: c.sseq, At: c.tick()})
}

// Frame encodes a Segment for a link type.
func (c *Conversation) Frame(t testing.TB, s Segment, link layers.LinkType) []byte {
	t.Helper()
	src, dst, sp, dp := c.client, c.server, c.ClientPort, c.sport
	if !s.FromClient {
		src, dst, sp, dp = dst, src, dp, sp
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: s.Seq, Window: 65535}
	for _, f := range s.Flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		}
	}
	var ip gopacket.SerializableLayer
	var ethType layers.EthernetType
	if src.To4() != nil {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst, Flags: layers.IPv4DontFragment}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip, ethType = ip4, layers.EthernetTypeIPv4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip, ethType = ip6, layers.EthernetTypeIPv6
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ip, tcp, gopacket.Payload(s.Payload)); err != nil {
		t.Fatal(err)
	}
	body := buf.Bytes()
	var head []byte
	switch link {
	case layers.LinkTypeEthernet:
		head = make([]byte, 14)
		copy(head, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(head[12:], uint16(ethType))
	case layers.LinkTypeLinuxSLL:
		head = make([]byte, 16)
		binary.BigEndian.PutUint16(head[2:], 772) // ARPHRD_LOOPBACK
		binary.BigEndian.PutUint16(head[4:], 6)
		binary.BigEndian.PutUint16(head[14:], uint16(ethType))
	case layers.LinkTypeLinuxSLL2:
		head = make([]byte, 20)
		binary.BigEndian.PutUint16(head[0:], uint16(ethType))
		binary.BigEndian.PutUint32(head[4:], 1)
		binary.BigEndian.PutUint16(head[8:], 772)
		head[11] = 6
	case layers.LinkTypeNull: // the host's byte order; here little-endian
		head = make([]byte, 4)
		fam := uint32(2)
		if ethType == layers.EthernetTypeIPv6 {
			fam = 30
		}
		binary.LittleEndian.PutUint32(head, fam)
	case layers.LinkTypeLoop: // OpenBSD loopback: network byte order
		head = make([]byte, 4)
		fam := uint32(2)
		if ethType == layers.EthernetTypeIPv6 {
			fam = 24
		}
		binary.BigEndian.PutUint32(head, fam)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
	default:
		t.Fatalf("no framing for link type %v", link)
	}
	return append(head, body...)
}

// PcapFile writes frames as a pcap file of the given byte order and
// timestamp resolution.
func PcapFile(frames [][]byte, times []time.Time, link layers.LinkType, order binary.ByteOrder, nanos bool) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	order.PutUint32(h[0:], magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], 262144)
	order.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for i, f := range frames {
		r := make([]byte, 16)
		ts := times[i]
		order.PutUint32(r[0:], uint32(ts.Unix()))
		if nanos {
			order.PutUint32(r[4:], uint32(ts.Nanosecond()))
		} else {
			order.PutUint32(r[4:], uint32(ts.Nanosecond()/1000))
		}
		order.PutUint32(r[8:], uint32(len(f)))
		order.PutUint32(r[12:], uint32(len(f)))
		b.Write(r)
		b.Write(f)
	}
	return b.Bytes()
}

// PcapngFile writes frames as pcapng with pcapgo's writer.
func PcapngFile(t testing.TB, frames [][]byte, times []time.Time, link layers.LinkType) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, link)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: times[i], CaptureLength: len(f), Length: len(f)}, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Pcap writes the segments as a little-endian microsecond pcap.
func (c *Conversation) Pcap(t testing.TB, link layers.LinkType) []byte {
	frames, times := c.Frames(t, link)
	return PcapFile(frames, times, link, binary.LittleEndian, false)
}

// Frames returns the segments framed for link, with their times.
func (c *Conversation) Frames(t testing.TB, link layers.LinkType) ([][]byte, []time.Time) {
	var frames [][]byte
	var times []time.Time
	for _, s := range c.Segs {
		frames = append(frames, c.Frame(t, s, link))
		times = append(times, s.At)
	}
	return frames, times
}

// Encode encodes an MQTT packet with mochi-mqtt's encoders.
func Encode(t testing.TB, pk packets.Packet) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&b)
	case packets.Connack:
		err = pk.ConnackEncode(&b)
	case packets.Publish:
		err = pk.PublishEncode(&b)
	case packets.Puback:
		err = pk.PubackEncode(&b)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&b)
	default:
		t.Fatalf("no encoder for type %d", pk.FixedHeader.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Connect returns a CONNECT of protocol level version (4 or 5), client id gw1.
func Connect(t testing.TB, version byte) []byte {
	return Encode(t, packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect: packets.ConnectParams{
			ProtocolName:     []byte("MQTT"),
			Clean:            true,
			Keepalive:        60,
			ClientIdentifier: "gw1",
		},
	})
}

// Connack returns a CONNACK.
func Connack(t testing.TB, version byte) []byte {
	return Encode(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connack}, ProtocolVersion: version})
}

// Publish returns a PUBLISH.
func Publish(t testing.TB, version, qos byte, id uint16, topic string, payload []byte, props packets.Properties) []byte {
	return Encode(t, packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Publish, Qos: qos},
		ProtocolVersion: version,
		PacketID:        id,
		TopicName:       topic,
		Payload:         payload,
		Properties:      props,
	})
}
