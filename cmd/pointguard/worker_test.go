package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pointguard/pointguard/adapter/natsworker"
)

func TestWorkerUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no --nats", nil, "--nats is required"},
		{"empty --nats", []string{"--nats", " "}, "--nats is required"},
		{"argument", []string{"--nats", "nats://127.0.0.1:1", "x"}, `unexpected argument "x"`},
		{"zero workers", []string{"--nats", "u", "--workers", "0"}, "positive decimal integer"},
		{"negative replicas", []string{"--nats", "u", "--replicas", "-1"}, "positive decimal integer"},
		{"bad ack-wait", []string{"--nats", "u", "--ack-wait", "soon"}, "positive duration"},
		{"zero window", []string{"--nats", "u", "--duplicate-window", "0s"}, "positive duration"},
		{"creds and user", []string{"--nats", "u", "--creds", "f", "--user", "a"}, "exclude each other"},
		{"password alone", []string{"--nats", "u", "--password", "p"}, "--password needs --user"},
		{"bad profile", []string{"--nats", "u", "--profile", "lenient"}, `--profile must be compat or strict`},
		{"bad log format", []string{"--nats", "u", "--log-format", "xml"}, "--log-format must be text or json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := workerContext(context.Background(), tc.args, &stdout, &stderr); got != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.stderr)
			}
		})
	}
}

func TestWorkerUnreachable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ln := freeLoopbackAddr(t)
	if got := workerContext(context.Background(), []string{"--nats", "nats://" + ln}, &stdout, &stderr); got != exitUsage {
		t.Errorf("exit %d, want %d", got, exitUsage)
	}
	if !strings.Contains(stderr.String(), "pointguard worker: --nats nats://"+ln) {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// freeLoopbackAddr returns a loopback address on which nothing listens.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	s := startNATS(t)
	addr := strings.TrimPrefix(s.ClientURL(), "nats://")
	s.Shutdown()
	s.WaitForShutdown()
	return addr
}

// startNATS starts a single JetStream server on loopback.
func startNATS(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		ServerName: "w", Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	return s
}

// TestWorkerCommand runs the command against a server: the seeds' sample
// request gets its 200 on the reply subject and its nine points are stored;
// a stop signal ends it cleanly.
func TestWorkerCommand(t *testing.T) {
	s := startNATS(t)
	payload, err := os.ReadFile("../../testdata/payloads/valid/seed_002_post_batch.json")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	workerStarted = func() { close(started) }
	t.Cleanup(func() { workerStarted = nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- workerContext(ctx, []string{"--nats", s.ClientURL(), "--workers", "2", "--env", sampleEnv}, &stdout, &stderr)
	}()
	select {
	case <-started:
	case status := <-done:
		t.Fatalf("worker exited with %d: %s", status, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not start")
	}

	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	subject := natsworker.TopicToSubject("/sys/gwP/gw1/thing/measurepoint/post/batch")
	replies, err := nc.SubscribeSync(natsworker.ReplySubject(subject))
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish(subject, payload); err != nil {
		t.Fatal(err)
	}
	m, err := replies.NextMsg(20 * time.Second)
	if err != nil {
		t.Fatalf("no reply: %v; stderr:\n%s", err, stderr.String())
	}
	if got, want := string(m.Data), `{"id":"123","code":200,"data":{}}`; got != want {
		t.Errorf("reply %s, want %s", got, want)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	st, err := js.Stream(sctx, natsworker.DefaultPointsStream)
	if err != nil {
		t.Fatal(err)
	}
	// Two devices in the request: product1/device1 (two entries) and product2/device2.
	for _, want := range []struct {
		subject string
		lines   int
	}{{"points.product1.device1", 6}, {"points.product2.device2", 3}} {
		msg, err := st.GetLastMsgForSubject(sctx, want.subject)
		if err != nil {
			t.Fatalf("%s: %v", want.subject, err)
		}
		if n := strings.Count(string(msg.Data), "\n"); n != want.lines {
			t.Errorf("%s: %d points, want %d:\n%s", want.subject, n, want.lines, msg.Data)
		}
	}
	cancel()
	select {
	case status := <-done:
		if status != exitOK {
			t.Errorf("exit %d after stop; stderr:\n%s", status, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
	if !strings.Contains(stderr.String(), "msg=stopped handled=1 accepted=1") {
		t.Errorf("stderr lacks the final summary:\n%s", stderr.String())
	}
}
