package main

import (
	"io"
	"os"
	"slices"
	"strings"

	"github.com/pointguard/pointguard/internal/quote"
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
// "help NAME" shows the subcommand's own help; "--version" is "version".
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
			io.WriteString(stderr, "pointguard: unknown command "+quote.Diag(args[1], 0)+"\n")
			writeUsage(stderr)
			return exitUsage
		}
		writeUsage(stdout)
		return exitOK
	}
	if name == "--version" || name == "-version" {
		name = "version"
	}
	c, ok := commands[name]
	if !ok || c.run == nil {
		io.WriteString(stderr, "pointguard: unknown command "+quote.Diag(name, 0)+"\n")
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
