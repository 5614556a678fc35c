package fuzz

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora in testdata/fuzz from testdata/payloads, testdata/models and the seed documents")
	seedDocs    = flag.String("seed-docs", "../../shared/seeds", "directory of the seed documents whose sample requests become FuzzValidate seeds")
)

// corpusDir is where go test -fuzz looks for a target's seed corpus.
func corpusDir(target string) string { return filepath.Join("testdata", "fuzz", target) }

// corpusFile encodes values in the format of go test -fuzz corpus files.
func corpusFile(vals ...any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case byte:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		}
	}
	return []byte(b.String())
}

var nameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// seeds gathers every seed, by target and readable name.
func seeds(t *testing.T) map[string]map[string][]byte {
	all := map[string]map[string][]byte{"FuzzValidate": {}, "FuzzModel": {}, "FuzzTopic": {}}
	add := func(target, name string, vals ...any) {
		all[target][nameChars.ReplaceAllString(name, "_")] = corpusFile(vals...)
	}

	// FuzzValidate: every case of the payload corpus, with its topic and profile.
	raw, err := os.ReadFile("../testdata/payloads/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ File, Topic, Profile string }
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	topics := map[string]bool{}
	for _, c := range cases {
		payload, err := os.ReadFile(filepath.Join("../testdata/payloads", c.File))
		if err != nil {
			t.Fatal(err)
		}
		name := "payload-" + strings.TrimSuffix(strings.ReplaceAll(c.File, "/", "-"), ".json")
		flags := byte(0x70)
		if c.Profile == "strict" {
			flags |= flagStrict
			name += "-strict"
		}
		add("FuzzValidate", name, c.Topic, payload, flags)
		topics[c.Topic] = true
	}
	// FuzzValidate: the sample requests of the seed documents.
	docs, _ := filepath.Glob(filepath.Join(*seedDocs, "*.txt"))
	block := regexp.MustCompile("(?s)```\\s*json\\s*\\n(.*?)```|Sample Request Format\\n\\n(\\{.*?\\n\\})\\n")
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatch(text, -1) {
			payload := slices.Concat(m[1], m[2])
			var req struct{ Method string }
			if json.Unmarshal(payload, &req) != nil || req.Method == "" {
				continue
			}
			topic := "/sys/gwP/gw1/" + strings.ReplaceAll(strings.TrimPrefix(req.Method, "thing."), ".", "/")
			topic = strings.Replace(topic, "/measurepoint/", "/thing/measurepoint/", 1)
			name := fmt.Sprintf("seed-doc-%s-%d", strings.TrimSuffix(filepath.Base(doc), ".txt")[:3], i)
			add("FuzzValidate", name, topic, payload, byte(0x30))
			add("FuzzValidate", name+"-strict-small-limits", topic, payload, byte(0x31|flagSmallLimits))
		}
	}

	// FuzzModel: the bundled models and the regression model.
	models, _ := filepath.Glob("../testdata/models/*.json")
	for _, m := range models {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		add("FuzzModel", "model-"+strings.TrimSuffix(filepath.Base(m), ".json"), data)
	}
	add("FuzzModel", "model-regress", []byte(regressModel))
	for i := range 4 {
		add("FuzzModel", fmt.Sprintf("model-generated-%d", i), Models("Generated").Example(i).JSON)
	}

	// FuzzTopic: the corpus topics, their replies, and near misses.
	for tp := range topics {
		add("FuzzTopic", "topic"+strings.ReplaceAll(tp, "/", "-"), tp)
		add("FuzzTopic", "reply"+strings.ReplaceAll(tp, "/", "-"), tp+"_reply")
	}
	for name, tp := range map[string]string{
		"wildcard-plus":     "/sys/+/gw1/thing/measurepoint/post",
		"wildcard-hash":     "/sys/gwP/#/thing/measurepoint/post",
		"empty-product-key": "/sys//gw1/thing/measurepoint/post",
		"trailing-slash":    "/sys/gwP/gw1/thing/measurepoint/post/",
		"no-leading-slash":  "sys/gwP/gw1/thing/measurepoint/post",
		"unknown-method":    "/sys/gwP/gw1/thing/measurepoint/get",
		"batch-twice":       "/sys/gwP/gw1/thing/measurepoint/post/batch/batch",
		"event":             "/sys/gwP/gw1/thing/event/post",
		"reply-of-reply":    "/sys/gwP/gw1/thing/measurepoint/post_reply_reply",
		"unicode-keys":      "/sys/产品/设备/thing/measurepoint/resume/batch",
	} {
		add("FuzzTopic", "topic-"+name, tp)
	}
	return all
}

// TestSeedCorpus keeps the seed corpora of the fuzz targets: with -update-seeds
// it rewrites them, keeping the fuzzers' findings (files named regress-*); without, it checks that every corpus file exists and is in
// the go test -fuzz format, so that go test ./fuzz/ runs each seed through its
// target.
func TestSeedCorpus(t *testing.T) {
	all := seeds(t)
	for target, files := range all {
		dir := corpusDir(target)
		if *updateSeeds {
			// Findings of the fuzzers ("regress-*") are kept; the rest is rewritten.
			old, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range old {
				if !strings.HasPrefix(filepath.Base(f), "regress-") {
					if err := os.Remove(f); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./fuzz -run TestSeedCorpus -update-seeds)", target, err)
		}
		if len(entries) == 0 {
			t.Errorf("%s: empty seed corpus", target)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "go test fuzz v1\n") {
				t.Errorf("%s/%s is not a corpus file", target, e.Name())
			}
		}
	}
}
