package main

import (
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/pointguard/pointguard/internal/quote"
)

func init() {
	commands["version"] = command{
		name:    "version",
		summary: "print the module version, the VCS revision and the Go version of this binary",
		run:     runVersion,
	}
}

const versionUsage = `usage: pointguard version

Prints the version of the pointguard module this binary was built from, the
VCS revision and time it was built at (when the build recorded them), and the
Go version and platform. "pointguard --version" does the same.

A binary installed with "go install ...@VERSION" reports that version; one
built in a clone reports the pseudo-version the go command derived from the
commit, or "(devel)", and the revision, with "modified" when the work tree had
changes.
`

func runVersion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			io.WriteString(stdout, versionUsage)
			return exitOK
		}
		io.WriteString(stderr, "pointguard version: unexpected argument "+quote.Diag(args[0], 0)+"\n\n"+versionUsage)
		return exitUsage
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	if _, err := io.WriteString(stdout, versionText(info, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)); err != nil {
		io.WriteString(stderr, "pointguard version: "+err.Error()+"\n")
		return exitUsage
	}
	return exitOK
}

// versionText formats what the build recorded about this binary: info is nil
// when the binary carries no build information. goVersion and platform are
// those of the running binary (runtime.Version, GOOS/GOARCH).
func versionText(info *debug.BuildInfo, goVersion, platform string) string {
	version, module := "(unknown)", "github.com/pointguard/pointguard"
	var revision, vcsTime string
	modified := false
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if info.Main.Path != "" {
			module = info.Main.Path
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	b.WriteString("pointguard " + version + "\n")
	b.WriteString("module    " + module + "\n")
	if revision == "" {
		b.WriteString("revision  (not recorded)\n")
	} else {
		b.WriteString("revision  " + revision)
		if vcsTime != "" {
			b.WriteString(" " + vcsTime)
		}
		if modified {
			b.WriteString(" (modified)")
		}
		b.WriteByte('\n')
	}
	b.WriteString("go        " + goVersion + " " + platform + "\n")
	return b.String()
}
