package validate_test

import (
	"bytes"
	"testing"
	"testing/iotest"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestNothingSkippedWhenRejected checks that a rejected request reports no
// skipped points, wherever its flags stand. SPEC §4.5: points are dropped from
// a request that is then accepted; a rejected request is refused whole. Which
// of its points were checked before the verdict was fixed depends on whether
// allowOfflineSubDevice comes before or after params, and that must not show
// in the result (found by TestReencoding in package fuzz).
func TestNothingSkippedWhenRejected(t *testing.T) {
	const (
		// entries: the gateway itself with a bad FLOAT, then an offline
		// sub-device with a bad FLOAT.
		entries = `"params":[{"measurepoints":{"temp":"warm"}},` +
			`{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":"hot"}}]`
		head = `"version":"1.0","method":"thing.measurepoint.post.batch","skipInvalidMeasurepoints":true`
	)
	tests := []struct {
		name    string
		payload string
		code    codes.Code
	}{
		{"flag before params", `{` + head + `,"allowOfflineSubDevice":false,` + entries + `}`, codes.NoSubDevicePerm},
		{"flag after params", `{` + head + `,` + entries + `,"allowOfflineSubDevice":false}`, codes.NoSubDevicePerm},
		{"flag absent", `{` + head + `,` + entries + `}`, codes.NoSubDevicePerm},
		{"1206 after skipped points", `{` + head + `,` + entries + `,"x":1,"x":2}`, codes.FormatError},
	}
	v := validate.New(validate.Options{Models: catalog(t), Directory: testDir})
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			var res validate.Result
			if stream {
				res, _ = v.ValidateReader(validate.Message{Topic: topic, Now: 1}, iotest.OneByteReader(bytes.NewReader([]byte(tt.payload))), nil)
			} else {
				res, _ = v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(tt.payload), nil)
			}
			if res.Code != tt.code {
				t.Fatalf("%s (streamed %v): code %v (%v), want %v", tt.name, stream, res.Code, res.Err, tt.code)
			}
			if res.SkippedTotal != 0 || len(res.Skipped) != 0 {
				t.Errorf("%s (streamed %v): %d skipped points %v in a rejected request, want none", tt.name, stream, res.SkippedTotal, res.Skipped)
			}
		}
	}
	// The same request with the sub-device allowed is accepted, and both bad
	// points are skipped.
	ok := `{` + head + `,` + entries + `,"allowOfflineSubDevice":true}`
	res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(ok), nil)
	if res.Code != codes.OK || res.SkippedTotal != 2 {
		t.Errorf("allowed: code %v, %d skipped; want 200 with 2 skipped", res.Code, res.SkippedTotal)
	}
}
