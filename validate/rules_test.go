package validate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// rulesModel has a point per rule these tests pin down: a FLOAT whose bounds
// are written unlike Go formats them, a BOOL, a STRING, a DATE, an integer
// ENUM and a STRUCT.
const rulesModel = `{"modelId": "Rules", "measurepoints": {
   "fw": {"identifier": "fw", "dataType": "FLOAT", "dataDefinition": {"minimum": 0.50, "maximum": 1e1}},
   "b":  {"identifier": "b", "dataType": "BOOL"},
   "s":  {"identifier": "s", "dataType": "STRING"},
   "dt": {"identifier": "dt", "dataType": "DATE"},
   "en": {"identifier": "en", "dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"0": "off", "9": "on"}}},
   "st": {"identifier": "st", "dataType": "STRUCT", "dataDefinition": {"items": [
           {"identifier": "a", "dataType": "INT"},
           {"identifier": "b", "dataType": "STRING"}]}}}}`

const rulesTopic = "/sys/ruleP/rule1/thing/measurepoint/post/batch"

func rulesCatalog(t testing.TB) *thingmodel.Catalog { return modelCatalog(t, rulesModel, "ruleP") }

// modelCatalog returns a catalog of the one model src, the model of product.
func modelCatalog(t testing.TB, src, product string) *thingmodel.Catalog {
	t.Helper()
	m, err := thingmodel.ParseModel(product, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := thingmodel.NewCatalog([]*thingmodel.Model{m}, map[string]string{product: m.ID()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rulesPayload is a request with one entry of the topic's device per points.
func rulesPayload(points ...string) string {
	var entries []string
	for _, p := range points {
		entries = append(entries, `{"measurepoints":{`+p+`}}`)
	}
	return `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + strings.Join(entries, ",") + `]}`
}

// bothPaths runs f with the accept path on and off.
func bothPaths(t *testing.T, opts validate.Options, f func(t *testing.T, v *validate.Validator)) {
	for _, off := range []bool{false, true} {
		opts.NoAcceptPath = off
		t.Run(fmt.Sprintf("NoAcceptPath=%v", off), func(t *testing.T) { f(t, validate.New(opts)) })
	}
}

// TestValueRuleMessages checks the 1204 of values at the edges of the first
// byte's classes (a number starting with 9), of dates with a letter in place
// of a digit, and bounds quoted as the model wrote them.
func TestValueRuleMessages(t *testing.T) {
	tests := []struct {
		name, point, detail string
	}{
		{"BOOL given the number 9", `"b":9`, "want BOOL (true, false, 0 or 1), got number 9"},
		{"BOOL given the number 0.5", `"b":0.5`, "want BOOL (true, false, 0 or 1), got number 0.5"},
		{"STRING given the number 9", `"s":9`, "want STRING, got number 9"},
		{"STRING given the number 95", `"s":95`, "want STRING, got number 95"},
		{"DATE with a letter in the day", `"dt":"2024-01-0x 12:00:00"`, `want DATE as "yyyy-MM-dd HH:mm:ss" on a real calendar day, got "2024-01-0x 12:00:00"`},
		{"DATE with letters in the year", `"dt":"abcd-01-01 00:00:00"`, `want DATE as "yyyy-MM-dd HH:mm:ss" on a real calendar day, got "abcd-01-01 00:00:00"`},
		{"DATE with a letter in the seconds", `"dt":"2024-01-01 00:00:0:"`, `want DATE as "yyyy-MM-dd HH:mm:ss" on a real calendar day, got "2024-01-01 00:00:0:"`},
		{"ENUM given the number 8", `"en":8`, "ENUM value 8 is not a key of enumDesc"},
		{"ENUM given the number 95", `"en":95`, "ENUM value 95 is not a key of enumDesc"},
		{"ENUM given a 19-digit integer", `"en":1000000000000000000`, "ENUM value 1000000000000000000 is not a key of enumDesc"},
		{"ENUM given an integer beyond int64", `"en":90000000000000000000`, "want ENUM integer key, got number 90000000000000000000"},
		{"ENUM given a key with a fraction", `"en":9.0`, "want ENUM integer key, got number 9.0"},
		{"FLOAT below a minimum written 0.50", `"fw":0.25`, "FLOAT 0.25 is below the minimum 0.50"},
		{"FLOAT above a maximum written 1e1", `"fw":10.5`, "FLOAT 10.5 is above the maximum 1e1"},
	}
	bothPaths(t, validate.Options{Models: rulesCatalog(t)}, func(t *testing.T, v *validate.Validator) {
		for _, tt := range tests {
			payload := rulesPayload(tt.point)
			res, _ := v.Validate(validate.Message{Topic: rulesTopic, Now: 1}, []byte(payload), nil)
			at := strings.Index(payload, tt.point) + strings.Index(tt.point, ":") + 1
			want := fmt.Sprintf("1204 at /params/0/measurepoints/%s offset %d: %s", tt.point[1:strings.Index(tt.point[1:], `"`)+1], at, tt.detail)
			got := fmt.Sprintf("%d", res.Code)
			if res.Err != nil {
				got += fmt.Sprintf(" at %s offset %d: %s", res.Err.Pointer, res.Err.Offset, res.Err.Detail)
			}
			if got != want {
				t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
			}
		}
	})
}

// TestValueRuleAccepts checks values next to those of TestValueRuleMessages
// that are valid: the BOOL 1, a real date, and the FLOAT bounds themselves.
func TestValueRuleAccepts(t *testing.T) {
	points := []string{`"b":1`, `"dt":"2024-02-29 23:59:59"`, `"fw":0.50`, `"fw":10`, `"s":"9"`, `"en":0`, `"en":9`}
	bothPaths(t, validate.Options{Models: rulesCatalog(t)}, func(t *testing.T, v *validate.Validator) {
		for _, p := range points {
			res, err := v.Validate(validate.Message{Topic: rulesTopic, Now: 1}, []byte(rulesPayload(p)), nil)
			if res.Code != codes.OK || err != nil || res.Accepted != 1 {
				t.Errorf("%s: code %v, %d accepted, error %v; want 200 with the point", p, res.Code, res.Accepted, err)
			}
		}
	})
}

// TestCheckValueResult checks what CheckValue returns: the value and a nil
// error for a valid value, a 1204 for an invalid one, a 1206 for bad JSON.
func TestCheckValueResult(t *testing.T) {
	m := rulesCatalog(t).ModelByID("Rules")
	date := m.Measurepoint("dt").Type()
	v := validate.New(validate.Options{})
	val, err := v.CheckValue(date, []byte(`"2024-02-29 12:00:00"`))
	if err != nil || val.DataType() != thingmodel.Date || val.Text() != "2024-02-29 12:00:00" {
		t.Errorf("valid DATE: got %v %q, error %v; want the DATE and no error", val.DataType(), val.Text(), err)
	}
	for _, c := range []struct {
		raw  string
		code codes.Code
	}{
		{`"2023-02-29 12:00:00"`, codes.ModelInvalid},
		{`9`, codes.ModelInvalid},
		{`"2024-02-29 12:00:00" x`, codes.FormatError},
	} {
		_, err := v.CheckValue(date, []byte(c.raw))
		var ve *validate.Error
		if !errors.As(err, &ve) || ve.Code != c.code {
			t.Errorf("CheckValue(%s): error %v, want a %v", c.raw, err, c.code)
		}
	}
}

// TestCollectStructNames checks that a collected STRUCT keeps its item names
// when later entries of the message, and later messages, list their items in
// another order: the names are copied out of the Validator.
func TestCollectStructNames(t *testing.T) {
	payload := rulesPayload(`"st":{"a":1,"b":"x"}`, `"st":{"b":"y","a":2}`)
	bothPaths(t, validate.Options{Models: rulesCatalog(t)}, func(t *testing.T, v *validate.Validator) {
		var b, later validate.Batch
		res, err := v.Collect(validate.Message{Topic: rulesTopic, Now: 1}, []byte(payload), &b)
		if err != nil || res.Code != codes.OK || b.Len() != 2 {
			t.Fatalf("code %v, %d points, error %v; want 200 with 2 points", res.Code, b.Len(), err)
		}
		other := rulesPayload(`"st":{"b":"z","a":3}`, `"st":{"b":"w"}`, `"st":{"b":"v","a":4}`)
		if _, err := v.Collect(validate.Message{Topic: rulesTopic, Now: 1}, []byte(other), &later); err != nil {
			t.Fatal(err)
		}
		var got []string
		for p := range b.Points() {
			s := ""
			for i := range p.Value.Len() {
				name, f := p.Value.Field(i)
				s += name + "=" + string(f.AppendJSON(nil)) + " "
			}
			got = append(got, s)
		}
		want := []string{`a=1 b="x" `, `b="y" a=2 `}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("fields %q, want %q", got, want)
		}
	})
}

// TestStructZeroAllocs checks that a reused Validator checks STRUCT values
// without allocating when the accept path is off, so that every entry is read
// by the full checks.
func TestStructZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are meaningless under coverage or the race detector")
	}
	v := validate.New(validate.Options{Models: rulesCatalog(t), NoAcceptPath: true})
	payload := []byte(rulesPayload(`"st":{"a":1,"b":"x"}`, `"st":{"b":"y","a":2}`))
	msg := validate.Message{Topic: rulesTopic, Now: 1}
	if res, err := v.Validate(msg, payload, nil); err != nil || res.Accepted != 2 {
		t.Fatalf("warm-up: %v, %d points", err, res.Accepted)
	}
	if allocs := testing.AllocsPerRun(50, func() { v.Validate(msg, payload, nil) }); allocs != 0 {
		t.Errorf("Validate allocates %.1f times per request with STRUCT points, want 0", allocs)
	}
}
