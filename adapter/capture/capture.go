package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/reassembly"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Format is the format of a capture file, as its first bytes tell.
type Format int

// The formats Detect tells apart.
const (
	// JSONLines is anything that is not a packet capture: pointguard's JSON
	// Lines, or what mosquitto_sub -F %j prints.
	JSONLines Format = 0
	// PCAP is the libpcap format, with micro- or nanosecond timestamps in
	// either byte order.
	PCAP Format = 1
	// PCAPNG is the pcapng format.
	PCAPNG Format = 2
)

// String returns "JSON Lines", "pcap" or "pcapng".
func (f Format) String() string {
	switch f {
	case PCAP:
		return "pcap"
	case PCAPNG:
		return "pcapng"
	}
	return "JSON Lines"
}

// MagicLen is how many bytes Detect needs.
const MagicLen = 4

// Detect returns the format whose magic number b begins with: the four pcap
// magics (0xa1b2c3d4 microseconds and 0xa1b23c4d nanoseconds, in either byte
// order) and the pcapng Section Header Block type 0x0a0d0d0a. Anything else,
// shorter inputs included, is JSONLines.
func Detect(b []byte) Format {
	if len(b) < MagicLen {
		return JSONLines
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return PCAP
	case 0x0a0d0d0a:
		return PCAPNG
	}
	return JSONLines
}

// Reason classifies what a Reader could not decode, for a summary.
type Reason int

// The reasons a Reader reports. The values are stable.
const (
	ReasonNotMQTT   Reason = 1  // a TCP connection whose client did not begin with CONNECT
	ReasonTLS       Reason = 2  // a TCP connection that begins with a TLS handshake
	ReasonTruncated Reason = 3  // the capture file ends inside a record
	ReasonCut       Reason = 4  // a frame shorter than it was on the wire (snap length)
	ReasonGap       Reason = 5  // bytes of a TCP stream missing from the capture
	ReasonMalformed Reason = 6  // an MQTT packet that does not decode
	ReasonTooLarge  Reason = 7  // an MQTT packet over Options.MaxPacket
	ReasonPartial   Reason = 8  // a TCP stream that ends inside an MQTT packet
	ReasonDamaged   Reason = 9  // a capture record that is not valid pcap or pcapng
	ReasonLinkType  Reason = 10 // frames of a link type the Reader does not decode
	ReasonFragment  Reason = 11 // an IP fragment (fragments are not reassembled)
)

// String returns a short phrase, e.g. "TLS" or "not MQTT".
func (r Reason) String() string {
	switch r {
	case ReasonNotMQTT:
		return "not MQTT"
	case ReasonTLS:
		return "TLS"
	case ReasonTruncated:
		return "truncated capture"
	case ReasonCut:
		return "frame cut to the snap length"
	case ReasonGap:
		return "bytes missing from a TCP stream"
	case ReasonMalformed:
		return "malformed MQTT packet"
	case ReasonTooLarge:
		return "MQTT packet over the size bound"
	case ReasonPartial:
		return "capture ends inside an MQTT packet"
	case ReasonDamaged:
		return "damaged capture record"
	case ReasonLinkType:
		return "unsupported link type"
	case ReasonFragment:
		return "IP fragment"
	}
	return "reason " + strconv.Itoa(int(r))
}

// Stream is one TCP connection: the client is the side that sent CONNECT.
type Stream struct {
	Client, Server netip.AddrPort
}

// String returns "client -> server", e.g. "127.0.0.1:40000 -> 127.0.0.1:1883".
func (s Stream) String() string { return s.Client.String() + " -> " + s.Server.String() }

// Problem is something a Reader could not decode. Stream is zero for problems
// of the file itself.
type Problem struct {
	Frame  int64 // 1-based frame number where it was noticed
	Reason Reason
	Stream Stream
	Detail string // a sentence, without the frame or stream
}

// Message is one MQTT PUBLISH found in a capture.
type Message struct {
	// Frame is the 1-based number of the frame whose bytes completed the
	// PUBLISH, as Wireshark numbers frames; At is that frame's timestamp.
	// A PUBLISH completed only when the capture ended (after bytes missing
	// from the stream) has the last frame's number and time.
	Frame int64
	At    time.Time
	// Stream is the connection; FromClient tells who sent the PUBLISH.
	Stream     Stream
	FromClient bool
	// Version is the connection's MQTT protocol level: 3 or 4 (3.1, 3.1.1)
	// or 5.
	Version  byte
	QoS      byte
	PacketID uint16
	// Topic is the PUBLISH's topic, with an MQTT 5 topic alias resolved.
	Topic string
	// Payload is valid until the next call of Next.
	Payload []byte
}

// Options configure a Reader. The zero value reads only connections that
// begin with CONNECT, and bounds MQTT packets at MaxPacketLimit.
type Options struct {
	// MQTTPorts are TCP ports whose connections are MQTT even without a
	// CONNECT in the capture (a capture started mid-connection); the side
	// using the port is the server.
	MQTTPorts []uint16
	// MQTTVersion is the protocol level (4 for 3.1.1, 5) of connections on
	// MQTTPorts that have no CONNECT in the capture; 0 means 4.
	MQTTVersion byte
	// MaxPacket bounds the remaining length of an MQTT packet that is decoded;
	// a longer one is read through without being held, and reported as
	// ReasonTooLarge. 0 or more than MaxPacketLimit means MaxPacketLimit.
	MaxPacket int
	// Problem, when not nil, is called with every problem, in file order
	// with the messages.
	Problem func(Problem)
}

// Reassembly bounds. gopacket's reassembly holds out-of-order segments in
// pages of 1900 bytes; once a direction holds maxPagesPerHalf pages it gives
// up waiting for the missing bytes and reports a gap.
const (
	maxPagesPerHalf = 128    // 243,200 bytes per direction
	maxPagesTotal   = 65_536 // 124.5 MB for all connections together
	idleTimeout     = 2 * time.Hour
)

// PerStreamBound is the most a Reader holds for one TCP connection, apart
// from MQTT packets: the out-of-order segments of both directions and their
// topic aliases. Each direction also holds at most one incomplete MQTT
// packet, of at most Options.MaxPacket bytes plus its fixed header.
const PerStreamBound = 2 * (maxPagesPerHalf*1900 + maxAliasBytes)

// Reader reads the MQTT PUBLISH packets of a pcap or pcapng capture, in the
// order the capture completes them. It is not safe for concurrent use.
type Reader struct {
	opts    Options
	src     *errReader
	pcap    *pcapgo.Reader
	ng      *pcapgo.NgReader
	link    layers.LinkType
	asm     *reassembly.Assembler
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	ip6ext  layers.IPv6ExtensionSkipper
	tcp     layers.TCP

	frame     int64
	ci        gopacket.CaptureInfo
	lastFlush time.Time
	nextConn  int
	queue     []event
	qpos      int
	done      bool
	warned    map[layers.LinkType]bool
	ctx       frameContext
}

type event struct {
	conn    int
	msg     Message
	problem *Problem
}

// errReader remembers the first error of the underlying reader other than
// io.EOF, so that an I/O error is told apart from a capture cut short.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// NewReader returns a Reader of r, which begins with a pcap or pcapng header
// (see Detect). The error is r's error, or says why the header is not valid.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxPacket <= 0 || opts.MaxPacket > MaxPacketLimit {
		opts.MaxPacket = MaxPacketLimit
	}
	if opts.MQTTVersion == 0 {
		opts.MQTTVersion = 4
	}
	br := &errReader{r: r}
	rd := &Reader{opts: opts, src: br, warned: map[layers.LinkType]bool{}}
	var head [MagicLen]byte
	n, err := io.ReadFull(br, head[:])
	if br.err != nil {
		return nil, br.err
	}
	if err != nil {
		return nil, errors.New("capture: file too short for a capture header")
	}
	full := io.MultiReader(bytes.NewReader(head[:n]), br)
	switch Detect(head[:]) {
	case PCAP:
		rd.pcap, err = pcapgo.NewReader(full)
		if err == nil {
			rd.link = rd.pcap.LinkType()
		}
	case PCAPNG:
		rd.ng, err = pcapgo.NewNgReader(full, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err == nil {
			rd.link = rd.ng.LinkType()
		}
	default:
		return nil, errors.New("capture: not a pcap or pcapng file")
	}
	if br.err != nil {
		return nil, br.err
	}
	if err != nil {
		return nil, errors.New("capture: bad " + Detect(head[:]).String() + " header: " + err.Error())
	}
	pool := reassembly.NewStreamPool(&factory{r: rd})
	rd.asm = reassembly.NewAssembler(pool)
	rd.asm.MaxBufferedPagesPerConnection = maxPagesPerHalf
	rd.asm.MaxBufferedPagesTotal = maxPagesTotal
	rd.parsers = map[gopacket.LayerType]*gopacket.DecodingLayerParser{}
	return rd, nil
}

// Next returns the next PUBLISH. It returns io.EOF at the end of the capture,
// and the underlying reader's error when reading fails. The Message is valid
// until the next call.
func (r *Reader) Next() (*Message, error) {
	for {
		for r.qpos < len(r.queue) {
			ev := &r.queue[r.qpos]
			r.qpos++
			if ev.problem != nil {
				if r.opts.Problem != nil {
					r.opts.Problem(*ev.problem)
				}
				continue
			}
			return &ev.msg, nil
		}
		r.queue, r.qpos = r.queue[:0], 0
		if r.done {
			if r.src.err != nil {
				return nil, r.src.err
			}
			return nil, io.EOF
		}
		r.step()
	}
}

// step reads one frame and feeds it to the reassembly, or ends the capture.
func (r *Reader) step() {
	var data []byte
	var ci gopacket.CaptureInfo
	var err error
	if r.pcap != nil {
		data, ci, err = r.pcap.ZeroCopyReadPacketData()
	} else {
		data, ci, err = r.ng.ZeroCopyReadPacketData()
	}
	if err != nil {
		r.end(err)
		return
	}
	r.frame++
	r.ci = ci
	link := r.link
	if r.ng != nil && len(ci.AncillaryData) > 0 {
		if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			link = lt
		}
	}
	if ci.CaptureLength < ci.Length {
		// A frame cut to the snap length lost TCP payload: leave it out, so
		// that the stream has a gap rather than wrong bytes.
		r.problem(-1, ReasonCut, Stream{}, "frame of "+strconv.Itoa(ci.Length)+" bytes captured as "+strconv.Itoa(ci.CaptureLength))
		return
	}
	var first gopacket.LayerType
	switch link {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeLinuxSLL2:
		first = layers.LayerTypeLinuxSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12: // 12: raw IP on OpenBSD
		if len(data) == 0 {
			return
		}
		switch data[0] >> 4 {
		case 4:
			first = layers.LayerTypeIPv4
		case 6:
			first = layers.LayerTypeIPv6
		default:
			return
		}
	default:
		if !r.warned[link] {
			r.warned[link] = true
			r.problem(-1, ReasonLinkType, Stream{}, "link type "+link.String()+" ("+strconv.Itoa(int(link))+") is not decoded; its frames are skipped")
		}
		return
	}
	p := r.parsers[first]
	if p == nil {
		// One parser per first layer, all filling the same layers.
		p = gopacket.NewDecodingLayerParser(first,
			&r.eth, &r.dot1q, &r.sll, &r.sll2, &r.loop, &r.ip4, &r.ip6, &r.ip6ext, &r.tcp)
		p.IgnoreUnsupported = true
		r.parsers[first] = p
	}
	r.decoded = r.decoded[:0]
	_ = p.DecodeLayers(data, &r.decoded) // errors: the layers decoded so far count
	var netFlow gopacket.Flow
	var haveIP, haveTCP bool
	for _, t := range r.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			if r.ip4.Flags&layers.IPv4MoreFragments != 0 || r.ip4.FragOffset != 0 {
				if r.ip4.Protocol == layers.IPProtocolTCP {
					r.problem(-1, ReasonFragment, Stream{}, "IPv4 fragment of a TCP segment; fragments are not reassembled")
				}
				return
			}
			netFlow, haveIP = r.ip4.NetworkFlow(), true
		case layers.LayerTypeIPv6:
			netFlow, haveIP = r.ip6.NetworkFlow(), true
		case layers.LayerTypeTCP:
			haveTCP = true
		}
	}
	if !haveIP || !haveTCP {
		return // not TCP: ARP, UDP, ICMP, ...
	}
	r.ctx.ci = ci
	r.asm.AssembleWithContext(netFlow, &r.tcp, &r.ctx)
	if ci.Timestamp.Sub(r.lastFlush) > time.Minute {
		if !r.lastFlush.IsZero() {
			from := len(r.queue)
			r.asm.FlushCloseOlderThan(ci.Timestamp.Add(-idleTimeout))
			r.sortTail(from)
		}
		r.lastFlush = ci.Timestamp
	}
}

// end ends the capture after err from the pcap reader.
func (r *Reader) end(err error) {
	r.done = true
	if r.src.err == nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			r.frame++ // the frame whose record is cut
			r.problem(-1, ReasonTruncated, Stream{}, "the capture file ends inside a record (cut while it was written?)")
		} else {
			r.problem(-1, ReasonDamaged, Stream{}, "the capture file is damaged after frame "+strconv.FormatInt(r.frame, 10)+": "+err.Error()+"; the rest is not read")
		}
	}
	// What the streams still hold is decoded now; the order of connections
	// at this point is the reassembly's, so sort by connection, keeping
	// each connection's order.
	from := len(r.queue)
	r.asm.FlushAll()
	r.sortTail(from)
}

// sortTail orders the events queued since from by connection, keeping each
// connection's order: the reassembly flushes its connections in map order.
func (r *Reader) sortTail(from int) {
	tail := r.queue[from:]
	sort.SliceStable(tail, func(i, j int) bool { return tail[i].conn < tail[j].conn })
}

func (r *Reader) problem(conn int, reason Reason, s Stream, detail string) {
	r.queue = append(r.queue, event{conn: conn, problem: &Problem{Frame: max(r.frame, 1), Reason: reason, Stream: s, Detail: detail}})
}

// frameContext passes a frame's capture information to the reassembly.
type frameContext struct{ ci gopacket.CaptureInfo }

func (c *frameContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// factory makes the state of each TCP connection.
type factory struct{ r *Reader }

func (f *factory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	r := f.r
	r.nextConn++
	c := &conn{r: r, id: r.nextConn, client: -1}
	c.ends[0] = endpoint(netFlow.Src(), tcpFlow.Src())
	c.ends[1] = endpoint(netFlow.Dst(), tcpFlow.Dst())
	for i := range c.dec {
		c.dec[i] = streamDecoder{maxPacket: r.opts.MaxPacket, version: &c.version}
	}
	return c
}

func endpoint(ip, port gopacket.Endpoint) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip.Raw())
	p := port.Raw()
	var n uint16
	if len(p) == 2 {
		n = binary.BigEndian.Uint16(p)
	}
	return netip.AddrPortFrom(a.Unmap(), n)
}

// conn is one TCP connection. Direction 0 is from ends[0] to ends[1], as the
// reassembly's first packet of the connection went.
type conn struct {
	r       *Reader
	id      int
	ends    [2]netip.AddrPort
	client  int // the direction the client sends in; -1 until known
	kind    int // 0 undecided, 1 MQTT, 2 not MQTT
	version byte
	started [2]bool
	dec     [2]streamDecoder
}

const (
	kindUndecided = 0
	kindMQTT      = 1
	kindOther     = 2
)

func (c *conn) stream() Stream {
	if c.client == 1 {
		return Stream{Client: c.ends[1], Server: c.ends[0]}
	}
	return Stream{Client: c.ends[0], Server: c.ends[1]}
}

func (c *conn) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, ac reassembly.AssemblerContext) bool {
	if nextSeq == -1 && !tcp.SYN {
		*start = true // the capture began after this direction's SYN
	}
	return true
}

func (c *conn) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, _, skip := sg.Info()
	d := 0
	if dir == reassembly.TCPDirServerToClient {
		d = 1
	}
	n, _ := sg.Lengths()
	if n == 0 && skip == 0 {
		return
	}
	if skip != 0 && c.started[d] && c.kind == kindMQTT && !c.dec[d].broken {
		c.dec[d].broken = true
		what := "bytes"
		if skip > 0 {
			what = strconv.Itoa(skip) + " bytes"
		}
		c.r.problem(c.id, ReasonGap, c.stream(), what+" of the stream from "+c.ends[d].String()+" are missing from the capture; the rest of this direction is not decoded")
	}
	if n == 0 {
		return
	}
	data := sg.Fetch(n)
	if !c.started[d] {
		c.started[d] = true
		if c.kind == kindUndecided {
			c.decide(d, data)
		}
	}
	if c.kind != kindMQTT {
		return
	}
	c.dec[d].feed(data,
		func(pk *packets.Packet) { c.packet(d, pk) },
		func(reason Reason, detail string) { c.r.problem(c.id, reason, c.stream(), detail) })
}

// decide tells whether the connection is MQTT from the first bytes seen in
// direction d.
func (c *conn) decide(d int, data []byte) {
	if isConnect(data) {
		c.kind, c.client = kindMQTT, d
		return
	}
	for _, p := range c.r.opts.MQTTPorts {
		switch p {
		case c.ends[1-d].Port():
			c.kind, c.client = kindMQTT, d
		case c.ends[d].Port():
			c.kind, c.client = kindMQTT, 1-d
		default:
			continue
		}
		c.version = c.r.opts.MQTTVersion
		return
	}
	c.kind, c.client = kindOther, d
	if len(data) >= 3 && data[0] == 0x16 && data[1] == 3 && data[2] <= 4 {
		c.r.problem(c.id, ReasonTLS, c.stream(), "TLS connection: its MQTT cannot be read from the capture")
		return
	}
	c.r.problem(c.id, ReasonNotMQTT, c.stream(), "TCP connection that does not begin with an MQTT CONNECT; not decoded (--mqtt-port reads a port's connections as MQTT)")
}

// isConnect reports whether b begins like an MQTT CONNECT: type 1 with no
// flags, a remaining length, and protocol name "MQTT" or "MQIsdp", as far as
// b holds them.
func isConnect(b []byte) bool {
	if len(b) < 2 || b[0] != 0x10 {
		return false
	}
	_, hdr, ok := packetLen(b)
	if !ok {
		return len(b) <= 4 // a header that long continues in the next segment
	}
	rest := b[hdr:]
	for _, name := range []string{"\x00\x04MQTT", "\x00\x06MQIsdp"} {
		n := min(len(rest), len(name))
		if string(rest[:n]) == name[:n] {
			return true
		}
	}
	return false
}

func (c *conn) packet(d int, pk *packets.Packet) {
	if pk.FixedHeader.Type != packets.Publish {
		return
	}
	r := c.r
	r.queue = append(r.queue, event{conn: c.id})
	ev := &r.queue[len(r.queue)-1]
	ev.msg = Message{
		Frame:      r.frame,
		At:         r.ci.Timestamp,
		Stream:     c.stream(),
		FromClient: d == c.client,
		Version:    c.version,
		QoS:        pk.FixedHeader.Qos,
		PacketID:   pk.PacketID,
		Topic:      strings.Clone(pk.TopicName), // mochi's string aliases the packet: copy
		Payload:    bytes.Clone(pk.Payload),
	}
	if ev.msg.Payload == nil {
		ev.msg.Payload = []byte{}
	}
}

func (c *conn) ReassemblyComplete(ac reassembly.AssemblerContext) bool {
	if c.kind == kindMQTT {
		for d := range c.dec {
			dec := &c.dec[d]
			if len(dec.pending) > 0 && !dec.broken {
				need, hdr, ok := packetLen(dec.pending)
				detail := "the stream from " + c.ends[d].String() + " ends inside an MQTT packet"
				if ok {
					detail += " (" + strconv.Itoa(len(dec.pending)-hdr) + " of " + strconv.Itoa(need-hdr) + " bytes)"
				}
				c.r.problem(c.id, ReasonPartial, c.stream(), detail)
			}
			dec.pending = nil
		}
	}
	return true
}
