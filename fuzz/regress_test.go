package fuzz

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// regressModel is the model the regression cases use: one point of each kind
// the cases need.
const regressModel = `{"modelId": "R", "measurepoints": {
  "i":  {"identifier": "i", "dataType": "INT"},
  "iq": {"identifier": "iq", "dataType": "INT", "hasQuality": true},
  "f":  {"identifier": "f", "dataType": "FLOAT"},
  "d":  {"identifier": "d", "dataType": "DOUBLE"},
  "s":  {"identifier": "s", "dataType": "STRING", "dataDefinition": {"maxLength": 2}},
  "a":  {"identifier": "a", "dataType": "ARRAY", "dataDefinition": {"itemType": "INT"}},
  "st": {"identifier": "st", "dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "x", "dataType": "INT", "required": true}]}}
}}`

// TestRegressions holds every case that a property or a fuzz target found,
// minimised, with the verdict SPEC gives it. Each is written by hand from SPEC.
func TestRegressions(t *testing.T) {
	model, err := thingmodel.ParseModel("regress.json", []byte(regressModel))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"p": "R"})
	if err != nil {
		t.Fatal(err)
	}
	const batch = "/sys/p/d/thing/measurepoint/post/batch"
	tests := []struct {
		name    string
		reason  string
		profile validate.Profile
		limits  validate.Limits
		cuts    []int  // also read through a reader that returns chunks ending at these offsets
		detail  string // a part the diagnostic's detail must contain
		topic   string
		payload string
		code    codes.Code
		pointer string
		offset  int64 // -1: not checked
	}{
		{
			name:    "version offset skips white space",
			reason:  `SPEC §4.2: the offset is that of the offending value's first byte, the '"' of "2.0" (found by TestFirstError)`,
			topic:   batch,
			payload: `{"version": "2.0","method":"thing.measurepoint.post.batch","params":[]}`,
			code:    codes.FormatError, pointer: "/version", offset: 12,
		},
		{
			name:    "version offset after a newline",
			reason:  `SPEC §4.2, as above, with the member last (found by TestReencoding)`,
			topic:   batch,
			payload: "{\"method\":\"thing.measurepoint.post.batch\",\"params\":[],\"version\":\n \"1.2\"}",
			code:    codes.FormatError, pointer: "/version", offset: 66,
		},
		{
			name: "pointer of the item past the array limit",
			reason: "SPEC §4.2: pointer and offset name the same value; with Limits.MaxArray 3 the offending " +
				"item is the fourth, /x/3 at offset 28 (found by TestDeliberateDifferences)",
			limits:  validate.Limits{MaxArray: 3},
			topic:   batch,
			payload: `{"version":"1.0","x":[1,2,3,4],"method":"thing.measurepoint.post.batch","params":[]}`,
			code:    codes.FormatError, pointer: "/x/3", offset: 28,
		},
		{
			name: "accepted counts delivered points after a duplicate point",
			reason: "SPEC §4.7: a duplicate key is 1206, at the second member's value (validate doc, decision 11); " +
				"Result.Accepted must count the points delivered, here none (found by FuzzValidate on payloads/invalid/duplicate_escaped.json)",
			topic:   batch,
			payload: `{"version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"p","deviceKey":"d","measurepoints":{"i":1,"i":2}}]}`,
			code:    codes.FormatError, pointer: "/params/0/measurepoints/i", offset: 129,
		},
		{
			name: "stream ends inside a string after a multi-byte character",
			reason: "SPEC §4.2: a payload cut short is 1206, and nothing may panic; Validate says so, " +
				"ValidateReader panicked (slice bounds out of range in scan.Reader.ReadString; found by TestStreamingEqualsWhole)",
			topic:   batch,
			payload: "{\"x\":\"\xc3\xa9",
			code:    codes.FormatError, pointer: "/x", offset: 8, // the end of the payload, as Validate says
		},
		{
			name:    "stream ends inside a string after a partial UTF-8 sequence",
			reason:  "as above, with the payload cut inside the character",
			topic:   batch,
			payload: "{\"params\":[{\"measurepoints\":{\"i\":\"\xe4\xb8",
			code:    codes.FormatError, pointer: "/params/0/measurepoints/i", offset: 36,
		},
		{
			name: "pointer of a duplicate empty key in a payload cut short",
			reason: `SPEC §4.2, §4.7: the duplicate "" inside the member "" is the earliest 1206; its pointer is "//" ` +
				`(two empty reference tokens, RFC 6901) at the second value, offset 13; the validator says "/"`,
			topic:   batch,
			payload: `{"":{"":1,"":2}`,
			code:    codes.FormatError, pointer: "//", offset: 13,
		},
		{
			name: "pointer of a duplicate key does not depend on the reader",
			reason: `as above; Validate said "/" and ValidateReader one byte at a time "//" ` +
				`(found by FuzzValidate, testdata/fuzz/FuzzValidate/regress-duplicate-empty-key)`,
			topic:   batch,
			payload: `{"": {"":{},"":"","0"0`,
			code:    codes.FormatError, pointer: "//", offset: 15,
		},
		{
			name: "stream ends after a number",
			reason: "SPEC §4.2: cut short, 1206 at the end of the payload (offset 6), as Validate says; ValidateReader " +
				"over a bytes.Reader said offset 11, past the end (found by TestStreamingEqualsWhole)",
			topic:   batch,
			payload: `{"a":1`,
			code:    codes.FormatError, pointer: "", offset: 6,
		},
		{
			name:    "stream ends after a number in a point",
			reason:  "as above, inside an entry's measurepoints, which the validator holds until the entry ends",
			topic:   batch,
			payload: `{"params":[{"measurepoints":{"i":[1`,
			code:    codes.FormatError, pointer: "/params/0/measurepoints/i/0", offset: 35,
		},
		{
			name: "detail quotes the version as sent",
			reason: `SPEC §4.2: the detail describes the offending value, "0"; read in chunks with small limits the ` +
				`validator quoted bytes that a later read had overwritten, "1" (found by FuzzValidate, ` +
				`testdata/fuzz/FuzzValidate/regress-version-detail)`,
			limits:  smallLimits,
			cuts:    []int{22, 23, 44},
			topic:   "/sys/0/0/thing/measurepoint/post",
			payload: `{"00":"0","version":"0"010000000000000000000000000000000000000000000000`,
			code:    codes.FormatError, pointer: "/version", offset: 20, detail: `got "0"`,
		},
		{
			name: "key over the string limit: pointer and offset name one value",
			reason: "SPEC §4.2: the pointer names the offending value and the offset is that value's first byte. A key " +
				"is no value; the validator names the object holding it, /0/0, but gives the key's offset, 7, where " +
				"the object starts at 6 (found by FuzzValidate, testdata/fuzz/FuzzValidate/regress-long-key)",
			limits:  validate.Limits{MaxString: 40},
			topic:   batch,
			payload: `{"0":[{"` + strings.Repeat("0", 41) + `":{}}]}`,
			code:    codes.FormatError, pointer: "/0/0", offset: 6,
		},
		{
			name:    "point identifier over the string limit",
			reason:  "as above, for an identifier in measurepoints: the object starts at 85",
			limits:  validate.Limits{MaxString: 40},
			topic:   batch,
			payload: `{"version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{"` + strings.Repeat("0", 41) + `":1}}]}`,
			code:    codes.FormatError, pointer: "/params/0/measurepoints", offset: 85,
		},
		{
			name: "nothing is skipped in a payload over the size limit",
			reason: "SPEC §4.2: 1008 is decided before parsing, so no point is skipped, as Validate says; ValidateReader " +
				"reported the points it skipped before it reached the limit (found by FuzzValidate)",
			limits:  validate.Limits{MaxBytes: 120},
			topic:   batch,
			payload: `{"skipInvalidMeasurepoints":true,"params":[{"measurepoints":{"i":"x"}}],"pad":"` + strings.Repeat("p", 60) + `"}`,
			code:    codes.MsgTooLarge, pointer: "", offset: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Profile: tt.profile, Models: cat, Limits: tt.limits})
			// Every case is validated whole and streamed: SPEC §4.2 gives one
			// verdict, however the payload is read.
			readers := map[string]func() io.Reader{
				"Validate":       nil,
				"ValidateReader": func() io.Reader { return bytes.NewReader([]byte(tt.payload)) },
				"ValidateReader one byte at a time": func() io.Reader {
					return iotest.OneByteReader(bytes.NewReader([]byte(tt.payload)))
				},
			}
			if tt.cuts != nil {
				readers["ValidateReader in chunks"] = func() io.Reader { return &splitReader{b: []byte(tt.payload), cuts: tt.cuts} }
			}
			for name, rd := range readers {
				delivered := 0
				yield := func(*validate.Point) error {
					delivered++
					return nil
				}
				var res validate.Result
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("%s panics: %v (%s)", name, p, tt.reason)
						}
					}()
					msg := validate.Message{Topic: tt.topic, Now: 1}
					if rd == nil {
						res, _ = v.Validate(msg, []byte(tt.payload), yield)
					} else {
						res, _ = v.ValidateReader(msg, rd(), yield)
					}
				}()
				if res.Accepted != delivered {
					t.Errorf("%s: Accepted = %d, but %d points were delivered (validate.Result.Accepted: \"counts the points delivered to the callback\")", name, res.Accepted, delivered)
				}
				if res.Code != tt.code {
					t.Fatalf("%s: code %d (%v), want %d at %q offset %d (%s)", name, res.Code, res.Err, tt.code, tt.pointer, tt.offset, tt.reason)
				}
				if tt.code == codes.OK {
					continue
				}
				if tt.code == codes.MsgTooLarge && (res.SkippedTotal != 0 || len(res.Skipped) != 0) {
					t.Errorf("%s: 1008 is decided before parsing (SPEC §4.2), yet %d points are skipped: %v", name, res.SkippedTotal, res.Skipped)
				}
				if !strings.Contains(res.Err.Detail, tt.detail) {
					t.Errorf("%s: detail %q does not say %q (%s)", name, res.Err.Detail, tt.detail, tt.reason)
				}
				if res.Err.Pointer != tt.pointer || tt.offset >= 0 && res.Err.Offset != tt.offset {
					t.Fatalf("%s: %d at %q offset %d (%s), want %q offset %d (%s)", name, res.Code, res.Err.Pointer, res.Err.Offset, res.Err.Detail, tt.pointer, tt.offset, tt.reason)
				}
			}
		})
	}
}
