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
