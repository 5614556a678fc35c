package capture

import (
	"strconv"
	"strings"

	"github.com/mochi-mqtt/server/v2/packets"
)

// MaxPacketLimit is the largest remaining length MQTT can declare (a four-byte
// variable byte integer), and the largest bound Options.MaxPacket may take.
const MaxPacketLimit = 268_435_455

// maxAliasBytes bounds the topics one direction of a connection may hold as
// MQTT 5 topic aliases. A client may declare up to 65,535 aliases of up to
// 65,535 bytes each; a decoder that kept them all would hold 4 GiB.
const maxAliasBytes = 256 << 10

// packetFunc receives one decoded MQTT packet of a stream. The packet and
// everything it refers to are valid only during the call.
type packetFunc func(pk *packets.Packet)

// problemFunc receives a problem of a stream: a reason for the summary and a
// sentence. fatal means the stream can no longer be framed.
type problemFunc func(reason Reason, detail string)

// streamDecoder frames one direction of an MQTT connection into packets and
// decodes them with mochi-mqtt's packets package. It holds at most one
// incomplete packet, of at most maxPacket bytes after its fixed header;
// a packet declaring more is read through without being kept.
type streamDecoder struct {
	maxPacket int
	version   *byte // shared by both directions: set by the CONNECT
	pending   []byte
	discard   int  // bytes still to read through of a packet over maxPacket
	broken    bool // framing lost: nothing more is decoded
	aliases   map[uint16]string
	aliasSize int
	pk        packets.Packet
}

// feed decodes the packets that data completes, in order.
func (d *streamDecoder) feed(data []byte, emit packetFunc, problem problemFunc) {
	for !d.broken {
		if d.discard > 0 {
			n := min(d.discard, len(data))
			d.discard -= n
			data = data[n:]
		}
		if len(data) == 0 {
			return
		}
		if len(d.pending) > 0 {
			// Complete the pending packet, copying no more than it needs.
			need, hdr, ok := packetLen(d.pending)
			for !ok && need >= 0 && len(data) > 0 {
				// The fixed header is incomplete: take one byte at a time.
				d.pending = append(d.pending, data[0])
				data = data[1:]
				need, hdr, ok = packetLen(d.pending)
			}
			switch {
			case need < 0:
				d.fail(problem)
				return
			case !ok:
				return
			case need-hdr > d.maxPacket:
				d.tooLarge(d.pending, need, hdr, problem)
				d.discard = need - len(d.pending)
				d.pending = d.pending[:0]
				continue
			}
			n := min(need-len(d.pending), len(data))
			d.pending = append(d.pending, data[:n]...)
			data = data[n:]
			if len(d.pending) < need {
				return
			}
			d.decode(d.pending, hdr, emit, problem)
			d.pending = d.pending[:0]
			if cap(d.pending) > 64<<10 {
				d.pending = nil // do not keep a large packet's buffer
			}
			continue
		}
		need, hdr, ok := packetLen(data)
		switch {
		case need < 0:
			d.fail(problem)
			return
		case ok && need-hdr > d.maxPacket:
			d.tooLarge(data, need, hdr, problem)
			n := min(need, len(data))
			d.discard = need - n
			data = data[n:]
			continue
		case !ok || need > len(data):
			d.pending = append(d.pending[:0], data...)
			return
		}
		d.decode(data[:need], hdr, emit, problem)
		data = data[need:]
	}
}

// packetLen returns the length of the packet b begins with and the length of
// its fixed header; ok is false when b does not yet hold the whole fixed
// header. A negative length means the remaining length is malformed (MQTT 3.1.1
// section 2.2.3: at most four bytes).
func packetLen(b []byte) (n, hdr int, ok bool) {
	value, shift := 0, 0
	for i := 1; i < len(b) && i <= 4; i++ {
		value |= int(b[i]&127) << shift
		if b[i]&128 == 0 {
			return i + 1 + value, i + 1, true
		}
		shift += 7
	}
	if len(b) > 4 {
		return -1, 0, false
	}
	return 0, 0, false
}

func (d *streamDecoder) fail(problem problemFunc) {
	d.broken = true
	d.pending = nil
	problem(ReasonMalformed, "MQTT remaining length longer than four bytes; the rest of this direction is not decoded")
}

func (d *streamDecoder) tooLarge(b []byte, need, hdr int, problem problemFunc) {
	name := packets.PacketNames[b[0]>>4]
	problem(ReasonTooLarge, "MQTT "+name+" of "+strconv.Itoa(need-hdr)+" bytes is over the bound of "+
		strconv.Itoa(d.maxPacket)+" bytes after its fixed header: read through, not checked")
}

// decode decodes one whole packet b.
func (d *streamDecoder) decode(b []byte, h int, emit packetFunc, problem problemFunc) {
	pk := &d.pk
	*pk = packets.Packet{}
	if err := pk.FixedHeader.Decode(b[0]); err != nil {
		problem(ReasonMalformed, "MQTT fixed header: "+err.Error())
		return
	}
	if pk.FixedHeader.Type == packets.Reserved {
		problem(ReasonMalformed, "MQTT packet of the reserved type 0")
		return
	}
	pk.FixedHeader.Remaining = len(b) - h
	body := b[h:]
	pk.ProtocolVersion = *d.version
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		if err = pk.ConnectDecode(body); err == nil {
			switch pk.ProtocolVersion {
			case 3, 4, 5:
				*d.version = pk.ProtocolVersion
			default:
				problem(ReasonMalformed, "MQTT CONNECT with protocol level "+strconv.Itoa(int(pk.ProtocolVersion)))
				return
			}
		}
	case packets.Publish:
		if err = pk.PublishDecode(body); err == nil {
			err = d.alias(pk)
		}
	default:
		// Other packets only need framing: they are neither requests nor replies.
	}
	if err != nil {
		problem(ReasonMalformed, "MQTT "+packets.PacketNames[pk.FixedHeader.Type]+": "+err.Error())
		return
	}
	emit(pk)
}

// alias resolves an MQTT 5 topic alias of a PUBLISH (MQTT 5.0 section 3.3.2.3.4): a
// PUBLISH with a topic and an alias sets the alias; one with an alias and an
// empty topic uses it. Aliases are per connection and direction.
func (d *streamDecoder) alias(pk *packets.Packet) error {
	if pk.ProtocolVersion != 5 || pk.Properties.TopicAlias == 0 {
		return nil
	}
	a := pk.Properties.TopicAlias
	if pk.TopicName == "" {
		t, ok := d.aliases[a]
		if !ok {
			return errString("topic alias " + strconv.Itoa(int(a)) + " was never set")
		}
		pk.TopicName = t
		return nil
	}
	old, had := d.aliases[a]
	if had && old == pk.TopicName {
		return nil
	}
	if d.aliasSize-len(old)+len(pk.TopicName) > maxAliasBytes {
		return errString("topic aliases over " + strconv.Itoa(maxAliasBytes) + " bytes of topics in one direction")
	}
	if d.aliases == nil {
		d.aliases = map[uint16]string{}
	}
	d.aliasSize += len(pk.TopicName) - len(old)
	// mochi's decoder returns a string aliasing the packet's bytes: copy it.
	d.aliases[a] = strings.Clone(pk.TopicName)
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }
