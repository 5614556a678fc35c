package fuzz

import (
	"testing"

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Profile: tt.profile, Models: cat, Limits: tt.limits})
			delivered := 0
			res, _ := v.Validate(validate.Message{Topic: tt.topic, Now: 1}, []byte(tt.payload), func(*validate.Point) error {
				delivered++
				return nil
			})
			if res.Accepted != delivered {
				t.Errorf("Accepted = %d, but %d points were delivered (validate.Result.Accepted: \"counts the points delivered to the callback\")", res.Accepted, delivered)
			}
			if res.Code != tt.code {
				t.Fatalf("code %d (%v), want %d at %q offset %d (%s)", res.Code, res.Err, tt.code, tt.pointer, tt.offset, tt.reason)
			}
			if tt.code == codes.OK {
				return
			}
			if res.Err.Pointer != tt.pointer || tt.offset >= 0 && res.Err.Offset != tt.offset {
				t.Fatalf("%d at %q offset %d (%s), want %q offset %d (%s)", res.Code, res.Err.Pointer, res.Err.Offset, res.Err.Detail, tt.pointer, tt.offset, tt.reason)
			}
		})
	}
}
