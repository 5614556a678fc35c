package main

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/validate"
)

// clock is the server time of every subcommand: check and multiset read it
// once per run, for messages that carry no time, when --now is not given;
// serve reads it for each multiSet request. Tests replace it.
var clock = time.Now

// cmdFlags is the flag set of a subcommand that reads an environment. It
// holds --env, which every such subcommand takes, and on request --now (check
// and multiset, SPEC §7.1, §7.3) and --profile with --max-bytes (check and
// serve), so that the subcommands parse them, default them and report a
// missing environment alike.
type cmdFlags struct {
	*flag.FlagSet
	envPath     string          // --env
	now         int64           // --now; -1 when not given or not registered
	profileName *string         // --profile; nil when not registered
	maxBytes    int64           // --max-bytes
	given       map[string]bool // the flags on the command line, after parse
}

// newCmdFlags returns the flag set of the subcommand name with --env.
// It writes nothing itself: the subcommand writes its own errors and usage.
func newCmdFlags(name string) *cmdFlags {
	f := &cmdFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), now: -1}
	f.SetOutput(io.Discard)
	f.Usage = func() {}
	f.StringVar(&f.envPath, "env", pointguard.SampleEnvironment, "")
	return f
}

// addNow registers --now, the server time in milliseconds; serverTime reads it.
func (f *cmdFlags) addNow() {
	f.Func("now", "", func(s string) error { return parseMillis(s, &f.now) })
}

// addValidate registers --profile (default compat) and --max-bytes (default
// validate.DefaultMaxBytes; 0 means no limit); validateOptions reads them.
func (f *cmdFlags) addValidate() {
	f.profileName = f.String("profile", "compat", "")
	f.maxBytes = validate.DefaultMaxBytes
	f.Func("max-bytes", "", func(s string) error { return parseMillis(s, &f.maxBytes) })
}

// validateOptions returns the validator options that --profile and --max-bytes
// set, for the caller to complete with the environment. The error is the
// message for the user when --profile names no profile. It needs addValidate.
func (f *cmdFlags) validateOptions() (validate.Options, error) {
	profile, ok := validate.ParseProfile(*f.profileName)
	if !ok {
		return validate.Options{}, errors.New("--profile must be compat or strict, not " + quote.Diag(*f.profileName, 0))
	}
	limit := f.maxBytes
	if limit == 0 {
		limit = -1 // validate.Limits: negative means no limit
	}
	return validate.Options{Profile: profile, Limits: validate.Limits{MaxBytes: limit}}, nil
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

// serverTime returns --now, or else the clock, read now. It needs addNow.
func (f *cmdFlags) serverTime() int64 {
	if f.now < 0 {
		return clock().UnixMilli()
	}
	return f.now
}

// loadEnv loads the environment file of --env, or without --env the sample
// environment compiled into the program, so that the default works from any
// directory. The error is the message for the user.
func (f *cmdFlags) loadEnv() (*environment.Env, error) {
	if !f.given["env"] {
		return environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
	}
	return environment.Load(osFS{}, filepath.ToSlash(f.envPath))
}

// osFS is the file system of the operating system, with names as the user
// wrote them: relative to the working directory, or absolute. Unlike os.DirFS
// it has no root, because --env takes any path and the model files an
// environment names may lie above it ("../models/inverter.json"); errors are
// the *fs.PathError of os.Open, naming the path as given.
type osFS struct{}

// Open opens name, a slash-separated path of the operating system.
func (osFS) Open(name string) (fs.File, error) { return os.Open(filepath.FromSlash(name)) }

// ReadFile reads name, a slash-separated path of the operating system.
func (osFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(filepath.FromSlash(name)) }

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
