// Package capture reads the MQTT PUBLISH packets of packet captures, as
// tcpdump and Wireshark write them, for pointguard check.
//
// # Formats
//
// [Detect] tells the formats apart by their magic numbers: pcap with micro-
// or nanosecond timestamps in either byte order, and pcapng. Frames may be of
// link type Ethernet (with 802.1Q tags), Linux cooked v1 and v2 (tcpdump -i
// any), BSD loopback (null and loop) and raw IP, carrying IPv4 or IPv6.
// Reading, framing and TCP reassembly are gopacket's (pcapgo, layers,
// reassembly; pure Go, no libpcap); MQTT 3.1.1 and 5 packets are decoded by
// mochi-mqtt's packets package.
//
// # Which connections are MQTT
//
// A TCP connection is MQTT when the first bytes its client sends are an MQTT
// CONNECT, whatever the port; the CONNECT gives the protocol version of both
// directions. A capture that begins after the CONNECT holds connections that
// start with other packets: [Options.MQTTPorts] names the ports whose
// connections are MQTT anyway, and [Options.MQTTVersion] their version.
// Connections that begin with a TLS handshake, or with anything else, are
// reported once each (ReasonTLS, ReasonNotMQTT) and not decoded.
//
// # Decisions
//
//  1. A Message carries the frame that completed its PUBLISH (the segment
//     that brought its last byte, or that filled the hole before it), and
//     that frame's time, as Wireshark places a reassembled PDU.
//  2. Retransmitted and overlapping segments are read once; out-of-order
//     segments are held until the hole before them is filled.
//  3. Bytes missing from a stream (never captured) end the decoding of that
//     direction: MQTT cannot be framed again from the middle of a stream.
//     It is reported once, as ReasonGap.
//  4. A frame shorter on file than on the wire (the snap length) is left
//     out, so that its stream has a gap rather than wrong bytes.
//  5. IP fragments are not reassembled; MQTT brokers and clients send whole
//     segments, and a fragment is reported as ReasonFragment.
//  6. A capture file cut inside a record ends the capture: what was read is
//     kept, the cut is reported (ReasonTruncated), and a stream left inside
//     an MQTT packet is reported too (ReasonPartial).
//  7. MQTT 5 topic aliases are resolved per connection and direction; an
//     alias never set is a malformed packet.
//  8. Packets other than PUBLISH are framed and, for CONNECT, decoded; they
//     are not returned.
//
// # Limits
//
// Memory is bounded per open TCP connection, never by the size of the
// capture: out-of-order segments take at most 128 pages of 1,900 bytes per
// direction (gopacket's reassembly then gives up waiting and reports a
// gap), 65,536 pages for all connections together (124.5 MB), topic aliases
// at most 256 KiB of topics per direction ([PerStreamBound] adds these up:
// 1,010,688 bytes per connection), and each direction holds at most one
// incomplete MQTT packet of at most [Options.MaxPacket] bytes after its fixed
// header. A packet that declares more is read through without being held,
// and reported as ReasonTooLarge. Connections closed by FIN or RST are
// dropped at once; connections idle for two hours of capture time are
// closed.
//
// # Errors
//
// [NewReader] fails for a file that is not pcap or pcapng. [Reader.Next]
// returns the underlying reader's error unchanged when reading fails, and
// io.EOF at the end; everything else it cannot decode is a [Problem] given to
// [Options.Problem], in file order with the messages.
package capture
