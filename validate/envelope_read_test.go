package validate_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestNumberStartsNine checks the class of a value's first byte at its upper
// edge, '9', and its lower, '0', where the envelope reads one: an id that is a
// number, and a non-string version or method named as a number.
func TestNumberStartsNine(t *testing.T) {
	bothPaths(t, validate.Options{Models: catalog(t), Directory: testDir}, func(t *testing.T, v *validate.Validator) {
		for _, id := range []string{"9", "90", "0", "-1"} {
			payload := strings.Replace(batch("", entry("device1", `"temp":1`)), `"id":"1"`, `"id":`+id, 1)
			res, err := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(payload), nil)
			if res.Code != codes.OK || err != nil || string(res.ID) != id {
				t.Errorf("id %s: code %v, id %q, error %v; want 200 with id %s", id, res.Code, res.ID, err, id)
			}
		}
		for _, field := range []string{"version", "method"} {
			for _, num := range []string{"9", "0", "-1", "5"} {
				payload := batch("", entry("device1", `"temp":1`))
				payload = strings.Replace(payload, `"`+field+`":"`, `"`+field+`":`+num+`,"x":"`, 1)
				res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(payload), nil)
				want := field + " must be a string, got number"
				if res.Code != codes.FormatError || res.Err.Detail != want {
					t.Errorf("%s %s: code %v %v, want 1206: %s", field, num, res.Code, res.Err, want)
				}
			}
		}
	})
}

// TestKeyNotStringCause checks the sentinel a key that is no string unwraps
// to: an entry's keys break an entry rule, the envelope's strings an envelope
// rule.
func TestKeyNotStringCause(t *testing.T) {
	tests := []struct {
		name, payload string
		cause         error
	}{
		{"productKey a number", batch("", `{"productKey":5,"deviceKey":"device1","measurepoints":{"temp":1}}`), validate.ErrEntry},
		{"deviceKey a number", batch("", `{"productKey":"product1","deviceKey":5,"measurepoints":{"temp":1}}`), validate.ErrEntry},
		{"method a number", strings.Replace(batch("", entry("device1", `"temp":1`)), `"method":"thing.measurepoint.post.batch"`, `"method":5`, 1), validate.ErrEnvelope},
		{"version a number", strings.Replace(batch("", entry("device1", `"temp":1`)), `"version":"1.0"`, `"version":5`, 1), validate.ErrEnvelope},
	}
	bothPaths(t, validate.Options{Models: catalog(t), Directory: testDir}, func(t *testing.T, v *validate.Validator) {
		for _, tt := range tests {
			res, err := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(tt.payload), nil)
			if res.Code != codes.FormatError || !errors.Is(err, tt.cause) {
				t.Errorf("%s: code %v, error %v; want 1206 that is %v", tt.name, res.Code, err, tt.cause)
			}
			for _, other := range []error{validate.ErrEntry, validate.ErrEnvelope} {
				if other != tt.cause && errors.Is(err, other) {
					t.Errorf("%s: error %v is also %v", tt.name, err, other)
				}
			}
		}
	})
}

// TestDrainToLimit checks that a streamed payload with a syntax error early
// on is still 1008 when it is longer than the limit: 1008 outranks every
// parsing error, so the rest is read up to the limit (SPEC §4.2).
func TestDrainToLimit(t *testing.T) {
	payload := `{"id":]` + strings.Repeat(" ", 200)
	for _, chunked := range []bool{false, true} {
		v := validate.New(validate.Options{Limits: validate.Limits{MaxBytes: 64}})
		r := io.Reader(strings.NewReader(payload))
		if chunked {
			r = iotest.OneByteReader(r)
		}
		res, _ := v.ValidateReader(validate.Message{Topic: topic, Now: 1}, r, nil)
		if res.Code != codes.MsgTooLarge {
			t.Errorf("one byte at a time %v: code %v (%v), want 1008", chunked, res.Code, res.Err)
		}
	}
}

// errAfter returns its data in one read, then fails.
type errAfter struct {
	data string
	done bool
}

var errReadMore = errors.New("the payload was read past the error")

func (r *errAfter) Read(p []byte) (int, error) {
	if r.done {
		return 0, errReadMore
	}
	r.done = true
	return copy(p, r.data), nil
}

// TestNoReadAfterDepthError checks that a value over the depth limit where an
// entry's key or time must be ends the reading: without a size limit the
// verdict is final, and the rest is not read (ValidateReader). With MaxDepth 5
// the entry is at depth 3 and its members' values at 4, so three nested arrays
// reach depth 6; two reach 5 and are read whole.
func TestNoReadAfterDepthError(t *testing.T) {
	head := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{`
	tests := []struct {
		member, detail string
		deep           bool
	}{
		{`"productKey":[[[]]]`, "productKey must be a string, got array", true},
		{`"deviceKey":[[[]]]`, "deviceKey must be a string, got array", true},
		{`"time":[[[]]]`, "time must be an integer number of milliseconds, got array", true},
		{`"productKey":[[]]`, "productKey must be a string, got array", false},
		{`"time":[[]]`, "time must be an integer number of milliseconds, got array", false},
	}
	for _, tt := range tests {
		v := validate.New(validate.Options{Models: catalog(t), Limits: validate.Limits{MaxBytes: -1, MaxDepth: 5}})
		res, err := v.ValidateReader(validate.Message{Topic: topic, Now: 1}, &errAfter{data: head + tt.member + `,`}, nil)
		if tt.deep {
			if res.Code != codes.FormatError || res.Err.Detail != tt.detail || err != res.Err {
				t.Errorf("%s: code %v, error %v; want 1206: %s, and nothing read after it", tt.member, res.Code, err, tt.detail)
			}
			continue
		}
		if !errors.Is(err, errReadMore) {
			t.Errorf("%s: error %v, want the reader's: the value is within the depth limit and the entry is read on", tt.member, err)
		}
	}
}

// TestEnvelopeKeysNearMiss checks that only the envelope's own keys are read
// as such: a key one byte short of one, longer (by a letter, or by "::", which
// the colon after a key could be mistaken for), or with its last byte
// changed, is an unknown member, whose value (here one that each known
// member would refuse) is ignored. A known key longer than the token limit
// is a 1206.
func TestEnvelopeKeysNearMiss(t *testing.T) {
	bothPaths(t, validate.Options{Models: catalog(t), Directory: testDir}, func(t *testing.T, v *validate.Validator) {
		for _, k := range []string{"id", "version", "method", "allowOfflineSubDevice", "skipInvalidMeasurepoints", "params"} {
			for _, miss := range []string{k[:len(k)-1], k + "s", k[:len(k)-1] + "_", k + "::"} {
				for _, first := range []bool{true, false} {
					payload := batch(`"`+miss+`":{},`, entry("device1", `"temp":1`))
					if first {
						payload = `{"` + miss + `":{},` + batch("", entry("device1", `"temp":1`))[1:]
					}
					res, err := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(payload), nil)
					if res.Code != codes.OK || res.Accepted != 1 {
						t.Errorf("member %q (first %v): code %v, %d accepted, error %v; want 200 with 1", miss, first, res.Code, res.Accepted, err)
					}
				}
			}
		}
		opts := v.Options()
		opts.Limits.MaxString = len("version") - 1
		short := validate.New(opts)
		res, _ := short.Validate(validate.Message{Topic: topic, Now: 1}, []byte(`{"version":"1.0"}`), nil)
		if res.Code != codes.FormatError || !strings.Contains(res.Err.Detail, "longer than the limit") {
			t.Errorf(`"version" over a token limit of 6: %v, want 1206 naming the limit`, res.Err)
		}
	})
}
