package mqtt_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/mqtt"
)

// logBuffer is a text log safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startLimited starts a broker with lim on a NewListener and returns it, its
// address and its log.
func startLimited(t *testing.T, lim mqtt.Limits) (*mochi.Server, string, *logBuffer) {
	t.Helper()
	srv, addr, log := serveLimited(t, lim)
	t.Cleanup(func() { mqtt.Close(srv) })
	return srv, addr, log
}

// serveLimited is startLimited for a test that closes the broker itself.
func serveLimited(t *testing.T, lim mqtt.Limits) (*mochi.Server, string, *logBuffer) {
	t.Helper()
	log := &logBuffer{}
	opts := sampleOptions(t)
	opts.Limits = lim
	opts.Logger = slog.New(slog.NewTextHandler(log, nil))
	srv, err := mqtt.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddListener(mqtt.NewListener("t", ln, lim, opts.Logger)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	return srv, ln.Addr().String(), log
}

func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func encode(t *testing.T, pk packets.Packet) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func connectPacket(t *testing.T, id string, version byte, keepalive uint16, clean bool) []byte {
	name := []byte("MQTT")
	return encode(t, packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect:         packets.ConnectParams{ProtocolName: name, ClientIdentifier: id, Keepalive: keepalive, Clean: clean},
	})
}

// connect sends CONNECT and reads the CONNACK's bytes.
func connect(t *testing.T, c net.Conn, id string, version byte, keepalive uint16) []byte {
	t.Helper()
	c.Write(connectPacket(t, id, version, keepalive, true))
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil || n < 4 || buf[0] != 0x20 {
		t.Fatalf("CONNACK: % x %v", buf[:n], err)
	}
	c.SetReadDeadline(time.Time{})
	return buf[:n]
}

// closedBy reports whether the broker closes c within d.
func closedBy(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// TestConnectDeadline checks that a connection that sends nothing, and one
// that sends half a CONNECT, are closed after ConnectTimeout, and logged.
func TestConnectDeadline(t *testing.T) {
	_, addr, log := startLimited(t, mqtt.Limits{ConnectTimeout: 200 * time.Millisecond})
	silent := rawDial(t, addr)
	half := rawDial(t, addr)
	half.Write(connectPacket(t, "half", 4, 30, true)[:8])
	for name, c := range map[string]net.Conn{"silent": silent, "half CONNECT": half} {
		if !closedBy(c, timeout) {
			t.Errorf("%s connection still open after %v", name, timeout)
		}
	}
	if !eventually(func() bool { return strings.Contains(log.String(), "connection closed before its session began") }) {
		t.Errorf("log %q, want the closed connections", log.String())
	}
}

// TestServerKeepalive checks that a client asking for keepalive 0 gets the
// server's: silent, or stopping half-way through a PUBLISH, it is closed after
// 1.5 times it; an MQTT 5 client is told it in CONNACK.
func TestServerKeepalive(t *testing.T) {
	_, addr, log := startLimited(t, mqtt.Limits{ServerKeepalive: time.Second})
	idle := rawDial(t, addr)
	connect(t, idle, "idle", 4, 0)
	half := rawDial(t, addr)
	connect(t, half, "half", 4, 0)
	pub := encode(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: "a/b", Payload: make([]byte, 5000)})
	half.Write(pub[:len(pub)-20])
	for name, c := range map[string]net.Conn{"idle": idle, "half-sent PUBLISH": half} {
		if !closedBy(c, timeout) {
			t.Errorf("%s client with keepalive 0 still connected after %v", name, timeout)
		}
	}
	for _, id := range []string{"client=idle", "client=half"} {
		if !eventually(func() bool { return strings.Contains(log.String(), id) }) {
			t.Errorf("log %q: want the disconnection of %s with its id", log.String(), id)
		}
	}
	v5 := rawDial(t, addr)
	ack := connect(t, v5, "v5", 5, 0)
	// Property 0x13 Server Keep Alive, two bytes: 1 second.
	if !bytes.Contains(ack, []byte{0x13, 0, 1}) {
		t.Errorf("CONNACK % x: want Server Keep Alive 1", ack)
	}
}

// TestMaxConnections checks MaxConnections at N and N+1.
func TestMaxConnections(t *testing.T) {
	_, addr, _ := startLimited(t, mqtt.Limits{MaxConnections: 2})
	a, b := rawDial(t, addr), rawDial(t, addr)
	connect(t, a, "a", 4, 30)
	connect(t, b, "b", 4, 30)
	if c := rawDial(t, addr); !closedBy(c, timeout) {
		t.Error("connection 3 with MaxConnections 2 still open")
	}
	if closedBy(a, 100*time.Millisecond) {
		t.Error("connection 1 closed")
	}
}

// TestConnackAnnounces checks what CONNACK tells an MQTT 5 client: maximum
// packet size (0x27), topic alias maximum (0x22), receive maximum (0x21) and
// Maximum QoS 1 (0x24).
func TestConnackAnnounces(t *testing.T) {
	_, addr, _ := startLimited(t, mqtt.Limits{MaxTopicAliases: 5, MaxInflight: 7})
	ack := connect(t, rawDial(t, addr), "v5", 5, 30)
	max := mqtt.MaxPacketSize(0)
	for name, prop := range map[string][]byte{
		"maximum packet size": {0x27, byte(max >> 24), byte(max >> 16), byte(max >> 8), byte(max)},
		"topic alias maximum": {0x22, 0, 5},
		"receive maximum":     {0x21, 0, 7},
		"maximum QoS":         {0x24, 1},
	} {
		if !bytes.Contains(ack, prop) {
			t.Errorf("CONNACK % x: no %s % x", ack, name, prop)
		}
	}
}

// TestTopicAliasLimit checks MaxTopicAliases at N and N+1: alias 2 is taken,
// alias 3 ends the connection, so a client cannot pin memory with thousands
// of long aliased topics.
func TestTopicAliasLimit(t *testing.T) {
	_, addr, _ := startLimited(t, mqtt.Limits{MaxTopicAliases: 2})
	c := rawDial(t, addr)
	connect(t, c, "aliaser", 5, 30)
	pub := func(alias uint16) []byte {
		return encode(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, ProtocolVersion: 5,
			TopicName: "other/" + strings.Repeat("x", 1000), Payload: []byte("p"),
			Properties: packets.Properties{TopicAlias: alias, TopicAliasFlag: true}})
	}
	c.Write(pub(2))
	if closedBy(c, 200*time.Millisecond) {
		t.Fatal("alias 2 with MaxTopicAliases 2 ended the connection")
	}
	c.Write(pub(3))
	if !closedBy(c, timeout) {
		t.Error("alias 3 with MaxTopicAliases 2: connection still open")
	}
}

// TestRetainedLimits checks MaxRetained and MaxRetainedBytes at N and N+1: a
// retained publication beyond them is delivered but not retained.
func TestRetainedLimits(t *testing.T) {
	srv, addr, log := startLimited(t, mqtt.Limits{MaxRetained: 2, MaxRetainedBytes: 10})
	pubr := dialV3(t, addr, "pubr")
	for _, m := range []struct{ topic, payload string }{
		{"r/1", "12345"}, {"r/2", "12345"}, // 2 messages, 10 bytes: at both limits
		{"r/3", "1"},      // a third message
		{"r/1", "123456"}, // replacing one, 11 bytes in all
	} {
		if err := wait(pubr.c.Publish(m.topic, 1, true, m.payload)); err != nil {
			t.Fatal(err)
		}
	}
	// The store itself: a late subscriber could also get the last publication
	// live, as it may still be on its way when the PUBACK came.
	got := map[string]string{}
	for topic, pk := range srv.Topics.Retained.GetAll() {
		if strings.HasPrefix(topic, "r/") { // not the broker's own $SYS topics
			got[topic] = string(pk.Payload)
		}
	}
	if len(got) != 2 || got["r/1"] != "12345" || got["r/2"] != "12345" {
		t.Errorf("retained %v, want r/1 and r/2 as first published", got)
	}
	if !strings.Contains(log.String(), "retained store full") {
		t.Errorf("log %q, want the refused retains", log.String())
	}
}

// TestSessionExpiry checks that the session of a client that went away with
// clean session false is dropped after MaxSessionExpiry, not kept for ever.
func TestSessionExpiry(t *testing.T) {
	srv, addr, _ := startLimited(t, mqtt.Limits{MaxSessionExpiry: time.Second})
	c := rawDial(t, addr)
	c.Write(connectPacket(t, "gone", 4, 30, false))
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(timeout))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(timeout)
	for {
		cl, ok := srv.Clients.Get("gone")
		if !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session of a client gone for %v still held (closed %v)", timeout, cl.Closed())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSlowSubscriber checks that a client that subscribes to everything and
// reads nothing is disconnected, with its id in the log, once the bytes queued
// for it pass MaxQueuedBytes, and that the publisher is not held up.
func TestSlowSubscriber(t *testing.T) {
	_, addr, log := startLimited(t, mqtt.Limits{MaxQueuedBytes: 256 << 10})
	slow := rawDial(t, addr)
	connect(t, slow, "slow", 4, 30)
	slow.Write(encode(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 1,
		Filters: packets.Subscriptions{{Filter: "#", Qos: 0}}}))
	time.Sleep(100 * time.Millisecond) // the SUBSCRIBE is processed
	pub := dialV3(t, addr, "pub")
	payload := strings.Repeat("x", 64<<10)
	for i := 0; i < 400 && !strings.Contains(log.String(), "client=slow"); i++ {
		if err := pub.tryPublish("other/topic", 0, payload); err != nil {
			t.Fatal(err)
		}
	}
	if !eventually(func() bool {
		return strings.Contains(log.String(), "outbound queue full") && strings.Contains(log.String(), "client=slow")
	}) {
		t.Fatalf("log %q: want the slow client disconnected with its id", log.String())
	}
	if strings.Contains(log.String(), payload[:100]) {
		t.Error("the log holds a payload")
	}
}

// TestQoS2MQTT311 checks that an MQTT 3.1.1 client publishing at QoS 2 gets the
// whole exchange (PUBREC, then PUBCOMP for its PUBREL), one reply, and one
// validation even when it sends the PUBLISH again before its PUBREL.
func TestQoS2MQTT311(t *testing.T) {
	var mu sync.Mutex
	verdicts := 0
	opts := sampleOptions(t)
	opts.OnVerdict = func(*mqtt.Verdict) { mu.Lock(); verdicts++; mu.Unlock() }
	addr := startBroker(t, opts)
	gw := dialV3(t, addr, "gw1")
	gw.subscribe(t, gwReplyTopic)
	if err := gw.tryPublish(gwTopic, 2, samplePayload); err != nil { // waits for PUBCOMP
		t.Fatal(err)
	}
	if r := reply(t, gw.msgs, gwReplyTopic); r.Code != 200 {
		t.Errorf("reply %d, want 200", r.Code)
	}

	c := rawDial(t, addr)
	connect(t, c, "raw", 4, 30)
	pub := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 2}, PacketID: 7, TopicName: gwTopic, Payload: []byte(samplePayload)}
	c.Write(encode(t, pub))
	pub.FixedHeader.Dup = true
	c.Write(encode(t, pub))
	c.Write([]byte{0x62, 2, 0, 7}) // PUBREL 7
	c.SetReadDeadline(time.Now().Add(timeout))
	var got []byte
	for !bytes.Contains(got, []byte{0x70, 2, 0, 7}) { // PUBCOMP 7
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no PUBCOMP: % x %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.HasPrefix(got, []byte{0x50, 2, 0, 7}) {
		t.Errorf("acknowledgements % x, want PUBREC 7 first", got)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if verdicts != 2 {
		t.Errorf("%d verdicts, want 2: one per message, the resent PUBLISH not validated again", verdicts)
	}
}

// eventually polls cond for up to timeout: the broker logs a disconnection
// just after closing the connection.
func eventually(cond func() bool) bool {
	for end := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			return false
		}
	}
	return true
}
