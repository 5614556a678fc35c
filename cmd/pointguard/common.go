package main

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/pointguard/pointguard/internal/envfile"
)

// cmdFlags is the flag set of a subcommand that reads an environment: it holds
// --env and --now, which check and multiset share (SPEC §7.1, §7.3), so that
// both parse them, default them and report a missing environment alike.
type cmdFlags struct {
	*flag.FlagSet
	envPath string          // --env
	now     int64           // --now; -1 when not given
	given   map[string]bool // the flags on the command line, after parse
}

// newCmdFlags returns the flag set of the subcommand name with --env and --now.
// It writes nothing itself: the subcommand writes its own errors and usage.
func newCmdFlags(name string) *cmdFlags {
	f := &cmdFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), now: -1}
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	f.StringVar(&f.envPath, "env", envfile.DefaultPath, "")
	f.Func("now", "", func(s string) error { return parseMillis(s, &f.now) })
	return f
}

// parse parses args. When the subcommand ends here, it returns done and the
// exit status: 0 after writing usage to stdout for -h, or what usageError
// returns for a bad flag.
func (f *cmdFlags) parse(args []string, stdout io.Writer, usage string, usageError func(msg string) int) (status int, done bool) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, usage)
			return exitOK, true
		}
		return usageError(err.Error()), true
	}
	f.given = map[string]bool{}
	f.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
	return 0, false
}

// serverTime returns --now, or else the clock, read now.
func (f *cmdFlags) serverTime() int64 {
	if f.now < 0 {
		return clock().UnixMilli()
	}
	return f.now
}

// loadEnv loads the environment file of --env. The error is the message for
// the user: when the default file is missing, it says how to name another.
func (f *cmdFlags) loadEnv() (*envfile.Env, error) {
	env, err := envfile.Load(f.envPath)
	if err != nil && !f.given["env"] && errors.Is(err, fs.ErrNotExist) && isEnvFileMissing(f.envPath) {
		return nil, errors.New(envfile.DefaultPath + " not found: run from the repository root or pass --env")
	}
	return env, err
}

// isEnvFileMissing reports whether the environment file itself, rather than a
// model file it names, does not exist.
func isEnvFileMissing(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// parseMillis parses a non-negative decimal integer, as --now and --max-bytes
// take. flag's Int64 would also take hex, octal and negative numbers.
func parseMillis(s string, dst *int64) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return errors.New("want a non-negative decimal integer")
	}
	*dst = n
	return nil
}
