package validate_test

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/fuzz"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

var updateValueGolden = flag.Bool("update", false, "rewrite testdata/golden/value instead of comparing with it")

const allTopic = "/sys/allP/all1/thing/measurepoint/post/batch"

// allTypesPoints are, per data type of SPEC §3.1, the point values whose normal
// form testdata/golden/value/points.golden pins down; each is sent in an entry
// of its own (an identifier appears once per entry).
var allTypesPoints = []struct{ name, point string }{
	{"int", `"i": -2147483648`},
	{"int negative zero", `"i": -0`},
	{"int compat zero fraction", `"i": 3.0e1`},
	{"int with quality 0", `"iq": {"value": 7, "quality": 0}`},
	{"int with quality 9", `"iq": {"quality": 9, "value": -7}`},
	{"float", `"f": 3.14159265358979`},
	{"float rounds to float32", `"f": 16777217`},
	{"float compat string", `"f": "1.02"`},
	{"float largest", `"f": 3.4028234663852886e38`},
	{"float with quality", `"fq": {"value": 1e-3, "quality": 1}`},
	{"double", `"d": 3.14159265358979`},
	{"double large", `"d": 1E300`},
	{"double small", `"d": -0.000001`},
	{"double with quality", `"dq": {"value": 2.5, "quality": 5}`},
	{"string escapes", `"s": "q\" b\\ s/ \/ \b\f\n\r\t \u0001\u001f\u007f"`},
	{"string spaces kept", `"s": "a b  c"`},
	{"string non-ASCII", `"s": "é € 😀 \u00e9\u20ac\ud83d\ude00 \u2028\u2029"`},
	{"string empty", `"s": ""`},
	{"string maxLength", `"s8": "12345678"`},
	{"enum int", `"ei": 1`},
	{"enum int compat string", `"ei": "0"`},
	{"enum string", `"es": "high"`},
	{"bool true", `"b": true`},
	{"bool false", `"b": false`},
	{"bool 1", `"b": 1`},
	{"bool compat string", `"b": "true"`},
	{"date", `"dt": "2024-02-29 23:59:59"`},
	{"timestamp", `"ts": 9223372036854775807`},
	{"timestamp compat string", `"ts": "1700000000000"`},
	{"array float", `"af": [1.5, "2.25", 3.14159265358979]`},
	{"array int", `"ai": [1, -2, 3.0]`},
	{"array string", `"as": ["x", "\"y\"", "a\nb"]`},
	{"array empty", `"af": []`},
	{"struct in document order", `"st": {"c": 1.5, "a": 1, "b": "t\tu"}`},
	{"struct required only", `"st": {"a": 0, "c": 0}`},
	{"file", `"file": "dir/f.bin"`},
	{"bool 0", `"b": 0`},
	{"bool compat false", `"b": "false"`},
	{"bool compat 0", `"b": "0"`},
	{"bool compat 1", `"b": "1"`},
	{"date first", `"dt": "0001-01-01 00:00:00"`},
	{"date last", `"dt": "9999-12-31 23:59:59"`},
	{"date leap 2000", `"dt": "2000-02-29 12:30:00"`},
}

func allTypesPayload() []byte {
	var b strings.Builder
	b.WriteString(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[`)
	for i, p := range allTypesPoints {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"time":%d,"measurepoints":{%s}}`, 1700000000000+int64(i), p.point)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func sampleOptions(t testing.TB, profile validate.Profile) validate.Options {
	t.Helper()
	opts, err := loadEnv("../testdata/envs/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	opts.Profile = profile
	return opts
}

// TestPointAppendJSONGolden pins down the JSON a sink receives for every data
// type: Point.AppendJSON of each accepted point, one line per point, must equal
// testdata/golden/value/points.golden (rewritten with -update, then read).
func TestPointAppendJSONGolden(t *testing.T) {
	v := validate.New(sampleOptions(t, validate.Compat))
	var got bytes.Buffer
	n := 0
	res, err := v.Validate(validate.Message{Topic: allTopic, Now: 1}, allTypesPayload(), func(p *validate.Point) error {
		line := p.AppendJSON(nil)
		fmt.Fprintf(&got, "%-26s %s\n", allTypesPoints[p.Entry].name+":", line)
		// The same point written from its parts, as a program that kept them
		// past the callback writes it, must be the same bytes.
		parts := validate.AppendPointJSON(nil, p.ProductKey, p.DeviceKey, p.Time, p.Identifier(), p.Value.AppendJSON(nil), p.Quality)
		if !bytes.Equal(parts, line) {
			t.Errorf("AppendPointJSON = %s, Point.AppendJSON = %s", parts, line)
		}
		n++
		return nil
	})
	if err != nil || res.Code != codes.OK {
		t.Fatalf("code %v: %v", res.Code, err)
	}
	if n != len(allTypesPoints) {
		t.Fatalf("%d points accepted, want %d", n, len(allTypesPoints))
	}
	path := filepath.Join("..", "testdata", "golden", "value", "points.golden")
	if *updateValueGolden {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once and review the file)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("Point.AppendJSON differs from %s:\ngot:\n%s\nwant:\n%s", path, got.Bytes(), want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n") {
		_, obj, _ := strings.Cut(line, " {")
		if !stdjson.Valid([]byte("{"+obj)) || !utf8.ValidString(obj) {
			t.Errorf("not valid JSON: {%s", obj)
		}
	}
}

// TestValueAccessors checks what each accessor returns per data type (the table
// of the Value documentation).
func TestValueAccessors(t *testing.T) {
	type want struct {
		Int   int64
		Float float64
		Bool  bool
		Bytes string
		IsNil bool // Bytes returns nil
		Len   int
	}
	wants := map[string]want{
		"int":                      {Int: -2147483648, Float: -2147483648, Bool: true, IsNil: true},
		"int negative zero":        {IsNil: true},
		"int compat zero fraction": {Int: 30, Float: 30, Bool: true, IsNil: true},
		"float":                    {Int: 3, Float: 3.14159265358979, IsNil: true, Bool: false},
		"float compat string":      {Int: 1, Float: 1.02, IsNil: true},
		"double small":             {Int: 0, Float: -0.000001, IsNil: true},
		"double large":             {Int: math.MinInt64, Float: 1e300, IsNil: true},
		"bool true":                {Int: 1, Float: 1, Bool: true, IsNil: true},
		"bool false":               {IsNil: true},
		"bool 1":                   {Int: 1, Float: 1, Bool: true, IsNil: true},
		"enum int":                 {Int: 1, Float: 1, Bool: true, IsNil: true},
		"enum string":              {Bytes: "high"},
		"string escapes":           {Bytes: "q\" b\\ s/ / \b\f\n\r\t \x01\x1f\x7f"},
		"string empty":             {},
		"date":                     {Bytes: "2024-02-29 23:59:59"},
		"timestamp":                {Int: math.MaxInt64, Float: math.MaxInt64, Bool: true, IsNil: true},
		"file":                     {Bytes: "dir/f.bin"},
		"array float":              {IsNil: true, Len: 3},
	}
	v := validate.New(sampleOptions(t, validate.Compat))
	seen := 0
	_, err := v.Validate(validate.Message{Topic: allTopic, Now: 1}, allTypesPayload(), func(p *validate.Point) error {
		name := allTypesPoints[p.Entry].name
		w, ok := wants[name]
		if !ok {
			return nil
		}
		seen++
		x := p.Value
		if name == "double large" {
			w.Int = int64(x.Float()) // the conversion of an out-of-range float is the platform's
		}
		got := want{Int: x.Int(), Float: x.Float(), Bool: x.Bool(), Bytes: string(x.Bytes()), IsNil: x.Bytes() == nil, Len: x.Len()}
		if got != w {
			t.Errorf("%s: accessors give %+v, want %+v", name, got, w)
		}
		if x.Text() != w.Bytes {
			t.Errorf("%s: Text() = %q, want %q", name, x.Text(), w.Bytes)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(wants) {
		t.Errorf("checked %d points, want %d", seen, len(wants))
	}
}

// TestAppendJSONParsesBack is a property: for every point of a conforming
// request, Point.AppendJSON is JSON that encoding/json reads back to the
// point: its keys, time and quality, and its value as Value holds it (a FLOAT
// as the same float32).
func TestAppendJSONParsesBack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := fuzz.Envs().Draw(t, "env")
		profile := rapid.SampledFrom([]validate.Profile{validate.Compat, validate.Strict}).Draw(t, "profile")
		r := fuzz.Requests(env, profile).Draw(t, "request")
		x := r.Encode(fuzz.Style{Seed: rapid.Uint64().Draw(t, "seed")})
		cat, err := env.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		v := validate.New(validate.Options{Profile: profile, Models: cat, Directory: env.ValidateDirectory()})
		res, _ := v.Validate(validate.Message{Topic: r.Topic.String(), Now: r.Now}, x.Payload, func(p *validate.Point) error {
			out := p.AppendJSON(nil)
			dec := stdjson.NewDecoder(bytes.NewReader(out))
			dec.UseNumber()
			var got map[string]any
			if err := dec.Decode(&got); err != nil || dec.More() {
				t.Fatalf("%s: not one JSON object: %v", out, err)
			}
			if err := samePoint(p, got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			return nil
		})
		if res.Code != x.Want.Code {
			t.Fatalf("code %v, want %v", res.Code, x.Want.Code)
		}
	})
}

func samePoint(p *validate.Point, got map[string]any) error {
	want := map[string]any{"productKey": p.ProductKey, "deviceKey": p.DeviceKey,
		"time": stdjson.Number(fmt.Sprint(p.Time)), "identifier": p.Identifier()}
	if p.Quality >= 0 {
		want["quality"] = stdjson.Number(fmt.Sprint(p.Quality))
	}
	if len(got) != len(want)+1 {
		return fmt.Errorf("keys %v, want those of %v and value", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			return fmt.Errorf("%s is %v, want %v", k, got[k], w)
		}
	}
	return sameValue(p.Value, got["value"])
}

// sameValue compares a parsed normal form with the Value it was written from.
func sameValue(v validate.Value, got any) error {
	switch v.DataType() {
	case thingmodel.Int, thingmodel.Timestamp:
		if n, ok := got.(stdjson.Number); !ok || string(n) != fmt.Sprint(v.Int()) {
			return fmt.Errorf("%v, want the integer %d", got, v.Int())
		}
	case thingmodel.Float, thingmodel.Double:
		n, ok := got.(stdjson.Number)
		if !ok {
			return fmt.Errorf("%v, want a number", got)
		}
		f, err := n.Float64()
		if err != nil {
			return err
		}
		if v.DataType() == thingmodel.Float && float32(f) != float32(v.Float()) ||
			v.DataType() == thingmodel.Double && f != v.Float() {
			return fmt.Errorf("%v, want %v as %v", n, v.Float(), v.DataType())
		}
	case thingmodel.Bool:
		if got != v.Bool() {
			return fmt.Errorf("%v, want %v", got, v.Bool())
		}
	case thingmodel.Enum:
		if w := v.Interface(); fmt.Sprint(got) != fmt.Sprint(w) {
			return fmt.Errorf("%v, want %v", got, w)
		}
		if _, isText := v.Interface().(string); isText {
			if _, ok := got.(string); !ok {
				return fmt.Errorf("%v, want a string", got)
			}
		}
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		if got != v.Text() {
			return fmt.Errorf("%q, want %q", got, v.Text())
		}
	case thingmodel.Array:
		a, ok := got.([]any)
		if !ok || len(a) != v.Len() {
			return fmt.Errorf("%v, want an array of %d", got, v.Len())
		}
		for i := range a {
			if err := sameValue(v.Index(i), a[i]); err != nil {
				return fmt.Errorf("[%d]: %v", i, err)
			}
		}
	case thingmodel.Struct:
		m, ok := got.(map[string]any)
		if !ok || len(m) != v.Len() {
			return fmt.Errorf("%v, want an object of %d", got, v.Len())
		}
		for i := range v.Len() {
			name, e := v.Field(i)
			if err := sameValue(e, m[name]); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		}
	default:
		return fmt.Errorf("unexpected data type %v", v.DataType())
	}
	return nil
}

// TestAppendJSONTopicNotUTF8 checks that a point of a device whose topic keys
// are not UTF-8 (MQTT forbids it, Validate does not check it) is still written
// as valid JSON: each byte that is not UTF-8 becomes U+FFFD, as encoding/json
// writes it.
func TestAppendJSONTopicNotUTF8(t *testing.T) {
	m, err := thingmodel.ParseModel("m", []byte(`{"modelId":"M","measurepoints":{"temp":{"identifier":"temp","dataType":"FLOAT"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := thingmodel.NewCatalog([]*thingmodel.Model{m}, map[string]string{"p\xff\xc3": "M"})
	if err != nil {
		t.Fatal(err)
	}
	v := validate.New(validate.Options{Models: cat})
	var out []byte
	res, err := v.Validate(validate.Message{Topic: "/sys/p\xff\xc3/d\xe2\x82é/thing/measurepoint/post/batch", Now: 5},
		[]byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{"temp":1}}]}`),
		func(p *validate.Point) error { out = p.AppendJSON(out); return nil })
	if err != nil || res.Code != codes.OK {
		t.Fatalf("code %v: %v", res.Code, err)
	}
	want := `{"productKey":"p\ufffd\ufffd","deviceKey":"d\ufffd\ufffdé","time":5,"identifier":"temp","value":1}`
	if string(out) != want {
		t.Errorf("AppendJSON = %s, want %s", out, want)
	}
	if !stdjson.Valid(out) || !utf8.Valid(out) {
		t.Errorf("AppendJSON = %q: not valid JSON in UTF-8", out)
	}
}
