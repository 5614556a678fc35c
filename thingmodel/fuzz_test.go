package thingmodel

import (
	"os"
	"strconv"
	"testing"
)

// FuzzParseModel feeds arbitrary bytes to ParseModel. Whatever the input, it
// must not panic, and it returns either an *Error (and no model) or a model
// that keeps every invariant the validator relies on.
func FuzzParseModel(f *testing.F) {
	for _, path := range []string{
		"../testdata/models/inverter.json",
		"../testdata/models/thingmodel/everything.json",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"modelId": "M"}`,
		model(`{"dataType": "STRUCT", "dataDefinition": "{\"items\":[{\"identifier\":\"a\",\"dataType\":\"ENUM\",\"dataDefinition\":{\"enumType\":\"int\",\"enumDesc\":{\"-1\":\"x\"}}}]}"}`),
		model(`{"dataType": "INT", "dataDefinition": {"minimum": 1, "exclusiveMinimum": true, "exclusiveMaximum": 3}}`),
		model(`{"dataType": "string", "dataDefinition": {"maxLength": 2000}}`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseModel("fuzz.json", data)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v is a %T, not an *Error", err, err)
			}
			if m != nil {
				t.Fatal("a model and an error")
			}
			if e.Source != "fuzz.json" || e.Detail == "" {
				t.Fatalf("error %q lacks its source or detail", e)
			}
			return
		}
		if m == nil || m.ID() == "" {
			t.Fatalf("no error and model %v", m)
		}
		for _, p := range m.Measurepoints() {
			id := p.Identifier()
			if !ValidIdentifier(id) {
				t.Fatalf("point %q has an invalid identifier", id)
			}
			if m.Measurepoint(id) != p {
				t.Fatalf("Measurepoint(%q) is not the listed point", id)
			}
			if p.HasQuality() && !p.Type().DataType().Numeric() {
				t.Fatalf("point %q: quality on %v", id, p.Type().DataType())
			}
			checkType(t, id, p.Type(), true)
		}
	})
}

// checkType asserts the invariants of a compiled type.
func checkType(t *testing.T, where string, typ *Type, top bool) {
	t.Helper()
	dt := typ.DataType()
	if !dt.Valid() {
		t.Fatalf("%s: invalid data type %v", where, dt)
	}
	switch dt {
	case String:
		if n := typ.MaxLength(); n < 1 || n > MaxStringLength {
			t.Fatalf("%s: maxLength %d", where, n)
		}
	case Int, Float, Double:
		lo, hi := typ.Min(), typ.Max()
		if c := compareBounds(lo, hi); lo.Set && hi.Set && (c > 0 || c == 0 && (lo.Exclusive || hi.Exclusive)) {
			t.Fatalf("%s: empty range %v %v", where, lo, hi)
		}
	case Array:
		e := typ.Elem()
		if e == nil {
			t.Fatalf("%s: ARRAY without item type", where)
		}
		switch e.DataType() {
		case Int, Float, Double, String:
		default:
			t.Fatalf("%s: ARRAY of %v", where, e.DataType())
		}
		checkType(t, where+"[]", e, false)
	case Enum:
		keys := typ.EnumKeys()
		if len(keys) == 0 {
			t.Fatalf("%s: ENUM without keys", where)
		}
		switch typ.EnumType() {
		case String:
		case Int:
			for _, k := range keys {
				n, err := strconv.ParseInt(k, 10, 32)
				if err != nil || strconv.FormatInt(n, 10) != k {
					t.Fatalf("%s: INT enum key %q is not canonical", where, k)
				}
			}
		default:
			t.Fatalf("%s: enumType %v", where, typ.EnumType())
		}
	case Struct:
		if !top {
			t.Fatalf("%s: nested STRUCT", where)
		}
		required := 0
		for i := range typ.NumItems() {
			it := typ.Item(i)
			if !ValidIdentifier(it.Identifier()) || typ.ItemIndex(it.Identifier()) != i {
				t.Fatalf("%s: item %d %q", where, i, it.Identifier())
			}
			if it.Type().DataType() == Struct {
				t.Fatalf("%s: STRUCT item %q", where, it.Identifier())
			}
			if it.Required() {
				required++
			}
			checkType(t, where+"."+it.Identifier(), it.Type(), false)
		}
		if required != typ.NumRequired() {
			t.Fatalf("%s: NumRequired %d, counted %d", where, typ.NumRequired(), required)
		}
	}
}
