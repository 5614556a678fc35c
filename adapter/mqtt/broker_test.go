package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
)

// sampleBatch is what SPEC §4.8 makes of the seeds' sample: the nine points in
// document order, values in normal form (the compat profile reads the strings of
// branchCurr as FLOAT numbers), quality only where the model has one.
var sampleBatch = batch{
	Topic: gwTopic,
	ID:    `"123"`,
	Points: []point{
		{"product1", "device1", 123456, "Power", "INT", "1", 9},
		{"product1", "device1", 123456, "temp", "FLOAT", "1.02", -1},
		{"product1", "device1", 123456, "branchCurr", "ARRAY", "[1.02,2.02,7.93]", -1},
		{"product1", "device1", 123567, "Power", "INT", "2", 9},
		{"product1", "device1", 123567, "temp", "FLOAT", "2.02", -1},
		{"product1", "device1", 123567, "branchCurr", "ARRAY", "[2.02,3.02,9.93]", -1},
		{"product2", "device2", 123456, "Power", "INT", "1", 9},
		{"product2", "device2", 123456, "temp", "FLOAT", "1.02", -1},
		{"product2", "device2", 123456, "branchCurr", "ARRAY", "[1.02,2.02,7.93]", -1},
	},
}

// The reply of SPEC §4.9 to the sample: the id echoed as a string, code 200, no
// message.
const sampleReply = `{"id":"123","code":200,"data":{}}`

func TestSampleMQTT311(t *testing.T) {
	for _, qos := range []byte{0, 1} {
		t.Run("qos"+strconv.Itoa(int(qos)), func(t *testing.T) {
			sink := new(collector)
			opts := sampleOptions(t)
			opts.Sink = sink
			addr := startBroker(t, opts)
			gw := dialV3(t, addr, "gw1")
			gw.subscribe(t, gwReplyTopic)
			gw.publish(t, gwTopic, qos, samplePayload)
			m := next(t, gw.msgs)
			if m.topic != gwReplyTopic || string(m.payload) != sampleReply {
				t.Fatalf("got %s on %s, want %s on %s", m.payload, m.topic, sampleReply, gwReplyTopic)
			}
			if diff := cmp.Diff([]batch{sampleBatch}, sink.get()); diff != "" {
				t.Errorf("sink (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSampleMQTT5(t *testing.T) {
	for _, qos := range []byte{0, 1} {
		t.Run("qos"+strconv.Itoa(int(qos)), func(t *testing.T) {
			sink := new(collector)
			opts := sampleOptions(t)
			opts.Sink = sink
			addr := startBroker(t, opts)
			gw := dialV5(t, addr, "gw1")
			gw.subscribe(t, gwReplyTopic)
			// An accepted message gets a positive PUBACK (a reason code below 0x80).
			if code, reason := gw.publish(t, gwTopic, qos, samplePayload); code >= 0x80 {
				t.Fatalf("PUBACK %#x %q, want success", code, reason)
			}
			m := next(t, gw.msgs)
			if m.topic != gwReplyTopic || string(m.payload) != sampleReply {
				t.Fatalf("got %s on %s, want %s on %s", m.payload, m.topic, sampleReply, gwReplyTopic)
			}
			if diff := cmp.Diff([]batch{sampleBatch}, sink.get()); diff != "" {
				t.Errorf("sink (-want +got):\n%s", diff)
			}
		})
	}
}

// rejections are requests from gateway gwP/gw1 that SPEC §4 rejects, with the
// exact reply of §4.9.
var rejections = []struct {
	name, payload, reply string
	code                 codes.Code
}{
	{
		name:    "model",
		payload: meterRequest(7, `"high"`), // voltage is a DOUBLE: not even compat reads "high" as one
		reply:   `{"id":7,"code":1204,"message":"Model validate failed","data":{}}`,
		code:    codes.ModelInvalid,
	},
	{
		name:    "not JSON",
		payload: `hello`,
		reply:   `{"code":1206,"message":"Measurepoint post data format error","data":{}}`,
		code:    codes.FormatError,
	},
	{
		name:    "empty",
		payload: ``,
		reply:   `{"code":1251,"message":"Payload is empty","data":{}}`,
		code:    codes.PayloadEmpty,
	},
	{
		name:    "white space only",
		payload: " \r\n\t ",
		reply:   `{"code":1251,"message":"Payload is empty","data":{}}`,
		code:    codes.PayloadEmpty,
	},
	{
		name:    "method of another topic",
		payload: `{"id":"9","version":"1.0","method":"thing.measurepoint.resume.batch","params":[]}`,
		reply:   `{"id":"9","code":1260,"message":"Methods not consistent","data":{}}`,
		code:    codes.MethodMismatch,
	},
	{
		name: "sub-device of another gateway",
		payload: `{"id":"10","version":"1.0","method":"thing.measurepoint.post.batch",` +
			`"params":[{"productKey":"product1","deviceKey":"other1","measurepoints":{"temp":1.5}}]}`,
		reply: `{"id":"10","code":1212,"message":"No sub-device permission","data":{}}`,
		code:  codes.NoSubDevicePerm,
	},
	{
		name: "offline sub-device",
		payload: `{"id":"11","version":"1.0","method":"thing.measurepoint.post.batch",` +
			`"params":[{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1.5}}]}`,
		reply: `{"id":"11","code":1212,"message":"No sub-device permission","data":{}}`,
		code:  codes.NoSubDevicePerm,
	},
	{
		name: "unknown sub-device",
		payload: `{"id":"12","version":"1.0","method":"thing.measurepoint.post.batch",` +
			`"params":[{"productKey":"product1","deviceKey":"ghost","measurepoints":{"temp":1.5}}]}`,
		reply: `{"id":"12","code":1212,"message":"No sub-device permission","data":{}}`,
		code:  codes.NoSubDevicePerm,
	},
}

// TestRejectedMQTT311 checks that a rejected message gets its code in the reply,
// is not delivered to the subscribers of the request topic, and gives the sink
// nothing.
func TestRejectedMQTT311(t *testing.T) {
	for _, tc := range rejections {
		t.Run(tc.name, func(t *testing.T) {
			sink := new(collector)
			opts := sampleOptions(t)
			opts.Sink = sink
			addr := startBroker(t, opts)
			watcher := dialV3(t, addr, "watcher")
			watcher.subscribe(t, gwTopic)
			gw := dialV3(t, addr, "gw1")
			gw.subscribe(t, gwReplyTopic)
			gw.publish(t, gwTopic, 1, tc.payload)
			m := next(t, gw.msgs)
			if m.topic != gwReplyTopic || string(m.payload) != tc.reply {
				t.Fatalf("got %s on %s, want %s", m.payload, m.topic, tc.reply)
			}
			none(t, watcher.msgs, 200*time.Millisecond)
			if got := sink.get(); len(got) != 0 {
				t.Errorf("sink got %v, want nothing", got)
			}
		})
	}
}

// TestRejectedMQTT5 checks the same for MQTT 5, whose QoS 1 PUBACK also carries
// reason code 0x99 (payload format invalid) with the platform code as its reason
// string.
func TestRejectedMQTT5(t *testing.T) {
	for _, tc := range rejections {
		t.Run(tc.name, func(t *testing.T) {
			sink := new(collector)
			opts := sampleOptions(t)
			opts.Sink = sink
			addr := startBroker(t, opts)
			watcher := dialV5(t, addr, "watcher")
			watcher.subscribe(t, gwTopic)
			gw := dialV5(t, addr, "gw1")
			gw.subscribe(t, gwReplyTopic)
			code, reason := gw.publish(t, gwTopic, 1, tc.payload)
			if code != 0x99 || reason != tc.code.String() {
				t.Errorf("PUBACK %#x %q, want 0x99 %q", code, reason, tc.code.String())
			}
			m := next(t, gw.msgs)
			if m.topic != gwReplyTopic || string(m.payload) != tc.reply {
				t.Fatalf("got %s on %s, want %s", m.payload, m.topic, tc.reply)
			}
			// At QoS 0 there is no PUBACK; the reply alone tells.
			gw.publish(t, gwTopic, 0, tc.payload)
			if m := next(t, gw.msgs); string(m.payload) != tc.reply {
				t.Fatalf("QoS 0: got %s, want %s", m.payload, tc.reply)
			}
			none(t, watcher.msgs, 200*time.Millisecond)
			if got := sink.get(); len(got) != 0 {
				t.Errorf("sink got %v, want nothing", got)
			}
		})
	}
}

// TestAcceptedDelivered checks that an accepted message reaches the subscribers
// of its topic unchanged.
func TestAcceptedDelivered(t *testing.T) {
	addr := startBroker(t, sampleOptions(t))
	watcher := dialV3(t, addr, "watcher")
	watcher.subscribe(t, gwTopic)
	gw := dialV5(t, addr, "gw1")
	gw.publish(t, gwTopic, 1, samplePayload)
	m := next(t, watcher.msgs)
	if m.topic != gwTopic || string(m.payload) != samplePayload {
		t.Errorf("watcher got %q on %s, want the sample on %s", m.payload, m.topic, gwTopic)
	}
}

// TestForgedReply checks that a client cannot publish on a reply topic: the
// publication is acknowledged (0x87 for MQTT 5 at QoS 1) and reaches nobody.
func TestForgedReply(t *testing.T) {
	var mu sync.Mutex
	var refused []string
	opts := sampleOptions(t)
	opts.OnVerdict = func(v *mqtt.Verdict) {
		mu.Lock()
		defer mu.Unlock()
		refused = append(refused, v.Refused)
	}
	addr := startBroker(t, opts)
	gw := dialV3(t, addr, "gw1")
	gw.subscribe(t, gwReplyTopic)
	forger3 := dialV3(t, addr, "forger3")
	forger3.publish(t, gwReplyTopic, 1, sampleReply)
	forger5 := dialV5(t, addr, "forger5")
	if code, _ := forger5.publish(t, gwReplyTopic, 1, sampleReply); code != 0x87 {
		t.Errorf("PUBACK %#x, want 0x87 (not authorized)", code)
	}
	forger5.publish(t, gwReplyTopic, 0, sampleReply)
	none(t, gw.msgs, 300*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"reply topic", "reply topic", "reply topic"}, refused); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
}

func TestOtherTopics(t *testing.T) {
	const topic = "/sys/gwP/gw1/thing/event/alarm/post"
	tests := []struct {
		name      string
		policy    mqtt.Policy
		delivered bool
		ack       byte // MQTT 5 QoS 1 PUBACK reason code
	}{
		{"forward", mqtt.Forward, true, 0x00},
		{"refuse", mqtt.Refuse, false, 0x87},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := sampleOptions(t)
			opts.OtherTopics = tc.policy
			addr := startBroker(t, opts)
			watcher := dialV3(t, addr, "watcher")
			watcher.subscribe(t, topic)
			pub := dialV5(t, addr, "pub")
			code, _ := pub.publish(t, topic, 1, "anything")
			if (code >= 0x80) != (tc.ack >= 0x80) || (tc.ack >= 0x80 && code != tc.ack) {
				t.Errorf("PUBACK %#x, want %#x", code, tc.ack)
			}
			if tc.delivered {
				if m := next(t, watcher.msgs); m.topic != topic || string(m.payload) != "anything" {
					t.Errorf("got %q on %s", m.payload, m.topic)
				}
			} else {
				none(t, watcher.msgs, 200*time.Millisecond)
			}
		})
	}
}

// TestPayloadLimit checks the limit of SPEC §4.1 at N and N+1, and that a packet
// beyond the broker's maximum packet size closes the connection.
func TestPayloadLimit(t *testing.T) {
	const limit = 2048
	opts := sampleOptions(t)
	opts.Validate.Limits.MaxBytes = limit
	addr := startBroker(t, opts)
	gw := dialV5(t, addr, "gw1")
	gw.subscribe(t, gwReplyTopic)

	base := meterRequest(1, "230.5")
	pad := func(n int) string { return base + strings.Repeat(" ", n-len(base)) } // trailing white space is allowed JSON

	gw.publish(t, gwTopic, 1, pad(limit))
	if r := reply(t, gw.msgs, gwReplyTopic); r.Code != codes.OK {
		t.Errorf("%d bytes: code %d, want 200", limit, r.Code)
	}
	gw.publish(t, gwTopic, 1, pad(limit+1))
	if r := reply(t, gw.msgs, gwReplyTopic); r.Code != codes.MsgTooLarge {
		t.Errorf("%d bytes: code %d, want 1008", limit+1, r.Code)
	}
	if got, want := mqtt.MaxPacketSize(limit), uint32(limit+mqtt.PacketOverhead); got != want {
		t.Fatalf("MaxPacketSize(%d) = %d, want %d", limit, got, want)
	}
	// A payload as large as the maximum packet size: the packet is larger still,
	// so the broker closes the connection without reading it.
	gw.publish(t, gwTopic, 0, pad(limit+mqtt.PacketOverhead))
	select {
	case <-gw.c.Done():
	case <-time.After(timeout):
		t.Fatal("connection still open after a packet over the maximum size")
	}
}

func TestMaxPacketSize(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		want     uint32
	}{
		{"default", 0, 512<<10 + 64<<10},
		{"no limit", -1, 0},
		{"small", 1000, 1000 + 64<<10},
		{"beyond MQTT framing", 1 << 40, 268435455 + 5},
	}
	for _, tc := range tests {
		if got := mqtt.MaxPacketSize(tc.maxBytes); got != tc.want {
			t.Errorf("%s: MaxPacketSize(%d) = %d, want %d", tc.name, tc.maxBytes, got, tc.want)
		}
	}
}

// TestNoAuthHook checks that without AllowAll (and no other authentication hook)
// the broker refuses clients.
func TestNoAuthHook(t *testing.T) {
	opts := sampleOptions(t)
	opts.AllowAll = false
	addr := startBroker(t, opts)
	o := newV3Options(addr, "gw1")
	c := newV3(o)
	if err := wait(c.Connect()); err == nil {
		c.Disconnect(0)
		t.Fatal("connected without an authentication hook")
	}
}

// TestConcurrentClients has 50 clients, half MQTT 3.1.1 and half MQTT 5, each
// publish 200 messages as their own gateway; one in four is invalid. Every
// message must get exactly its own reply, and the sink exactly the accepted ones.
func TestConcurrentClients(t *testing.T) {
	const clients, messages = 50, 200
	if testing.Short() {
		t.Skip("many clients")
	}
	sink := new(collector)
	opts := sampleOptions(t)
	opts.Sink = sink
	addr := startBroker(t, opts)

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for c := range clients {
		dk := fmt.Sprintf("c%02d", c)
		topic := topicOf(dk)
		var msgs <-chan message
		var publish func(payload string) error
		qos := byte(c % 2)
		if c%4 < 2 {
			vc := dialV3(t, addr, dk)
			vc.subscribe(t, topic+"_reply")
			msgs, publish = vc.msgs, func(p string) error { return vc.tryPublish(topic, qos, p) }
		} else {
			vc := dialV5(t, addr, dk)
			vc.subscribe(t, topic+"_reply")
			msgs, publish = vc.msgs, func(p string) error {
				_, _, err := vc.tryPublish(topic, qos, p)
				return err
			}
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range messages {
				voltage := "230.5"
				if i%4 == 0 {
					voltage = `"high"`
				}
				if err := publish(meterRequest(i, voltage)); err != nil {
					errs <- fmt.Errorf("%s: %w", dk, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			seen := make(map[int]bool, messages)
			for range messages {
				var m message
				select {
				case m = <-msgs:
				case <-time.After(timeout):
					errs <- fmt.Errorf("%s: %d replies, want %d", dk, len(seen), messages)
					return
				}
				want := `{"code":200,"data":{}}`
				id, err := replyID(m.payload)
				if err != nil {
					errs <- fmt.Errorf("%s: %s: %v", dk, m.payload, err)
					return
				}
				if id%4 == 0 {
					want = `{"code":1204,"message":"Model validate failed","data":{}}`
				}
				want = `{"id":` + strconv.Itoa(id) + `,` + want[1:]
				if m.topic != topic+"_reply" || string(m.payload) != want || seen[id] {
					errs <- fmt.Errorf("%s: got %s on %s (seen before: %v), want %s", dk, m.payload, m.topic, seen[id], want)
					return
				}
				seen[id] = true
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	accepted := 0
	for _, b := range sink.get() {
		if len(b.Points) != 1 || b.Points[0].Identifier != "voltage" || b.Points[0].Value != "230.5" {
			t.Fatalf("unexpected batch %+v", b)
		}
		accepted++
	}
	if want := clients * messages * 3 / 4; accepted != want {
		t.Errorf("sink got %d batches, want %d", accepted, want)
	}
}

// replyID reads the integer id of a reply.
func replyID(payload []byte) (int, error) {
	rest, ok := strings.CutPrefix(string(payload), `{"id":`)
	if !ok {
		return 0, fmt.Errorf("no id")
	}
	n, _, ok := strings.Cut(rest, ",")
	if !ok {
		return 0, fmt.Errorf("no id")
	}
	return strconv.Atoi(n)
}

// TestVerdictAndSinkError checks what OnVerdict reports, and that an error from
// the sink makes the message not accepted: reply 500, PUBACK 0x80 for an MQTT 5
// client, the error in the Verdict.
func TestVerdictAndSinkError(t *testing.T) {
	sinkErr := errors.New("disk full")
	type seen struct {
		ClientID, Topic string
		QoS             byte
		Bytes           int
		Code, Replied   codes.Code
		Accepted        int
		SinkErr         error
	}
	got := make(chan seen, 4)
	opts := sampleOptions(t)
	opts.Sink = mqtt.SinkFunc(func(*mqtt.Batch) error { return sinkErr })
	opts.OnVerdict = func(v *mqtt.Verdict) {
		if v.Elapsed <= 0 || v.Err != nil {
			t.Errorf("verdict elapsed %v, err %v; want a positive time and no error", v.Elapsed, v.Err)
		}
		got <- seen{v.ClientID, v.Topic, v.QoS, v.Bytes, v.Result.Code, v.Code, v.Result.Accepted, v.SinkErr}
	}
	addr := startBroker(t, opts)
	gw := dialV5(t, addr, "gw1")
	gw.subscribe(t, gwReplyTopic)
	if code, _ := gw.publish(t, gwTopic, 1, samplePayload); code != 0x80 {
		t.Errorf("PUBACK %#x, want 0x80 (unspecified error)", code)
	}
	if r := reply(t, gw.msgs, gwReplyTopic); r.Code != codes.ServerError {
		t.Errorf("reply code %d, want 500: the points were not kept", r.Code)
	}
	invalid := meterRequest(3, `"high"`)
	gw.publish(t, gwTopic, 0, invalid)
	if r := reply(t, gw.msgs, gwReplyTopic); r.Code != codes.ModelInvalid {
		t.Errorf("reply code %d, want 1204", r.Code)
	}
	want := []seen{
		{"gw1", gwTopic, 1, len(samplePayload), codes.OK, codes.ServerError, 9, sinkErr},
		// A rejected message never reaches the sink; its points are not final.
		{"gw1", gwTopic, 0, len(invalid), codes.ModelInvalid, codes.ModelInvalid, 0, nil},
	}
	for i, w := range want {
		select {
		case g := <-got:
			if diff := cmp.Diff(w, g, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("verdict %d (-want +got):\n%s", i, diff)
			}
		case <-time.After(timeout):
			t.Fatal("no verdict")
		}
	}
}

// TestBrokerLogQuiet checks that a rejection, which makes the broker send a
// negative PUBACK, is not logged by the broker as an error of its own.
func TestBrokerLogQuiet(t *testing.T) {
	h := &levelCounter{}
	opts := sampleOptions(t)
	opts.Logger = slog.New(h)
	addr := startBroker(t, opts)
	gw := dialV5(t, addr, "gw1")
	if code, _ := gw.publish(t, gwTopic, 1, "not JSON"); code != 0x99 {
		t.Fatalf("PUBACK %#x, want 0x99", code)
	}
	gw.publish(t, gwTopic, 1, samplePayload) // a round trip after the rejection
	if n := h.errors.Load(); n != 0 {
		t.Errorf("%d error records, want none", n)
	}
	if h.records.Load() == 0 {
		t.Error("no broker records at all: is the logger wired?")
	}
}

// levelCounter is a slog.Handler that counts records, and error records.
type levelCounter struct {
	records, errors atomic.Int64
}

func (h *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelCounter) Handle(_ context.Context, r slog.Record) error {
	h.records.Add(1)
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
	}
	return nil
}
func (h *levelCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelCounter) WithGroup(string) slog.Handler      { return h }

// TestRequestNotRetained checks that an accepted request published with the
// retain flag is delivered but not stored: a later subscriber of its topic is
// not sent it as if it were new. Other topics keep their retained messages.
func TestRequestNotRetained(t *testing.T) {
	addr := startBroker(t, sampleOptions(t))
	gw := dialV3(t, addr, "gw1")
	if err := wait(gw.c.Publish(gwTopic, 1, true, samplePayload)); err != nil {
		t.Fatal(err)
	}
	if err := wait(gw.c.Publish("plain/topic", 1, true, "kept")); err != nil {
		t.Fatal(err)
	}
	// The broker handles a client's packets in order: the request was
	// delivered before the second publication was acknowledged. The latter
	// may still be on its way to subscribers, so it may come twice.
	late := dialV3(t, addr, "late")
	late.subscribe(t, gwTopic)
	none(t, late.msgs, 200*time.Millisecond)
	late.subscribe(t, "plain/topic")
	if m := next(t, late.msgs); string(m.payload) != "kept" {
		t.Errorf("retained message on another topic %q, want %q", m.payload, "kept")
	}
}
