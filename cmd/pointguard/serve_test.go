package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pahov3 "github.com/eclipse/paho.mqtt.golang"
	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/adapter/mqtt"
)

// serveTimeout bounds every network operation and every wait of these tests.
const serveTimeout = 10 * time.Second

// sampleEnv is the bundled environment, seen from this package's directory.
const sampleEnv = "../../testdata/envs/sample.json"

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string // expected in the error message
	}{
		{"unknown flag", []string{"--frobnicate"}, "flag provided but not defined"},
		{"bad profile", []string{"--profile", "lenient"}, `--profile must be compat or strict, not "lenient"`},
		{"bad log format", []string{"--log-format", "xml"}, `--log-format must be text or json, not "xml"`},
		{"negative max-bytes", []string{"--max-bytes", "-1"}, "non-negative decimal integer"},
		{"hex max-bytes", []string{"--max-bytes", "0x10"}, "non-negative decimal integer"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
		{"empty mqtt address", []string{"--mqtt", ""}, "--mqtt must be an address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := runServe(tc.args, nil, &stdout, &stderr); got != exitUsage {
				t.Errorf("status %d, want %d", got, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.stderr) || !strings.Contains(stderr.String(), "usage: pointguard serve") {
				t.Errorf("stderr %q, want %q and the usage", stderr.String(), tc.stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if got := runServe([]string{"-h"}, nil, &stdout, &stderr); got != exitOK {
		t.Errorf("status %d, want 0", got)
	}
	if !strings.HasPrefix(stdout.String(), "usage: pointguard serve") {
		t.Errorf("stdout %q, want the usage", stdout.String())
	}
}

// TestServeStartErrors checks that serve reports, with status 2 and without
// starting, an environment that does not load and addresses it cannot use.
func TestServeStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing env", []string{"--env", filepath.Join(t.TempDir(), "none.json")}, "none.json"},
		{"mqtt address in use", []string{"--env", sampleEnv, "--mqtt", busy.Addr().String(), "--http", ""}, "--mqtt " + busy.Addr().String()},
		{"http address in use", []string{"--env", sampleEnv, "--mqtt", "127.0.0.1:0", "--http", busy.Addr().String()}, "--http " + busy.Addr().String()},
		{"points file in a missing directory", []string{"--env", sampleEnv, "--mqtt", "127.0.0.1:0", "--http", "", "--points", filepath.Join(t.TempDir(), "no", "points.jsonl")}, "points.jsonl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), serveTimeout)
			defer cancel()
			if got := serveContext(ctx, tc.args, &stdout, &stderr); got != exitUsage {
				t.Errorf("status %d, want %d; stderr %q", got, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}

// TestServeModelFileMissing checks that an environment file naming a model
// file that does not exist is reported by that model file, named relative to
// the environment file as the user gave it.
func TestServeModelFileMissing(t *testing.T) {
	const env = `{"models": ["../models/gone.json"], "products": {"p": "M"}}`
	const want = "pointguard serve: envfile: testdata/envs/sample.json: models[0]: open testdata/models/gone.json: "
	tests := []struct {
		name string
		args []string
	}{
		{"--env", []string{"--env", "testdata/envs/sample.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "testdata", "envs"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "testdata", "envs", "sample.json"), []byte(env), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), serveTimeout)
			defer cancel()
			args := append([]string{"--mqtt", "127.0.0.1:0", "--http", ""}, tc.args...)
			if got := serveContext(ctx, args, &stdout, &stderr); got != exitUsage {
				t.Errorf("status %d, want %d", got, exitUsage)
			}
			if !strings.HasPrefix(stderr.String(), want) || strings.Contains(stderr.String(), "not found") {
				t.Errorf("stderr %q, want it to start with %q", stderr.String(), want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

// startServe runs serve with args (plus --mqtt and --http on random loopback
// ports) until the returned stop function is called, which returns the exit
// status.
func startServe(t *testing.T, args []string, stdout, stderr *syncBuffer) (mqttAddr, httpAddr string, stop func() int) {
	t.Helper()
	return startServeWriters(t, args, stdout, stderr)
}

func startServeWriters(t *testing.T, args []string, stdout io.Writer, stderr *syncBuffer) (mqttAddr, httpAddr string, stop func() int) {
	t.Helper()
	started := make(chan [2]string, 1)
	serveStarted = func(m, h string) { started <- [2]string{m, h} }
	t.Cleanup(func() { serveStarted = nil })
	ctx, cancel := context.WithCancel(context.Background())
	status := make(chan int, 1)
	args = append([]string{"--mqtt", "127.0.0.1:0", "--http", "127.0.0.1:0"}, args...)
	go func() { status <- serveContext(ctx, args, stdout, stderr) }()
	select {
	case a := <-started:
		mqttAddr, httpAddr = a[0], a[1]
	case s := <-status:
		cancel()
		t.Fatalf("serve exited with %d before serving: %s", s, stderr.String())
	case <-time.After(serveTimeout):
		cancel()
		t.Fatal("serve did not start")
	}
	var once sync.Once
	result := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case result = <-status:
			case <-time.After(serveTimeout):
				t.Error("serve did not stop")
			}
		})
		return result
	}
	t.Cleanup(func() { stop() })
	return mqttAddr, httpAddr, stop
}

type serveClient struct {
	c       pahov3.Client
	replies chan string
}

func dialServe(t *testing.T, addr, id, replyTopic string) *serveClient {
	t.Helper()
	sc := &serveClient{replies: make(chan string, 16)}
	sc.c = pahov3.NewClient(pahov3.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID(id).
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectTimeout(serveTimeout).
		SetWriteTimeout(serveTimeout))
	if err := waitToken(sc.c.Connect()); err != nil {
		t.Fatal("connect:", err)
	}
	t.Cleanup(func() { sc.c.Disconnect(100) })
	if err := waitToken(sc.c.Subscribe(replyTopic, 1, func(_ pahov3.Client, m pahov3.Message) {
		select {
		case sc.replies <- string(m.Payload()):
		case <-time.After(serveTimeout):
		}
	})); err != nil {
		t.Fatal("subscribe:", err)
	}
	return sc
}

func waitToken(tok pahov3.Token) error {
	if !tok.WaitTimeout(serveTimeout) {
		return errors.New("timed out")
	}
	return tok.Error()
}

// request publishes payload at QoS 1 and returns the reply.
func (sc *serveClient) request(t *testing.T, topic, payload string) string {
	t.Helper()
	if err := waitToken(sc.c.Publish(topic, 1, false, payload)); err != nil {
		t.Fatal("publish:", err)
	}
	select {
	case r := <-sc.replies:
		return r
	case <-time.After(serveTimeout):
		t.Fatal("no reply")
	}
	return ""
}

// serveSample is the seeds' sample request ("post batch" page, both flags set).
const serveSample = `{"id":"123","version":"1.0","allowOfflineSubDevice":true,"skipInvalidMeasurepoints":true,
"params":[
 {"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]},"time":123456},
 {"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":2,"quality":9},"temp":2.02,"branchCurr":["2.02","3.02","9.93"]},"time":123567},
 {"productKey":"product2","deviceKey":"device2","measurepoints":{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]},"time":123456}],
"method":"thing.measurepoint.post.batch"}`

// TestServe runs serve against the bundled environment: a gateway gets the
// platform's replies, the accepted points are written as JSON lines, every
// verdict is logged, and cancelling stops it with status 0.
func TestServe(t *testing.T) {
	points := filepath.Join(t.TempDir(), "points.jsonl")
	var stdout, stderr syncBuffer
	addr, httpAddr, stop := startServe(t, []string{"--env", sampleEnv, "--points", points, "--log-format", "json"}, &stdout, &stderr)

	const topic = "/sys/gwP/gw1/thing/measurepoint/post/batch"
	gw := dialServe(t, addr, "gw1", topic+"_reply")
	replies := []struct{ name, payload, reply string }{
		{"seeds' sample", serveSample, `{"id":"123","code":200,"data":{}}`},
		{"not JSON", `{"id":"5",`, ``}, // reply checked for its code only: the id may or may not be reached
		{"sub-device of gateway gwP/gw9", `{"id":6,"version":"1.0","method":"thing.measurepoint.post.batch",` +
			`"params":[{"productKey":"product1","deviceKey":"other1","measurepoints":{"temp":1.5}}]}`,
			`{"id":6,"code":1212,"message":"No sub-device permission","data":{}}`},
	}
	for _, r := range replies {
		got := gw.request(t, topic, r.payload)
		if r.reply == "" {
			if !strings.Contains(got, `"code":1206,`) {
				t.Errorf("%s: reply %s, want code 1206", r.name, got)
			}
			continue
		}
		if got != r.reply {
			t.Errorf("%s: reply %s, want %s", r.name, got, r.reply)
		}
	}
	multiSet(t, httpAddr)
	if got := stop(); got != exitOK {
		t.Errorf("status %d, want 0; stderr:\n%s", got, stderr.String())
	}

	// The nine points of the sample, in document order (SPEC §4.8), values in
	// normal form.
	want := `{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":1,"quality":9}
{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"temp","value":1.02}
{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"branchCurr","value":[1.02,2.02,7.93]}
{"productKey":"product1","deviceKey":"device1","time":123567,"identifier":"Power","value":2,"quality":9}
{"productKey":"product1","deviceKey":"device1","time":123567,"identifier":"temp","value":2.02}
{"productKey":"product1","deviceKey":"device1","time":123567,"identifier":"branchCurr","value":[2.02,3.02,9.93]}
{"productKey":"product2","deviceKey":"device2","time":123456,"identifier":"Power","value":1,"quality":9}
{"productKey":"product2","deviceKey":"device2","time":123456,"identifier":"temp","value":1.02}
{"productKey":"product2","deviceKey":"device2","time":123456,"identifier":"branchCurr","value":[1.02,2.02,7.93]}
`
	got, err := os.ReadFile(points)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("--points (-want +got):\n%s", diff)
	}
	if stdout.String() != "" {
		t.Errorf("stdout %q, want nothing (points go to the file)", stdout.String())
	}

	// The log: one JSON record a line; the verdicts with their codes and levels.
	type record struct {
		Level    string `json:"level"`
		Msg      string `json:"msg"`
		Code     int    `json:"code"`
		Topic    string `json:"topic"`
		Accepted int    `json:"accepted"`
		Status   int    `json:"status"`
		Request  string `json:"requestId"`
	}
	var verdicts, httpRecords []record
	var msgs []string
	for line := range strings.Lines(stderr.String()) {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		msgs = append(msgs, r.Msg)
		switch r.Msg {
		case "verdict":
			verdicts = append(verdicts, r)
		case "multiSet item", "http":
			httpRecords = append(httpRecords, r)
		}
	}
	wantVerdicts := []record{
		{Level: "INFO", Msg: "verdict", Code: 200, Topic: topic, Accepted: 9},
		{Level: "WARN", Msg: "verdict", Code: 1206, Topic: topic},
		{Level: "WARN", Msg: "verdict", Code: 1212, Topic: topic},
	}
	if diff := cmp.Diff(wantVerdicts, verdicts); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	// The accepted item is logged (and dispatched), then the request.
	wantHTTP := []record{
		{Level: "INFO", Msg: "multiSet item", Request: "r1"},
		{Level: "INFO", Msg: "http", Status: 200},
	}
	if diff := cmp.Diff(wantHTTP, httpRecords); diff != "" {
		t.Errorf("HTTP log records (-want +got):\n%s", diff)
	}
	if len(msgs) < 2 || msgs[0] != "serving" || msgs[len(msgs)-1] != "stopped" {
		t.Errorf("log messages %q, want serving first and stopped last", msgs)
	}
}

// multiSet sends one multiSet request to serve's HTTP address: one item the
// bundled environment accepts, one whose point its model lacks (SPEC §5.2).
func multiSet(t *testing.T, addr string) {
	t.Helper()
	const item = `{"requestId":"%s","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.ch1",` +
		`"productKey":"product1","deviceKey":"device1","measurepointId":"%s","inputData":{"arg":21.5}}`
	body := `{"data":[` + fmt.Sprintf(item, "r1", "temp") + `,` + fmt.Sprintf(item, "r2", "nope") + `]}`
	status, resp := putMultiSet(t, addr, "o1", body)
	var got struct {
		Status int
		Msg    string
		Data   []struct {
			RequestID string
			Status    int
			Msg       string
		}
	}
	if err := json.Unmarshal(resp, &got); err != nil {
		t.Fatal(err)
	}
	want := `{0 Success [{r1 0 Success} {r2 1000213 can not find device point}]}`
	if s := fmt.Sprint(got); status != http.StatusOK || s != want {
		t.Errorf("HTTP %d %s, want 200 %s", status, s, want)
	}
}

// putMultiSet sends body to the multiSet API at addr with query orgId=org and
// returns the HTTP status and the response body.
func putMultiSet(t *testing.T, addr, org, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, "http://"+addr+"/dataService/devices/multiSet?orgId="+org, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: serveTimeout}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, got
}

// TestServeMultiSetLikeCommand sends one multiSet body to serve's HTTP side
// and to the multiset command, over testdata/envs/nodevices.json, an
// environment without "devices", and demands the same response from both. An
// environment without devices names no assets, so neither has an asset
// directory: by the lookup rules of package multiset, an item named
// by productKey and deviceKey is placed by its keys, and an assetId given with
// them cannot be checked against anything (there is no device list to find it
// in), so the item is accepted; an item named by an assetId alone cannot be
// placed and gets 1000201.
func TestServeMultiSetLikeCommand(t *testing.T) {
	const env = "../../testdata/envs/nodevices.json"
	const now = 1700000000000
	clock = func() time.Time { return time.UnixMilli(now) }
	t.Cleanup(func() { clock = time.Now }) // after serve stops: cleanups run last first
	const body = `{"data":[` +
		`{"requestId":"keys","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","productKey":"product1","deviceKey":"any",` +
		`"assetId":"no-such-asset","measurepointId":"temp","inputData":{"v":1}},` +
		`{"requestId":"asset","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","assetId":"no-such-asset",` +
		`"measurepointId":"temp","inputData":{"v":1}}]}`

	var cmdOut, cmdErr bytes.Buffer
	if status := run([]string{"multiset", "--env", env, "--org", "o1", "-"}, strings.NewReader(body), &cmdOut, &cmdErr); status != exitFail {
		t.Fatalf("multiset: status %d, want 1 (one item refused); stderr %s", status, cmdErr.String())
	}
	var want bytes.Buffer
	if err := json.Compact(&want, cmdOut.Bytes()); err != nil {
		t.Fatalf("multiset output %s: %v", cmdOut.String(), err)
	}

	var stdout, stderr syncBuffer
	_, httpAddr, stop := startServe(t, []string{"--env", env}, &stdout, &stderr)
	httpStatus, got := putMultiSet(t, httpAddr, "o1", body)
	if status := stop(); status != exitOK {
		t.Errorf("serve: status %d, want 0; stderr:\n%s", status, stderr.String())
	}
	if httpStatus != http.StatusOK {
		t.Errorf("HTTP status %d, want 200", httpStatus)
	}
	if diff := cmp.Diff(want.String(), strings.TrimSuffix(string(got), "\n")); diff != "" {
		t.Errorf("serve's response differs from the multiset command's (-command +serve):\n%s", diff)
	}

	// What both said, item by item.
	var r struct {
		Status int
		Data   []struct {
			RequestID       string
			Status          int
			Msg             string
			GmtServiceReply int64
		}
	}
	if err := json.Unmarshal(got, &r); err != nil {
		t.Fatal(err)
	}
	wantItems := `{0 [{keys 0 Success 1700000000000} {asset 1000201 device does not exist 1700000000000}]}`
	if s := fmt.Sprint(r); s != wantItems {
		t.Errorf("response %s, want %s", s, wantItems)
	}
}

// TestServePointsStdout checks --points - and the text log.
func TestServePointsStdout(t *testing.T) {
	var stdout, stderr syncBuffer
	addr, _, stop := startServe(t, []string{"--env", sampleEnv, "--points", "-"}, &stdout, &stderr)
	const topic = "/sys/gwP/gw1/thing/measurepoint/post"
	gw := dialServe(t, addr, "gw1", topic+"_reply")
	// A single post for the gateway itself (model Meter), without time: the
	// point gets the server time.
	before := time.Now().UnixMilli()
	reply := gw.request(t, topic, `{"version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"status":2}}}`)
	after := time.Now().UnixMilli()
	if reply != `{"code":200,"data":{}}` {
		t.Errorf("reply %s, want 200 without id", reply)
	}
	if got := stop(); got != exitOK {
		t.Errorf("status %d, want 0", got)
	}
	var p struct {
		ProductKey, DeviceKey, Identifier string
		Time                              int64
		Value                             json.RawMessage
		Quality                           *int
	}
	line := stdout.String()
	if err := json.Unmarshal([]byte(line), &p); err != nil || strings.Count(line, "\n") != 1 {
		t.Fatalf("stdout %q: want one JSON line (%v)", line, err)
	}
	if p.ProductKey != "gwP" || p.DeviceKey != "gw1" || p.Identifier != "status" || string(p.Value) != "2" || p.Quality != nil {
		t.Errorf("point %+v, want gwP/gw1 status 2 without quality", p)
	}
	if p.Time < before || p.Time > after {
		t.Errorf("time %d, want the server time in [%d, %d]", p.Time, before, after)
	}
	if !strings.Contains(stderr.String(), "level=INFO msg=verdict") || !strings.Contains(stderr.String(), "code=200") {
		t.Errorf("text log %q, want a verdict record", stderr.String())
	}
}

// TestServeSignals checks that SIGINT and SIGTERM stop serve cleanly. The signals
// are sent to this test process, which serve has registered for them.
func TestServeSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			started := make(chan struct{}, 1)
			serveStarted = func(string, string) { started <- struct{}{} }
			defer func() { serveStarted = nil }()
			var stdout, stderr syncBuffer
			status := make(chan int, 1)
			go func() {
				status <- runServe([]string{"--env", sampleEnv, "--mqtt", "127.0.0.1:0", "--http", ""}, nil, &stdout, &stderr)
			}()
			select {
			case <-started:
			case s := <-status:
				t.Fatalf("serve exited with %d: %s", s, stderr.String())
			case <-time.After(serveTimeout):
				t.Fatal("serve did not start")
			}
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case s := <-status:
				if s != exitOK {
					t.Errorf("status %d, want 0", s)
				}
			case <-time.After(serveTimeout):
				t.Fatal("serve did not stop on", sig)
			}
			if !strings.Contains(stderr.String(), "msg=stopped") {
				t.Errorf("log %q, want a stopped record", stderr.String())
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:1883", true},
		{"127.8.9.10:1883", true},
		{"[::1]:1883", true},
		{"localhost:1883", true},
		{":1883", false}, // every interface
		{"0.0.0.0:1883", false},
		{"192.0.2.1:1883", false},
		{"not an address", false},
	}
	for _, tc := range tests {
		if got := isLoopback(tc.addr); got != tc.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// TestAppendPoint checks the --points line of one point, byte for byte, from
// the format in the pointWriter documentation: keys as JSON strings (quotes,
// backslashes and control characters escaped, UTF-8 as is), the value as the
// validator normalised it, "quality" only for a point that has one.
func TestAppendPoint(t *testing.T) {
	tests := []struct {
		name  string
		point mqtt.Point
		want  string
	}{
		{"with quality", mqtt.Point{ProductKey: "product1", DeviceKey: "device1", Time: 123456, Identifier: "Power", Value: []byte("1"), Quality: 9},
			`{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":1,"quality":9}`},
		{"without quality", mqtt.Point{ProductKey: "p", DeviceKey: "d", Time: 0, Identifier: "temp", Value: []byte("1.02"), Quality: -1},
			`{"productKey":"p","deviceKey":"d","time":0,"identifier":"temp","value":1.02}`},
		{"quality zero", mqtt.Point{ProductKey: "p", DeviceKey: "d", Time: 1, Identifier: "Power", Value: []byte("-3"), Quality: 0},
			`{"productKey":"p","deviceKey":"d","time":1,"identifier":"Power","value":-3,"quality":0}`},
		{"quotes and backslashes", mqtt.Point{ProductKey: `a"b`, DeviceKey: `c\d`, Time: 2, Identifier: "s", Value: []byte(`"x\"y"`), Quality: -1},
			`{"productKey":"a\"b","deviceKey":"c\\d","time":2,"identifier":"s","value":"x\"y"}`},
		{"control characters", mqtt.Point{ProductKey: "tab\there", DeviceKey: "nl\nx\r\x01\x1f", Time: 3, Identifier: "i", Value: []byte("true"), Quality: -1},
			`{"productKey":"tab\there","deviceKey":"nl\nx\r\u0001\u001f","time":3,"identifier":"i","value":true}`},
		{"UTF-8 as is", mqtt.Point{ProductKey: "温度", DeviceKey: "température", Time: 4, Identifier: "i", Value: []byte(`[1,2]`), Quality: -1},
			`{"productKey":"温度","deviceKey":"température","time":4,"identifier":"i","value":[1,2]}`},
		// RFC 8259 requires escapes for U+0000 to U+001F only.
		{"DEL is not escaped", mqtt.Point{ProductKey: "a\x7f", DeviceKey: "d", Time: 5, Identifier: "i", Value: []byte("0"), Quality: -1},
			"{\"productKey\":\"a\x7f\",\"deviceKey\":\"d\",\"time\":5,\"identifier\":\"i\",\"value\":0}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendPoint(nil, &tc.point))
			if got != tc.want+"\n" {
				t.Errorf("appendPoint:\n got %s\nwant %s", got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%s is not JSON", got)
			}
		})
	}
}
