package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
)

// withCommand registers a command for the duration of the test.
func withCommand(t *testing.T, c command) {
	t.Helper()
	if _, dup := commands[c.name]; dup {
		t.Fatalf("command %q is already registered", c.name)
	}
	commands[c.name] = c
	t.Cleanup(func() { delete(commands, c.name) })
}

func TestRunDispatch(t *testing.T) {
	var gotArgs []string
	withCommand(t, command{name: "zz-echo", summary: "echo for tests", run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		gotArgs = args
		b, _ := io.ReadAll(stdin)
		stdout.Write(b)
		io.WriteString(stderr, "err")
		return 7
	}})
	var stdout, stderr bytes.Buffer
	status := run([]string{"zz-echo", "-x", "a"}, strings.NewReader("in"), &stdout, &stderr)
	if status != 7 {
		t.Errorf("status = %d, want the command's 7", status)
	}
	if !slices.Equal(gotArgs, []string{"-x", "a"}) {
		t.Errorf("args = %q, want the arguments after the command name", gotArgs)
	}
	if stdout.String() != "in" || stderr.String() != "err" {
		t.Errorf("stdout, stderr = %q, %q; want the streams passed through", stdout.String(), stderr.String())
	}
}

func TestRunUsage(t *testing.T) {
	noop := func([]string, io.Reader, io.Writer, io.Writer) int { return 0 }
	withCommand(t, command{name: "zz-last", summary: "sorted last", run: noop})
	withCommand(t, command{name: "aa-first", summary: "sorted first", run: noop})
	tests := []struct {
		name       string
		args       []string
		status     int
		stdout     bool // usage on stdout, else on stderr
		stderrText string
	}{
		{"no arguments", nil, exitUsage, false, ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, false, `pointguard: unknown command "frobnicate"`},
		{"help", []string{"help"}, exitOK, true, ""},
		{"-h", []string{"-h"}, exitOK, true, ""},
		{"--help", []string{"--help"}, exitOK, true, ""},
		{"help for an unknown command", []string{"help", "frobnicate"}, exitUsage, false, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			usage := stderr.String()
			if tt.stdout {
				usage = stdout.String()
			}
			if !strings.Contains(usage, "usage: pointguard <command>") {
				t.Fatalf("no usage text in %q", usage)
			}
			if !strings.Contains(stderr.String(), tt.stderrText) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.stderrText)
			}
			// Commands are listed sorted, each with its summary.
			a := strings.Index(usage, "  aa-first  ")
			c := strings.Index(usage, "  check  ")
			z := strings.Index(usage, "  zz-last  ")
			if a < 0 || c < 0 || z < 0 || !(a < c && c < z) {
				t.Errorf("usage does not list aa-first, check, zz-last in that order:\n%s", usage)
			}
			if !strings.Contains(usage, "sorted first\n") {
				t.Errorf("usage lacks the summary of aa-first:\n%s", usage)
			}
		})
	}
}

// "help check" shows the flags of check on stdout.
func TestRunHelpCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run([]string{"help", "check"}, strings.NewReader(""), &stdout, &stderr); status != exitOK {
		t.Errorf("status = %d, want 0 (stderr %q)", status, stderr.String())
	}
	if !strings.Contains(stdout.String(), "usage: pointguard check") || !strings.Contains(stdout.String(), "--max-bytes") {
		t.Errorf("stdout does not hold the check usage:\n%s", stdout.String())
	}
}
