package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sectionRef matches a section number after "§", and also the second number of
// a range such as "§2–§4".
var sectionRef = regexp.MustCompile(`§([0-9]+(?:\.[0-9]+)*)`)

// protocolHeading matches a numbered heading of PROTOCOL.md.
var protocolHeading = regexp.MustCompile(`(?m)^#{2,3} ([0-9]+(?:\.[0-9]+)*)\.? `)

// TestProtocolSectionsResolve checks that every "§N" that the module's Go files
// and Markdown files cite names a numbered section of PROTOCOL.md, so that a
// reader always has the text a comment or help line refers to. Citations of
// an RFC, written "RFC NNNN" before the sign, are not protocol sections and are left out.
func TestProtocolSectionsResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	text, err := os.ReadFile(filepath.Join(root, "PROTOCOL.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range protocolHeading.FindAllStringSubmatch(string(text), -1) {
		sections[m[1]] = true
	}
	if len(sections) < 20 {
		t.Fatalf("PROTOCOL.md has %d numbered sections; want the 21 of the protocol", len(sections))
	}
	refs := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// bench is a module of its own; dot directories hold no sources.
			if path != root && (d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range sectionRef.FindAllStringSubmatchIndex(line, -1) {
				if isRFCCitation(line[:m[0]]) {
					continue
				}
				refs++
				if n := line[m[2]:m[3]]; !sections[n] {
					t.Errorf("%s:%d: §%s is not a section of PROTOCOL.md", path, i+1, n)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs < 100 {
		t.Errorf("found %d section references; the walk missed the sources", refs)
	}
}

// isRFCCitation reports whether the text before a "§" ends in "RFC NNNN ",
// which makes the section one of that RFC's.
func isRFCCitation(before string) bool {
	f := strings.Fields(before)
	return len(f) >= 2 && f[len(f)-2] == "RFC"
}
