package fuzz

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// The accept path (validate's package documentation) must change nothing but
// the speed: on every input, a validator with it and one without it
// (Options.NoAcceptPath) report the same code, diagnostic, id, skipped
// points, and deliver the same points with the same values and offsets,
// whole and streamed.

// agree validates payload with the accept path and without it, whole and
// through each reader, and fails on the first difference. The two validators
// are reused across the runs, as a service reuses them.
func agree(t failer, opts validate.Options, msg validate.Message, payload []byte, readers map[string]func([]byte) io.Reader) {
	t.Helper()
	fast := validate.New(opts)
	opts.NoAcceptPath = true
	exact := validate.New(opts)
	if diff := cmp.Diff(run(exact, msg, payload, nil), run(fast, msg, payload, nil)); diff != "" {
		t.Fatalf("Validate with the accept path differs (-without +with):\n%s", diff)
	}
	for name, rd := range readers {
		if diff := cmp.Diff(run(exact, msg, payload, rd), run(fast, msg, payload, rd)); diff != "" {
			t.Fatalf("ValidateReader (%s reader) with the accept path differs (-without +with):\n%s", name, diff)
		}
	}
}

// acceptLimits draws limits around the sizes of generated requests, so that
// some entries meet a limit exactly and some cross it; zero keeps a default.
func acceptLimits(t *rapid.T) validate.Limits {
	if rapid.Bool().Draw(t, "default limits") {
		return validate.Limits{}
	}
	return validate.Limits{
		MaxDepth:   rapid.SampledFrom([]int{0, 4, 5, 6, 7, 8}).Draw(t, "max depth"),
		MaxString:  rapid.SampledFrom([]int{0, 4, 8, 12, 16, 24, 40}).Draw(t, "max string"),
		MaxArray:   rapid.SampledFrom([]int{0, 1, 2, 3, 5}).Draw(t, "max array"),
		MaxEntry:   rapid.SampledFrom([]int{0, 40, 100, 200, 400, 1000}).Draw(t, "max entry"),
		MaxSkipped: rapid.SampledFrom([]int{0, 1, 2}).Draw(t, "max skipped"),
	}
}

// acceptPathAgrees is the property of TestAcceptPathAgrees and FuzzAcceptPath:
// a generated request, conforming or with a few mutations, in any spelling,
// with drawn flags and limits, gets the same results with the accept path and
// without it.
func acceptPathAgrees(t *rapid.T) {
	env := Envs().Draw(t, "env")
	profile := profiles.Draw(t, "profile")
	// Mostly the traffic the accept path is for: batches, and strings
	// without needless escapes.
	var r *Request
	if rapid.IntRange(0, 3).Draw(t, "any method") == 0 {
		r = anyRequest(t, env, profile)
	} else {
		r = mutated(t, BatchRequests(env, profile).Draw(t, "request"))
		// A finding in the first entry, so that the entries after it test
		// what the accept path does once a flag may excuse it, or once the
		// verdict is decided.
		if rapid.IntRange(0, 2).Draw(t, "a finding first") == 0 {
			Mutate(t, r, rapid.SampledFrom(mutationKinds).Draw(t, "first mutation"), 0)
		}
	}
	// The flag as the request drew it (absent, true or false, before params),
	// or set again: true where it was, or at the end, or removed.
	if rapid.Bool().Draw(t, "skip again") {
		r.SetSkip(rapid.Bool().Draw(t, "skip"))
	}
	s := style(t, "style")
	s.Plain = rapid.IntRange(0, 3).Draw(t, "escapes") != 0
	x := r.Encode(s)
	cat, err := env.Catalog()
	if err != nil {
		t.Fatalf("generated models do not load: %v", err)
	}
	payload := x.Payload
	// Now and then one byte damaged, anywhere: a syntax or hygiene error in
	// a point whose verdict no longer matters is found either way.
	if rapid.IntRange(0, 3).Draw(t, "damage") == 0 {
		payload = slices.Clone(payload)
		at := rapid.IntRange(0, len(payload)-1).Draw(t, "damage at")
		payload[at] = rapid.SampledFrom([]byte("\xff\x01 ,:\"\\{}[]x0e.-")).Draw(t, "damage byte")
	}
	opts := validate.Options{Profile: profile, Models: cat, Directory: env.ValidateDirectory(), Limits: acceptLimits(t)}
	agree(t, opts, validate.Message{Topic: r.Topic.String(), Now: r.Now}, payload, readers(t))
}

// decidedAgrees is the property of TestAcceptPathDecided: a batch whose
// verdict is decided at its first entry (a 1204 that the flag, false before
// params, does not excuse), with invalid points in the later entries and now
// and then one byte of those damaged, gets the same results with the accept
// path and without it. The checks then skip the later points, looking only
// for what can still come first (a 1206); so must the accept path.
func decidedAgrees(t *rapid.T) {
	env := Envs().Draw(t, "env")
	profile := profiles.Draw(t, "profile")
	r := newRequest(t, env, profile, []protocol.Method{protocol.PostBatch, protocol.ResumeBatch}, 2)
	// A first entry without a model has only invalid points already.
	Mutate(t, r, MutateValue, 0)
	r.SetSkip(false)
	r.root.members = append([]member{{"skipInvalidMeasurepoints", literalNode("false")}}, r.root.members...)
	for j := 1; j < len(r.Entries); j++ {
		if rapid.Bool().Draw(t, "mutate entry") {
			Mutate(t, r, rapid.SampledFrom([]string{MutateValue, MutateInside, MutateUnknown}).Draw(t, "mutation"), j)
		}
	}
	s := style(t, "style")
	s.Plain = rapid.IntRange(0, 3).Draw(t, "escapes") != 0
	x := r.Encode(s)
	payload := x.Payload
	if rapid.Bool().Draw(t, "damage") {
		payload = slices.Clone(payload)
		from := x.enc.start[r.Entries[1].obj]
		at := rapid.IntRange(from, x.enc.end[r.Entries[len(r.Entries)-1].obj]-1).Draw(t, "damage at")
		payload[at] = rapid.SampledFrom([]byte("\xff\x01 ,:\"\\{}[]x0e.-")).Draw(t, "damage byte")
	}
	cat, err := env.Catalog()
	if err != nil {
		t.Fatalf("generated models do not load: %v", err)
	}
	opts := validate.Options{Profile: profile, Models: cat, Directory: env.ValidateDirectory(), Limits: acceptLimits(t)}
	agree(t, opts, validate.Message{Topic: r.Topic.String(), Now: r.Now}, payload, readers(t))
}

// TestAcceptPathDecided checks the accept path against the checks on
// requests whose verdict is decided early.
func TestAcceptPathDecided(t *testing.T) {
	rapid.Check(t, decidedAgrees)
}

// FuzzAcceptPathDecided is TestAcceptPathDecided steered by the fuzzing
// engine.
func FuzzAcceptPathDecided(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(decidedAgrees))
}

// TestAcceptPathAgrees checks the accept path against the checks it falls
// back to on generated requests.
func TestAcceptPathAgrees(t *testing.T) {
	rapid.Check(t, acceptPathAgrees)
}

// FuzzAcceptPath is TestAcceptPathAgrees steered by the fuzzing engine.
func FuzzAcceptPath(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(acceptPathAgrees))
}

// TestAcceptPathLongStream checks a batch much longer than the lookahead
// window of the accept path: streamed, its entries end at every position of
// the window, and those that end past it fall back.
func TestAcceptPathLongStream(t *testing.T) {
	env, err := environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
	if err != nil {
		t.Fatal(err)
	}
	entry := `{"productKey":"product1","deviceKey":"device1","time":1700000000000,"measurepoints":` +
		`{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]}}`
	for _, tc := range []struct {
		name  string
		sep   string
		entry string
		n     int
		code  int
	}{
		{"minified", ",", entry, 3000, 200},
		{"spaced", ",\n    ", entry, 3000, 200},
		{"one bad point at the end", ",", entry, 2000, 1204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[`)
			for i := range tc.n {
				if i > 0 {
					b.WriteString(tc.sep)
				}
				e := tc.entry
				if tc.code == 1204 && i == tc.n-1 {
					e = `{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":"hot"}}`
				}
				b.WriteString(e)
			}
			b.WriteString("]}")
			msg := validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch", Now: 1}
			opts := validate.Options{Models: env.Models(), Directory: env.Directory()}
			o := run(validate.New(opts), msg, b.Bytes(), nil)
			if int(o.Code) != tc.code {
				t.Fatalf("code %d, want %d (%v)", o.Code, tc.code, o.Err)
			}
			agree(t, opts, msg, b.Bytes(), map[string]func([]byte) io.Reader{
				"bytes":    func(p []byte) io.Reader { return bytes.NewReader(p) },
				"half":     func(p []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(p)) },
				"one byte": func(p []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(p)) },
			})
		})
	}
}
