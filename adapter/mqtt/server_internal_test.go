package mqtt

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestQuietHandler checks that only the broker's error record for a PUBACK the
// validation hook asked for is dropped.
func TestQuietHandler(t *testing.T) {
	var msgs []string
	l := slog.New(quietHandler{recorder{new(sync.Mutex), &msgs}})
	l.Error("publish packet error", "error", "payload format invalid", "hook", HookID)
	l.Error("publish packet error", "error", "payload format invalid", "hook", "other-hook")
	l.Warn("publish packet error", "hook", HookID) // not at error level: kept
	l.Error("something else", "hook", HookID)
	l.With("listener", "t1").Error("publish packet error", "hook", HookID)
	l.WithGroup("g").Info("attached listener")
	l.Warn("", "error", "EOF")
	want := []string{"publish packet error", "publish packet error", "something else", "attached listener",
		connectionEnded}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}
