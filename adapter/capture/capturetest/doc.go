// Package capturetest writes the packet captures that tests read: TCP
// conversations carrying MQTT, framed for each link type, written as pcap
// (either byte order, micro- or nanoseconds) or pcapng. Its packets are
// gopacket's serialisation and mochi-mqtt's encoders, so that a test of a
// capture reader does not check the reader against itself.
package capturetest
