// Command pointguard is the conformance tool of SPEC §7: it validates captured
// measurepoint messages and multiSet requests against a platform environment.
//
//	pointguard check [flags] [CAPTURE ...]
//	pointguard help [command]
//
// Exit statuses, for every command: 0 when every verdict is positive, 1 when
// any is not, 2 for a usage or I/O error.
//
// # Commands
//
// Every subcommand is a [command] in the [commands] registry, registered from an
// init function in its own file, so that subcommands can be added without
// touching this one:
//
//	func init() {
//		commands["example"] = command{
//			name:    "example",
//			summary: "one line for the usage text",
//			run:     runExample,
//		}
//	}
//
// main only calls run, which tests call in-process.
//
// # check
//
// check implements SPEC §7.1 over the environment of §7.2 (package envfile).
// Where SPEC is silent it decides:
//
//  1. Flags come before the CAPTURE files; an argument that looks like a flag
//     after a file is a usage error (name a file "./-x" to check it).
//  2. "line" counts the lines of each CAPTURE file from 1, restarting with each
//     file; empty lines and lines of only white space are skipped but counted.
//     With --topic, "line" is the 1-based index of the CAPTURE argument.
//  3. A refused topic (1009) has no reply topic; "topic" is then the request
//     topic followed by "_reply", since scripts match verdicts by it.
//  4. For errors decided before the payload is parsed (1008, 1009, 1251),
//     "error" has "pointer": "" and "offset": -1, as validate.Error does.
//  5. "skipped" lists at most validate.DefaultMaxSkipped points; the text
//     format prints the full count.
//  6. A capture line is valid when it is one JSON object with a string "topic",
//     exactly one of "payload" (a string) and "payload_base64" (standard
//     base64, padding optional), and an optional "received" that is an integer
//     in [0, 2^63-1]. Other keys are ignored; a duplicate of one of these keys
//     makes the line invalid. An invalid line is reported on stderr as
//     "pointguard check: FILE:LINE: not a capture line: REASON" ("stdin" for
//     standard input), gets no verdict line, and makes the exit status at
//     least 1.
//  7. A capture line may be up to 256 MiB; a longer one is an invalid capture
//     line, read through without being held. Larger payloads are checked with
//     --topic, which streams them.
//  8. A CAPTURE file that cannot be read is reported on stderr and the run goes
//     on with the next one; the exit status is 2. So it is when stdout fails.
//  9. The clock is read once per run, for messages that have neither
//     "received" nor --now. Each verdict is flushed as soon as it is written.
//  10. No messages at all is success (exit status 0).
package main

import (
	"io"
	"os"
	"slices"
	"strings"
)

// command is one subcommand.
type command struct {
	name    string // as typed on the command line; also the key in commands
	summary string // one line for the usage text, without a trailing period
	// run runs the subcommand with the arguments after its name and returns the
	// exit status: 0 success, 1 a negative verdict, 2 a usage or I/O error.
	run func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands holds the subcommands by name. Files register theirs in init
// functions; nothing writes to it after main starts.
var commands = map[string]command{}

// Exit statuses shared by every subcommand.
const (
	exitOK    = 0 // every verdict positive
	exitFail  = 1 // some verdict negative
	exitUsage = 2 // usage or I/O error
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run dispatches to the subcommand named by args[0] and returns the exit status.
// With no arguments, or an unknown subcommand, it prints the usage on stderr and
// returns 2; "help", "-h" and "--help" print it on stdout and return 0, and
// "help NAME" shows the subcommand's own help.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(args) > 1 {
			if c, ok := commands[args[1]]; ok && c.run != nil {
				return c.run([]string{"-h"}, stdin, stdout, stderr)
			}
			io.WriteString(stderr, "pointguard: unknown command "+quote(args[1])+"\n")
			writeUsage(stderr)
			return exitUsage
		}
		writeUsage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok || c.run == nil {
		io.WriteString(stderr, "pointguard: unknown command "+quote(name)+"\n")
		writeUsage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

// writeUsage lists the registered subcommands, sorted by name.
func writeUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("usage: pointguard <command> [flags] [arguments]\n\ncommands:\n")
	for _, n := range names {
		b.WriteString("  ")
		b.WriteString(n)
		b.WriteString(strings.Repeat(" ", width-len(n)+2))
		b.WriteString(commands[n].summary)
		b.WriteByte('\n')
	}
	b.WriteString("\nRun \"pointguard help <command>\" for the flags of a command.\n")
	io.WriteString(w, b.String())
}

// quote returns s in double quotes, with quotes, backslashes and control bytes
// escaped, for messages that echo user input.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			const hex = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
