package mqtt_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
)

// replyTime is the dispatcher's clock in these tests.
const replyTime = 1700000000999

// startDispatcher starts a broker with opts and a dispatcher on it, and
// returns the broker's address and the dispatcher. The dispatcher is closed
// before the broker when the test ends.
func startDispatcher(tb testing.TB, opts mqtt.Options, dopts mqtt.DispatcherOptions) (string, *mqtt.Dispatcher) {
	tb.Helper()
	srv, err := mqtt.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if dopts.Now == nil {
		dopts.Now = func() int64 { return replyTime }
	}
	d, err := mqtt.NewDispatcher(srv, dopts)
	if err != nil {
		tb.Fatal(err)
	}
	addr := serveBroker(tb, srv)
	tb.Cleanup(func() { d.Close() })
	return addr, d
}

// setItem returns an accepted multiSet item, as the REST adapter hands it over.
func setItem(reqID, channel, pk, dk, point, inputData string, timeout int64) *protocol.SetMeasurepointReply {
	return &protocol.SetMeasurepointReply{
		SetMeasurepointRequest: protocol.SetMeasurepointRequest{
			RequestID: reqID, OrgID: "o1", CallType: protocol.CallTypeAsync,
			SetMeasurepointChannelID: channel, ProductKey: pk, DeviceKey: dk,
			MeasurepointID: point, InputData: json.RawMessage(inputData),
			Timeout: timeout, GmtServiceRequest: 1700000000000,
		},
		Status: codes.Success, Msg: "Success", GmtServiceReply: 1700000000001,
	}
}

// wantResult returns the JSON object a write result for item must be, field
// by field, with the given status, msg and submsg.
func wantResult(item *protocol.SetMeasurepointReply, status int, msg, submsg string) map[string]any {
	var input any
	if err := json.Unmarshal(item.InputData, &input); err != nil {
		panic(err)
	}
	return map[string]any{
		"requestId":                item.RequestID,
		"orgId":                    item.OrgID,
		"callType":                 "ASYNC",
		"setMeasurepointChannelId": item.SetMeasurepointChannelID,
		"productKey":               item.ProductKey,
		"deviceKey":                item.DeviceKey,
		"assetId":                  nil,
		"measurepointId":           item.MeasurepointID,
		"callbackUrl":              nil,
		"inputData":                input,
		"status":                   float64(status),
		"msg":                      msg,
		"submsg":                   submsg,
		"timeout":                  float64(item.Timeout),
		"gmtServiceRequest":        float64(1700000000000),
		"gmtServiceReply":          float64(replyTime),
	}
}

// nextResult reads the next message on msgs, which must be a write result on
// channel with one item, and returns that item's JSON object.
func nextResult(tb testing.TB, msgs <-chan message, channel string) map[string]any {
	tb.Helper()
	m := next(tb, msgs)
	if m.topic != channel {
		tb.Fatalf("message on %q, want a result on %q: %s", m.topic, channel, m.payload)
	}
	return decodeResult(tb, m.payload)
}

func decodeResult(tb testing.TB, payload []byte) map[string]any {
	tb.Helper()
	var r struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(payload, &r); err != nil || len(r.Data) != 1 {
		tb.Fatalf("result %s: %v, want {\"data\":[one item]}", payload, err)
	}
	return r.Data[0]
}

// command is a decoded set command.
type command struct {
	ID      string                     `json:"id"`
	Version string                     `json:"version"`
	Params  map[string]json.RawMessage `json:"params"`
	Method  string                     `json:"method"`
}

// nextCommand reads the next message on msgs, which must be a set command on
// the topic of device pk/dk.
func nextCommand(tb testing.TB, msgs <-chan message, pk, dk string) command {
	tb.Helper()
	m := next(tb, msgs)
	if want := "/sys/" + pk + "/" + dk + "/thing/service/measurepoint/set"; m.topic != want {
		tb.Fatalf("message on %q, want a command on %q: %s", m.topic, want, m.payload)
	}
	return decodeCommand(tb, m.payload)
}

func decodeCommand(tb testing.TB, payload []byte) command {
	tb.Helper()
	var c command
	if err := json.Unmarshal(payload, &c); err != nil {
		tb.Fatalf("command %s: %v", payload, err)
	}
	if c.ID == "" || c.Version != "1.0" || c.Method != "thing.service.measurepoint.set" || len(c.Params) != 1 {
		tb.Fatalf("command %s: want a string id, version 1.0, method thing.service.measurepoint.set and one param", payload)
	}
	return c
}

func answer(tb testing.TB, dev *v3Client, pk, dk, id string, code int, message string) {
	tb.Helper()
	dev.publish(tb, mqtt.SetTopic(pk, dk)+"_reply", 1, setReplyPayload(id, code, message))
}

func setReplyPayload(id string, code int, message string) string {
	p := `{"id":"` + id + `","code":` + strconv.Itoa(code) + `,"data":{}`
	if message != "" {
		p += `,"message":"` + message + `"`
	}
	return p + "}"
}

// outcomes collects the dispatcher's reports.
type outcomes struct {
	mu  sync.Mutex
	out []mqtt.WriteOutcome
}

func (o *outcomes) add(w *mqtt.WriteOutcome) {
	c := *w
	r := *w.Result
	c.Result = &r
	o.mu.Lock()
	o.out = append(o.out, c)
	o.mu.Unlock()
}

func (o *outcomes) get() []mqtt.WriteOutcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mqtt.WriteOutcome(nil), o.out...)
}

// TestDispatchOutcomes sends one item to each of four devices: one answers
// 200, one answers an error code, one never answers, one is not connected.
// Each command and each result is checked field by field.
func TestDispatchOutcomes(t *testing.T) {
	var log outcomes
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{OnResult: log.add})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.ch1")
	devs := map[string]*v3Client{}
	for _, dk := range []string{"ok", "bad", "mute"} {
		devs[dk] = dialV3(t, addr, dk)
		devs[dk].subscribe(t, mqtt.SetTopic("pkA", dk))
	}
	ctx := context.Background()

	okItem := setItem("r-ok", "DATASVC.SET.ch1", "pkA", "ok", "temp", `{"arg":21.5}`, 30000)
	if err := d.Dispatch(ctx, okItem); err != nil {
		t.Fatal(err)
	}
	c := nextCommand(t, devs["ok"].msgs, "pkA", "ok")
	if got := string(c.Params["temp"]); got != "21.5" {
		t.Errorf("params %v, want temp: 21.5", c.Params)
	}
	answer(t, devs["ok"], "pkA", "ok", c.ID, 200, "")
	if diff := cmp.Diff(wantResult(okItem, 0, "SUCCESS", "SUCCESS"), nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result of a 200 answer (-want +got):\n%s", diff)
	}

	badItem := setItem("r-bad", "DATASVC.SET.ch1", "pkA", "bad", "mode", `{"value":"auto"}`, 30000)
	if err := d.Dispatch(ctx, badItem); err != nil {
		t.Fatal(err)
	}
	c = nextCommand(t, devs["bad"].msgs, "pkA", "bad")
	if got := string(c.Params["mode"]); got != `"auto"` {
		t.Errorf("params %v, want mode: \"auto\"", c.Params)
	}
	answer(t, devs["bad"], "pkA", "bad", c.ID, 2001, "valve stuck")
	if diff := cmp.Diff(wantResult(badItem, 1000205, "write data error", "the device answered code 2001: valve stuck"),
		nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result of an error answer (-want +got):\n%s", diff)
	}

	muteItem := setItem("r-mute", "DATASVC.SET.ch1", "pkA", "mute", "temp", `{"arg":1}`, 50)
	if err := d.Dispatch(ctx, muteItem); err != nil {
		t.Fatal(err)
	}
	nextCommand(t, devs["mute"].msgs, "pkA", "mute")
	if diff := cmp.Diff(wantResult(muteItem, 11915, "response timeout", "the device did not answer within 50 ms"),
		nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result of no answer (-want +got):\n%s", diff)
	}

	goneItem := setItem("r-gone", "DATASVC.SET.ch1", "pkA", "gone", "temp", `{"arg":1}`, 30000)
	if err := d.Dispatch(ctx, goneItem); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantResult(goneItem, 11900, "device offline",
		"no connected client subscribes to /sys/pkA/gone/thing/service/measurepoint/set"),
		nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result of a device not connected (-want +got):\n%s", diff)
	}

	none(t, svc.msgs, 100*time.Millisecond) // each result once
	order := map[string]int{"r-ok": 0, "r-bad": 1, "r-mute": 2, "r-gone": 3}
	if n := d.Pending(); n != 0 {
		t.Errorf("Pending() = %d after every result, want 0", n)
	}
	got := log.get()
	if len(got) != 4 {
		t.Fatalf("%d outcomes reported, want 4", len(got))
	}
	// Reports come from different goroutines (a timer's among them): in
	// request order by requestId.
	sort.Slice(got, func(i, j int) bool { return order[got[i].Result.RequestID] < order[got[j].Result.RequestID] })
	for i, want := range []struct {
		req    string
		status codes.Status
		code   int
		cmd    bool
	}{{"r-ok", 0, 200, true}, {"r-bad", 1000205, 2001, true}, {"r-mute", 11915, 0, true}, {"r-gone", 11900, 0, false}} {
		o := got[i]
		if o.Result.RequestID != want.req || o.Result.Status != want.status || o.DeviceCode != want.code ||
			(o.CommandID != "") != want.cmd || o.Topic != "DATASVC.SET.ch1" || o.Err != nil {
			t.Errorf("outcome %d: %+v, want request %s status %d device code %d", i, o, want.req, want.status, want.code)
		}
	}
}

// TestDispatchBatchOrder sends a batch of items for three devices on two
// channels; the devices answer each command as it comes, so each channel
// gets its results in request order.
func TestDispatchBatchOrder(t *testing.T) {
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.a")
	svc2 := dialV3(t, addr, "service2")
	svc2.subscribe(t, "DATASVC.SET.b")
	gw := dialV3(t, addr, "gw")
	for _, dk := range []string{"d1", "d2", "d3"} {
		gw.subscribe(t, mqtt.SetTopic("pkB", dk))
	}
	var items []*protocol.SetMeasurepointReply
	for i := range 9 {
		ch := "DATASVC.SET.a"
		if i%2 == 1 {
			ch = "DATASVC.SET.b"
		}
		items = append(items, setItem("r"+strconv.Itoa(i), ch, "pkB", "d"+strconv.Itoa(i%3+1), "temp",
			`{"arg":`+strconv.Itoa(i)+`}`, 30000))
	}
	for _, it := range items {
		if err := d.Dispatch(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	for i, it := range items {
		c := nextCommand(t, gw.msgs, "pkB", it.DeviceKey)
		if got := string(c.Params["temp"]); got != strconv.Itoa(i) {
			t.Fatalf("command %d has temp %s, want %d (commands out of order)", i, got, i)
		}
		code := 200
		if i == 4 {
			code = 2100
		}
		answer(t, gw, "pkB", it.DeviceKey, c.ID, code, "")
	}
	for i, it := range items {
		msgs := svc.msgs
		if i%2 == 1 {
			msgs = svc2.msgs
		}
		want := wantResult(it, 0, "SUCCESS", "SUCCESS")
		if i == 4 {
			want = wantResult(it, 1000205, "write data error", "the device answered code 2100")
		}
		if diff := cmp.Diff(want, nextResult(t, msgs, it.SetMeasurepointChannelID)); diff != "" {
			t.Errorf("result %d (-want +got):\n%s", i, diff)
		}
	}
	none(t, svc.msgs, 50*time.Millisecond)
	none(t, svc2.msgs, 50*time.Millisecond)
}

// TestDispatchReplies checks that a set reply is consumed, not delivered; that
// a reply completes only the command of its own device and id, once; and that
// a reply without an integer code is a write data error.
func TestDispatchReplies(t *testing.T) {
	var mu sync.Mutex
	var strays []string
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{
		OnStrayReply: func(clientID, topic, reason string) {
			mu.Lock()
			strays = append(strays, clientID+" "+topic+": "+reason)
			mu.Unlock()
		},
	})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.ch1")
	spy := dialV3(t, addr, "spy")
	spy.subscribe(t, "/sys/+/+/thing/service/measurepoint/set_reply")
	dev := dialV3(t, addr, "dev")
	dev.subscribe(t, mqtt.SetTopic("pkA", "x"))
	other := dialV3(t, addr, "other")
	other.subscribe(t, mqtt.SetTopic("pkA", "y"))

	item := setItem("r1", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":1}`, 30000)
	if err := d.Dispatch(context.Background(), item); err != nil {
		t.Fatal(err)
	}
	c := nextCommand(t, dev.msgs, "pkA", "x")
	c1 := c.ID
	answer(t, other, "pkA", "y", c.ID, 200, "") // the right id from another device
	answer(t, dev, "pkA", "x", c.ID+"0", 200, "")
	none(t, svc.msgs, 100*time.Millisecond)
	if n := d.Pending(); n != 1 {
		t.Fatalf("Pending() = %d after replies that do not match, want 1", n)
	}
	answer(t, dev, "pkA", "x", c.ID, 200, "")
	answer(t, dev, "pkA", "x", c.ID, 2000, "") // again: too late
	if diff := cmp.Diff(wantResult(item, 0, "SUCCESS", "SUCCESS"), nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	none(t, svc.msgs, 100*time.Millisecond)
	none(t, spy.msgs, 0)

	// A numeric id matches too; a code that is not an integer is an error.
	item2 := setItem("r2", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":2}`, 30000)
	if err := d.Dispatch(context.Background(), item2); err != nil {
		t.Fatal(err)
	}
	c = nextCommand(t, dev.msgs, "pkA", "x")
	dev.publish(t, mqtt.SetTopic("pkA", "x")+"_reply", 1, `{"id":`+c.ID+`,"code":"200","data":{}}`)
	if diff := cmp.Diff(wantResult(item2, 1000205, "write data error", "the device's answer has no integer code"),
		nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	dev.publish(t, mqtt.SetTopic("pkA", "x")+"_reply", 1, `{"code":200}`)
	none(t, spy.msgs, 50*time.Millisecond)
	none(t, svc.msgs, 0)

	const reply = "/thing/service/measurepoint/set_reply: "
	const waits = `" waits for an answer (answered already, timed out, or never sent)`
	want := []string{
		"other /sys/pkA/y" + reply + `no command of this device with id "` + c1 + waits,
		"dev /sys/pkA/x" + reply + `no command of this device with id "` + c1 + `0` + waits,
		"dev /sys/pkA/x" + reply + `no command of this device with id "` + c1 + waits,
		"dev /sys/pkA/x" + reply + "the answer is not a JSON object with a string or number id",
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, strays); diff != "" {
		t.Errorf("stray replies (-want +got):\n%s", diff)
	}
}

// TestDispatchRefused checks the items Dispatch refuses: no single value, no
// usable keys or channel, MaxPending at N and N+1, and after Close; and that
// Close publishes the result of every item still waiting.
func TestDispatchRefused(t *testing.T) {
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{MaxPending: 2})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.ch1")
	dev := dialV3(t, addr, "dev")
	dev.subscribe(t, mqtt.SetTopic("pkA", "x"))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		item *protocol.SetMeasurepointReply
		want error
	}{
		{"no inputData", setItem("r", "DATASVC.SET.ch1", "pkA", "x", "temp", ``, 30000), mqtt.ErrNoValue},
		{"empty inputData", setItem("r", "DATASVC.SET.ch1", "pkA", "x", "temp", `{}`, 30000), mqtt.ErrNoValue},
		{"two values", setItem("r", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"a":1,"b":2}`, 30000), mqtt.ErrNoValue},
		{"no keys", setItem("r", "DATASVC.SET.ch1", "", "", "temp", `{"a":1}`, 30000), mqtt.ErrNoDevice},
		{"wildcard key", setItem("r", "DATASVC.SET.ch1", "pkA", "+", "temp", `{"a":1}`, 30000), mqtt.ErrNoDevice},
		{"slash in channel", setItem("r", "DATASVC.SET.a/b", "pkA", "x", "temp", `{"a":1}`, 30000), mqtt.ErrNoChannel},
	} {
		if err := d.Dispatch(ctx, tc.item); !errors.Is(err, tc.want) {
			t.Errorf("%s: Dispatch = %v, want %v", tc.name, err, tc.want)
		}
	}
	none(t, dev.msgs, 50*time.Millisecond)

	// A STRUCT value is the one member's object.
	first := setItem("p1", "DATASVC.SET.ch1", "pkA", "x", "pos", `{"arg":{"x":1,"y":"s"}}`, 30000)
	second := setItem("p2", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":2}`, 30000)
	for _, it := range []*protocol.SetMeasurepointReply{first, second} {
		if err := d.Dispatch(ctx, it); err != nil {
			t.Fatalf("item %s within MaxPending: %v", it.RequestID, err)
		}
	}
	if c := nextCommand(t, dev.msgs, "pkA", "x"); string(c.Params["pos"]) != `{"x":1,"y":"s"}` {
		t.Errorf("params %s, want pos: {\"x\":1,\"y\":\"s\"}", c.Params["pos"])
	}
	nextCommand(t, dev.msgs, "pkA", "x")
	if err := d.Dispatch(ctx, setItem("p3", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":3}`, 30000)); !errors.Is(err, mqtt.ErrTooManyPending) {
		t.Errorf("item beyond MaxPending: Dispatch = %v, want ErrTooManyPending", err)
	}
	none(t, dev.msgs, 50*time.Millisecond)

	d.Close()
	got := map[string]map[string]any{}
	for range 2 {
		r := nextResult(t, svc.msgs, "DATASVC.SET.ch1")
		got[r["requestId"].(string)] = r
	}
	const stopped = "the server stopped before the device answered"
	if diff := cmp.Diff(map[string]map[string]any{
		"p1": wantResult(first, 11915, "response timeout", stopped),
		"p2": wantResult(second, 11915, "response timeout", stopped),
	}, got); diff != "" {
		t.Errorf("results at Close (-want +got):\n%s", diff)
	}
	if err := d.Dispatch(ctx, setItem("p4", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":4}`, 30000)); !errors.Is(err, mqtt.ErrDispatcherClosed) {
		t.Errorf("after Close: Dispatch = %v, want ErrDispatcherClosed", err)
	}
	if d.Pending() != 0 {
		t.Errorf("Pending() = %d after Close", d.Pending())
	}
	none(t, svc.msgs, 50*time.Millisecond)
}

// TestDispatchCompressed checks that a device that compresses gets its
// command compressed, and that its compressed answer is read.
func TestDispatchCompressed(t *testing.T) {
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.ch1")
	dev := dialV3(t, addr, "zdev{compress=GZIP}")
	dev.subscribe(t, mqtt.SetTopic("pkA", "z"))
	item := setItem("rz", "DATASVC.SET.ch1", "pkA", "z", "temp", `{"arg":7}`, 30000)
	if err := d.Dispatch(context.Background(), item); err != nil {
		t.Fatal(err)
	}
	m := next(t, dev.msgs)
	zr, err := gzip.NewReader(bytes.NewReader(m.payload))
	if err != nil {
		t.Fatalf("command is not gzip: %v: %q", err, m.payload)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	c := decodeCommand(t, plain)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(setReplyPayload(c.ID, 200, "")))
	zw.Close()
	dev.publish(t, mqtt.SetTopic("pkA", "z")+"_reply", 1, b.String())
	if diff := cmp.Diff(wantResult(item, 0, "SUCCESS", "SUCCESS"), nextResult(t, svc.msgs, "DATASVC.SET.ch1")); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

// TestDispatchSubDevice sends commands to a sub-device of a secured registry:
// through its gateway while it is logged in, not at all once it has logged
// out; and another gateway cannot answer for it.
func TestDispatchSubDevice(t *testing.T) {
	opts, _ := securedOptions(t)
	var log outcomes
	addr, d := startDispatcher(t, opts, mqtt.DispatcherOptions{Devices: opts.Devices, OnResult: log.add})
	gw := dialGW(t, addr, "gw1", gwSecret, "")
	gw9 := dialGW(t, addr, "gw9", gw9Secret, "")
	gw.subscribe(t, loginTopic+"_reply")
	gw.subscribe(t, logoutTopic+"_reply")
	ctx := context.Background()

	item := setItem("s1", "DATASVC.SET.ch1", "product1", "device1", "temp", `{"arg":1.5}`, 30000)
	if err := d.Dispatch(ctx, item); err != nil {
		t.Fatal(err)
	}
	if got := log.get(); len(got) != 1 || got[0].Result.Status != mqtt.StatusDeviceOffline ||
		got[0].Result.Submsg != "the sub-device is not logged in" {
		t.Fatalf("before login: outcomes %+v, want one 11900 (not logged in)", got)
	}

	if r := ask(t, gw, loginTopic, loginRequest("1", "product1", "device1", "d1-secret", mqtt.SHA256)); r.Code != 200 {
		t.Fatalf("login: %+v", r)
	}
	gw.subscribe(t, mqtt.SetTopic("product1", "device1"))
	item2 := setItem("s2", "DATASVC.SET.ch1", "product1", "device1", "temp", `{"arg":2.5}`, 30000)
	if err := d.Dispatch(ctx, item2); err != nil {
		t.Fatal(err)
	}
	c := nextCommand(t, gw.msgs, "product1", "device1")
	answer(t, gw9, "product1", "device1", c.ID, 200, "") // not its sub-device: refused
	time.Sleep(50 * time.Millisecond)
	if n := d.Pending(); n != 1 {
		t.Fatalf("Pending() = %d after another gateway answered, want 1", n)
	}
	answer(t, gw, "product1", "device1", c.ID, 200, "")
	deadline := time.Now().Add(timeout)
	for len(log.get()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := log.get()
	if len(got) != 2 || got[1].Result.RequestID != "s2" || got[1].Result.Status != codes.Success || got[1].CommandID != c.ID {
		t.Fatalf("after the gateway's answer: outcomes %+v, want s2 0 SUCCESS", got)
	}

	if r := ask(t, gw, logoutTopic, logoutRequest("2", "product1", "device1")); r.Code != 200 {
		t.Fatalf("logout: %+v", r)
	}
	if err := d.Dispatch(ctx, setItem("s3", "DATASVC.SET.ch1", "product1", "device1", "temp", `{"arg":3}`, 30000)); err != nil {
		t.Fatal(err)
	}
	got = log.get()
	if len(got) != 3 || got[2].Result.Status != mqtt.StatusDeviceOffline {
		t.Fatalf("after logout: outcomes %+v, want a third one with 11900", got)
	}
	none(t, gw.msgs, 50*time.Millisecond)
}

// TestDispatchConcurrent has many items in flight at once, from several
// goroutines, for several devices; the devices answer in reverse order. Every
// item gets exactly one result, with the status its device's answer asks for.
func TestDispatchConcurrent(t *testing.T) {
	const devices, perDevice = 4, 50
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{})
	// One subscriber per channel, all delivering into one channel: each gets
	// at most 67 results at once, within the broker's inflight window (100
	// unacknowledged QoS 1 messages a client, Limits.MaxInflight), beyond
	// which the broker drops messages to a subscriber that acknowledges late.
	svc := &v3Client{msgs: make(chan message, 1024)}
	for ch := range 3 {
		sub := dialV3(t, addr, "service"+strconv.Itoa(ch))
		sub.msgs = svc.msgs
		sub.subscribe(t, "DATASVC.SET.ch"+strconv.Itoa(ch))
	}
	devs := make([]*v3Client, devices)
	for i := range devs {
		devs[i] = dialV3(t, addr, "c"+strconv.Itoa(i))
		devs[i].subscribe(t, mqtt.SetTopic("pkC", "c"+strconv.Itoa(i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, devices*perDevice)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < devices*perDevice; i += 8 {
				dk := "c" + strconv.Itoa(i%devices)
				it := setItem("q"+strconv.Itoa(i), "DATASVC.SET.ch"+strconv.Itoa(i%3), "pkC", dk, "temp",
					`{"arg":`+strconv.Itoa(i)+`}`, 30000)
				if err := d.Dispatch(context.Background(), it); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := d.Pending(); n != devices*perDevice {
		t.Fatalf("Pending() = %d, want %d in flight", n, devices*perDevice)
	}
	errs2 := make(chan error, devices)
	// Each device collects its commands, then answers them last first: the
	// code is 200 for an even value, 2000+value for an odd one.
	for i, dev := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dk := "c" + strconv.Itoa(i)
			var cmds []command
			for range perDevice {
				m := <-dev.msgs
				var c command
				if json.Unmarshal(m.payload, &c) != nil {
					errs2 <- errors.New("bad command " + string(m.payload))
					return
				}
				cmds = append(cmds, c)
			}
			for j := len(cmds) - 1; j >= 0; j-- {
				v, _ := strconv.Atoi(string(cmds[j].Params["temp"]))
				code := 200
				if v%2 == 1 {
					code = 2000 + v
				}
				if err := dev.tryPublish(mqtt.SetTopic("pkC", dk)+"_reply", 1, setReplyPayload(cmds[j].ID, code, "")); err != nil {
					errs2 <- err
					return
				}
			}
		}()
	}
	seen := map[string]bool{}
	for range devices * perDevice {
		m := next(t, svc.msgs)
		r := decodeResult(t, m.payload)
		req := r["requestId"].(string)
		if seen[req] {
			t.Fatalf("second result for %s", req)
		}
		seen[req] = true
		v, _ := strconv.Atoi(req[1:])
		want := wantResult(setItem(req, "DATASVC.SET.ch"+strconv.Itoa(v%3), "pkC", "c"+strconv.Itoa(v%devices), "temp",
			`{"arg":`+strconv.Itoa(v)+`}`, 30000), 0, "SUCCESS", "SUCCESS")
		if v%2 == 1 {
			want = wantResult(setItem(req, "DATASVC.SET.ch"+strconv.Itoa(v%3), "pkC", "c"+strconv.Itoa(v%devices), "temp",
				`{"arg":`+strconv.Itoa(v)+`}`, 30000), 1000205, "write data error", "the device answered code "+strconv.Itoa(2000+v))
		}
		if m.topic != want["setMeasurepointChannelId"] {
			t.Errorf("result of %s on %s", req, m.topic)
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("result of %s (-want +got):\n%s", req, diff)
		}
	}
	wg.Wait()
	select {
	case err := <-errs2:
		t.Fatal(err)
	default:
	}
	none(t, svc.msgs, 100*time.Millisecond)
	if n := d.Pending(); n != 0 {
		t.Errorf("Pending() = %d after every answer, want 0", n)
	}
}

// pendingSize is the size an item counts for against MaxPendingBytes, by the
// rule DispatcherOptions documents.
func pendingSize(it *protocol.SetMeasurepointReply) int64 {
	n := mqtt.PendingOverhead
	for _, s := range []string{it.RequestID, it.OrgID, it.CallType, it.SetMeasurepointChannelID, it.ProductKey,
		it.DeviceKey, it.AssetID, it.MeasurepointID, it.CallbackURL, it.Msg, it.Submsg, string(it.InputData)} {
		n += len(s)
	}
	for k, v := range it.Verbatim {
		n += len(k) + len(v)
	}
	return int64(n)
}

// TestDispatchMaxPendingBytes fills MaxPendingBytes to the byte: an item
// one byte larger is refused, the exact one accepted, and an answer frees
// its item's bytes.
func TestDispatchMaxPendingBytes(t *testing.T) {
	a := setItem("a", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":"`+strings.Repeat("a", 1000)+`"}`, 30000)
	b := setItem("b", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":"`+strings.Repeat("b", 2000)+`"}`, 30000)
	b1 := setItem("b", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":"`+strings.Repeat("b", 2001)+`"}`, 30000)
	limit := pendingSize(a) + pendingSize(b)
	addr, d := startDispatcher(t, sampleOptions(t), mqtt.DispatcherOptions{MaxPendingBytes: limit})
	svc := dialV3(t, addr, "service")
	svc.subscribe(t, "DATASVC.SET.ch1")
	dev := dialV3(t, addr, "dev")
	dev.subscribe(t, mqtt.SetTopic("pkA", "x"))
	ctx := context.Background()
	if err := d.Dispatch(ctx, a); err != nil {
		t.Fatal(err)
	}
	ca := nextCommand(t, dev.msgs, "pkA", "x")
	if err := d.Dispatch(ctx, b1); !errors.Is(err, mqtt.ErrTooManyPending) {
		t.Errorf("an item one byte beyond MaxPendingBytes: Dispatch = %v, want ErrTooManyPending", err)
	}
	if err := d.Dispatch(ctx, b); err != nil {
		t.Errorf("an item that reaches MaxPendingBytes exactly: Dispatch = %v", err)
	}
	nextCommand(t, dev.msgs, "pkA", "x")
	if got := d.PendingBytes(); got != limit {
		t.Errorf("PendingBytes() = %d, want %d", got, limit)
	}
	answer(t, dev, "pkA", "x", ca.ID, 200, "")
	nextResult(t, svc.msgs, "DATASVC.SET.ch1")
	if got, want := d.PendingBytes(), pendingSize(b); got != want {
		t.Errorf("PendingBytes() = %d after an answer, want %d", got, want)
	}
	d.Close()
	if got := d.PendingBytes(); got != 0 {
		t.Errorf("PendingBytes() = %d after Close, want 0", got)
	}
}
