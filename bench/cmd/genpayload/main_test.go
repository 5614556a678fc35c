package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/bench/gen"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"64KB", 64 << 10, true},
		{"300mb", 300 << 20, true},
		{"1GB", 1 << 30, true},
		{"12B", 12, true},
		{"", 0, false},
		{"-5", 0, false},
		{"0", 0, false},
		{"1TB", 0, false},
		{"9999999999GB", 0, false},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out, env := filepath.Join(dir, "p.json"), filepath.Join(dir, "env.json")
	var stdout, stderr strings.Builder
	if code := run([]string{"-size", "100KB", "-out", out, "-env", env}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := strings.TrimSpace(stdout.String()); got != gen.Topic {
		t.Errorf("printed %q, want the topic %q", got, gen.Topic)
	}
	p, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 100<<10 || !json.Valid(p) {
		t.Errorf("payload: %d bytes, valid %v; want 102400 bytes of JSON", len(p), json.Valid(p))
	}
	e, err := os.ReadFile(env)
	if err != nil || !json.Valid(e) {
		t.Errorf("env file: %v", err)
	}
}

func TestRunUsage(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"-size", "1MB"}, &stdout, &stderr); code != 2 {
		t.Errorf("no -out: exit %d, want 2", code)
	}
	if code := run([]string{"-size", "x", "-out", "f"}, &stdout, &stderr); code != 2 {
		t.Errorf("bad size: exit %d, want 2", code)
	}
}
