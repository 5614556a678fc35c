package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pahov3 "github.com/eclipse/paho.mqtt.golang"

	"github.com/pointguard/pointguard/adapter/mqtt"
)

// TestMain lets a test run this binary as the pointguard command, in a process
// of its own, when POINTGUARD_RUN_MAIN is set: the closed-pipe test needs a real
// standard output.
func TestMain(m *testing.M) {
	if os.Getenv("POINTGUARD_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// serveRequest is a batch of one accepted point for the gateway of the bundled
// environment.
const serveRequest = `{"id":"1","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"status":2}}}`

const serveTopic = "/sys/gwP/gw1/thing/measurepoint/post"

// TestServePointsDevFull checks that a message whose points cannot be written
// (/dev/full: every write fails with ENOSPC) is not accepted: its reply is 500,
// it is not delivered to the subscribers of its topic, and serve goes on.
func TestServePointsDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	var stdout, stderr syncBuffer
	addr, _, stop := startServe(t, []string{"--env", sampleEnv, "--points", "/dev/full", "--log-format", "json"}, &stdout, &stderr)
	watcher := dialServe(t, addr, "watcher", serveTopic)
	gw := dialServe(t, addr, "gw1", serveTopic+"_reply")
	for i := range 2 {
		if got, want := gw.request(t, serveTopic, serveRequest), `{"id":"1","code":500,"message":"Internal server error","data":{}}`; got != want {
			t.Errorf("message %d: reply %s, want %s", i, got, want)
		}
	}
	select {
	case m := <-watcher.replies:
		t.Errorf("a subscriber of the request topic got %q: a message that was not kept was delivered", m)
	case <-time.After(200 * time.Millisecond):
	}
	stop()
	if log := stderr.String(); !strings.Contains(log, `"code":500`) || !strings.Contains(log, "no space left on device") {
		t.Errorf("log %s, want the verdict with code 500 and the write error", log)
	}
}

// tearingWriter fails its first writes after writing part of them, then works.
type tearingWriter struct {
	mu       sync.Mutex
	fails    int // writes left to fail
	partial  int // bytes a failing write still writes
	out      strings.Builder
	failures int
}

func (f *tearingWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		f.failures++
		n := min(f.partial, len(p))
		f.out.Write(p[:n])
		return n, syscall.ENOSPC
	}
	return f.out.Write(p)
}

func testBatch(ids ...string) *mqtt.Batch {
	b := &mqtt.Batch{ClientID: "c"}
	for _, id := range ids {
		b.Points = append(b.Points, mqtt.Point{ProductKey: "p", DeviceKey: "d", Time: 1, Identifier: id, Value: []byte("1"), Quality: -1})
	}
	return b
}

// TestPointWriterRecovers checks that a write error does not stick (the next
// message is written once the target works again) and that a write that fails
// part-way never leaves a torn line: the rest of the line is written before
// the next message.
func TestPointWriterRecovers(t *testing.T) {
	fw := &tearingWriter{fails: 1, partial: 10}
	pw := newPointWriter(fw, nil, time.Second)
	defer pw.Close()
	if err := pw.Accept(testBatch("a", "b")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("first Accept: %v, want ENOSPC", err)
	}
	if err := pw.Accept(testBatch("c")); err != nil {
		t.Fatalf("Accept after the target recovered: %v, want nil (no sticky error)", err)
	}
	lines := strings.Split(strings.TrimSuffix(fw.out.String(), "\n"), "\n")
	want := []string{"a", "b", "c"}
	if len(lines) != len(want) {
		t.Fatalf("output %q: want %d whole lines", fw.out.String(), len(want))
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, `{"productKey":"p"`) || !strings.Contains(l, `"identifier":"`+want[i]+`"`) || !strings.HasSuffix(l, "}") {
			t.Errorf("line %d %q: want the whole line of point %s", i, l, want[i])
		}
	}
}

// blockedWriter blocks every write until released.
type blockedWriter struct{ release chan struct{} }

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

// TestPointWriterBlocked checks that a target that takes nothing (a reader that
// stopped reading) makes Accept fail after the timeout instead of blocking, for
// the message being written and for those that queue behind it, and that Close
// returns within the timeout.
func TestPointWriterBlocked(t *testing.T) {
	bw := &blockedWriter{release: make(chan struct{})}
	defer close(bw.release)
	pw := newPointWriter(bw, nil, 50*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = pw.Accept(testBatch("x")) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(serveTimeout):
		t.Fatal("Accept blocked on a target that takes nothing")
	}
	for i, err := range errs {
		if !errors.Is(err, errPointsBlocked) {
			t.Errorf("Accept %d: %v, want %v", i, err, errPointsBlocked)
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- pw.Close() }()
	select {
	case err := <-closed:
		if err == nil {
			t.Error("Close: nil, want the error of the write still blocked")
		}
	case <-time.After(serveTimeout):
		t.Fatal("Close blocked on a target that takes nothing")
	}
}

// TestServePointsBlockedPipe runs serve with --points - on a pipe nobody reads:
// once the pipe is full, messages are answered 500 after --points-timeout, and
// serve stops within its bound when cancelled.
func TestServePointsBlockedPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var stderr syncBuffer
	addr, _, stop := startServeTo(t, []string{"--env", sampleEnv, "--points", "-", "--points-timeout", "100ms"}, w, &stderr)
	gw := dialServe(t, addr, "gw1", serveTopic+"_reply")
	// Each message writes one line of about 80 bytes; a pipe holds 64 KiB.
	big := `{"id":"1","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"status":2}}}`
	got500 := false
	for i := 0; i < 2000 && !got500; i++ {
		got500 = strings.Contains(gw.request(t, serveTopic, big), `"code":500`)
	}
	if !got500 {
		t.Fatal("no 500 reply although the pipe is full")
	}
	stopped := make(chan int, 1)
	go func() { stopped <- stop() }()
	select {
	case <-stopped:
	case <-time.After(serveTimeout):
		t.Fatal("serve did not stop with --points blocked")
	}
}

// TestServePointsClosedPipe runs serve in a process of its own with --points -
// into a pipe whose reader has gone: SIGPIPE must not kill it; the messages are
// answered 500, and SIGTERM stops it cleanly.
func TestServePointsClosedPipe(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader has gone before the first write
	cmd := exec.Command(exe, "serve", "--env", sampleEnv, "--mqtt", "127.0.0.1:0", "--http", "", "--points", "-")
	cmd.Env = append(os.Environ(), "POINTGUARD_RUN_MAIN=1")
	cmd.Stdout = w
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	addrRE := regexp.MustCompile(`mqtt=(127\.0\.0\.1:\d+)`)
	var addr string
	var log []string
	for addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended before serving: %q", log)
			}
			log = append(log, l)
			if m := addrRE.FindStringSubmatch(l); m != nil {
				addr = m[1]
			}
		case <-time.After(serveTimeout):
			t.Fatal("serve did not start")
		}
	}
	gw := dialServe(t, addr, "gw1", serveTopic+"_reply")
	for i := range 2 {
		if got := gw.request(t, serveTopic, serveRequest); !strings.Contains(got, `"code":500`) {
			t.Errorf("message %d: reply %s, want 500", i, got)
		}
	}
	gw.c.Disconnect(100)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		for l := range lines {
			_ = l
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("serve: %v, want exit status 0 after SIGTERM", err)
		}
	case <-time.After(serveTimeout):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// startServeTo is startServe with standard output on an io.Writer of the
// caller's, such as a pipe.
func startServeTo(t *testing.T, args []string, stdout io.Writer, stderr *syncBuffer) (mqttAddr, httpAddr string, stop func() int) {
	t.Helper()
	return startServeWriters(t, args, stdout, stderr)
}

// TestServeShutdownUnderLoad stops serve while eight clients publish as fast as
// they can, and checks that every message whose points were written got its
// 200 reply: the count of unanswered accepted messages is 0.
func TestServeShutdownUnderLoad(t *testing.T) {
	points := filepath.Join(t.TempDir(), "points.jsonl")
	var stdout, stderr syncBuffer
	addr, _, stop := startServe(t, []string{"--env", sampleEnv, "--points", points}, &stdout, &stderr)
	var mu sync.Mutex
	replied := map[string]bool{}
	idRE := regexp.MustCompile(`^\{"id":"(\d+)","code":200,`)
	const clients = 8
	var wg sync.WaitGroup
	quit := make(chan struct{})
	for k := range clients {
		c := pahov3.NewClient(pahov3.NewClientOptions().AddBroker("tcp://" + addr).
			SetClientID("load" + strconv.Itoa(k)).SetProtocolVersion(4).SetAutoReconnect(false).
			SetOrderMatters(false).SetConnectTimeout(serveTimeout).SetMaxResumePubInFlight(100))
		if err := waitToken(c.Connect()); err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(0)
		if err := waitToken(c.Subscribe(serveTopic+"_reply", 1, func(_ pahov3.Client, m pahov3.Message) {
			if sm := idRE.FindSubmatch(m.Payload()); sm != nil {
				mu.Lock()
				replied[string(sm[1])] = true
				mu.Unlock()
			}
		})); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				n := strconv.Itoa(k*1_000_000 + i)
				tok := c.Publish(serveTopic, 1, false, `{"id":"`+n+`","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"status":2},"time":`+n+`}}`)
				if i%20 == 19 && !tok.WaitTimeout(time.Second) { // keep some in flight, not unboundedly many
					return
				}
				if !c.IsConnectionOpen() {
					return
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	t0 := time.Now()
	if got := stop(); got != exitOK {
		t.Errorf("status %d, want 0", got)
	}
	t.Logf("serve stopped in %v", time.Since(t0))
	close(quit)                        // the publishers end when their connection does
	time.Sleep(300 * time.Millisecond) // replies already on the sockets reach the handlers
	data, err := os.ReadFile(points)
	if err != nil {
		t.Fatal(err)
	}
	timeRE := regexp.MustCompile(`"time":(\d+)`)
	accepted, unanswered := 0, 0
	mu.Lock()
	defer mu.Unlock()
	for line := range strings.Lines(string(data)) {
		m := timeRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("points line %q", line)
		}
		accepted++
		if !replied[m[1]] {
			unanswered++
		}
	}
	t.Logf("accepted %d, replies %d, unanswered %d", accepted, len(replied), unanswered)
	if unanswered != 0 || t.Failed() {
		n := 0
		for l := range strings.Lines(stderr.String()) {
			if !strings.Contains(l, "msg=verdict") && !strings.Contains(l, "msg=refused") && n < 20 {
				n++
				t.Log(l)
			}
		}
	}
	if accepted < 100 {
		t.Errorf("only %d messages accepted under load", accepted)
	}
	if unanswered != 0 {
		t.Errorf("%d of %d accepted messages got no 200 reply", unanswered, accepted)
	}
}
