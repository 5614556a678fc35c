package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	json "github.com/goccy/go-json"
)

// TestCorpusEdges runs the cases of testdata/payloads/cases_edges.json, whose
// payloads are in testdata/payloads/edges/, as TestCorpus runs cases.json:
// with runCorpus.
func TestCorpusEdges(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(payloadDir, "cases_edges.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("cases_edges.json: %v", err)
	}
	listed := map[string]bool{}
	for _, c := range cases {
		listed[c.File] = true
		if (c.Code == 200) != (c.Pointer == nil && c.Offset == nil) {
			t.Errorf("%s: a rejected case needs pointer and offset, an accepted one has neither", c.File)
		}
	}
	files, err := os.ReadDir(filepath.Join(payloadDir, "edges"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := "edges/" + f.Name(); f.Name() != "env.json" && !listed[name] {
			t.Errorf("%s: not in cases_edges.json", name)
		}
	}
	runCorpus(t, cases)
}
