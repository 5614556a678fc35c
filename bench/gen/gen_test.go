package gen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

type request struct {
	ID                       string  `json:"id"`
	Version                  string  `json:"version"`
	Method                   string  `json:"method"`
	SkipInvalidMeasurepoints *bool   `json:"skipInvalidMeasurepoints"`
	Params                   []entry `json:"params"`
}

type entry struct {
	ProductKey    string                     `json:"productKey"`
	DeviceKey     string                     `json:"deviceKey"`
	Measurepoints map[string]json.RawMessage `json:"measurepoints"`
	Time          *int64                     `json:"time"`
}

func decode(t *testing.T, p []byte) request {
	t.Helper()
	var r request
	if err := json.Unmarshal(p, &r); err != nil {
		t.Fatalf("payload is not the request shape: %v", err)
	}
	return r
}

func TestLarge(t *testing.T) {
	p := Large(false)
	// About 1.15 MB: the size the benchmarks are described with.
	if len(p) < 1_100_000 || len(p) > 1_200_000 {
		t.Errorf("Large is %d bytes, want about 1.15 MB", len(p))
	}
	r := decode(t, p)
	if r.Version != "1.0" || r.Method != Method || r.SkipInvalidMeasurepoints != nil {
		t.Errorf("envelope = %q %q %v", r.Version, r.Method, r.SkipInvalidMeasurepoints)
	}
	if len(r.Params) != LargeEntries {
		t.Fatalf("%d entries, want %d", len(r.Params), LargeEntries)
	}
	known := map[string]bool{}
	for _, d := range Devices() {
		if d.GatewayProductKey == GatewayProductKey && d.GatewayDeviceKey == GatewayDeviceKey && d.Online {
			known[d.ProductKey+"/"+d.DeviceKey] = true
		}
	}
	var model struct {
		Measurepoints map[string]json.RawMessage `json:"measurepoints"`
	}
	if err := json.Unmarshal(Model(), &model); err != nil {
		t.Fatal(err)
	}
	if len(model.Measurepoints) != PointsPerEntry {
		t.Errorf("model has %d points, want %d", len(model.Measurepoints), PointsPerEntry)
	}
	for i, e := range r.Params {
		if !known[e.ProductKey+"/"+e.DeviceKey] {
			t.Fatalf("entry %d: %s/%s is not an online sub-device of the gateway", i, e.ProductKey, e.DeviceKey)
		}
		if Products()[e.ProductKey] != ModelID {
			t.Fatalf("entry %d: product %s has no model", i, e.ProductKey)
		}
		if e.Time == nil || *e.Time < BaseTime {
			t.Fatalf("entry %d: time %v", i, e.Time)
		}
		if len(e.Measurepoints) != PointsPerEntry {
			t.Fatalf("entry %d has %d points, want %d", i, len(e.Measurepoints), PointsPerEntry)
		}
		for id := range e.Measurepoints {
			if _, ok := model.Measurepoints[id]; !ok {
				t.Fatalf("entry %d: point %s is not in the model", i, id)
			}
		}
	}
}

func TestLargeSkipInvalid(t *testing.T) {
	r := decode(t, Large(true))
	if r.SkipInvalidMeasurepoints == nil || !*r.SkipInvalidMeasurepoints {
		t.Fatalf("skipInvalidMeasurepoints = %v, want true", r.SkipInvalidMeasurepoints)
	}
	if !bytes.Contains(Large(true), Large(false)[len(`{"id":"1","version":"1.0",`):]) {
		t.Error("the variant differs in more than the flag")
	}
}

func TestDeterministic(t *testing.T) {
	if !bytes.Equal(Large(false), Large(false)) {
		t.Error("two calls differ")
	}
	if bytes.Equal(Batch(Options{Seed: 2, Entries: 10}), Batch(Options{Entries: 10})) {
		t.Error("seed 2 gives the same batch as the default seed")
	}
	// The first entries of a sized payload are the batch's entries.
	b := Batch(Options{Entries: 3})
	s, err := Sized(64<<10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	head := b[:bytes.LastIndex(b, []byte(`,{"productKey"`))]
	if !bytes.HasPrefix(s, head) {
		t.Error("Sized does not start with the entries of Batch")
	}
}

type countingWriter struct {
	n, maxWrite int
	buf         bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.maxWrite = max(w.maxWrite, len(p))
	w.buf.Write(p)
	return len(p), nil
}

func TestWriteSized(t *testing.T) {
	for _, size := range []int64{700, 1 << 10, 1500, 4 << 10, 64 << 10, 1 << 20, 5<<20 + 17} {
		var w countingWriter
		if err := WriteSized(&w, size, Options{}); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if int64(w.n) != size {
			t.Errorf("size %d: wrote %d bytes", size, w.n)
		}
		if w.maxWrite > 64<<10 {
			t.Errorf("size %d: one write of %d bytes, want at most 64 KiB", size, w.maxWrite)
		}
		r := decode(t, w.buf.Bytes())
		if len(r.Params) == 0 {
			t.Fatalf("size %d: no entries", size)
		}
		for i, e := range r.Params {
			var msg string
			if err := json.Unmarshal(e.Measurepoints["message"], &msg); err != nil {
				t.Fatalf("size %d entry %d: message: %v", size, i, err)
			}
			if len(msg) > 1024 {
				t.Errorf("size %d entry %d: message of %d bytes, over the STRING limit", size, i, len(msg))
			}
		}
	}
}

func TestWriteSizedTooSmall(t *testing.T) {
	if err := WriteSized(&countingWriter{}, 300, Options{}); err == nil {
		t.Error("300 bytes: no error, want one: no entry fits")
	}
}

func TestSample(t *testing.T) {
	s := Sample(true)
	if len(s) != SampleSize || SampleSize != 621 {
		t.Errorf("sample is %d bytes (SampleSize %d), want 621", len(s), SampleSize)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, s); err != nil || !bytes.Equal(c.Bytes(), s) {
		t.Errorf("sample is not minified JSON: %v", err)
	}
	r := decode(t, s)
	if len(r.Params) != 3 || r.Method != Method || r.ID != "123" || !*r.SkipInvalidMeasurepoints {
		t.Errorf("sample = %+v", r)
	}
	r = decode(t, Sample(false))
	if *r.SkipInvalidMeasurepoints || len(Sample(false)) != SampleSize+1 {
		t.Errorf("Sample(false): flag %v, %d bytes", *r.SkipInvalidMeasurepoints, len(Sample(false)))
	}
}

func TestEnv(t *testing.T) {
	var env struct {
		Models   []json.RawMessage `json:"models"`
		Products map[string]string `json:"products"`
		Devices  []struct {
			ProductKey string `json:"productKey"`
			DeviceKey  string `json:"deviceKey"`
			Gateway    string `json:"gateway"`
			Online     bool   `json:"online"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(Env(), &env); err != nil {
		t.Fatal(err)
	}
	if len(env.Models) != 1 || len(env.Products) != len(Products()) || len(env.Devices) != len(Devices()) {
		t.Errorf("env has %d models, %d products, %d devices", len(env.Models), len(env.Products), len(env.Devices))
	}
	if d := env.Devices[1]; d.Gateway != "gwP/gw1" || !d.Online {
		t.Errorf("first sub-device = %+v", d)
	}
}

func compile(t testing.TB, strict bool) *jsonschema.Schema {
	t.Helper()
	s, err := Schema(Model(), strict)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("request.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("request.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestSchema(t *testing.T) {
	large := string(Large(false))
	sample := string(Sample(true))
	tests := []struct {
		name    string
		payload string
		strict  bool
		valid   bool
		reason  string
	}{
		{name: "large strict", payload: large, strict: true, valid: true},
		{name: "large compat", payload: large, valid: true},
		{name: "sample compat", payload: sample, valid: true},
		{name: "sample strict", payload: sample, strict: true, reason: "branchCurr items are strings"},
		{name: "FLOAT as word", payload: strings.Replace(large, `"temp":`, `"temp":"warm","x":`, 1), reason: "not a number; and x is unknown"},
		{name: "INT out of range", payload: strings.Replace(large, `"faultCode":0`, `"faultCode":70000`, 1), reason: "faultCode maximum is 65535"},
		{name: "quality 10", payload: strings.Replace(large, `"quality":0`, `"quality":10`, 1), reason: "quality is 0 to 9"},
		{name: "unknown ENUM key", payload: strings.Replace(large, `"mode":"auto"`, `"mode":"eco"`, 1)},
		{name: "STRUCT without lat", payload: strings.Replace(large, `"location":{"lat":31.2304,`, `"location":{`, 1), reason: "lat is required"},
		{name: "bad DATE", payload: strings.Replace(large, `"lastMaint":"2023-11-14 22:13:20"`, `"lastMaint":"2023-11-14T22:13:20"`, 1)},
		{name: "null point", payload: strings.Replace(large, `"running":true`, `"running":null`, 1)},
		{name: "negative time", payload: strings.Replace(large, `"time":1700000000000`, `"time":-1`, 1)},
		{name: "productKey alone", payload: strings.Replace(large, `"deviceKey":"inv-0001",`, ``, 1)},
		{name: "wrong method", payload: strings.Replace(large, `"method":"thing.measurepoint.post.batch"`, `"method":"thing.measurepoint.post"`, 1)},
	}
	schemas := map[bool]*jsonschema.Schema{true: compile(t, true), false: compile(t, false)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.payload == large && !strings.HasPrefix(tc.name, "large") {
				t.Fatal("the mutation did not apply")
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			err = schemas[tc.strict].Validate(inst)
			if (err == nil) != tc.valid {
				t.Errorf("valid = %v, want %v (%s): %v", err == nil, tc.valid, tc.reason, err)
			}
		})
	}
}

func TestMessagesAreValidStrings(t *testing.T) {
	for _, m := range messages {
		var s string
		if err := json.Unmarshal([]byte(`"`+m+`"`), &s); err != nil || !utf8.ValidString(s) {
			t.Errorf("message %q is not a JSON string body: %v", m, err)
		}
		if len(m) >= 64 {
			t.Errorf("message %q is 64 bytes or more; WriteSized's padding assumes less", m)
		}
	}
}
