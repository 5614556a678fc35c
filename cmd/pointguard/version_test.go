package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The build information of the ways a binary is made, formatted as
// "pointguard version" prints it, against testdata/golden/version.
func TestVersionGolden(t *testing.T) {
	vcs := func(rev, time, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-buildmode", Value: "exe"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: time},
			{Key: "vcs.modified", Value: modified},
		}
	}
	tests := []struct {
		name   string
		info   *debug.BuildInfo
		reason string
	}{
		{name: "installed", reason: "go install ...@v1.4.0 records the version and no VCS settings",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/pointguard/pointguard", Version: "v1.4.0"}}},
		{name: "clone", reason: "go build in a clean clone records a pseudo-version and the revision",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/pointguard/pointguard", Version: "v0.0.0-20261201101713-22a29abae3e2"},
				Settings: vcs("22a29abae3e2ff87bc673650b322868e0a39963e", "2026-12-01T10:17:13Z", "false")}},
		{name: "clone-modified", reason: "a work tree with changes says so",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/pointguard/pointguard", Version: "(devel)"},
				Settings: vcs("22a29abae3e2ff87bc673650b322868e0a39963e", "2026-12-01T10:17:13Z", "true")}},
		{name: "no-vcs", reason: "-buildvcs=false, or a copy without .git: nothing but (devel)",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/pointguard/pointguard", Version: "(devel)"}}},
		{name: "no-build-info", reason: "a binary without build information still names the running Go", info: nil},
	}
	root := repoRoot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := versionText(tt.info, "go1.26.8", "linux/amd64")
			path := filepath.Join(root, "testdata", "golden", "version", tt.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (%s) mismatch (-want +got):\n%s", path, tt.reason, diff)
			}
		})
	}
}

// "version" and "--version" print the build information of the test binary
// itself, and reject arguments.
func TestRunVersion(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	want := versionText(info, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	if !strings.Contains(want, runtime.Version()) {
		t.Fatalf("version text %q does not name %s", want, runtime.Version())
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if status := run(args, strings.NewReader(""), &stdout, &stderr); status != exitOK {
			t.Errorf("%q: status %d, stderr %q", args, status, stderr.String())
		}
		if stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("%q: stdout %q, stderr %q; want stdout %q", args, stdout.String(), stderr.String(), want)
		}
	}
	var stdout, stderr bytes.Buffer
	if status := run([]string{"version", "extra"}, strings.NewReader(""), &stdout, &stderr); status != exitUsage {
		t.Errorf("version extra: status %d, want 2", status)
	}
	if !strings.Contains(stderr.String(), `unexpected argument "extra"`) || stdout.Len() != 0 {
		t.Errorf("version extra: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	stdout.Reset()
	if status := run([]string{"help", "version"}, strings.NewReader(""), &stdout, &stderr); status != exitOK || !strings.HasPrefix(stdout.String(), "usage: pointguard version") {
		t.Errorf("help version: status %d, stdout %q", status, stdout.String())
	}
}
