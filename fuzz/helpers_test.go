package fuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// failer is what the helpers need of a *testing.T or a *rapid.T.
type failer interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

var profiles = rapid.SampledFrom([]validate.Profile{validate.Compat, validate.Strict})

// newValidator loads the Env's models and returns a validator for them.
func newValidator(t failer, env *Env, profile validate.Profile) *validate.Validator {
	t.Helper()
	cat, err := env.Catalog()
	if err != nil {
		t.Fatalf("generated models do not load: %v", err)
	}
	return validate.New(validate.Options{Profile: profile, Models: cat, Directory: env.ValidateDirectory()})
}

// gotPoint is a yielded point as plain data.
type gotPoint struct {
	Entry                 int
	ProductKey, DeviceKey string
	Time                  int64
	Identifier            string
	Value                 any
	Quality               int
	Offset                int64
}

// outcome is everything one validation reported, copied out of the Validator's
// memory.
type outcome struct {
	Code         codes.Code
	Err          *validate.Error
	Topic        protocol.Topic
	ID           string
	Accepted     int
	Skipped      []validate.Error
	SkippedTotal int
	Points       []gotPoint
	// PointJSON is each yielded point in normal form (Point.AppendJSON),
	// which shows the value as held, a FLOAT's text included.
	PointJSON []string
	// Returned is the error ValidateReader or Validate returned, as text.
	Returned string
}

func copyError(e *validate.Error) *validate.Error {
	if e == nil {
		return nil
	}
	c := *e
	c.Err = nil
	return &c
}

// run validates payload, read as the reader function makes it (nil: Validate).
func run(v *validate.Validator, msg validate.Message, payload []byte, reader func([]byte) io.Reader) outcome {
	var o outcome
	yield := func(p *validate.Point) error {
		o.Points = append(o.Points, gotPoint{
			Entry: p.Entry, ProductKey: strings.Clone(p.ProductKey), DeviceKey: strings.Clone(p.DeviceKey),
			Time: p.Time, Identifier: p.Identifier(), Value: p.Value.Interface(), Quality: p.Quality, Offset: p.Offset,
		})
		o.PointJSON = append(o.PointJSON, string(p.AppendJSON(nil)))
		return nil
	}
	var res validate.Result
	var err error
	if reader == nil {
		res, err = v.Validate(msg, payload, yield)
	} else {
		res, err = v.ValidateReader(msg, reader(payload), yield)
	}
	o.Code, o.Err, o.Accepted, o.SkippedTotal = res.Code, copyError(res.Err), res.Accepted, res.SkippedTotal
	o.Topic = protocol.Topic{ProductKey: strings.Clone(res.Topic.ProductKey), DeviceKey: strings.Clone(res.Topic.DeviceKey), Method: res.Topic.Method}
	o.ID = string(res.ID)
	for _, s := range res.Skipped {
		o.Skipped = append(o.Skipped, *copyError(&s))
	}
	if err != nil {
		o.Returned = err.Error()
	}
	return o
}

// validateRequest validates an encoded request with Validate.
func validateRequest(v *validate.Validator, r *Request, payload []byte) outcome {
	return run(v, validate.Message{Topic: r.Topic.String(), Now: r.Now}, payload, nil)
}

// readers are the ways a streaming validation reads a payload: byte by byte, in
// halves, and in chunks split at random points.
func readers(t *rapid.T) map[string]func([]byte) io.Reader {
	cuts := rapid.SliceOfN(rapid.IntRange(0, 1<<20), 0, 6).Draw(t, "cuts")
	return map[string]func([]byte) io.Reader{
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"split":    func(b []byte) io.Reader { return &splitReader{b: b, cuts: cuts} },
	}
}

// splitReader returns b in chunks that end at the cut points (taken modulo the
// length), and sometimes returns io.EOF with the last bytes.
type splitReader struct {
	b    []byte
	off  int
	cuts []int
	k    int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if r.off >= len(r.b) {
		return 0, io.EOF
	}
	end := len(r.b)
	for ; r.k < len(r.cuts); r.k++ {
		c := r.cuts[r.k] % (len(r.b) + 1)
		if c > r.off {
			end = c
			r.k++
			break
		}
	}
	n := copy(p, r.b[r.off:end])
	r.off += n
	if r.off == len(r.b) && len(r.cuts)%2 == 1 {
		return n, io.EOF
	}
	return n, nil
}

// streamed is an outcome as property 5 compares it. A payload over the size
// limit (1008) is refused by Validate before parsing, while a stream learns its
// size only at the end, after delivering the points it has read; those points are
// not final (SPEC §4.8), so for 1008 the delivered points and their count are
// left out.
func streamed(o outcome) outcome {
	if o.Code == codes.MsgTooLarge {
		o.Points, o.PointJSON, o.Accepted = nil, nil, 0
	}
	return o
}

// hasPrefixPointer reports whether pointer p is q or lies below it.
func hasPrefixPointer(p, q string) bool {
	return q == "" || p == q || strings.HasPrefix(p, q+"/")
}

// diagMismatch compares one diagnostic with an expectation and says how they
// differ, or returns "".
func diagMismatch(got *validate.Error, want Diag) string {
	if got == nil {
		return fmt.Sprintf("no diagnostic, want %d at %q", want.Code, want.Pointer)
	}
	if got.Code != want.Code {
		return fmt.Sprintf("code %d at %q (offset %d): %s; want %d at %q (offset %d)",
			got.Code, got.Pointer, got.Offset, got.Detail, want.Code, want.Pointer, want.Offset)
	}
	if want.Exact {
		if got.Pointer != want.Pointer || got.Offset != want.Offset {
			return fmt.Sprintf("%d at %q offset %d (%s); want %q offset %d", got.Code, got.Pointer, got.Offset, got.Detail, want.Pointer, want.Offset)
		}
	} else if !hasPrefixPointer(got.Pointer, want.Pointer) {
		return fmt.Sprintf("%d at %q offset %d (%s); want at or below %q", got.Code, got.Pointer, got.Offset, got.Detail, want.Pointer)
	}
	return ""
}

// wantPoints converts expected points to what the yield callback records.
func wantPoints(ws []WantPoint) []gotPoint {
	var ps []gotPoint
	for _, w := range ws {
		ps = append(ps, gotPoint{
			Entry: w.Entry, ProductKey: w.ProductKey, DeviceKey: w.DeviceKey, Time: w.Time,
			Identifier: w.Identifier, Value: w.Value, Quality: w.Quality, Offset: w.Offset,
		})
	}
	return ps
}

// checkVerdict checks an outcome against the verdict the request expects.
func checkVerdict(t failer, r *Request, x *Encoded, o outcome) {
	t.Helper()
	if o.Code == codes.OK && x.Want.Code != codes.OK {
		t.Fatalf("accepted (%d points); want %d at %q (mutations %q)", o.Accepted, x.Want.Code, x.Want.Pointer, r.Notes())
	}
	if x.Want.Code != codes.OK {
		if m := diagMismatch(o.Err, x.Want); m != "" {
			t.Fatalf("verdict: %s (mutations %q)\npayload: %q", m, r.Notes(), x.Payload)
		}
		if o.Returned == "" {
			t.Fatalf("rejected with %d but the returned error is nil", o.Code)
		}
		return
	}
	if o.Code != codes.OK || o.Err != nil || o.Returned != "" {
		t.Fatalf("rejected: %d at %q (offset %d): %v; want 200 (mutations %q)", o.Code, errPointer(o.Err), errOffset(o.Err), o.Err, r.Notes())
	}
	if diff := cmp.Diff(wantPoints(x.Points), o.Points); diff != "" {
		t.Fatalf("points (-want +got):\n%s", diff)
	}
	if o.Accepted != len(o.Points) {
		t.Fatalf("Accepted = %d, %d points yielded", o.Accepted, len(o.Points))
	}
	if o.SkippedTotal != len(x.Skipped) || len(o.Skipped) != len(x.Skipped) {
		t.Fatalf("skipped %d (%d kept): %+v; want %+v", o.SkippedTotal, len(o.Skipped), o.Skipped, x.Skipped)
	}
	for i := range x.Skipped {
		if m := diagMismatch(&o.Skipped[i], x.Skipped[i]); m != "" {
			t.Fatalf("skipped point %d: %s (mutations %q)\npayload: %q", i, m, r.Notes(), x.Payload)
		}
	}
	want := protocol.Topic{ProductKey: r.Topic.ProductKey, DeviceKey: r.Topic.DeviceKey, Method: r.Topic.Method}
	if o.Topic != want {
		t.Fatalf("Topic = %+v, want %+v", o.Topic, want)
	}
	if o.ID != string(x.ID) {
		t.Fatalf("ID = %q, want %q", o.ID, x.ID)
	}
}

func errPointer(e *validate.Error) string {
	if e == nil {
		return ""
	}
	return e.Pointer
}

func errOffset(e *validate.Error) int64 {
	if e == nil {
		return -1
	}
	return e.Offset
}

// preParse reports whether code is decided before parsing, with no position.
func preParse(c codes.Code) bool {
	return c == codes.NoWritePermission || c == codes.MsgTooLarge || c == codes.PayloadEmpty
}

// mqttCodes are the codes a measurepoint message can get (SPEC §4.1).
var mqttCodes = []codes.Code{codes.OK, codes.MsgTooLarge, codes.NoWritePermission, codes.PayloadEmpty,
	codes.FormatError, codes.MethodMismatch, codes.NoSubDevicePerm, codes.ModelInvalid}

// checkDiagnostics asserts property 8: every diagnostic's offset lies in the
// input and, when the input is JSON, its pointer resolves to a value that starts
// at that offset. An error decided before parsing has offset -1 and no pointer.
func checkDiagnostics(t failer, payload []byte, o outcome) {
	t.Helper()
	if (o.Code == codes.OK) != (o.Err == nil) {
		t.Fatalf("Code %d with Err %v", o.Code, o.Err)
	}
	diags := slicesOfErrors(o)
	valid := json.Valid(payload)
	for _, d := range diags {
		if preParse(d.Code) {
			if d.Offset != -1 || d.Pointer != "" {
				t.Fatalf("%d decided before parsing has pointer %q offset %d", d.Code, d.Pointer, d.Offset)
			}
			continue
		}
		if d.Offset < 0 || d.Offset > int64(len(payload)) {
			t.Fatalf("%d at %q: offset %d outside the payload of %d bytes", d.Code, d.Pointer, d.Offset, len(payload))
		}
		if !valid {
			continue
		}
		offs, err := resolve(payload, d.Pointer)
		if err != nil {
			t.Fatalf("%d at %q (offset %d, %s): pointer does not resolve: %v\npayload: %q", d.Code, d.Pointer, d.Offset, d.Detail, err, payload)
		}
		found := false
		for _, off := range offs {
			found = found || off == d.Offset
		}
		if !found {
			t.Fatalf("%d at %q (%s): offset %d, but the pointer names values at %v\npayload: %q", d.Code, d.Pointer, d.Detail, d.Offset, offs, payload)
		}
	}
}

func slicesOfErrors(o outcome) []validate.Error {
	var ds []validate.Error
	if o.Err != nil {
		ds = append(ds, *o.Err)
	}
	return append(ds, o.Skipped...)
}
