package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/pointguard/pointguard/bench/gen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("genpayload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	size := fs.String("size", "1MB", "payload size in bytes, or with a suffix KB, MB, GB (powers of 1024)")
	out := fs.String("out", "", "payload file (required)")
	env := fs.String("env", "", "also write the matching environment file here")
	seed := fs.Uint64("seed", gen.DefaultSeed, "seed of the generated values")
	skip := fs.Bool("skip-invalid", false, `set "skipInvalidMeasurepoints":true`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	n, err := parseSize(*size)
	if err != nil || *out == "" || fs.NArg() != 0 {
		if err == nil {
			err = errors.New("usage: genpayload -size N -out FILE [-env FILE] [-seed S] [-skip-invalid]")
		}
		fmt.Fprintln(stderr, "genpayload:", err)
		return 2
	}
	if err := write(*out, n, gen.Options{Seed: *seed, SkipInvalid: *skip}); err != nil {
		fmt.Fprintln(stderr, "genpayload:", err)
		return 1
	}
	if *env != "" {
		if err := os.WriteFile(*env, gen.Env(), 0o644); err != nil {
			fmt.Fprintln(stderr, "genpayload:", err)
			return 1
		}
	}
	fmt.Fprintln(stdout, gen.Topic)
	return 0
}

func write(path string, size int64, o gen.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 256<<10)
	err = gen.WriteSized(w, size, o)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseSize reads "1048576", "64KB", "300MB" or "1GB"; the suffixes are powers of
// 1024 and may be lower case.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, sfx := range []struct {
		s string
		m int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(u, sfx.s) {
			u, mult = strings.TrimSuffix(u, sfx.s), sfx.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(u), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, errors.New("bad size " + strconv.Quote(s))
	}
	return n * mult, nil
}
