package validate_test

import (
	"strings"
	"testing"

	"github.com/pointguard/pointguard/validate"
)

// A reused Validator must not allocate on an accepted request (SPEC §6 budget,
// house style: allocations are guarded by a test, not by hope).
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are meaningless under coverage or the race detector")
	}
	seed := `{"id":"123","version":"1.0","allowOfflineSubDevice":true,"skipInvalidMeasurepoints":true,"params":[` +
		entry("device1", `"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]`) + `,` +
		entry("device1", `"Power":{"value":2,"quality":9},"temp":2.02,"branchCurr":["2.02","3.02","9.93"]`) +
		`],"method":"thing.measurepoint.post.batch"}`
	escaped := strings.Replace(seed, `"temp"`, `"\u0074emp"`, 1)
	v := validate.New(validate.Options{Models: catalog(t), Directory: testDir})
	var points int
	yield := func(p *validate.Point) error { points++; return nil }
	for _, payload := range []string{seed, escaped} {
		b := []byte(payload)
		msg := validate.Message{Topic: topic, Now: 1}
		res, err := v.Validate(msg, b, yield)
		if err != nil || res.Accepted != 6 {
			t.Fatalf("warm-up: %v, %d points", err, res.Accepted)
		}
		allocs := testing.AllocsPerRun(100, func() { v.Validate(msg, b, yield) })
		if allocs != 0 {
			t.Errorf("Validate allocates %.1f times per request, want 0 (%s)", allocs, payload[:40])
		}
		r := strings.NewReader(payload)
		allocs = testing.AllocsPerRun(100, func() {
			r.Reset(payload)
			v.ValidateReader(msg, r, yield)
		})
		if allocs != 0 {
			t.Errorf("ValidateReader allocates %.1f times per request, want 0", allocs)
		}
	}
}

// A rejected request allocates for the error it reports (the Error, its
// pointer and its sentence), not for each value that is wrong: a point keeps
// its first finding only, so the others are read but not described, and the
// pointer is written into one buffer.
func TestRejectedAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are meaningless under coverage or the race detector")
	}
	v := validate.New(validate.Options{Models: catalog(t), Directory: testDir, Profile: validate.Strict})
	msg := validate.Message{Topic: topic, Now: 1}
	request := func(items int) []byte {
		list := strings.TrimSuffix(strings.Repeat(`"1.02",`, items), ",")
		return []byte(`{"id":"1","version":"1.0","params":[` + entry("device1", `"temp":1.02,"branchCurr":[`+list+`]`) +
			`],"method":"thing.measurepoint.post.batch"}`)
	}
	count := func(b []byte) float64 {
		res, _ := v.Validate(msg, b, nil) // the error returned is res.Err
		if res.Code != 1204 || res.Err == nil || res.Err.Pointer != "/params/0/measurepoints/branchCurr/0" {
			t.Fatalf("want 1204 at /params/0/measurepoints/branchCurr/0, got %+v", res)
		}
		return testing.AllocsPerRun(100, func() { v.Validate(msg, b, nil) })
	}
	one, many := count(request(1)), count(request(8))
	if many != one {
		t.Errorf("a point with 8 wrong items allocates %.1f times, with 1 %.1f: want the same", many, one)
	}
	// The Error, its pointer, the value's quoted text and the sentence.
	if one > 4 {
		t.Errorf("a rejected request allocates %.1f times, want at most 4", one)
	}
}
