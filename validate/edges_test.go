package validate_test

import (
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// TestKeyErrors pins down where errors about keys point, and what they say:
// a key that is not valid UTF-8 or leaves a lone surrogate, a duplicate key
// and a missing ':' name the member, at its value (SPEC decision 11 of the
// package doc); everywhere a key can be.
func TestKeyErrors(t *testing.T) {
	bad := codes.FormatError
	entryWith := func(members string) string {
		return `{"productKey":"product1","deviceKey":"device1",` + members + `}`
	}
	tests := []limitCase{
		{name: "envelope key not UTF-8", payload: batch(`"x` + "\xff" + `": 7,`), code: bad,
			pointer: "/x\xff", at: "7,", detail: "invalid UTF-8 in string"},
		{name: "entry key not UTF-8", payload: batch("", entryWith(`"x`+"\xc3"+`":[7],"measurepoints":{"temp":1}`)), code: bad,
			pointer: "/params/0/x\xc3", at: "[7]", detail: "invalid UTF-8 in string"},
		{name: "measurepoint key not UTF-8", payload: batch("", entry("device1", `"te`+"\xed\xa0\x80"+`mp":  7`)), code: bad,
			pointer: "/params/0/measurepoints/te\xed\xa0\x80mp", at: "7}", detail: "invalid UTF-8 in string"},
		{name: "quality object key with a lone surrogate", payload: batch("", entry("device1", `"Power":{"value":1,"\ud800":7}`)), code: bad,
			pointer: "/params/0/measurepoints/Power/\uFFFD", at: "7}", detail: `\u escape leaves a lone UTF-16 surrogate`},
		{name: "ignored key with a lone surrogate", payload: batch(`"x":{"a\udc00b" :` + "\n" + ` 7},`), code: bad,
			pointer: "/x/a\uFFFDb", at: "7}", detail: `\u escape leaves a lone UTF-16 surrogate`},
		{name: "duplicate envelope key", payload: strings.Replace(batch(""), `"version"`, `"id":"2","version"`, 1), code: bad,
			pointer: "/id", at: `"2"`, detail: `duplicate key "id"`},
		{name: "duplicate entry key", payload: batch("", entryWith(`"deviceKey":"device1","measurepoints":{"temp":1}`)), code: bad,
			pointer: "/params/0/deviceKey", at: `"device1","measurepoints"`, detail: `duplicate key "deviceKey"`},
		{name: "duplicate measurepoint", payload: batch("", entry("device1", `"temp":1,"temp":2`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: "2}", detail: `duplicate key "temp"`},
		{name: "duplicate measurepoint escaped", payload: batch("", entry("device1", `"temp":1,"t\u0065mp":2`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: "2}", detail: `duplicate key "temp"`},
		{name: "duplicate key in a quality object", payload: batch("", entry("device1", `"Power":{"value":1,"quality":0,"value":2}`)), code: bad,
			pointer: "/params/0/measurepoints/Power/value", at: "2}", detail: `duplicate key "value"`},
		{name: "duplicate key in a STRUCT-like ignored object", payload: batch(`"x":{"a":1,"b":{"a":2},"\u0061":3},`), code: bad,
			pointer: "/x/a", at: "3}", detail: `duplicate key "a"`},
		{name: "duplicate key quoted in the message", payload: batch(`"x":{"a\"\\b":1,"a\u0022\u005cb":2},`), code: bad,
			pointer: `/x/a"\b`, at: "2}", detail: `duplicate key "a\"\\b"`},
		{name: "missing colon after an envelope key", payload: `{"id" "1"}`, code: bad,
			pointer: "/id", at: `"1"`, detail: `invalid character '"', want ':' after key`},
		{name: "missing colon after a measurepoint key", payload: batch("", entry("device1", `"temp" 1`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: "1}", detail: `invalid character '1', want ':' after key`},
		{name: "missing colon after an escaped key", payload: batch("", entry("device1", `"t\u0065mp"}`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: "}}", detail: `invalid character '}', want ':' after key`},
		{name: "missing colon in an ignored object", payload: batch(`"x":{"a",`), code: bad,
			pointer: "/x/a", at: `,"params"`, detail: `invalid character ',', want ':' after key`},
		{name: "key that is not a string", payload: batch("", entry("device1", `temp:1`)), code: bad,
			pointer: "/params/0/measurepoints", at: "temp:", detail: `invalid character 't', want string key`},
	}
	opts := validate.Options{Models: catalog(t), Directory: testDir}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runLimitCase(t, opts, tt) })
	}
}

// TestNumberEdges checks numbers at the edges of their types: leading zeros
// that are not digits, FLOAT and DOUBLE above their range written without an
// exponent, and the largest values that are in range.
func TestNumberEdges(t *testing.T) {
	zeros20 := "0." + strings.Repeat("0", 19) + "1e20" // 1
	tests := []struct {
		name, point string
		profile     validate.Profile
		code        codes.Code
		value       string // the point's normal form when accepted
	}{
		{"INT with 20 leading zeros", `"i":` + zeros20, validate.Compat, codes.OK, "1"},
		{"INT with 20 leading zeros, strict", `"i":` + zeros20, validate.Strict, codes.ModelInvalid, ""},
		{"TIMESTAMP with 20 leading zeros", `"ts":"` + zeros20 + `"`, validate.Compat, codes.ModelInvalid, ""},
		{"INT max with leading zeros", `"i":0.00000000000000000002147483647e29`, validate.Compat, codes.OK, "2147483647"},
		{"INT over max with leading zeros", `"i":0.00000000000000000002147483648e29`, validate.Compat, codes.ModelInvalid, ""},
		{"INT min with a fraction", `"i":-2147483648.0`, validate.Compat, codes.OK, "-2147483648"},
		{"INT max with a fraction", `"i":2147483647.0`, validate.Compat, codes.OK, "2147483647"},
		{"INT below min with a fraction", `"i":-2147483649.0`, validate.Compat, codes.ModelInvalid, ""},
		{"INT above max with a fraction", `"i":2147483648.0`, validate.Compat, codes.ModelInvalid, ""},
		{"DATE year 0", `"dt":"0000-01-01 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE month 0", `"dt":"2024-00-01 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE month 13", `"dt":"2024-13-01 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE day 0", `"dt":"2024-01-00 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE January 31", `"dt":"2024-01-31 00:00:00"`, validate.Strict, codes.OK, `"2024-01-31 00:00:00"`},
		{"DATE January 32", `"dt":"2024-01-32 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE hour 24", `"dt":"2024-01-01 24:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE minute 60", `"dt":"2024-01-01 00:60:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE second 60", `"dt":"2024-01-01 00:00:60"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE February 29 in 2024", `"dt":"2024-02-29 00:00:00"`, validate.Strict, codes.OK, `"2024-02-29 00:00:00"`},
		{"DATE February 29 in 2023", `"dt":"2023-02-29 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE February 29 in 1900", `"dt":"1900-02-29 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE February 29 in 2000", `"dt":"2000-02-29 00:00:00"`, validate.Strict, codes.OK, `"2000-02-29 00:00:00"`},
		{"DATE February 30 in 2000", `"dt":"2000-02-30 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"DATE April 31", `"dt":"2024-04-31 00:00:00"`, validate.Strict, codes.ModelInvalid, ""},
		{"FLOAT max float32 without exponent", `"f":340282346638528859811704183484516925440`, validate.Strict, codes.OK, "3.4028235e+38"},
		{"FLOAT 3e38 without exponent", `"f":-300000000000000000000000000000000000000`, validate.Strict, codes.OK, "-3e+38"},
		{"FLOAT 38 digits", `"f":99999999999999999999999999999999999999`, validate.Strict, codes.OK, "1e+38"},
		{"FLOAT above range without exponent", `"f":400000000000000000000000000000000000000`, validate.Strict, codes.ModelInvalid, ""},
		{"FLOAT below range without exponent", `"f":-400000000000000000000000000000000000000.5`, validate.Strict, codes.ModelInvalid, ""},
		{"FLOAT in a string above range", `"f":"1000000000000000000000000000000000000000"`, validate.Compat, codes.ModelInvalid, ""},
		{"FLOAT 39 digits with zero fraction", `"af":[100000000000000000000000000000000000000.0]`, validate.Strict, codes.OK, "[1e+38]"},
		{"DOUBLE 309 digits", `"d":1` + strings.Repeat("0", 308), validate.Strict, codes.OK, "1e+308"},
		{"DOUBLE above range without exponent", `"d":1` + strings.Repeat("0", 309), validate.Strict, codes.ModelInvalid, ""},
		{"DOUBLE above range with a quality", `"dq":{"value":-2` + strings.Repeat("0", 308) + `,"quality":1}`, validate.Strict, codes.ModelInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(sampleOptions(t, tt.profile))
			payload := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{` + tt.point + `}}]}`
			var got string
			res, _ := v.Validate(validate.Message{Topic: allTopic, Now: 1}, []byte(payload), func(p *validate.Point) error {
				got = string(p.Value.AppendJSON(nil))
				return nil
			})
			if res.Code != tt.code {
				t.Fatalf("code %v (%v), want %v", res.Code, res.Err, tt.code)
			}
			if tt.code == codes.OK && got != tt.value {
				t.Errorf("value %s, want %s", got, tt.value)
			}
			if tt.code == codes.ModelInvalid {
				_, val, _ := strings.Cut(tt.point, ":")
				val = strings.TrimPrefix(val, `{"value":`)
				if want := int64(strings.Index(payload, val)); res.Err.Offset != want || !strings.HasPrefix(res.Err.Pointer, "/params/0/measurepoints/") {
					t.Errorf("error at %s offset %d, want the point's value at %d", res.Err.Pointer, res.Err.Offset, want)
				}
			}
		})
	}
}

// TestSameNameOtherModel checks that a point is checked against its own
// entry's model when the previous entry, of another product, had a point of the
// same name at the same position.
func TestSameNameOtherModel(t *testing.T) {
	var models []*thingmodel.Model
	for _, src := range []string{
		`{"modelId":"A","measurepoints":{"x":{"identifier":"x","dataType":"INT"},"y":{"identifier":"y","dataType":"INT"}}}`,
		`{"modelId":"B","measurepoints":{"x":{"identifier":"x","dataType":"STRING"},"y":{"identifier":"y","dataType":"BOOL"}}}`,
	} {
		m, err := thingmodel.ParseModel("m", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	cat, err := thingmodel.NewCatalog(models, map[string]string{"pa": "A", "pb": "B"})
	if err != nil {
		t.Fatal(err)
	}
	v := validate.New(validate.Options{Models: cat})
	ent := func(pk, points string) string {
		return `{"productKey":"` + pk + `","deviceKey":"d","measurepoints":{` + points + `}}`
	}
	tests := []struct {
		name    string
		entries []string
		code    codes.Code
		pointer string
		points  []string
	}{
		{"A then B", []string{ent("pa", `"x":1,"y":2`), ent("pb", `"x":"s","y":true`), ent("pa", `"x":3,"y":4`)}, codes.OK, "",
			[]string{"pa x=1", "pa y=2", "pb x=\"s\"", "pb y=true", "pa x=3", "pa y=4"}},
		{"B's point valid for A only", []string{ent("pa", `"x":1,"y":2`), ent("pb", `"x":"s","y":2`)}, codes.ModelInvalid,
			"/params/1/measurepoints/y", nil},
		{"A's point valid for B only", []string{ent("pb", `"x":"s"`), ent("pa", `"x":"s"`)}, codes.ModelInvalid,
			"/params/1/measurepoints/x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			payload := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + strings.Join(tt.entries, ",") + `]}`
			res, _ := v.Validate(validate.Message{Topic: "/sys/gw/g/thing/measurepoint/post/batch", Now: 1}, []byte(payload), func(p *validate.Point) error {
				got = append(got, p.ProductKey+" "+p.Identifier()+"="+string(p.Value.AppendJSON(nil)))
				return nil
			})
			if res.Code != tt.code {
				t.Fatalf("code %v (%v), want %v", res.Code, res.Err, tt.code)
			}
			if tt.code == codes.OK && strings.Join(got, ";") != strings.Join(tt.points, ";") {
				t.Errorf("points %q, want %q", got, tt.points)
			}
			if tt.code != codes.OK && res.Err.Pointer != tt.pointer {
				t.Errorf("error at %s, want %s", res.Err.Pointer, tt.pointer)
			}
		})
	}
}
