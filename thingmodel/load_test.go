package thingmodel

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// typeView is a Type as plain data, for comparing with go-cmp.
type typeView struct {
	DataType  DataType
	Elem      *typeView
	MaxLength int
	EnumType  DataType
	EnumDesc  map[string]string
	Items     []itemView
	Required  int
	Min, Max  Bound
}

type itemView struct {
	ID       string
	Required bool
	Type     typeView
}

func view(t *Type) typeView {
	v := typeView{
		DataType:  t.DataType(),
		MaxLength: t.MaxLength(),
		EnumType:  t.EnumType(),
		Required:  t.NumRequired(),
		Min:       valueOnly(t.Min()),
		Max:       valueOnly(t.Max()),
	}
	if e := t.Elem(); e != nil {
		ev := view(e)
		v.Elem = &ev
	}
	for _, k := range t.EnumKeys() {
		if v.EnumDesc == nil {
			v.EnumDesc = map[string]string{}
		}
		v.EnumDesc[k], _ = t.EnumKey(k)
	}
	for i := range t.NumItems() {
		it := t.Item(i)
		v.Items = append(v.Items, itemView{it.Identifier(), it.Required(), view(it.Type())})
	}
	return v
}

// model wraps one measurepoint "p" in a model.
func model(point string) string {
	return `{"modelId": "M", "measurepoints": {"p": ` + point + `}}`
}

var (
	noBound   = Bound{}
	str1024   = typeView{DataType: String, MaxLength: MaxStringLength}
	intType   = typeView{DataType: Int}
	floatType = typeView{DataType: Float}
)

// valueOnly drops a bound's text, which TestBoundText checks.
func valueOnly(b Bound) Bound {
	b.Text = ""
	return b
}

func incl(v float64) Bound { return Bound{Value: v, Set: true} }
func excl(v float64) Bound { return Bound{Value: v, Exclusive: true, Set: true} }

func TestParseModelTypes(t *testing.T) {
	tests := []struct {
		name, point string
		quality     bool
		want        typeView
		reason      string
	}{
		// every type without a definition
		{name: "INT", point: `{"dataType": "INT"}`, want: intType},
		{name: "FLOAT", point: `{"dataType": "FLOAT"}`, want: floatType},
		{name: "DOUBLE", point: `{"dataType": "DOUBLE"}`, want: typeView{DataType: Double}},
		{name: "STRING", point: `{"dataType": "STRING"}`, want: str1024, reason: "maxLength defaults to 1024"},
		{name: "BOOL", point: `{"dataType": "BOOL"}`, want: typeView{DataType: Bool}},
		{name: "DATE", point: `{"dataType": "DATE"}`, want: typeView{DataType: Date}},
		{name: "TIMESTAMP", point: `{"dataType": "TIMESTAMP"}`, want: typeView{DataType: Timestamp}},
		{name: "FILE", point: `{"dataType": "FILE"}`, want: typeView{DataType: File}},

		// the four forms of dataDefinition
		{name: "definition absent", point: `{"dataType": "INT"}`, want: intType},
		{name: "definition null", point: `{"dataType": "INT", "dataDefinition": null}`, want: intType},
		{name: "definition empty object", point: `{"dataType": "INT", "dataDefinition": {}}`, want: intType},
		{name: "definition empty string object", point: `{"dataType": "INT", "dataDefinition": "{}"}`, want: intType},
		{name: "definition as object", point: `{"dataType": "INT", "dataDefinition": {"minimum": 1}}`,
			want: typeView{DataType: Int, Min: incl(1)}},
		{name: "definition as string", point: `{"dataType": "INT", "dataDefinition": "{\"minimum\": 1}"}`,
			want: typeView{DataType: Int, Min: incl(1)}},
		{name: "definition string with white space", point: `{"dataType": "INT", "dataDefinition": " {\"minimum\":1} \n"}`,
			want: typeView{DataType: Int, Min: incl(1)}, reason: "white space around the held object is JSON white space"},

		// letter case
		{name: "lower case", point: `{"dataType": "int"}`, want: intType},
		{name: "mixed case", point: `{"dataType": "dOuBlE"}`, want: typeView{DataType: Double}},
		{name: "capitalised", point: `{"dataType": "Struct", "dataDefinition": {"items": []}}`,
			want: typeView{DataType: Struct}},

		// hasQuality
		{name: "hasQuality INT", point: `{"dataType": "INT", "hasQuality": true}`, quality: true, want: intType},
		{name: "hasQuality FLOAT", point: `{"dataType": "float", "hasQuality": true}`, quality: true, want: floatType},
		{name: "hasQuality DOUBLE", point: `{"dataType": "DOUBLE", "hasQuality": true}`, quality: true, want: typeView{DataType: Double}},
		{name: "hasQuality false on STRING", point: `{"dataType": "STRING", "hasQuality": false}`, want: str1024},
		{name: "hasQuality null", point: `{"dataType": "BOOL", "hasQuality": null}`, want: typeView{DataType: Bool},
			reason: "null means not given"},

		// definitions of types that read none: their members are ignored
		{name: "BOOL ignores definition", point: `{"dataType": "BOOL", "dataDefinition": {"maxLength": -1, "itemType": "X"}}`,
			want: typeView{DataType: Bool}},
		{name: "DATE ignores definition", point: `{"dataType": "DATE", "dataDefinition": "{\"format\":\"yyyy\"}"}`,
			want: typeView{DataType: Date}},
		{name: "TIMESTAMP ignores definition", point: `{"dataType": "TIMESTAMP", "dataDefinition": {"unit": "ms"}}`,
			want: typeView{DataType: Timestamp}},
		{name: "FILE ignores definition", point: `{"dataType": "FILE", "dataDefinition": {"minimum": "x"}}`,
			want: typeView{DataType: File}},
		{name: "INT ignores maxLength", point: `{"dataType": "INT", "dataDefinition": {"maxLength": 0, "unit": "W"}}`,
			want: intType},

		// STRING maxLength
		{name: "maxLength 1", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 1}}`,
			want: typeView{DataType: String, MaxLength: 1}, reason: "smallest allowed"},
		{name: "maxLength 8 in string", point: `{"dataType": "STRING", "dataDefinition": "{\"maxLength\":8}"}`,
			want: typeView{DataType: String, MaxLength: 8}},
		{name: "maxLength 1023", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 1023}}`,
			want: typeView{DataType: String, MaxLength: 1023}},
		{name: "maxLength 1024", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 1024}}`,
			want: str1024},
		{name: "maxLength 1025 capped", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 1025}}`,
			want: str1024, reason: "SPEC §3.1: the cap is 1024"},
		{name: "maxLength 9999 capped", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 9999}}`,
			want: str1024},
		{name: "maxLength huge capped", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": 123456789012345678901234567890}}`,
			want: str1024, reason: "no overflow"},
		{name: "maxLength null", point: `{"dataType": "STRING", "dataDefinition": {"maxLength": null}}`,
			want: str1024},

		// ARRAY
		{name: "ARRAY of INT", point: `{"dataType": "ARRAY", "dataDefinition": {"itemType": "INT"}}`,
			want: typeView{DataType: Array, Elem: &intType}},
		{name: "ARRAY of FLOAT", point: `{"dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"}`,
			want: typeView{DataType: Array, Elem: &floatType}},
		{name: "ARRAY of double", point: `{"dataType": "ARRAY", "dataDefinition": {"itemType": "double"}}`,
			want: typeView{DataType: Array, Elem: &typeView{DataType: Double}}},
		{name: "ARRAY of String", point: `{"dataType": "array", "dataDefinition": {"itemType": "String", "maxLength": 4}}`,
			want: typeView{DataType: Array, Elem: &str1024}, reason: "items take the defaults of their type"},

		// ENUM
		{name: "ENUM INT", point: `{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"0": "off", "1": "on"}}}`,
			want: typeView{DataType: Enum, EnumType: Int, EnumDesc: map[string]string{"0": "off", "1": "on"}}},
		{name: "ENUM int limits", point: `{"dataType": "ENUM", "dataDefinition": {"enumType": "int", "enumDesc": {"-2147483648": "min", "2147483647": "max", "-7": "neg", "10": "ten"}}}`,
			want: typeView{DataType: Enum, EnumType: Int, EnumDesc: map[string]string{"-2147483648": "min", "2147483647": "max", "-7": "neg", "10": "ten"}}},
		{name: "ENUM STRING", point: `{"dataType": "enum", "dataDefinition": "{\"enumType\":\"String\",\"enumDesc\":{\"low\":\"below\",\"\":\"empty\",\"01\":\"x\"}}"}`,
			want:   typeView{DataType: Enum, EnumType: String, EnumDesc: map[string]string{"low": "below", "": "empty", "01": "x"}},
			reason: "STRING keys are any strings"},
		{name: "ENUM descriptions of any JSON", point: `{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"0": {"zh": "关", "en": "off"}, "1": 1, "2": null, "3": "\u00e9"}}}`,
			want:   typeView{DataType: Enum, EnumType: Int, EnumDesc: map[string]string{"0": `{"zh": "关", "en": "off"}`, "1": "1", "2": "null", "3": "é"}},
			reason: "a description that is not a string is kept as its JSON text; a string is unescaped"},

		// STRUCT
		{name: "STRUCT", point: `{"dataType": "STRUCT", "dataDefinition": {"items": [
			{"identifier": "a", "dataType": "INT", "required": true},
			{"identifier": "b", "dataType": "string", "dataDefinition": "{\"maxLength\":3}"},
			{"identifier": "c", "dataType": "ARRAY", "dataDefinition": {"itemType": "FLOAT"}, "required": false},
			{"identifier": "d", "dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"1": "x"}}, "required": true},
			{"identifier": "e", "dataType": "DOUBLE", "dataDefinition": {"maximum": 1}, "required": null, "unit": "V"}]}}`,
			want: typeView{DataType: Struct, Required: 2, Items: []itemView{
				{"a", true, intType},
				{"b", false, typeView{DataType: String, MaxLength: 3}},
				{"c", false, typeView{DataType: Array, Elem: &floatType}},
				{"d", true, typeView{DataType: Enum, EnumType: Int, EnumDesc: map[string]string{"1": "x"}}},
				{"e", false, typeView{DataType: Double, Max: incl(1)}},
			}}},
		{name: "STRUCT no items", point: `{"dataType": "STRUCT", "dataDefinition": "{\"items\":[]}"}`,
			want: typeView{DataType: Struct}, reason: "decision: an empty STRUCT is accepted"},

		// the point object
		{name: "identifier absent", point: `{"dataType": "INT"}`, want: intType},
		{name: "identifier null", point: `{"identifier": null, "dataType": "INT"}`, want: intType},
		{name: "identifier equal", point: `{"identifier": "p", "dataType": "INT"}`, want: intType},
		{name: "unknown keys ignored", point: `{"dataType": "INT", "name": {"en": "P"}, "unit": null, "x": [1]}`, want: intType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseModel("t.json", []byte(model(tt.point)))
			if err != nil {
				t.Fatalf("ParseModel: %v (%s)", err, tt.reason)
			}
			p := m.Measurepoint("p")
			if p == nil {
				t.Fatal("no point p")
			}
			if p.Identifier() != "p" {
				t.Errorf("Identifier() = %q, want p", p.Identifier())
			}
			if p.HasQuality() != tt.quality {
				t.Errorf("HasQuality() = %v, want %v", p.HasQuality(), tt.quality)
			}
			if diff := cmp.Diff(tt.want, view(p.Type())); diff != "" {
				t.Errorf("type mismatch (-want +got) %s:\n%s", tt.reason, diff)
			}
		})
	}
}

// TestExactBounds checks which limits are marked as their float64 exactly:
// integers of at most 2^53 in magnitude however written, and nothing else.
func TestExactBounds(t *testing.T) {
	for _, tc := range []struct {
		limit string
		exact bool
	}{
		{"45", true}, {"-1", true}, {"0", true}, {"-0", true}, {"1.0", true}, {"6e4", true}, {"1E+2", true},
		{"4500e-2", true}, {"9007199254740992", true}, {"-9007199254740992", true},
		{"0.5", false},                  // exact in binary, but not an integer: not looked at
		{"0.1", false},                  // its float64 is not 0.1
		{"45.00000000000000001", false}, // its float64 is 45
		{"44.99999999999999999", false}, // its float64 is 45
		{"9007199254740993", false},     // its float64 is 2^53
		{"18014398509481984", false},    // 2^54 is a float64, but beyond 2^53
		{"1e300", false},
	} {
		for _, side := range []struct {
			members        string
			wantLo, wantHi bool
		}{
			{`"minimum":` + tc.limit, tc.exact, false},
			{`"exclusiveMaximum":` + tc.limit, false, tc.exact},
		} {
			m, err := ParseModel("t.json", []byte(model(`{"dataType": "DOUBLE", "dataDefinition": {`+side.members+`}}`)))
			if err != nil {
				t.Fatalf("%s: %v", side.members, err)
			}
			if lo, hi := m.Measurepoint("p").Type().ExactBounds(); lo != side.wantLo || hi != side.wantHi {
				t.Errorf("{%s}: ExactBounds() = %v, %v; want %v, %v", side.members, lo, hi, side.wantLo, side.wantHi)
			}
		}
	}
	m, err := ParseModel("t.json", []byte(model(`{"dataType": "DOUBLE"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := m.Measurepoint("p").Type().ExactBounds(); lo || hi {
		t.Errorf("without bounds: ExactBounds() = %v, %v; want false, false", lo, hi)
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name, def string
		min, max  Bound
		reason    string
	}{
		{name: "none", def: `{}`, min: noBound, max: noBound},
		{name: "inclusive", def: `{"minimum": 0, "maximum": 100}`, min: incl(0), max: incl(100)},
		{name: "fractions", def: `{"minimum": -1.5, "maximum": 2.25e2}`, min: incl(-1.5), max: incl(225)},
		{name: "draft 4 exclusive", def: `{"minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true}`,
			min: excl(0), max: excl(10)},
		{name: "draft 4 false", def: `{"minimum": 0, "exclusiveMinimum": false, "maximum": 10, "exclusiveMaximum": false}`,
			min: incl(0), max: incl(10)},
		{name: "draft 4 false alone", def: `{"exclusiveMinimum": false, "exclusiveMaximum": false}`,
			min: noBound, max: noBound, reason: "false needs no minimum or maximum"},
		{name: "draft 6 exclusive", def: `{"exclusiveMinimum": -5, "exclusiveMaximum": 5}`, min: excl(-5), max: excl(5)},
		{name: "draft 6 tighter than inclusive", def: `{"minimum": 5, "exclusiveMinimum": 7, "maximum": 10, "exclusiveMaximum": 8}`,
			min: excl(7), max: excl(8), reason: "the tighter bound is kept"},
		{name: "inclusive tighter than draft 6", def: `{"minimum": 7, "exclusiveMinimum": 5, "maximum": 8, "exclusiveMaximum": 10}`,
			min: incl(7), max: incl(8)},
		{name: "draft 6 equal to inclusive", def: `{"minimum": 5, "exclusiveMinimum": 5, "maximum": 9, "exclusiveMaximum": 9}`,
			min: excl(5), max: excl(9), reason: "at the same value, exclusive is tighter"},
		{name: "one side", def: `{"maximum": -3}`, min: noBound, max: incl(-3)},
		{name: "equal inclusive", def: `{"minimum": 5, "maximum": 5}`, min: incl(5), max: incl(5),
			reason: "one value is a range"},
		{name: "beyond int32", def: `{"minimum": -1e300, "maximum": 3000000000}`, min: incl(-1e300), max: incl(3e9),
			reason: "any finite number is a bound, even for INT"},
		{name: "nulls", def: `{"minimum": null, "maximum": null, "exclusiveMinimum": null, "exclusiveMaximum": null}`,
			min: noBound, max: noBound},
	}
	for _, tt := range tests {
		for _, dt := range []string{"INT", "FLOAT", "DOUBLE"} {
			t.Run(tt.name+"/"+dt, func(t *testing.T) {
				for _, form := range []string{tt.def, strconvQuote(tt.def)} {
					m, err := ParseModel("t.json", []byte(model(`{"dataType": "`+dt+`", "dataDefinition": `+form+`}`)))
					if err != nil {
						t.Fatalf("ParseModel(%s): %v", form, err)
					}
					typ := m.Measurepoint("p").Type()
					if diff := cmp.Diff(tt.min, valueOnly(typ.Min())); diff != "" {
						t.Errorf("%s: Min (-want +got) %s:\n%s", form, tt.reason, diff)
					}
					if diff := cmp.Diff(tt.max, valueOnly(typ.Max())); diff != "" {
						t.Errorf("%s: Max (-want +got) %s:\n%s", form, tt.reason, diff)
					}
				}
			})
		}
	}
}

// strconvQuote writes s as a JSON string, for definitions in string form.
func strconvQuote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

func TestParseModelErrors(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, src string
		want      Error // Detail is only checked to be non-empty
		reason    string
	}{
		// the document
		{name: "empty", src: ``, want: Error{}},
		{name: "white space", src: " \n\t", want: Error{}},
		{name: "not JSON", src: `modelId: M`, want: Error{}},
		{name: "truncated", src: `{"modelId": "M", "measurepoints": {`, want: Error{}},
		{name: "trailing value", src: `{"modelId": "M"} {}`, want: Error{}},
		{name: "trailing garbage", src: `{"modelId": "M"}x`, want: Error{}},
		{name: "array", src: `[{"modelId": "M"}]`, want: Error{}},
		{name: "string", src: `"M"`, want: Error{}},
		{name: "null", src: `null`, want: Error{}},
		{name: "invalid UTF-8", src: "{\"modelId\": \"M\", \"desc\": \"\xff\"}", want: Error{},
			reason: "decision: the model must be valid UTF-8"},
		{name: "syntax error late", src: `{"modelId": "M", "measurepoints": {"p": {"dataType": "INT",}}}`, want: Error{},
			reason: "syntax is checked before anything else"},

		// modelId
		{name: "modelId missing", src: `{"measurepoints": {}}`, want: Error{Field: "modelId"}},
		{name: "modelId null", src: `{"modelId": null}`, want: Error{Field: "modelId"}},
		{name: "modelId number", src: `{"modelId": 7}`, want: Error{Field: "modelId"}},
		{name: "modelId empty", src: `{"modelId": ""}`, want: Error{Field: "modelId"}},

		// measurepoints
		{name: "measurepoints array", src: `{"modelId": "M", "measurepoints": []}`, want: Error{ModelID: "M", Field: "measurepoints"}},
		{name: "measurepoints string", src: `{"modelId": "M", "measurepoints": "{}"}`, want: Error{ModelID: "M", Field: "measurepoints"}},
		{name: "point not object", src: model(`"INT"`), want: Error{ModelID: "M", Identifier: "p"}},
		{name: "point null", src: model(`null`), want: Error{ModelID: "M", Identifier: "p"}},
		{name: "key with space", src: `{"modelId": "M", "measurepoints": {"a b": {"dataType": "INT"}}}`,
			want: Error{ModelID: "M", Identifier: "a b"}},
		{name: "key empty", src: `{"modelId": "M", "measurepoints": {"": {"dataType": "INT"}}}`,
			want: Error{ModelID: "M", Identifier: ""}},
		{name: "key 129 characters", src: `{"modelId": "M", "measurepoints": {"` + long + `": {"dataType": "INT"}}}`,
			want: Error{ModelID: "M", Identifier: long}, reason: "identifiers are 1-128 characters"},
		{name: "key non-ASCII", src: `{"modelId": "M", "measurepoints": {"température": {"dataType": "INT"}}}`,
			want: Error{ModelID: "M", Identifier: "température"}},
		{name: "identifier differs", src: model(`{"identifier": "q", "dataType": "INT"}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "identifier"}},
		{name: "identifier differs in case", src: model(`{"identifier": "P", "dataType": "INT"}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "identifier"}},
		{name: "identifier number", src: model(`{"identifier": 1, "dataType": "INT"}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "identifier"}},
		{name: "second point", src: `{"modelId": "M", "measurepoints": {"a": {"dataType": "INT"}, "b": {"dataType": "INT", "hasQuality": 1}}}`,
			want: Error{ModelID: "M", Identifier: "b", Field: "hasQuality"}},
		{name: "modelId after points", src: `{"measurepoints": {"p": {"dataType": "X"}}, "modelId": "Late"}`,
			want: Error{ModelID: "Late", Identifier: "p", Field: "dataType"}, reason: "the error names the model wherever modelId is"},

		// dataType
		{name: "dataType missing", src: model(`{"identifier": "p"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType null", src: model(`{"dataType": null}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType number", src: model(`{"dataType": 1}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType unknown", src: model(`{"dataType": "FLOT"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType empty", src: model(`{"dataType": ""}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType padded", src: model(`{"dataType": " INT"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"}},
		{name: "dataType Unicode fold", src: model(`{"dataType": "ſtring"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataType"},
			reason: "U+017F folds to s in Unicode, but type names match in ASCII case only"},

		// hasQuality
		{name: "hasQuality STRING", src: model(`{"dataType": "STRING", "hasQuality": true}`), want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality BOOL", src: model(`{"dataType": "BOOL", "hasQuality": true}`), want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality ENUM", src: model(`{"dataType": "ENUM", "hasQuality": true, "dataDefinition": {"enumType": "INT", "enumDesc": {"1": ""}}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality ARRAY", src: model(`{"dataType": "ARRAY", "hasQuality": true, "dataDefinition": {"itemType": "INT"}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality STRUCT", src: model(`{"dataType": "STRUCT", "hasQuality": true, "dataDefinition": {"items": []}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality TIMESTAMP", src: model(`{"dataType": "TIMESTAMP", "hasQuality": true}`), want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality string", src: model(`{"dataType": "INT", "hasQuality": "true"}`), want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},
		{name: "hasQuality number", src: model(`{"dataType": "INT", "hasQuality": 1}`), want: Error{ModelID: "M", Identifier: "p", Field: "hasQuality"}},

		// dataDefinition that is not an object, for types that read it and types that do not
		{name: "definition number INT", src: model(`{"dataType": "INT", "dataDefinition": 1}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition array BOOL", src: model(`{"dataType": "BOOL", "dataDefinition": []}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition true DATE", src: model(`{"dataType": "DATE", "dataDefinition": true}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition empty string FILE", src: model(`{"dataType": "FILE", "dataDefinition": ""}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition string null", src: model(`{"dataType": "INT", "dataDefinition": "null"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"},
			reason: "a string must hold an object"},
		{name: "definition string array", src: model(`{"dataType": "TIMESTAMP", "dataDefinition": "[1]"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition string malformed", src: model(`{"dataType": "ARRAY", "dataDefinition": "{\"itemType\":"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition string trailing", src: model(`{"dataType": "STRING", "dataDefinition": "{} {}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "definition string invalid UTF-8", src: model(`{"dataType": "STRING", "dataDefinition": "{\"a\":\"\\udc00\"}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"},
			reason: "the held JSON has a lone surrogate escape"},

		// ARRAY
		{name: "ARRAY no definition", src: model(`{"dataType": "ARRAY"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType missing", src: model(`{"dataType": "ARRAY", "dataDefinition": "{}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType unknown", src: model(`{"dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOT\"}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType BOOL", src: model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": "BOOL"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType ARRAY", src: model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": "ARRAY"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType STRUCT", src: model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": "struct"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType ENUM", src: model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": "ENUM"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},
		{name: "ARRAY itemType number", src: model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": 1}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.itemType"}},

		// STRING
		{name: "maxLength 0", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": 0}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},
		{name: "maxLength negative", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": -1}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},
		{name: "maxLength fraction", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": 1.5}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},
		{name: "maxLength integral fraction", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": 64.0}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"},
			reason: "decision: maxLength is written as a JSON integer"},
		{name: "maxLength exponent", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": 1e2}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},
		{name: "maxLength string", src: model(`{"dataType": "STRING", "dataDefinition": "{\"maxLength\":\"64\"}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},
		{name: "maxLength boolean", src: model(`{"dataType": "STRING", "dataDefinition": {"maxLength": true}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maxLength"}},

		// ENUM
		{name: "ENUM no definition", src: model(`{"dataType": "ENUM"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumType"}},
		{name: "enumType missing", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumDesc": {"1": "a"}}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumType"}},
		{name: "enumType FLOAT", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "FLOAT", "enumDesc": {"1": "a"}}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumType"}},
		{name: "enumType number", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": 1, "enumDesc": {"1": "a"}}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumType"}},
		{name: "enumDesc missing", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "INT"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumDesc"}},
		{name: "enumDesc null", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": null}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumDesc"}},
		{name: "enumDesc empty", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "STRING", "enumDesc": {}}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumDesc"}},
		{name: "enumDesc array", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "STRING", "enumDesc": ["a"]}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumDesc"}},
		{name: "enumDesc string", src: model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "STRING", "enumDesc": "{\"a\":\"b\"}"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.enumDesc"}},

		// STRUCT
		{name: "STRUCT no definition", src: model(`{"dataType": "STRUCT"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items"}},
		{name: "items object", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": {}}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items"}},
		{name: "item not object", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT"}, "b"]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[1]"}},
		{name: "item identifier missing", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"dataType": "INT"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].identifier"}},
		{name: "item identifier invalid", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a/b", "dataType": "INT"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].identifier"}},
		{name: "item identifier number", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": 1, "dataType": "INT"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].identifier"}},
		{name: "item identifier duplicate", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT"}, {"identifier": "b", "dataType": "INT"}, {"identifier": "a", "dataType": "FLOAT"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[2].identifier"}},
		{name: "item STRUCT", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "STRUCT", "dataDefinition": {"items": []}}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataType"}, reason: "SPEC §3.1: items are never STRUCT"},
		{name: "item dataType missing", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataType"}},
		{name: "item dataType unknown", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "LONG"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataType"}},
		{name: "item required string", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT", "required": "yes"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].required"}},
		{name: "item ARRAY without itemType", src: model(`{"dataType": "STRUCT", "dataDefinition": "{\"items\":[{\"identifier\":\"a\",\"dataType\":\"ARRAY\"}]}"}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataDefinition.itemType"}},
		{name: "item STRING maxLength 0", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT"}, {"identifier": "b", "dataType": "STRING", "dataDefinition": "{\"maxLength\":0}"}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[1].dataDefinition.maxLength"}},
		{name: "item ENUM bad key", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"x": "y"}}}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataDefinition.enumDesc"}},
		{name: "item definition number", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "BOOL", "dataDefinition": 5}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataDefinition"}},
		{name: "item hasQuality ignored, bounds checked", src: model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT", "hasQuality": "x", "dataDefinition": {"minimum": 2, "maximum": 1}}]}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.items[0].dataDefinition"}},

		// bounds
		{name: "minimum string", src: model(`{"dataType": "INT", "dataDefinition": {"minimum": "0"}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.minimum"}},
		{name: "maximum overflow", src: model(`{"dataType": "DOUBLE", "dataDefinition": {"maximum": 1e400}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.maximum"}},
		{name: "exclusiveMinimum overflow", src: model(`{"dataType": "DOUBLE", "dataDefinition": {"exclusiveMinimum": -1e309}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.exclusiveMinimum"}},
		{name: "minimum above maximum", src: model(`{"dataType": "INT", "dataDefinition": {"minimum": 10, "maximum": 9}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "equal, draft 4 exclusive", src: model(`{"dataType": "FLOAT", "dataDefinition": {"minimum": 5, "maximum": 5, "exclusiveMaximum": true}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}, reason: "no number x has 5 <= x < 5"},
		{name: "equal, draft 6 exclusive", src: model(`{"dataType": "FLOAT", "dataDefinition": {"exclusiveMinimum": 5, "maximum": 5}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "tighter bounds cross", src: model(`{"dataType": "INT", "dataDefinition": {"minimum": 0, "exclusiveMinimum": 8, "maximum": 9, "exclusiveMaximum": 7}}`),
			want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition"}},
		{name: "exclusiveMinimum true alone", src: model(`{"dataType": "INT", "dataDefinition": {"exclusiveMinimum": true}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.exclusiveMinimum"}},
		{name: "exclusiveMaximum true alone", src: model(`{"dataType": "INT", "dataDefinition": {"minimum": 1, "exclusiveMaximum": true}}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.exclusiveMaximum"}},
		{name: "exclusiveMaximum string", src: model(`{"dataType": "INT", "dataDefinition": "{\"exclusiveMaximum\":\"5\"}"}`), want: Error{ModelID: "M", Identifier: "p", Field: "dataDefinition.exclusiveMaximum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseModel("models/t.json", []byte(tt.src))
			if m != nil {
				t.Errorf("ParseModel returned a model with error %v", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error (%s)", err, err, tt.reason)
			}
			want := tt.want
			want.Source = "models/t.json"
			got := *e
			got.Detail = ""
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error %q fields mismatch (-want +got) %s:\n%s", e, tt.reason, diff)
			}
			if e.Detail == "" {
				t.Errorf("error %q has no Detail", e)
			}
		})
	}
}

func TestEnumKeys(t *testing.T) {
	valid := []string{"0", "1", "-1", "10", "2147483647", "-2147483648", "1000000000"}
	invalid := []struct{ key, reason string }{
		{"", "empty"},
		{"-", "sign alone"},
		{"+1", "'+' is not canonical"},
		{"01", "leading zero"},
		{"-01", "leading zero"},
		{"00", "leading zero"},
		{"-0", "minus zero is 0 written twice"},
		{"1.0", "fraction"},
		{"1e1", "exponent"},
		{" 1", "white space"},
		{"1 ", "white space"},
		{"0x1", "hex"},
		{"١", "Arabic-Indic digit"},
		{"2147483648", "above int32"},
		{"-2147483649", "below int32"},
		{"99999999999", "eleven digits"},
		{"abc", "not a number"},
	}
	for _, k := range valid {
		src := model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"` + k + `": "d"}}}`)
		m, err := ParseModel("t", []byte(src))
		if err != nil {
			t.Errorf("key %q: %v", k, err)
			continue
		}
		typ := m.Measurepoint("p").Type()
		if d, ok := typ.EnumKey(k); !ok || d != "d" {
			t.Errorf("EnumKey(%q) = %q, %v; want d, true", k, d, ok)
		}
		if !typ.EnumKeyBytes([]byte(k)) {
			t.Errorf("EnumKeyBytes(%q) = false", k)
		}
	}
	for _, tt := range invalid {
		src := model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"1": "one", "` + tt.key + `": "d"}}}`)
		_, err := ParseModel("t", []byte(src))
		var e *Error
		if !errors.As(err, &e) || e.Field != "dataDefinition.enumDesc" || e.Identifier != "p" {
			t.Errorf("key %q (%s): got %v, want an *Error at dataDefinition.enumDesc", tt.key, tt.reason, err)
		}
		// The same key is fine for enumType STRING.
		src = model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "STRING", "enumDesc": {"` + tt.key + `": "d"}}}`)
		if _, err := ParseModel("t", []byte(src)); err != nil {
			t.Errorf("STRING key %q: %v", tt.key, err)
		}
	}

	m, err := ParseModel("t", []byte(model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "STRING", "enumDesc": {"b": "2", "a": "1", "c": "3"}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	typ := m.Measurepoint("p").Type()
	if diff := cmp.Diff([]string{"a", "b", "c"}, typ.EnumKeys()); diff != "" {
		t.Errorf("EnumKeys (-want +got):\n%s", diff)
	}
	if _, ok := typ.EnumKey("d"); ok || typ.EnumKeyBytes([]byte("d")) {
		t.Error("EnumKey(d) found a key that is not there")
	}
}

func TestStructItems(t *testing.T) {
	src := model(`{"dataType": "STRUCT", "dataDefinition": {"items": [
		{"identifier": "x", "dataType": "INT", "required": true},
		{"identifier": "y", "dataType": "FLOAT", "required": false},
		{"identifier": "z", "dataType": "STRING", "required": true},
		{"identifier": "w", "dataType": "BOOL"}]}}`)
	m, err := ParseModel("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	typ := m.Measurepoint("p").Type()
	if typ.NumItems() != 4 || typ.NumRequired() != 2 {
		t.Errorf("NumItems, NumRequired = %d, %d; want 4, 2", typ.NumItems(), typ.NumRequired())
	}
	for i, id := range []string{"x", "y", "z", "w"} {
		if got := typ.ItemIndex(id); got != i {
			t.Errorf("ItemIndex(%q) = %d, want %d", id, got, i)
		}
		if got := typ.ItemIndexBytes([]byte(id)); got != i {
			t.Errorf("ItemIndexBytes(%q) = %d, want %d", id, got, i)
		}
		if got := typ.Item(i).Identifier(); got != id {
			t.Errorf("Item(%d).Identifier() = %q, want %q", i, got, id)
		}
	}
	if typ.ItemIndex("v") != -1 || typ.ItemIndexBytes([]byte("X")) != -1 {
		t.Error("ItemIndex found an item that is not there")
	}
}

func TestModelOrderAndSections(t *testing.T) {
	data := []byte(`{"services": {"s": 1}, "modelId": "M",
		"measurepoints": {"z": {"dataType": "INT"}, "a": {"dataType": "BOOL"}, "m": {"dataType": "DATE"},
		                  "a": {"dataType": "FILE"}},
		"attributes": [1, 2],
		"events": null}`)
	m, err := ParseModel("t", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.Measurepoints() {
		got = append(got, p.Identifier()+" "+p.Type().DataType().String())
	}
	want := []string{"z INT", "a FILE", "m DATE"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("points in file order, a duplicate at its first position with its last value (-want +got):\n%s", diff)
	}
	if m.ID() != "M" {
		t.Errorf("ID() = %q", m.ID())
	}
	if p := m.MeasurepointBytes([]byte("m")); p == nil || p.Identifier() != "m" {
		t.Errorf("MeasurepointBytes(m) = %v", p)
	}
	if m.Measurepoint("q") != nil || m.Measurepoint("") != nil {
		t.Error("Measurepoint found a point that is not there")
	}

	sections := []struct{ name, want string }{
		{"services", `{"s": 1}`},
		{"attributes", `[1, 2]`},
		{"events", `null`},
		{"modelId", ``},
		{"measurepoints", ``},
		{"desc", ``},
	}
	for _, s := range sections {
		if got := string(m.Section(s.name)); got != s.want {
			t.Errorf("Section(%q) = %q, want %q", s.name, got, s.want)
		}
	}

	// The model shares no memory with its input, and Section returns a copy.
	for i := range data {
		data[i] = ' '
	}
	sec := m.Section("services")
	sec[0] = 'X'
	if got := string(m.Section("services")); got != `{"s": 1}` {
		t.Errorf("Section after changing input and result = %q", got)
	}
	if m.Measurepoint("z") == nil || m.ID() != "M" {
		t.Error("model changed with its input")
	}
}

func TestModelWithoutPoints(t *testing.T) {
	for _, src := range []string{`{"modelId": "M"}`, `{"modelId": "M", "measurepoints": null}`, `{"modelId": "M", "measurepoints": {}}`} {
		m, err := ParseModel("t", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if n := len(m.Measurepoints()); n != 0 {
			t.Errorf("%s: %d points, want 0", src, n)
		}
	}
}

func TestMeasurepointsReturnsCopy(t *testing.T) {
	m := loadFile(t, "../testdata/models/inverter.json")
	ps := m.Measurepoints()
	ps[0], ps[1] = nil, ps[0]
	_ = append(ps[:1], ps[2])
	again := m.Measurepoints()
	if len(again) != 3 || again[0] == nil || again[0].Identifier() != "Power" || again[1].Identifier() != "temp" {
		t.Errorf("Measurepoints changed through a returned slice: %v", again)
	}
}

func loadFile(t testing.TB, path string) *Model {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseModel(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInverterFile(t *testing.T) {
	m := loadFile(t, "../testdata/models/inverter.json")
	if m.ID() != "Inverter" {
		t.Errorf("ID() = %q", m.ID())
	}
	type pv struct {
		ID      string
		Quality bool
		Type    typeView
	}
	want := []pv{
		{"Power", true, intType},
		{"temp", false, floatType},
		{"branchCurr", false, typeView{DataType: Array, Elem: &floatType}},
	}
	var got []pv
	for _, p := range m.Measurepoints() {
		got = append(got, pv{p.Identifier(), p.HasQuality(), view(p.Type())})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SPEC §3 Inverter model (-want +got):\n%s", diff)
	}
}

func TestEverythingFile(t *testing.T) {
	m := loadFile(t, "../testdata/models/thingmodel/everything.json")
	want := map[string]typeView{
		"Power":      intType,
		"temp":       {DataType: Float, Min: incl(-40), Max: incl(125)},
		"energy":     {DataType: Double, Min: excl(0)},
		"branchCurr": {DataType: Array, Elem: &floatType},
		"names":      {DataType: Array, Elem: &str1024},
		"serial":     {DataType: String, MaxLength: 16},
		"note":       str1024,
		"mode":       {DataType: Enum, EnumType: Int, EnumDesc: map[string]string{"0": "off", "1": "on", "-1": "fault"}},
		"level":      {DataType: Enum, EnumType: String, EnumDesc: map[string]string{"low": "below", "high": "above"}},
		"alarm":      {DataType: Bool},
		"installed":  {DataType: Date},
		"seen":       {DataType: Timestamp},
		"manual":     {DataType: File},
		"fault": {DataType: Struct, Required: 2, Items: []itemView{
			{"code", true, intType},
			{"text", false, typeView{DataType: String, MaxLength: 64}},
			{"phases", true, typeView{DataType: Array, Elem: &intType}},
			{"kind", false, typeView{DataType: Enum, EnumType: String, EnumDesc: map[string]string{"hw": "hardware", "sw": "software"}}},
		}},
	}
	got := map[string]typeView{}
	for _, p := range m.Measurepoints() {
		got[p.Identifier()] = view(p.Type())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s := string(m.Section("attributes")); s != `{"ratedPower": {"dataType": "INT"}}` {
		t.Errorf("Section(attributes) = %s", s)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{"all fields", Error{Source: "models/inverter.json", ModelID: "Inverter", Identifier: "temp", Field: "dataDefinition.itemType", Detail: `unknown data type "FLOT"`},
			`thingmodel: models/inverter.json: model "Inverter": measurepoint "temp": dataDefinition.itemType: unknown data type "FLOT"`},
		{"source and detail", Error{Source: "env.json models[1]", Detail: "no JSON value"},
			`thingmodel: env.json models[1]: no JSON value`},
		{"model field", Error{Source: "a.json", Field: "modelId", Detail: "required"},
			`thingmodel: a.json: modelId: required`},
		{"no source", Error{ModelID: "M", Field: "products", Detail: "x"},
			`thingmodel: model "M": products: x`},
		{"quoted", Error{Identifier: "a\"b\n", Detail: "d"},
			`thingmodel: measurepoint "a\"b\n": d`},
		{"long identifier cut", Error{Identifier: strings.Repeat("é", 100), Detail: "d"},
			`thingmodel: measurepoint "` + strings.Repeat("é", 64) + `"...: d`},
		{"empty", Error{}, `thingmodel`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseModelNilInterfaces(t *testing.T) {
	m, err := ParseModel("t", []byte(`{"modelId": "M"}`))
	if err != nil || m == nil {
		t.Errorf("ParseModel = %v, %v; want a model and a nil error", m, err)
	}
	m, err = ParseModel("t", nil)
	if err == nil || m != nil {
		t.Errorf("ParseModel(nil) = %v, %v; want nil and an error", m, err)
	}
}

// TestConcurrentReaders reads one model and one catalog from many goroutines;
// run it with -race.
func TestConcurrentReaders(t *testing.T) {
	m := loadFile(t, "../testdata/models/thingmodel/everything.json")
	inv := loadFile(t, "../testdata/models/inverter.json")
	c, err := NewCatalog([]*Model{m, inv}, map[string]string{"p1": "Everything", "p2": "Inverter"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				mm := c.ModelBytes([]byte("p1"))
				if mm != m || c.Model("p2") != inv || c.ModelByID("Everything") != m {
					t.Error("catalog lookup failed")
					return
				}
				ps := mm.Measurepoints()
				ps[0] = nil
				for _, p := range mm.Measurepoints() {
					typ := p.Type()
					_ = view(typ)
					_ = typ.EnumKeyBytes([]byte("0"))
					_ = typ.ItemIndexBytes([]byte("code"))
				}
				_ = mm.Section("attributes")
				if mm.MeasurepointBytes([]byte("fault")).Type().NumRequired() != 2 {
					t.Error("wrong required count")
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestErrorDetails pins a few whole messages, as a person reads them.
func TestErrorDetails(t *testing.T) {
	tests := []struct{ src, want string }{
		{model(`{"dataType": "ARRAY", "dataDefinition": {"itemType": "BOOL"}}`),
			`thingmodel: m.json: model "M": measurepoint "p": dataDefinition.itemType: want INT, FLOAT, DOUBLE or STRING, got BOOL`},
		{model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "float", "enumDesc": {"1": "a"}}}`),
			`thingmodel: m.json: model "M": measurepoint "p": dataDefinition.enumType: want INT or STRING, got FLOAT`},
		{model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "INT", "enumDesc": {"01": "a"}}}`),
			`thingmodel: m.json: model "M": measurepoint "p": dataDefinition.enumDesc: key "01" is not a decimal integer in [-2147483648, 2147483647] written canonically`},
		{model(`{"dataType": "STRING", "hasQuality": true}`),
			`thingmodel: m.json: model "M": measurepoint "p": hasQuality: only INT, FLOAT and DOUBLE points may have a quality, not STRING`},
		{model(`{"dataType": "INT", "dataDefinition": {"minimum": 3, "maximum": 3, "exclusiveMaximum": true}}`),
			`thingmodel: m.json: model "M": measurepoint "p": dataDefinition: empty range: lower bound 3 and upper bound 3 (exclusive) admit no value`},
		{model(`{"dataType": "INT", "dataDefinition": "[]"}`),
			`thingmodel: m.json: model "M": measurepoint "p": dataDefinition: the string does not hold a JSON object: want an object, got an array`},
		{`{"modelId": "M", "measurepoints": {"a b": {}}}`,
			`thingmodel: m.json: model "M": measurepoint "a b": invalid identifier "a b": want 1 to 128 characters of A-Z a-z 0-9 _ - .`},
		{`{"modelId": 1}`, `thingmodel: m.json: modelId: want a string, got a number`},
		{`[]`, `thingmodel: m.json: want an object, got an array`},
		{``, `thingmodel: m.json: no JSON value`},
		{`{"modelId": "M"} 1`, `thingmodel: m.json: invalid JSON: data after the value at offset 16`},
	}
	for _, tt := range tests {
		_, err := ParseModel("m.json", []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseModel(%s):\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

// TestLookupsDoNotAllocate: the validator looks points, enum keys, items and
// products up by byte slices on its hot path.
func TestLookupsDoNotAllocate(t *testing.T) {
	m := loadFile(t, "../testdata/models/thingmodel/everything.json")
	c, err := NewCatalog([]*Model{m}, map[string]string{"product1": "Everything"})
	if err != nil {
		t.Fatal(err)
	}
	pk, point, key, item := []byte("product1"), []byte("mode"), []byte("-1"), []byte("phases")
	allocs := testing.AllocsPerRun(100, func() {
		mm := c.ModelBytes(pk)
		if !mm.MeasurepointBytes(point).Type().EnumKeyBytes(key) {
			t.Fatal("enum key not found")
		}
		if mm.MeasurepointBytes([]byte("fault")).Type().ItemIndexBytes(item) != 2 {
			t.Fatal("item not found")
		}
	})
	if allocs != 0 {
		t.Errorf("lookups allocate %v times, want 0", allocs)
	}
}

// TestIdentifierLimit: identifiers are 1 to 128 characters (SPEC §3, §6), for
// points and STRUCT items alike.
func TestIdentifierLimit(t *testing.T) {
	for _, n := range []int{1, 127, 128, 129} {
		id := strings.Repeat("x", n-1) + "."
		pointSrc := `{"modelId": "M", "measurepoints": {"` + id + `": {"dataType": "INT"}}}`
		itemSrc := model(`{"dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "` + id + `", "dataType": "INT"}]}}`)
		for _, src := range []string{pointSrc, itemSrc} {
			_, err := ParseModel("t", []byte(src))
			if ok := err == nil; ok != (n <= MaxIdentifierLength) {
				t.Errorf("identifier of %d characters: error %v", n, err)
			}
		}
	}
}

func TestParseDataTypeASCII(t *testing.T) {
	if d, ok := ParseDataType("ſtring"); ok {
		t.Errorf(`ParseDataType("ſtring") = %v, want refused`, d)
	}
	if d, ok := ParseDataType("sTrInG"); !ok || d != String {
		t.Errorf(`ParseDataType("sTrInG") = %v, %v`, d, ok)
	}
}

func TestMeasurepointIndex(t *testing.T) {
	m, err := ParseModel("t", []byte(`{"modelId":"M","measurepoints":{"b":{"dataType":"INT"},"a":{"dataType":"INT"},"c":{"dataType":"INT"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.NumMeasurepoints() != 3 {
		t.Fatalf("NumMeasurepoints() = %d, want 3", m.NumMeasurepoints())
	}
	for i, p := range m.Measurepoints() {
		if p.Index() != i {
			t.Errorf("%s: Index() = %d, want %d (model order)", p.Identifier(), p.Index(), i)
		}
	}
}

// TestBoundText checks SPEC §3: bounds keep the limit as written, and choosing
// the tighter bound and finding an empty range compare those limits exactly,
// not after rounding to float64.
func TestBoundText(t *testing.T) {
	tests := []struct {
		name, def        string
		minText, maxText string
		minEx, maxEx     bool
		err              string
		reason           string
	}{
		{name: "as written", def: `{"minimum": -1.50, "maximum": 2.25e2}`, minText: "-1.50", maxText: "2.25e2"},
		{name: "draft 4 keeps minimum's text", def: `{"minimum": 0.10, "exclusiveMinimum": true}`, minText: "0.10", minEx: true},
		{name: "tighter by a hair", def: `{"minimum": 1000, "exclusiveMinimum": 1000.00000000000000001}`,
			minText: "1000.00000000000000001", minEx: true, reason: "equal as float64; the exclusive one is above"},
		{name: "inclusive tighter by a hair", def: `{"maximum": 999.99999999999999999, "exclusiveMaximum": 1000}`,
			maxText: "999.99999999999999999", reason: "equal as float64; the inclusive one is below"},
		{name: "a range of values float64 cannot tell apart", def: `{"exclusiveMinimum": 1, "maximum": 1.00000000000000001}`,
			minText: "1", minEx: true, maxText: "1.00000000000000001", reason: "not empty: 1.000000000000000005 is in it"},
		{name: "empty by a hair", def: `{"minimum": 1.00000000000000001, "maximum": 1}`,
			err: "empty range: lower bound 1.00000000000000001 and upper bound 1 admit no value"},
		{name: "equal when exclusive", def: `{"minimum": 1e2, "exclusiveMaximum": 100.0}`,
			err: "empty range: lower bound 1e2 and upper bound 100.0 (exclusive) admit no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseModel("t.json", []byte(model(`{"dataType": "DOUBLE", "dataDefinition": `+tt.def+`}`)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typ := m.Measurepoint("p").Type()
			lo, hi := typ.Min(), typ.Max()
			if lo.Text != tt.minText || lo.Exclusive != tt.minEx || hi.Text != tt.maxText || hi.Exclusive != tt.maxEx {
				t.Errorf("bounds %q %v, %q %v; want %q %v, %q %v (%s)", lo.Text, lo.Exclusive, hi.Text, hi.Exclusive,
					tt.minText, tt.minEx, tt.maxText, tt.maxEx, tt.reason)
			}
		})
	}
}

func TestBoundCompare(t *testing.T) {
	b := Bound{Value: 1000, Text: "1000", Set: true}
	for _, tt := range []struct {
		num  string
		want int
	}{
		{"1000.00000000000000001", 1}, {"999.99999999999999999", -1}, {"1e3", 0}, {"1000.0", 0}, {"1001", 1}, {"-5", -1},
	} {
		f, _ := strconv.ParseFloat(tt.num, 64)
		if got := b.Compare([]byte(tt.num), f); got != tt.want {
			t.Errorf("Compare(%s) = %d, want %d", tt.num, got, tt.want)
		}
	}
	byHand := Bound{Value: 0.1, Set: true}
	if got := byHand.Compare([]byte("0.1"), 0.1); got != 0 {
		t.Errorf("a Bound without Text: Compare(0.1) = %d, want 0", got)
	}
}
