package bench

import (
	"strconv"
	"sync"
	"testing"

	"github.com/pointguard/pointguard/bench/gen"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// payload is one benchmark input, with its skipInvalidMeasurepoints variant.
type payload struct {
	name     string
	data     []byte
	skipData []byte // the same request with the flag set
	sample   bool   // the documents' sample (its own typed struct and verdicts)
	points   int    // points in the request
}

var (
	largeOnce sync.Once
	large     payload
)

func largePayload() payload {
	largeOnce.Do(func() {
		large = payload{name: "large", data: gen.Large(false), skipData: gen.Large(true),
			points: gen.LargeEntries * gen.PointsPerEntry}
	})
	return large
}

func samplePayload() payload {
	return payload{name: "sample", data: gen.Sample(false), skipData: gen.Sample(true), sample: true, points: 9}
}

var (
	sizedMu sync.Mutex
	sized   = map[int64][]byte{}
)

// sizedPayload returns a batch of exactly size bytes, made once per process.
func sizedPayload(tb testing.TB, size int64) payload {
	sizedMu.Lock()
	defer sizedMu.Unlock()
	data, ok := sized[size]
	if !ok {
		var err error
		if data, err = gen.Sized(size, gen.Options{}); err != nil {
			tb.Fatal(err)
		}
		sized[size] = data
	}
	return payload{name: sizeName(size), data: data, points: -1}
}

// sweep is the sizes of BenchmarkSize: 1 KB to 64 MB, each 16 times the last but
// for the largest, which keeps one run of the suite within minutes.
var sweep = []int64{1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20}

func sizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// baseline is one way of checking a payload; check returns an error only for
// an unexpected outcome.
type baseline struct {
	name  string
	check func([]byte) error
}

// baselines returns the baselines, set up once for the payload (compiled schema,
// reused decoders).
func baselines(tb testing.TB, p payload) []baseline {
	tb.Helper()
	h, err := newHandChecker()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := compileSchema(false)
	if err != nil {
		tb.Fatal(err)
	}
	jt := newJSONTextWalker()
	jv := newJSONTextWalker()
	fj := &fastjsonWalker{}
	return []baseline{
		{"goccy-typed", goccyTyped},
		{"goccy-fixed-struct", goccyFixedStruct(p.sample)},
		{"encoding-json-map+checks", h.check},
		{"goccy-token-walk", goccyTokens},
		{"jsontext-token-walk", jt.walk},
		{"jsonschema-v6", schemaCheck(s)},
		{"scan-ceiling", scanCheck},
		{"fastjson-parse-walk", fj.walk},
		{"fastjson-validate", fastjsonValid},
		{"jsontext-read-value", jv.readValue},
		{"goccy-valid", goccyValid},
		{"sonic-valid", sonicValid},
	}
}

// syntaxRows returns the rows of BenchmarkSize that only check syntax and keep
// no tree of the payload (fastjson's tree of a 64 MB batch would take hundreds
// of megabytes on a shared machine).
func syntaxRows() []baseline {
	jv := newJSONTextWalker()
	return []baseline{
		{"scan-ceiling", scanCheck},
		{"fastjson-validate", fastjsonValid},
		{"jsontext-read-value", jv.readValue},
		{"goccy-valid", goccyValid},
		{"sonic-valid", sonicValid},
	}
}

// warmups is how many times run checks a payload before timing: a reused
// parser or decoder grows its buffers on the first requests (fastjson's tree
// still grows its objects' member lists on the second), and the rows measure
// the steady state of a reused value, as the pointguard rows do.
const warmups = 2

func run(b *testing.B, name string, data []byte, check func([]byte) error) {
	b.Run(name, func(b *testing.B) {
		for range warmups {
			if err := check(data); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := check(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runPointguard adds the pointguard rows: compat and strict, each without and
// with skipInvalidMeasurepoints, on a reused validator.
func runPointguard(b *testing.B, p payload, withSkip bool) {
	for _, profile := range []validate.Profile{validate.Compat, validate.Strict} {
		for _, skip := range []bool{false, true} {
			if skip && !withSkip {
				continue
			}
			name := "pointguard-" + profile.String()
			data := p.data
			if skip {
				name += "-skip"
				data = p.skipData
			}
			b.Run(name, func(b *testing.B) {
				check := pointguardCheck(b, newValidator(b, profile), data, expect(p, profile, skip))
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := check(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLarge runs every row on the 2000-entry batch (about 1.15 MB).
func BenchmarkLarge(b *testing.B) {
	p := largePayload()
	for _, bl := range baselines(b, p) {
		run(b, bl.name, p.data, bl.check)
	}
	runPointguard(b, p, true)
	b.Run("pointguard-compat-reader", func(b *testing.B) {
		check := pointguardReaderCheck(b, newValidator(b, validate.Compat), p.data, expect(p, validate.Compat, false))
		b.SetBytes(int64(len(p.data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := check(p.data); err != nil {
				b.Fatal(err)
			}
		}
	})
	runAcceptPathRows(b, p)
}

// runAcceptPathRows adds the rows that measure what the accept path saves and
// what a rejected request costs: compat without the accept path, and compat
// on the payload with one invalid point in its first entry or in its last.
// With no flag in the payload, a later "skipInvalidMeasurepoints":true could
// still excuse that point, so the entries after it are read by the accept
// path. In the -decided row the flag is false and comes before params: the
// verdict is decided at the first entry, and the checks read the rest,
// skipping the points.
func runAcceptPathRows(b *testing.B, p payload) {
	b.Run("pointguard-compat-noaccept", func(b *testing.B) {
		opts := benchOptions(b, validate.Compat)
		opts.NoAcceptPath = true
		check := pointguardCheck(b, validate.New(opts), p.data, expect(p, validate.Compat, false))
		b.SetBytes(int64(len(p.data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := check(p.data); err != nil {
				b.Fatal(err)
			}
		}
	})
	first := withBadPoint(b, p.data, false)
	for _, row := range []struct {
		name string
		data []byte
	}{
		{"pointguard-compat-rejected-first", first},
		{"pointguard-compat-rejected-last", withBadPoint(b, p.data, true)},
		{"pointguard-compat-rejected-decided", withFlagFirst(b, first, `"skipInvalidMeasurepoints":false`)},
	} {
		data := row.data
		b.Run(row.name, func(b *testing.B) {
			check := pointguardCheck(b, newValidator(b, validate.Compat), data, expectation{code: codes.ModelInvalid})
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := check(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSample runs every row on the documents' sample request. Its flag is
// false in the plain rows and true (as the documents have it) in the -skip rows.
func BenchmarkSample(b *testing.B) {
	p := samplePayload()
	for _, bl := range baselines(b, p) {
		run(b, bl.name, p.data, bl.check)
	}
	runPointguard(b, p, true)
}

// BenchmarkSize runs pointguard (compat), goccy typed decoding, the scanner and
// the other syntax-only rows on batches from 1 KB to 64 MB: throughput should
// stay flat and pointguard's allocations at zero whatever the size.
func BenchmarkSize(b *testing.B) {
	for _, size := range sweep {
		b.Run(sizeName(size), func(b *testing.B) {
			p := sizedPayload(b, size)
			run(b, "goccy-typed", p.data, goccyTyped)
			for _, bl := range syntaxRows() {
				run(b, bl.name, p.data, bl.check)
			}
			b.Run("pointguard-compat", func(b *testing.B) {
				check := pointguardCheck(b, newValidator(b, validate.Compat), p.data, expectation{code: 200, accepted: countPoints(b, p.data)})
				b.SetBytes(int64(len(p.data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := check(p.data); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// countPoints counts the points of a generated batch: every entry has
// gen.PointsPerEntry, and every entry starts with its productKey.
func countPoints(tb testing.TB, data []byte) int {
	tb.Helper()
	n := 0
	key := []byte(`{"productKey":`)
	for i := 0; i+len(key) <= len(data); i++ {
		if data[i] == '{' && string(data[i:i+len(key)]) == string(key) {
			n++
		}
	}
	return n * gen.PointsPerEntry
}
