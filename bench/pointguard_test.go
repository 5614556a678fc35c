package bench

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/pointguard/pointguard/bench/gen"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// directory is a map-backed validate.Directory over gen.Devices. A [2]string key
// makes the lookup allocation-free.
type directory map[[2]string]validate.Device

func (d directory) Device(productKey, deviceKey string) (validate.Device, bool) {
	dev, ok := d[[2]string{productKey, deviceKey}]
	return dev, ok
}

func newDirectory() directory {
	d := directory{}
	for _, g := range gen.Devices() {
		d[[2]string{g.ProductKey, g.DeviceKey}] = validate.Device{
			GatewayProductKey: g.GatewayProductKey,
			GatewayDeviceKey:  g.GatewayDeviceKey,
			Online:            g.Online,
		}
	}
	return d
}

func newCatalog() (*thingmodel.Catalog, error) {
	m, err := thingmodel.ParseModel("gen.Model", gen.Model())
	if err != nil {
		return nil, err
	}
	return thingmodel.NewCatalog([]*thingmodel.Model{m}, gen.Products())
}

// newValidator returns a validator over gen's model and topology. The payload
// limit is off: the large batch is over the platform's 512 KiB.
func newValidator(tb testing.TB, profile validate.Profile) *validate.Validator {
	tb.Helper()
	return validate.New(benchOptions(tb, profile))
}

// benchOptions are the options of the pointguard rows: the model's catalog, a
// map-backed directory and no size limit.
func benchOptions(tb testing.TB, profile validate.Profile) validate.Options {
	tb.Helper()
	cat, err := newCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	return validate.Options{
		Profile:   profile,
		Models:    cat,
		Directory: newDirectory(),
		Limits:    validate.Limits{MaxBytes: -1},
	}
}

// withBadPoint returns data with the "running" point (a BOOL) of its first
// entry, or of its last, given the number 7: the request is then 1204, found
// at the start of the batch or at its end.
func withBadPoint(tb testing.TB, data []byte, last bool) []byte {
	tb.Helper()
	key := []byte(`"running":`)
	i := bytes.Index(data, key)
	if last {
		i = bytes.LastIndex(data, key)
	}
	if i < 0 {
		tb.Fatal("no running point in the payload")
	}
	v := i + len(key)
	end := v + bytes.IndexAny(data[v:], ",}")
	return slices.Concat(data[:v], []byte("7"), data[end:])
}

// withFlagFirst returns data with member written first in its envelope.
func withFlagFirst(tb testing.TB, data []byte, member string) []byte {
	tb.Helper()
	if len(data) == 0 || data[0] != '{' {
		tb.Fatal("the payload is not an object")
	}
	return slices.Concat([]byte("{"), []byte(member), []byte(","), data[1:])
}

// notImplemented tells apart the validator's placeholder, so that the
// baselines can run before it exists.
func notImplemented(err error) bool {
	var ve *validate.Error
	return err != nil && !errors.As(err, &ve) && bytes.Contains([]byte(err.Error()), []byte("not implemented"))
}

// expectation is what a pointguard run on a payload must give: the code, and
// for an accepted request the numbers of accepted and skipped points (for a
// rejected one they count what was seen before the verdict, which SPEC leaves
// open).
type expectation struct {
	code              codes.Code
	accepted, skipped int
}

// expect returns the verdict SPEC gives for the payload. Every generated batch is
// valid in both profiles. The sample's branchCurr items are numbers in strings:
// compat accepts all 9 points; strict rejects the request (1204), or with
// skipInvalidMeasurepoints skips the 3 branchCurr points and accepts the other 6.
func expect(p payload, profile validate.Profile, skip bool) expectation {
	if !p.sample {
		return expectation{codes.OK, p.points, 0}
	}
	switch {
	case profile == validate.Compat:
		return expectation{codes.OK, 9, 0}
	case skip:
		return expectation{codes.OK, 6, 3}
	}
	return expectation{codes.ModelInvalid, 0, 0}
}

// pointguardCheck returns a check of data with a reused validator. It validates
// once first and fails tb when the verdict is not the expected one, or skips
// tb while the validator is not implemented.
func pointguardCheck(tb testing.TB, v *validate.Validator, data []byte, want expectation) func([]byte) error {
	tb.Helper()
	msg := validate.Message{Topic: gen.Topic, Now: gen.BaseTime}
	points := 0
	yield := func(*validate.Point) error { points++; return nil }
	res, err := v.Validate(msg, data, yield)
	if notImplemented(err) {
		tb.Skip("validate.Validator.Validate is not implemented yet")
	}
	if res.Code != want.code || want.code == codes.OK && (res.Accepted != want.accepted || res.SkippedTotal != want.skipped) {
		tb.Fatalf("verdict %d, %d accepted, %d skipped (err %v); want %d, %d, %d",
			res.Code, res.Accepted, res.SkippedTotal, err, want.code, want.accepted, want.skipped)
	}
	if want.code == codes.OK && points != want.accepted {
		tb.Fatalf("yield saw %d points, Result.Accepted says %d", points, res.Accepted)
	}
	return func(p []byte) error {
		res, _ := v.Validate(msg, p, yield)
		if res.Code != want.code {
			return errors.New("unexpected verdict " + res.Code.String())
		}
		return nil
	}
}

// pointguardReaderCheck is pointguardCheck through ValidateReader, the streaming
// entry point, over a reused bytes.Reader.
func pointguardReaderCheck(tb testing.TB, v *validate.Validator, data []byte, want expectation) func([]byte) error {
	tb.Helper()
	pointguardCheck(tb, v, data, want) // the same verdict, and the skip while not implemented
	msg := validate.Message{Topic: gen.Topic, Now: gen.BaseTime}
	var r bytes.Reader
	points := 0
	yield := func(*validate.Point) error { points++; return nil }
	return func(p []byte) error {
		r.Reset(p)
		res, err := v.ValidateReader(msg, &r, yield)
		if res.Code != want.code {
			return errors.New("unexpected verdict " + res.Code.String() + ": " + errString(err))
		}
		return nil
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestZeroAllocs asserts that a reused validator allocates nothing on an accepted
// request: the scratch buffers it owns are enough, and the points it yields live
// in them.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates; allocation counts need a run without -cover")
	}
	if raceEnabled {
		t.Skip("the race detector allocates; allocation counts need a run without -race")
	}
	tests := []struct {
		name    string
		payload payload
		profile validate.Profile
		skip    bool
	}{
		{"large compat", largePayload(), validate.Compat, false},
		{"large strict", largePayload(), validate.Strict, false},
		{"large compat skipInvalidMeasurepoints", largePayload(), validate.Compat, true},
		{"sample compat", samplePayload(), validate.Compat, false},
		{"sample compat skipInvalidMeasurepoints", samplePayload(), validate.Compat, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.payload.data
			if tc.skip {
				data = tc.payload.skipData
			}
			v := newValidator(t, tc.profile)
			check := pointguardCheck(t, v, data, expect(tc.payload, tc.profile, tc.skip))
			var err error
			allocs := testing.AllocsPerRun(10, func() { err = check(data) })
			if err != nil {
				t.Fatal(err)
			}
			if allocs != 0 {
				t.Errorf("Validate allocates %v times per request, want 0", allocs)
			}
		})
	}
}

// TestReusedRowsZeroAllocs asserts that the rows that reuse a parser or decoder
// of their own allocate nothing per request once warmed up, as README.md says.
func TestReusedRowsZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates; allocation counts need a run without -cover")
	}
	if raceEnabled {
		t.Skip("the race detector allocates; allocation counts need a run without -race")
	}
	fj := &fastjsonWalker{}
	jv := newJSONTextWalker()
	for _, p := range []payload{largePayload(), samplePayload()} {
		for _, row := range []baseline{{"fastjson-parse-walk", fj.walk}, {"jsontext-read-value", jv.readValue}} {
			for range warmups {
				if err := row.check(p.data); err != nil {
					t.Fatalf("%s on %s: %v", row.name, p.name, err)
				}
			}
			var err error
			allocs := testing.AllocsPerRun(10, func() { err = row.check(p.data) })
			if err != nil {
				t.Fatalf("%s on %s: %v", row.name, p.name, err)
			}
			if allocs != 0 {
				t.Errorf("%s on %s allocates %v times per request, want 0", row.name, p.name, allocs)
			}
		}
	}
}

// TestBaselinesAgree makes sure that every baseline accepts the payloads it is
// benchmarked on, so that no row of the table measures an early failure.
func TestBaselinesAgree(t *testing.T) {
	for _, p := range []payload{largePayload(), samplePayload()} {
		for _, b := range baselines(t, p) {
			if err := b.check(p.data); err != nil {
				t.Errorf("%s on %s: %v", b.name, p.name, err)
			}
		}
	}
	// BenchmarkSize's rows on one of its sizes: the batches of every size are
	// made by the same generator.
	p := sizedPayload(t, 64<<10)
	for _, b := range syntaxRows() {
		if err := b.check(p.data); err != nil {
			t.Errorf("%s on %s: %v", b.name, p.name, err)
		}
	}
}

// TestBaselinesReject makes sure that the checking baselines do check: each
// rejects a payload with one point of the wrong type.
func TestBaselinesReject(t *testing.T) {
	bad := largePayload()
	bad.data = bytes.Replace(bad.data, []byte(`"temp":`), []byte(`"temp":"warm","x":`), 1)
	h, err := newHandChecker()
	if err != nil {
		t.Fatal(err)
	}
	if h.check(bad.data) == nil {
		t.Error("hand checks accept a FLOAT point holding \"warm\"")
	}
	s, err := compileSchema(false)
	if err != nil {
		t.Fatal(err)
	}
	if schemaCheck(s)(bad.data) == nil {
		t.Error("JSON Schema accepts a FLOAT point holding \"warm\"")
	}
	if scanCheck(bad.data[:len(bad.data)-1]) == nil {
		t.Error("the scanner accepts a truncated payload")
	}
}

// TestSyntaxRowsReject makes sure that the rows that check syntax only do check
// it: each rejects a broken payload, and rejects or accepts the faults that
// README.md says it does or does not look at, so that the table's "what it does
// not check" column stays true when a library changes.
func TestSyntaxRowsReject(t *testing.T) {
	good := largePayload().data
	// mutate replaces the first old of the large batch with new.
	mutate := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("the large batch has no %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	faults := []struct {
		name, reason string
		data         []byte
	}{
		{"truncated", "the last closing bracket is missing", good[:len(good)-1]},
		{"no colon", "a member without its name separator, in the middle of the payload", mutate(`"temp":`, `"temp" `)},
		{"trailing data", "a second value after the request", append(bytes.Clone(good), ` {}`...)},
		{"bad escape", `\q is no escape (RFC 8259 §7)`, mutate(`"mode":"`, `"mode":"\q`)},
		{"control character", "U+0001 must be escaped in a string (RFC 8259 §7)", mutate(`"mode":"`, "\"mode\":\"\x01")},
		{"leading zero", "a number may not start with 0 and a digit (RFC 8259 §6)", mutate(`"temp":`, `"temp":0`)},
		{"invalid UTF-8", "0xff is no UTF-8 (RFC 8259 §8.1)", mutate(`"mode":"`, "\"mode\":\"\xff")},
		{"duplicate name", "names within an object should be unique (RFC 8259 §4)", mutate(`"temp":`, `"temp":1,"temp":`)},
	}
	// accepts lists, per row, the faults it lets through; every other fault
	// must be rejected.
	accepts := map[string][]string{
		"scan-ceiling":        {"duplicate name"},
		"fastjson-parse-walk": {"bad escape", "control character", "leading zero", "invalid UTF-8", "duplicate name"},
		"fastjson-validate":   {"invalid UTF-8", "duplicate name"},
		"jsontext-read-value": nil,
		"goccy-valid":         {"invalid UTF-8", "duplicate name"},
		"sonic-valid":         {"bad escape", "control character", "invalid UTF-8", "duplicate name"},
	}
	rows := syntaxRows()
	fj := &fastjsonWalker{}
	rows = append(rows, baseline{"fastjson-parse-walk", fj.walk})
	for _, row := range rows {
		lets, ok := accepts[row.name]
		if !ok {
			t.Fatalf("no expectations for row %s", row.name)
		}
		for _, f := range faults {
			err := row.check(f.data)
			switch want := !slices.Contains(lets, f.name); {
			case want && err == nil:
				t.Errorf("%s accepts a payload with a fault (%s: %s)", row.name, f.name, f.reason)
			case !want && err != nil:
				t.Errorf("%s rejects a payload with a fault it is said to let through (%s: %s): %v", row.name, f.name, f.reason, err)
			}
		}
	}
}
