package validate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/validate"
)

// TestCorpusEdges runs the cases of testdata/payloads/cases_edges.json, whose
// payloads are in testdata/payloads/edges/, as TestCorpus runs cases.json:
// through Validate and through ValidateReader one byte at a time.
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
	envs := map[string]validate.Options{}
	for _, c := range cases {
		opts, ok := envs[c.Env]
		if !ok {
			if opts, err = loadEnv(filepath.Join(payloadDir, c.Env)); err != nil {
				t.Fatalf("%s: %v", c.Env, err)
			}
			envs[c.Env] = opts
		}
		payload, err := os.ReadFile(filepath.Join(payloadDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		want := c.want()
		for _, profile := range c.profiles(t) {
			t.Run(c.File+"/"+profile.String(), func(t *testing.T) {
				opts := opts
				opts.Profile = profile
				v := validate.New(opts)
				msg := validate.Message{Topic: c.Topic, Now: c.Now}
				yielded := 0
				count := func(*validate.Point) error { yielded++; return nil }
				res, err := v.Validate(msg, payload, count)
				if diff := cmp.Diff(want, summarize(t, "Validate", res, err, yielded)); diff != "" {
					t.Errorf("Validate: verdict mismatch (-want +got):\n%s\nreason: %s", diff, c.Reason)
				}
				yielded = 0
				res, err = v.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader(payload)), count)
				if diff := cmp.Diff(want, summarize(t, "ValidateReader", res, err, yielded)); diff != "" {
					t.Errorf("ValidateReader(OneByteReader): verdict mismatch (-want +got):\n%s\nreason: %s", diff, c.Reason)
				}
			})
		}
	}
}
