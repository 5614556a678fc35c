//go:build ignore

// mutate_recheck re-tests the mutants that gremlins reports as surviving
// (LIVED) or not reached (NOT COVERED) by their own package's tests against
// the tests of every core package, one mutant at a time, in a scratch copy of
// the module. It is run by .ci/mutate; see there.
//
//	go run .ci/mutate_recheck.go -copy DIR -timeout 5m -pkgs ./internal/scan,./validate -then ./fuzz PKGDIR=REPORT.json ...
//
// PKGDIR is the package directory of the report, relative to the module root
// (gremlins names files relative to it). A mutant is re-tested with the tests
// of -pkgs, and when it survives those, of -then as well. It prints one line
// per re-tested mutant and, per report, the score: killed (including timed
// out) over killed plus lived, counting a NOT COVERED mutant that the whole
// suite still passes as lived.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

var (
	testShort bool
	retest    []string
)

type report struct {
	GoModule string `json:"go_module"`
	Files    []struct {
		Filename  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// The token replacements of gremlins' default mutators.
var mutations = map[string]map[token.Token]token.Token{
	"ARITHMETIC_BASE":       {token.ADD: token.SUB, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL, token.SUB: token.ADD},
	"CONDITIONALS_BOUNDARY": {token.GEQ: token.GTR, token.GTR: token.GEQ, token.LEQ: token.LSS, token.LSS: token.LEQ},
	"CONDITIONALS_NEGATION": {token.EQL: token.NEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR, token.LSS: token.GEQ, token.NEQ: token.EQL},
	"INCREMENT_DECREMENT":   {token.DEC: token.INC, token.INC: token.DEC},
	"INVERT_NEGATIVES":      {token.SUB: token.ADD},
}

func main() {
	dir := flag.String("copy", "", "scratch copy of the module (its files are mutated and restored)")
	timeout := flag.Duration("timeout", 5*time.Minute, "time limit of one test run")
	pkgs := flag.String("pkgs", "./internal/scan,./validate", "packages whose tests re-test each mutant")
	then := flag.String("then", "./fuzz", "packages whose tests re-test the mutants that survive -pkgs")
	statuses := flag.String("statuses", "LIVED,NOT COVERED", "the gremlins statuses to re-test, in this order; mutants of other statuses not killed are left out of the score")
	short := flag.Bool("short", true, "run the tests with -short (skips the slow memory test)")
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/mutate_recheck.go -copy DIR [-timeout D] [-pkgs P,...] [-then P,...] PKGDIR=REPORT.json ...")
		os.Exit(2)
	}
	stages := [][]string{strings.Split(*pkgs, ",")}
	if *then != "" {
		stages = append(stages, strings.Split(*then, ","))
	}
	testShort = *short
	retest = strings.Split(*statuses, ",")
	failed := false
	for _, arg := range flag.Args() {
		pkgDir, path, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintln(os.Stderr, "mutate_recheck: want PKGDIR=REPORT.json, got", arg)
			os.Exit(2)
		}
		if err := recheck(*dir, pkgDir, path, *timeout, stages); err != nil {
			fmt.Fprintln(os.Stderr, "mutate_recheck:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func recheck(dir, pkgDir, path string, timeout time.Duration, stages [][]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	var killed, lived, timedOut, notViable int
	var survivors []string
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Filename < r.Files[j].Filename })
	// LIVED first, so that a run cut short has re-tested the survivors.
	left := 0
	for _, f := range r.Files {
		for _, m := range f.Mutations {
			if retestable(m.Status) && !slices.Contains(retest, m.Status) {
				left++
			}
		}
	}
	for pass, want := range retest {
		if pass > 0 {
			fmt.Printf("%s: after the %s mutants: killed %d, timed out %d, lived %d\n", path, retest[pass-1], killed, timedOut, lived)
		}
		for _, f := range r.Files {
			file := filepath.Join(dir, pkgDir, f.Filename)
			for _, m := range f.Mutations {
				if (retestable(m.Status) || pass > 0) && m.Status != want {
					continue
				}
				at := fmt.Sprintf("%s:%d:%d %s", filepath.Join(pkgDir, f.Filename), m.Line, m.Column, m.Type)
				switch m.Status {
				case "KILLED":
					killed++
					continue
				case "TIMED OUT":
					timedOut++
					continue
				case "NOT VIABLE":
					notViable++
					continue
				case "LIVED", "NOT COVERED", "NEW":
				default:
					return fmt.Errorf("%s: %s: unknown status %q", path, at, m.Status)
				}
				var status string
				for _, pkgs := range stages {
					if status, err = run(file, m.Line, m.Column, m.Type, dir, timeout, pkgs); err != nil {
						return fmt.Errorf("%s: %v", at, err)
					}
					if status != "LIVED" {
						break
					}
				}
				fmt.Printf("%-11s -> %-9s %s\n", m.Status, status, at)
				switch status {
				case "KILLED":
					killed++
				case "TIMED OUT":
					timedOut++
				case "NOT VIABLE":
					notViable++
				default:
					lived++
					survivors = append(survivors, at)
				}
			}
		}
	}
	total := killed + timedOut + lived
	score := 100.0
	if total > 0 {
		score = 100 * float64(killed+timedOut) / float64(total)
	}
	fmt.Printf("\n%s: killed %d, timed out %d, lived %d, not viable %d, not re-tested %d: score %.2f%%\n", path, killed, timedOut, lived, notViable, left, score)
	for _, s := range survivors {
		fmt.Println("  survivor:", s)
	}
	return nil
}

// retestable reports whether a mutant of that status is re-tested: one that
// lived, one no test of its package reached, or NEW, which a report may give a
// mutant that an earlier run did not have.
func retestable(status string) bool {
	return status == "LIVED" || status == "NOT COVERED" || status == "NEW"
}

// run applies one mutation to file, runs the tests of pkgs in dir and restores
// the file.
func run(file string, line, col int, typ, dir string, timeout time.Duration, pkgs []string) (string, error) {
	orig, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	mutated, err := apply(orig, line, col, typ)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(file, mutated, 0o644); err != nil {
		return "", err
	}
	defer os.WriteFile(file, orig, 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"test", "-count=1", "-failfast", "-timeout", (timeout + 10*time.Second).String()}
	if testShort {
		args = append(args, "-short")
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if ctx.Err() != nil {
		return "TIMED OUT", nil
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "LIVED", nil
	case errors.As(err, &exit) && bytes.Contains(out.Bytes(), []byte("[build failed]")):
		return "NOT VIABLE", nil
	case errors.As(err, &exit):
		return "KILLED", nil
	}
	return "", err
}

// apply replaces the operator token at line:col of src as mutation typ does.
func apply(src []byte, line, col int, typ string) ([]byte, error) {
	repl, ok := mutations[typ]
	if !ok {
		return nil, fmt.Errorf("unsupported mutation type %s", typ)
	}
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(f, src, nil, 0)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return nil, fmt.Errorf("no token at %d:%d", line, col)
		}
		p := fset.Position(pos)
		if p.Line != line || p.Column != col {
			continue
		}
		to, ok := repl[tok]
		if !ok {
			return nil, fmt.Errorf("token %s %q at %d:%d has no %s mutation", tok, lit, line, col, typ)
		}
		off := p.Offset
		out := append([]byte{}, src[:off]...)
		out = append(out, to.String()...)
		return append(out, src[off+len(tok.String()):]...), nil
	}
}
