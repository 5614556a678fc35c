package validate_test

import (
	"cmp"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// limitCase is one placement of one limit: the payload, what is expected, and
// where the error points (at is a substring whose first byte is the offset).
type limitCase struct {
	name    string
	topic   string // default: topic
	limits  validate.Limits
	payload string
	code    codes.Code
	pointer string
	at      string
	detail  string
}

func runLimitCase(t *testing.T, opts validate.Options, tt limitCase) {
	t.Helper()
	opts.Limits = tt.limits
	v := validate.New(opts)
	wantOff := int64(-1)
	if tt.code != codes.OK {
		i := strings.Index(tt.payload, tt.at)
		if tt.at == "" || i < 0 {
			t.Fatalf("marker %q not in the payload", tt.at)
		}
		wantOff = int64(i)
	}
	for _, streamed := range []bool{false, true} {
		var res validate.Result
		msg := validate.Message{Topic: cmp.Or(tt.topic, topic), Now: 42}
		if streamed {
			res, _ = v.ValidateReader(msg, iotest.OneByteReader(strings.NewReader(tt.payload)), nil)
		} else {
			res, _ = v.Validate(msg, []byte(tt.payload), nil)
		}
		got := fmt.Sprintf("%v", res.Code)
		want := fmt.Sprintf("%v", tt.code)
		if res.Err != nil {
			got += fmt.Sprintf(" at %q offset %d: %s", res.Err.Pointer, res.Err.Offset, res.Err.Detail)
		}
		if tt.code != codes.OK {
			want += fmt.Sprintf(" at %q offset %d: %s", tt.pointer, wantOff, tt.detail)
		}
		if got != want {
			t.Errorf("streamed %v:\n got %s\nwant %s", streamed, got, want)
		}
	}
}

// nestIn returns n levels of arrays around an empty innermost one.
func nestIn(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// TestLimitPlacements places each limit of Limits in the envelope, in params, in
// a point value and in an ignored member, at the limit (accepted) and one past
// it (refused), validating whole and streamed one byte at a time.
func TestLimitPlacements(t *testing.T) {
	d := func(n int) validate.Limits { return validate.Limits{MaxDepth: n} }
	a := func(n int) validate.Limits { return validate.Limits{MaxArray: n} }
	s := func(n int) validate.Limits { return validate.Limits{MaxString: n} }
	s29 := strings.Repeat("s", 29)
	n29 := "1." + strings.Repeat("0", 26) + "5" // a number of 29 bytes
	i29 := "1" + strings.Repeat("0", 28)        // an integer of 29 bytes
	entryWith := func(extra, points string) string {
		return `{"productKey":"product1","deviceKey":"device1",` + extra + `"measurepoints":{` + points + `}}`
	}
	ok := codes.OK
	bad := codes.FormatError
	tests := []limitCase{
		// Depth: the top-level object is depth 1, params 2, an entry 3, its
		// measurepoints 4, a point's object or array 5.
		{name: "depth: params at the limit", limits: d(2), payload: batch(""), code: ok},
		{name: "depth: params over the limit", limits: d(1), payload: batch(""), code: bad,
			pointer: "/params", at: "[]"},
		{name: "depth: entry at the limit", limits: d(4), payload: batch("", entry("device1", "")), code: ok},
		{name: "depth: entry over the limit", limits: d(3), payload: batch("", entry("device1", "")), code: bad,
			pointer: "/params/0/measurepoints", at: "{}"},
		{name: "depth: point object at the limit", limits: d(5), payload: batch("", entry("device1", `"Power":{"value":1,"quality":0}`)), code: ok},
		{name: "depth: point object over the limit", limits: d(4), payload: batch("", entry("device1", `"Power":{"value":1,"quality":0}`)), code: bad,
			pointer: "/params/0/measurepoints/Power", at: `{"value"`},
		{name: "depth: ARRAY value at the limit", limits: d(5), payload: batch("", entry("device1", `"branchCurr":[1.5]`)), code: ok},
		{name: "depth: ARRAY value over the limit", limits: d(4), payload: batch("", entry("device1", `"branchCurr":[1.5]`)), code: bad,
			pointer: "/params/0/measurepoints/branchCurr", at: "[1.5]"},
		{name: "depth: ignored member of the envelope at the limit", limits: d(5), payload: batch(`"x":` + nestIn(4) + `,`), code: ok},
		{name: "depth: ignored member of the envelope over the limit", limits: d(5), payload: batch(`"x":` + nestIn(5) + `,`), code: bad,
			pointer: "/x/0/0/0/0", at: "[]]]]]"},
		{name: "depth: ignored member of an entry at the limit", limits: d(5), payload: batch("", entryWith(`"x":[[]],`, `"temp":1`)), code: ok},
		{name: "depth: ignored member of an entry over the limit", limits: d(5), payload: batch("", entryWith(`"x":[[[]]],`, `"temp":1`)), code: bad,
			pointer: "/params/0/x/0/0", at: "[]]]"},
		{name: "depth: default at the limit", payload: batch(`"x":` + nestIn(63) + `,`), code: ok},
		{name: "depth: default over the limit", payload: batch(`"x":` + nestIn(64) + `,`), code: bad,
			pointer: "/x" + strings.Repeat("/0", 63), at: "[]]"},

		// Array length.
		{name: "array: params at the limit", limits: a(2), payload: batch("", entry("device1", `"temp":1`), entry("device1", `"temp":2`)), code: ok},
		{name: "array: params over the limit", limits: a(2), payload: batch("", entry("device1", `"temp":1`), entry("device1", `"temp":2`), entry("device1", `"temp":3`)), code: bad,
			pointer: "/params/2", at: `{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":3}`},
		{name: "array: ARRAY value at the limit", limits: a(3), payload: batch("", entry("device1", `"branchCurr":[1,2,3]`)), code: ok},
		{name: "array: ARRAY value over the limit", limits: a(3), payload: batch("", entry("device1", `"branchCurr":[1,2,3,4]`)), code: bad,
			pointer: "/params/0/measurepoints/branchCurr/3", at: "4]"},
		{name: "array: ignored member of the envelope at the limit", limits: a(3), payload: batch(`"x":[1,2,3],`), code: ok},
		{name: "array: ignored member of the envelope over the limit", limits: a(3), payload: batch(`"x":[1,2,3,4],`), code: bad,
			pointer: "/x/3", at: "4]"},
		{name: "array: ignored member of an entry at the limit", limits: a(3), payload: batch("", entryWith(`"x":[1,2,3],`, `"temp":1`)), code: ok},
		{name: "array: ignored member of an entry over the limit", limits: a(3), payload: batch("", entryWith(`"x":[1,2,3,4],`, `"temp":1`)), code: bad,
			pointer: "/params/0/x/3", at: "4]"},
		{name: "array: no limit, ARRAY value at 1024 items", payload: batch("", entry("device1", `"branchCurr":[`+items(1024)+`]`)), code: ok},
		{name: "array: no limit, ARRAY value over 1024 items", payload: batch("", entry("device1", `"branchCurr":[`+items(1025)+`]`)), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/branchCurr/1024", at: "1024]", detail: "ARRAY has more than 1024 items"},

		// Token length: strings (raw bytes between the quotes) and numbers.
		{name: "string: envelope id at the limit", limits: s(29), payload: strings.Replace(batch(""), `"id":"1"`, `"id":"`+s29+`"`, 1), code: ok},
		{name: "string: envelope id over the limit", limits: s(29), payload: strings.Replace(batch(""), `"id":"1"`, `"id":"`+s29+`x"`, 1), code: bad,
			pointer: "/id", at: `"sss`},
		{name: "string: deviceKey at the limit", limits: s(29), payload: batch("", entry(s29, `"temp":1`)), code: ok},
		{name: "string: deviceKey over the limit", limits: s(29), payload: batch("", entry(s29+"x", `"temp":1`)), code: bad,
			pointer: "/params/0/deviceKey", at: `"sss`},
		{name: "string: point value at the limit", limits: s(29), payload: batch("", entry("device1", `"temp":"`+n29+`"`)), code: ok},
		{name: "string: point value over the limit", limits: s(29), payload: batch("", entry("device1", `"temp":"`+n29+`0"`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: `"1.00`},
		{name: "string: identifier at the limit", limits: s(29), payload: batch("", entry("device1", `"`+s29+`":1`)), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/" + s29, at: `1}`,
			detail: `measurepoint "` + s29 + `" is not defined in model "Inverter"`},
		{name: "string: identifier over the limit", limits: s(29), payload: batch("", entry("device1", `"`+s29+`x":1`)), code: bad,
			pointer: "/params/0/measurepoints", at: `{"sss`},
		{name: "string: ignored member at the limit", limits: s(29), payload: batch(`"x":"` + s29 + `",`), code: ok},
		{name: "string: ignored member over the limit", limits: s(29), payload: batch(`"x":"` + s29 + `x",`), code: bad,
			pointer: "/x", at: `"sss`},
		{name: "string: key in an ignored object at the limit", limits: s(29), payload: batch(`"x":[{"` + s29 + `":1}],`), code: ok},
		{name: "string: key in an ignored object over the limit", limits: s(29), payload: batch(`"x":[{"` + s29 + `x":1}],`), code: bad,
			pointer: "/x/0", at: `{"sss`},
		{name: "string: default at the limit", limits: validate.Limits{MaxBytes: 3 << 20}, payload: batch(`"x":"` + strings.Repeat("s", 1<<20) + `",`), code: ok},
		{name: "string: default over the limit", limits: validate.Limits{MaxBytes: 3 << 20}, payload: batch(`"x":"` + strings.Repeat("s", 1<<20+1) + `",`), code: bad,
			pointer: "/x", at: `"sss`},
		{name: "number: point value at the limit", limits: s(29), payload: batch("", entry("device1", `"temp":`+n29)), code: ok},
		{name: "number: point value over the limit", limits: s(29), payload: batch("", entry("device1", `"temp":`+n29+`0`)), code: bad,
			pointer: "/params/0/measurepoints/temp", at: n29},
		{name: "number: ignored member at the limit", limits: s(29), payload: batch(`"x":` + n29 + `,`), code: ok},
		{name: "number: ignored member over the limit", limits: s(29), payload: batch(`"x":` + n29 + `0,`), code: bad,
			pointer: "/x", at: n29},
		{name: "number: envelope id at the limit", limits: s(29), payload: strings.Replace(batch(""), `"id":"1"`, `"id":`+i29, 1), code: ok},
		{name: "number: envelope id over the limit", limits: s(29), payload: strings.Replace(batch(""), `"id":"1"`, `"id":`+i29+`0`, 1), code: bad,
			pointer: "/id", at: i29},
		{name: "number: ignored member of an entry at the limit", limits: s(29), payload: batch("", entryWith(`"x":`+n29+`,`, `"temp":1`)), code: ok},
		{name: "number: ignored member of an entry over the limit", limits: s(29), payload: batch("", entryWith(`"x":`+n29+`0,`, `"temp":1`)), code: bad,
			pointer: "/params/0/x", at: n29},
	}
	devices := dir{"product1/" + s29: {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true}}
	for k, d := range testDir {
		devices[k] = d
	}
	opts := validate.Options{Models: catalog(t), Directory: devices}
	for i := range tests {
		tt := &tests[i]
		if tt.code != bad || tt.detail != "" {
			continue
		}
		switch l := tt.limits; {
		case strings.HasPrefix(tt.name, "depth"):
			tt.detail = fmt.Sprintf("nesting deeper than the limit of %d", cmp.Or(l.MaxDepth, validate.DefaultMaxDepth))
		case strings.HasPrefix(tt.name, "array"):
			tt.detail = fmt.Sprintf("array longer than the limit of %d items", l.MaxArray)
		default:
			tt.detail = fmt.Sprintf("string or number longer than the limit of %d bytes", cmp.Or(l.MaxString, validate.DefaultMaxString))
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runLimitCase(t, opts, tt) })
	}
}

// items returns n comma-separated FLOAT items, 0 to n-1.
func items(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, i)
	}
	return b.String()
}

// TestMaxSkipped checks how many skipped points a Result keeps: Limits.MaxSkipped
// of them, the first in document order, and SkippedTotal counts them all.
func TestMaxSkipped(t *testing.T) {
	badPoints := func(n int) string {
		var e []string
		for i := range n {
			e = append(e, entry("device1", fmt.Sprintf(`"temp":"bad%d"`, i)))
		}
		return batch(`"skipInvalidMeasurepoints":true,`, e...)
	}
	tests := []struct {
		name       string
		max, n     int
		kept, want int
	}{
		{"at the limit", 2, 2, 2, 2},
		{"over the limit", 2, 3, 2, 3},
		{"default at the limit", 0, validate.DefaultMaxSkipped, validate.DefaultMaxSkipped, validate.DefaultMaxSkipped},
		{"default over the limit", 0, validate.DefaultMaxSkipped + 1, validate.DefaultMaxSkipped, validate.DefaultMaxSkipped + 1},
		{"negative keeps none", -1, 2, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Models: catalog(t), Directory: testDir, Limits: validate.Limits{MaxSkipped: tt.max}})
			res, err := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(badPoints(tt.n)), nil)
			if err != nil || res.Code != codes.OK {
				t.Fatalf("code %v: %v", res.Code, err)
			}
			if len(res.Skipped) != tt.kept || res.SkippedTotal != tt.want {
				t.Fatalf("kept %d of %d skipped points, want %d of %d", len(res.Skipped), res.SkippedTotal, tt.kept, tt.want)
			}
			for i, e := range res.Skipped {
				if want := fmt.Sprintf("/params/%d/measurepoints/temp", i); e.Pointer != want {
					t.Errorf("Skipped[%d] at %s, want %s", i, e.Pointer, want)
				}
			}
		})
	}
}

// TestMaxBytesLargest checks that the largest size limit lets a streamed
// payload through: the reader reads one byte beyond the limit to tell 1008,
// and that byte must not overflow the limit.
func TestMaxBytesLargest(t *testing.T) {
	opts := sampleOptions(t, validate.Compat)
	opts.Limits.MaxBytes = math.MaxInt64
	v := validate.New(opts)
	payload := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1.5}}]}`
	res, err := v.ValidateReader(validate.Message{Topic: topic}, strings.NewReader(payload), nil)
	if err != nil || res.Code != codes.OK || res.Accepted != 1 {
		t.Errorf("MaxBytes MaxInt64, streamed: code %v, %d accepted, %v; want 200 with 1", res.Code, res.Accepted, err)
	}
}
