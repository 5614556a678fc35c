package main

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/capture/capturetest"
	"github.com/pointguard/pointguard/validate"
)

// fixRunClock makes the summary's elapsed time 0.000 s.
func fixRunClock(t *testing.T) {
	runClock = func() time.Time { return time.Unix(0, 0) }
	t.Cleanup(func() { runClock = time.Now })
}

// withoutSummary returns stderr without its last line, the summary.
func withoutSummary(stderr string) string {
	rest := strings.TrimSuffix(stderr, "\n")
	i := strings.LastIndex(rest, "\n")
	last := rest[i+1:]
	if !strings.HasPrefix(last, "pointguard check: ") || !strings.HasSuffix(last, " s") {
		return stderr
	}
	return stderr[:i+1]
}

// gatewayCapture is a capture between a gateway and the platform: a request
// that gets 200 and whose reply says 200; a request that gets 1204 and whose
// captured reply says 200; a request whose reply was not captured; a copy of
// a request forwarded by the broker, and a PUBLISH on another topic.
func gatewayCapture(t *testing.T, link layers.LinkType, ipv6 bool) []byte {
	c := capturetest.NewConversation(ipv6).Handshake()
	c.Send(true, capturetest.Connect(t, 5), 0)
	c.Send(false, capturetest.Connack(t, 5), 0)
	pub := func(fromClient bool, topic, payload string) {
		c.Send(fromClient, capturetest.Publish(t, 5, 1, 1, topic, []byte(payload), packets.Properties{}), 0)
	}
	pub(true, batchTopic, okPayload)                                                // frame 6
	pub(false, batchTopic+"_reply", `{"id":"1","code":200,"data":{}}`)              // 7
	pub(true, batchTopic, badPayload)                                               // 8
	pub(false, batchTopic+"_reply", `{"id":"2","code":200,"message":"","data":{}}`) // 9
	pub(false, batchTopic, okPayload)                                               // 10: a copy to a subscriber
	pub(true, "/sys/gwP/gw1/thing/event/post", `{}`)                                // 11
	pub(true, batchTopic, strings.Replace(okPayload, `"id":"1"`, `"id":"3"`, 1))    // 12
	c.Fin()
	return c.Pcap(t, link)
}

// runCheckOn runs check from the repository root.
func runCheckOn(t *testing.T, args []string, stdin io.Reader) (status int, stdout, stderr string) {
	t.Helper()
	t.Chdir(rootDir)
	fixRunClock(t)
	var out, errb bytes.Buffer
	status = run(append([]string{"check"}, args...), stdin, &out, &errb)
	return status, out.String(), errb.String()
}

// rootDir is the repository root, found before any test changes directory.
var rootDir, _ = filepath.Abs(filepath.Join("..", ".."))

const (
	stream4 = `"stream":{"client":"10.0.0.1:40000","server":"10.0.0.2:1883"}`
	okRest  = `,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"1","code":200,"data":{}},"accepted":2,"skipped":[],"skippedCount":0`
	badRest = `,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"2","code":1204,"message":"Model validate failed","data":{}},"error":{"code":1204,"pointer":"/params/0/measurepoints/temp","offset":180,"detail":"want FLOAT, got string \"warm\" that does not hold a number"},"accepted":0,"skipped":[],"skippedCount":0`
	ok3Rest = `,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"3","code":200,"data":{}},"accepted":2,"skipped":[],"skippedCount":0`
)

// at returns the capture time, in ms, of a frame of gatewayCapture.
func at(frame int) string {
	return strconv.FormatInt(capturetest.Epoch.Add(time.Duration(frame)*time.Millisecond).UnixMilli(), 10)
}

func TestCheckPacketCapture(t *testing.T) {
	data := gatewayCapture(t, layers.LinkTypeLinuxSLL2, false)
	status, stdout, stderr := runCheckOn(t, nil, bytes.NewReader(data))
	if status != exitFail {
		t.Errorf("status %d, want 1", status)
	}
	want := `{"packet":6,"at":` + at(6) + `,` + stream4 + okRest + "}\n" +
		`{"packet":8,"at":` + at(8) + `,` + stream4 + badRest + "}\n" +
		`{"packet":12,"at":` + at(12) + `,` + stream4 + ok3Rest + "}\n"
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("stdout (-want +got)\n%s", diff)
	}
	if want := "pointguard check: 3 messages (2 × 200, 1 × 1204); 1 PUBLISH on other topics; 0.000 s\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}

	t.Run("compare", func(t *testing.T) {
		status, stdout, stderr := runCheckOn(t, []string{"--compare"}, bytes.NewReader(data))
		if status != exitFail {
			t.Errorf("status %d, want 1: a reply disagrees", status)
		}
		want := `{"packet":6,"at":` + at(6) + `,` + stream4 + okRest + `,"observed":{"code":200,"message":"","at":` + at(7) + `},"agree":true}` + "\n" +
			`{"packet":8,"at":` + at(8) + `,` + stream4 + badRest + `,"observed":{"code":200,"message":"","at":` + at(9) + `},"agree":false}` + "\n" +
			`{"packet":12,"at":` + at(12) + `,` + stream4 + ok3Rest + `,"observed":null,"agree":null}` + "\n"
		if diff := cmp.Diff(want, stdout); diff != "" {
			t.Errorf("stdout (-want +got)\n%s", diff)
		}
		if want := "pointguard check: 3 messages (2 × 200, 1 × 1204); replies: 1 disagreement in 2 observed, 1 not captured; 1 PUBLISH on other topics; 0.000 s\n"; stderr != want {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
	})
	t.Run("compare text", func(t *testing.T) {
		_, stdout, _ := runCheckOn(t, []string{"--compare", "--format", "text"}, bytes.NewReader(data))
		want := "packet 6: 200 accepted 2 points\n" +
			"packet 8: platform 200, pointguard 1204 Model validate failed at /params/0/measurepoints/temp (offset 180): want FLOAT, got string \"warm\" that does not hold a number\n" +
			"packet 12: 200 accepted 2 points (no reply in the capture)\n"
		if diff := cmp.Diff(want, stdout); diff != "" {
			t.Errorf("stdout (-want +got)\n%s", diff)
		}
	})
	t.Run("compare agrees", func(t *testing.T) {
		c := capturetest.NewConversation(true).Handshake()
		c.Send(true, capturetest.Connect(t, 4), 0)
		c.Send(true, capturetest.Publish(t, 4, 0, 0, batchTopic, []byte(badPayload), packets.Properties{}), 0)
		c.Send(false, capturetest.Publish(t, 4, 0, 0, batchTopic+"_reply", []byte(`{"id":"2","code":1204,"message":"Model validate failed"}`), packets.Properties{}), 0)
		status, stdout, _ := runCheckOn(t, []string{"--compare"}, bytes.NewReader(c.Pcap(t, layers.LinkTypeEthernet)))
		if status != exitOK {
			t.Errorf("status %d, want 0: the reply agrees, although the request was refused", status)
		}
		if !strings.Contains(stdout, `"stream":{"client":"[fd00::1]:40000","server":"[fd00::2]:1883"}`) ||
			!strings.Contains(stdout, `"observed":{"code":1204,"message":"Model validate failed","at":`) {
			t.Errorf("stdout = %s", stdout)
		}
	})
}

// The server time of a request is its capture time, unless --now says otherwise.
func TestCheckPacketCaptureTime(t *testing.T) {
	noTime := strings.Replace(okPayload, `,"time":1700000000000`, ``, 1)
	c := capturetest.NewConversation(false).Handshake()
	c.Send(true, capturetest.Connect(t, 4), 0)
	c.Send(true, capturetest.Publish(t, 4, 0, 0, batchTopic, []byte(noTime), packets.Properties{}), 0)
	data := c.Pcap(t, layers.LinkTypeEthernet)
	var times []int64
	observePoint = func(p *validate.Point) { times = append(times, p.Time) }
	defer func() { observePoint = nil }()
	runCheckOn(t, nil, bytes.NewReader(data))
	runCheckOn(t, []string{"--now", "42"}, bytes.NewReader(data))
	at := capturetest.Epoch.Add(5 * time.Millisecond).UnixMilli() // frame 5
	want := []int64{at, at, 42, 42}
	if diff := cmp.Diff(want, times); diff != "" {
		t.Errorf("point times (-want +got)\n%s", diff)
	}
}

func TestCheckPacketCaptureProblems(t *testing.T) {
	// A capture cut in the middle of its last record, after a request.
	data := gatewayCapture(t, layers.LinkTypeEthernet, false)
	c := capturetest.NewConversation(false).Handshake()
	c.Send(true, []byte{0x16, 3, 1, 0, 1, 0}, 0)
	tls := c.Pcap(t, layers.LinkTypeEthernet)[24:]
	data = append(data, tls...)
	status, stdout, stderr := runCheckOn(t, nil, bytes.NewReader(data[:len(data)-3]))
	if status != exitFail || strings.Count(stdout, "\n") != 3 {
		t.Errorf("status %d, stdout:\n%s", status, stdout)
	}
	want := "pointguard check: stdin: packet 18: the capture file ends inside a record (cut while it was written?)\n" +
		"pointguard check: 3 messages (2 × 200, 1 × 1204); 1 PUBLISH on other topics; not decoded: 1 × truncated capture; 0.000 s\n"
	if diff := cmp.Diff(want, stderr); diff != "" {
		t.Errorf("stderr (-want +got)\n%s", diff)
	}
	status, _, stderr = runCheckOn(t, nil, bytes.NewReader(data))
	want = "pointguard check: stdin: packet 18: 10.0.0.1:40000 -> 10.0.0.2:1883: TLS connection: its MQTT cannot be read from the capture\n"
	if status != exitFail || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "not decoded: 1 × TLS;") {
		t.Errorf("status %d, stderr:\n%s", status, stderr)
	}
}

func TestCheckMQTTPort(t *testing.T) {
	// No SYN, no CONNECT: the capture began mid-connection.
	c := capturetest.NewConversation(false)
	c.Send(true, capturetest.Publish(t, 5, 1, 1, batchTopic, []byte(okPayload), packets.Properties{}), 0)
	data := c.Pcap(t, layers.LinkTypeEthernet)
	_, stdout, stderr := runCheckOn(t, nil, bytes.NewReader(data))
	if stdout != "" || !strings.Contains(stderr, "does not begin with an MQTT CONNECT") {
		t.Errorf("without --mqtt-port: stdout %q, stderr %q", stdout, stderr)
	}
	status, stdout, _ := runCheckOn(t, []string{"--mqtt-port", "8883,1883", "--mqtt-version", "5"}, bytes.NewReader(data))
	if status != exitOK || !strings.HasPrefix(stdout, `{"packet":1,`) {
		t.Errorf("with --mqtt-port: status %d, stdout %q", status, stdout)
	}
	// Read as MQTT 3.1.1, the properties' length byte becomes part of the
	// payload, which is then not JSON.
	_, stdout, _ = runCheckOn(t, []string{"--mqtt-port", "1883"}, bytes.NewReader(data))
	if !strings.Contains(stdout, `"code":1206`) {
		t.Errorf("as MQTT 3.1.1: stdout %q", stdout)
	}
	for _, args := range [][]string{{"--mqtt-port", "0"}, {"--mqtt-port", "65536"}, {"--mqtt-port", "x"}, {"--mqtt-version", "4.1"}, {"--compare", "--topic", batchTopic}} {
		if status, _, _ := runCheckOn(t, args, strings.NewReader("")); status != exitUsage {
			t.Errorf("%q: status %d, want 2", args, status)
		}
	}
}

// A read error is an I/O error, never a verdict, for every kind of input.
func TestCheckReadError(t *testing.T) {
	boom := errors.New("boom")
	pcap := gatewayCapture(t, layers.LinkTypeEthernet, false)
	for _, tc := range []struct {
		name string
		args []string
		in   io.Reader
	}{
		{"jsonl", nil, io.MultiReader(strings.NewReader(captureLine(batchTopic, okPayload)+`{"topic":"`), iotest.ErrReader(boom))},
		{"topic", []string{"--topic", batchTopic}, io.MultiReader(strings.NewReader(okPayload[:50]), iotest.ErrReader(boom))},
		{"topic, no limit", []string{"--topic", batchTopic, "--max-bytes", "0"}, io.MultiReader(strings.NewReader(okPayload[:50]), iotest.ErrReader(boom))},
		{"pcap", nil, io.MultiReader(bytes.NewReader(pcap[:len(pcap)-100]), iotest.ErrReader(boom))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, stdout, stderr := runCheckOn(t, tc.args, tc.in)
			if status != exitUsage || !strings.Contains(stderr, "pointguard check: stdin: boom\n") {
				t.Errorf("status %d, stderr %q", status, stderr)
			}
			if strings.Contains(stdout, `"code":1206`) || strings.Contains(stdout, `"code":1008`) || strings.Contains(stderr, "ends inside a record") {
				t.Errorf("the read error taken for the end of the input:\n%s\n%s", stdout, stderr)
			}
		})
	}
}

// endless is an input that never ends; it counts what was read.
type endless struct {
	head []byte
	n    int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n > 64<<20 {
		return 0, errors.New("read 64 MiB of an endless input")
	}
	n := copy(p, e.head)
	e.head = e.head[n:]
	for i := n; i < len(p); i++ {
		p[i] = 'x'
	}
	e.n += len(p)
	return len(p), nil
}

// With no size limit, a verdict that can no longer change is written
// without reading on.
func TestCheckEndlessInput(t *testing.T) {
	in := &endless{head: []byte(`{"id":"1","params":x`)}
	status, stdout, _ := runCheckOn(t, []string{"--topic", batchTopic, "--max-bytes", "0"}, in)
	if status != exitFail || !strings.Contains(stdout, `"code":1206`) {
		t.Errorf("status %d, stdout %q", status, stdout)
	}
	if in.n > 1<<20 {
		t.Errorf("read %d bytes after the verdict was known", in.n)
	}
}

// A capture line is bounded by six times --max-bytes (a payload of that size
// with every byte escaped) plus captureLineOverhead.
func TestCheckCaptureLineBound(t *testing.T) {
	const limit = 1000
	bound := 6*limit + captureLineOverhead
	for _, n := range []int{bound, bound + 1} {
		head := `{"topic":"` + batchTopic + `","payload":"`
		line := head + strings.Repeat(`\n`, (n-len(head)-2)/2)
		line += strings.Repeat(" ", n-len(line)-2) + `"}`
		input := line + "\n" + captureLine(batchTopic, okPayload)
		_, stdout, stderr := runCheckOn(t, []string{"--max-bytes", "1000", "--format", "text"}, strings.NewReader(input))
		lines := strings.Split(stdout, "\n")
		if n == bound {
			if len(lines) != 3 || !strings.HasPrefix(lines[0], "line 1: 1008") || withoutSummary(stderr) != "" {
				t.Errorf("line of %d bytes: stdout %q, stderr %q", n, stdout, stderr)
			}
		} else if len(lines) != 3 || !strings.HasPrefix(lines[0], "line 1: not a capture line") || !strings.HasPrefix(lines[1], "line 2: 200") ||
			!strings.Contains(stderr, "stdin:1: not a capture line: line longer than 71536 bytes") {
			t.Errorf("line of %d bytes: stdout %q, stderr %q", n, stdout, stderr)
		}
	}
}

func TestSummaryProgress(t *testing.T) {
	now := time.Unix(100, 0)
	runClock = func() time.Time { return now }
	defer func() { runClock = time.Now }()
	var w bytes.Buffer
	s := newSummary(&w, false)
	s.terminal = true
	step := func(n int, d time.Duration) {
		for range n {
			s.verdict(200, &w)
		}
		now = now.Add(d)
	}
	step(1000, 2*time.Second) // under two seconds: nothing
	if w.Len() != 0 {
		t.Fatalf("progress before two seconds: %q", w.String())
	}
	step(1000, 500*time.Millisecond) // at 2 s: shown
	step(1000, 0)                    // at 2.5 s: too soon
	step(1000, 600*time.Millisecond) // at 2.5 s: too soon; then 3.1 s
	step(64, 0)                      // at 3.1 s: shown
	want := "\r\x1b[Kpointguard check: 1024 messages, 2 s" + "\r\x1b[Kpointguard check: 4032 messages, 3 s"
	if got := w.String(); got != want {
		t.Errorf("progress %q, want %q", got, want)
	}
	w.Reset()
	s.write(&w)
	if want := "\r\x1b[Kpointguard check: 4064 messages (4064 × 200); 3.100 s\n"; w.String() != want {
		t.Errorf("summary %q, want %q", w.String(), want)
	}
}

func TestMosquittoTime(t *testing.T) {
	for _, tc := range []struct {
		in string
		ms int64
		ok bool
	}{
		{`"2026-12-01T11:20:21.045271Z+0000"`, 1796124021045, true},
		{`"2026-12-01T12:20:21.045271Z+0100"`, 1796124021045, true},
		{`"2026-12-01T11:20:21Z"`, 1796124021000, true},
		{`"2026-12-01 11:20:21"`, 0, false},
		{`1796124021045`, 0, false},
		{``, 0, false},
	} {
		ms, ok := mosquittoTime([]byte(tc.in))
		if ms != tc.ms || ok != tc.ok {
			t.Errorf("mosquittoTime(%s) = %d, %v; want %d, %v", tc.in, ms, ok, tc.ms, tc.ok)
		}
	}
}

// The verdicts that wait for their replies are bounded in bytes: at the
// bound both wait and find their replies; one byte under it, the first is
// written without its reply.
func TestComparePendingBytes(t *testing.T) {
	reqs := receivedLine(batchTopic, okPayload, 1000) + receivedLine(batchTopic, badPayload, 1001)
	replies := receivedLine(batchTopic+"_reply", `{"id":"1","code":200}`, 1002) + receivedLine(batchTopic+"_reply", `{"id":"2","code":1204}`, 1003)
	_, plain, _ := runCheckOn(t, nil, strings.NewReader(reqs))
	both := len(plain) // the two records, as they wait
	defer func(n int) { maxPendingBytes = n }(maxPendingBytes)
	for _, tc := range []struct {
		bound int
		want  string
	}{
		{both, "replies: 0 disagreements in 2 observed, 0 not captured;"},
		{both - 1, "replies: 0 disagreements in 1 observed, 1 not captured, 1 without a request"},
	} {
		maxPendingBytes = tc.bound
		_, stdout, stderr := runCheckOn(t, []string{"--compare"}, strings.NewReader(reqs+replies))
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("bound %d: stderr %q, want %q\n%s", tc.bound, stderr, tc.want, stdout)
		}
	}
	if got := truncate("ab€", 3); got != "ab…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("abc", 3); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}
