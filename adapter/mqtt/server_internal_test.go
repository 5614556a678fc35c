package mqtt

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mochi-mqtt/server/v2/packets"
)

// recorder is a slog.Handler that keeps the messages of the records it handles.
type recorder struct {
	mu   *sync.Mutex
	msgs *[]string
}

func (r recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.msgs = append(*r.msgs, rec.Message)
	return nil
}
func (r recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r recorder) WithGroup(string) slog.Handler      { return r }

// TestQuietHandler checks that the broker's error record for a PUBACK the
// validation hook asked for is dropped, and the listener's record without a
// message (it names no client; the limits hook logs the same end with the id).
func TestQuietHandler(t *testing.T) {
	var msgs []string
	l := slog.New(quietHandler{recorder{new(sync.Mutex), &msgs}, nil})
	l.Error("publish packet error", "error", "payload format invalid", "hook", HookID)
	l.Error("publish packet error", "error", "payload format invalid", "hook", "other-hook")
	l.Warn("publish packet error", "hook", HookID) // not at error level: kept
	l.Error("something else", "hook", HookID)
	l.With("listener", "t1").Error("publish packet error", "hook", HookID)
	l.WithGroup("g").Info("attached listener")
	l.Warn("", "error", "EOF")
	want := []string{"publish packet error", "publish packet error", "something else", "attached listener"}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestRedactPackets checks that a packet in a record is logged as its type,
// topic and payload size, never its payload.
func TestRedactPackets(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(quietHandler{slog.NewTextHandler(&buf, nil), nil})
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: "a/b", Payload: []byte("SECRET-PAYLOAD")}
	l.Warn("error processing packet", "client", "c1", "pk", pk)
	l.Debug("failed publishing packet", "packet", &pk)
	l.Warn("failed publishing packet", "packet", &pk)
	out := buf.String()
	if strings.Contains(out, "SECRET") {
		t.Errorf("log %q holds the payload", out)
	}
	if want := "pk.type=Publish pk.topic=a/b pk.bytes=14"; !strings.Contains(out, want) || !strings.Contains(out, "client=c1") {
		t.Errorf("log %q, want %q and the client", out, want)
	}
}

// TestQuotaLogRateLimited checks that mochi's record of a message dropped for
// a full store, written once per message, is passed on at most once a second,
// with the count of those held back.
func TestQuotaLogRateLimited(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(quietHandler{slog.NewTextHandler(&buf, nil), new(quotaLog)})
	for range 1000 {
		l.Warn(quotaReached, "client", "c1")
	}
	if n := strings.Count(buf.String(), quotaReached); n != 1 {
		t.Errorf("%d records in a burst of 1000, want 1:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "client=c1") {
		t.Errorf("log %q, want the client id", buf.String())
	}
}
