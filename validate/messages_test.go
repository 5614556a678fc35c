package validate_test

import (
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestMessages asserts the sentences people read, and where they point, for
// errors no other table covers: values shortened to 64 bytes, the time, two
// errors at one offset (the first found is kept), and errors inside values
// that are skipped (the depth limit still holds inside them).
func TestMessages(t *testing.T) {
	bad := codes.FormatError
	k64 := strings.Repeat("k", 64)
	n64 := "1." + strings.Repeat("5", 62)
	deep := func(n int) string { return nestIn(n) }
	d := func(n int) validate.Limits { return validate.Limits{MaxDepth: n} }
	all := func(points string) string {
		return `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{` + points + `}}]}`
	}
	// With its keys an entry's points are checked as they are read (without,
	// its measurepoints are captured first, and the capture checks the depth).
	fused := func(points string) string {
		return `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"allP","deviceKey":"all1","measurepoints":{` + points + `}}]}`
	}
	noModel := func(points string) string {
		return batch("", `{"productKey":"noModelP","deviceKey":"nm1","measurepoints":{`+points+`}}`)
	}
	const gw = "/sys/gwP/gw1/thing/measurepoint/post/batch"
	tests := []limitCase{
		// Values in messages are shortened after 64 bytes.
		{name: "number of 64 bytes in full", topic: allTopic, payload: all(`"i":` + n64), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/i", at: n64, detail: "want INT, got number " + n64 + " that is not an integer"},
		{name: "number of 65 bytes shortened", topic: allTopic, payload: all(`"i":` + n64 + "5"), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/i", at: n64, detail: "want INT, got number " + n64 + "... that is not an integer"},
		{name: "identifier of 64 bytes in full", topic: allTopic, payload: all(`"` + k64 + `":1`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/" + k64, at: "1}", detail: `measurepoint "` + k64 + `" is not defined in model "AllTypes"`},
		{name: "identifier of 65 bytes shortened", topic: allTopic, payload: all(`"` + k64 + `x":1`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/" + k64 + "x", at: "1}", detail: `measurepoint "` + k64 + `"... is not defined in model "AllTypes"`},
		{name: "device of 64 bytes in full", topic: gw, payload: batch("", entry(k64[:55], `"temp":1`)), code: codes.NoSubDevicePerm,
			pointer: "/params/0", at: `{"productKey"`, detail: `device "product1/` + k64[:55] + `" is unknown`},
		{name: "device of 65 bytes shortened", topic: gw, payload: batch("", entry(k64[:56], `"temp":1`)), code: codes.NoSubDevicePerm,
			pointer: "/params/0", at: `{"productKey"`, detail: `device "product1/` + k64[:55] + `"... is unknown`},
		{name: "bound in a message", topic: allTopic, payload: all(`"ib":101`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/ib", at: "101", detail: "INT 101 is above the maximum 100"},

		// The time of an entry.
		{name: "time as a string", topic: allTopic, payload: strings.Replace(all(`"i":1`), `{"measurepoints"`, `{"time":"5","measurepoints"`, 1), code: bad,
			pointer: "/params/0/time", at: `"5"`, detail: "time must be an integer number of milliseconds, got string"},
		{name: "time negative", topic: allTopic, payload: strings.Replace(all(`"i":1`), `{"measurepoints"`, `{"time":-5,"measurepoints"`, 1), code: bad,
			pointer: "/params/0/time", at: `-5`, detail: "time must be in [0, 2^63-1], got -5"},
		{name: "time with a fraction", topic: allTopic, payload: strings.Replace(all(`"i":1`), `{"measurepoints"`, `{"time":5.5,"measurepoints"`, 1), code: bad,
			pointer: "/params/0/time", at: `5.5`, detail: "time must be an integer, got 5.5"},

		// Two errors at one offset: the first found is the one reported.
		{name: "envelope string not UTF-8 and not the version", topic: gw, payload: strings.Replace(batch(""), `"1.0"`, "\"1\xff\"", 1), code: bad,
			pointer: "/version", at: "\"1\xff", detail: "invalid UTF-8 in string"},
		{name: "key with a lone surrogate that is a duplicate", topic: gw, payload: batch(`"x":{"\uFFFD":1,"\ud800":2},`), code: bad,
			pointer: "/x/\uFFFD", at: "2}", detail: `\u escape leaves a lone UTF-16 surrogate`},
		{name: "measurepoint key with a lone surrogate that is a duplicate", topic: gw, payload: batch("", entry("device1", `"\uFFFD":1,"\ud800":2`)), code: bad,
			pointer: "/params/0/measurepoints/\uFFFD", at: "2}", detail: `\u escape leaves a lone UTF-16 surrogate`},

		// Values skipped after a 1204 are still read within the depth limit:
		// a point's value is at depth 5.
		{name: "captured: value with quality over the depth limit", limits: d(7), topic: allTopic, payload: all(`"iq":{"value":` + deep(3) + `,"quality":0}`), code: bad,
			pointer: "/params/0/measurepoints/iq/value/0/0", at: "[]]]"},
		{name: "unknown point at the depth limit", limits: d(6), topic: allTopic, payload: fused(`"nope":` + deep(2)), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/nope", at: "[[]]", detail: `measurepoint "nope" is not defined in model "AllTypes"`},
		{name: "unknown point over the depth limit", limits: d(6), topic: allTopic, payload: fused(`"nope":` + deep(3)), code: bad,
			pointer: "/params/0/measurepoints/nope/0/0", at: "[]]]"},
		{name: "point of a product without a model at the depth limit", limits: d(6), topic: gw, payload: noModel(`"a":` + deep(2)), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/a", at: "[[]]", detail: `product "noModelP" has no model`},
		{name: "point of a product without a model over the depth limit", limits: d(6), topic: gw, payload: noModel(`"a":` + deep(3)), code: bad,
			pointer: "/params/0/measurepoints/a/0/0", at: "[]]]"},
		{name: "value of the wrong type at the depth limit", limits: d(6), topic: allTopic, payload: fused(`"i":` + deep(2)), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/i", at: "[[]]"},
		{name: "value of the wrong type over the depth limit", limits: d(6), topic: allTopic, payload: fused(`"i":` + deep(3)), code: bad,
			pointer: "/params/0/measurepoints/i/0/0", at: "[]]]"},
		{name: "value with quality at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":` + deep(2) + `,"quality":0}`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/iq/value", at: "[[]]"},
		{name: "value with quality over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":` + deep(3) + `,"quality":0}`), code: bad,
			pointer: "/params/0/measurepoints/iq/value/0/0", at: "[]]]"},
		{name: "quality at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":1,"quality":` + deep(2) + `}`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/iq/quality", at: "[[]]", detail: "want quality as an integer from 0 to 9, got array"},
		{name: "quality over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":1,"quality":` + deep(3) + `}`), code: bad,
			pointer: "/params/0/measurepoints/iq/quality/0/0", at: "[]]]"},
		{name: "unknown key with quality at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":1,"quality":0,"q":` + deep(2) + `}`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/iq/q", at: "[[]]", detail: `unexpected key "q" in a value with quality: only "value" and "quality"`},
		{name: "unknown key with quality over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"iq":{"value":1,"quality":0,"q":` + deep(3) + `}`), code: bad,
			pointer: "/params/0/measurepoints/iq/q/0/0", at: "[]]]"},
		{name: "ARRAY item at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"af":[` + deep(2) + `]`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/af/0", at: "[[]]"},
		{name: "ARRAY item over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"af":[` + deep(3) + `]`), code: bad,
			pointer: "/params/0/measurepoints/af/0/0/0", at: "[]]]"},
		{name: "ARRAY item past 1024 at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"af":[` + items(1024) + `,` + deep(2) + `]`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/af/1024", at: "[[]]", detail: "ARRAY has more than 1024 items"},
		{name: "ARRAY item past 1024 over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"af":[` + items(1024) + `,` + deep(3) + `]`), code: bad,
			pointer: "/params/0/measurepoints/af/1024/0/0", at: "[]]]"},
		{name: "STRUCT item at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"st":{"a":` + deep(2) + `,"c":1}`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/st/a", at: "[[]]"},
		{name: "STRUCT item over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"st":{"a":` + deep(3) + `,"c":1}`), code: bad,
			pointer: "/params/0/measurepoints/st/a/0/0", at: "[]]]"},
		{name: "unknown STRUCT item at the depth limit", limits: d(7), topic: allTopic, payload: fused(`"st":{"a":1,"c":1,"z":` + deep(2) + `}`), code: codes.ModelInvalid,
			pointer: "/params/0/measurepoints/st/z", at: "[[]]", detail: `STRUCT has no item "z"`},
		{name: "unknown STRUCT item over the depth limit", limits: d(7), topic: allTopic, payload: fused(`"st":{"a":1,"c":1,"z":` + deep(3) + `}`), code: bad,
			pointer: "/params/0/measurepoints/st/z/0/0", at: "[]]]"},
	}
	opts := sampleOptions(t, validate.Compat)
	for i := range tests {
		tt := &tests[i]
		if tt.code == bad && tt.detail == "" {
			tt.detail = "nesting deeper than the limit of " + map[int]string{6: "6", 7: "7"}[tt.limits.MaxDepth]
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.detail == "" {
				// the sentence of a type mismatch is tested elsewhere; here only where it points
				runLimitCaseNoDetail(t, opts, tt)
				return
			}
			runLimitCase(t, opts, tt)
		})
	}
}

func runLimitCaseNoDetail(t *testing.T, opts validate.Options, tt limitCase) {
	t.Helper()
	v := validate.New(validate.Options{Profile: opts.Profile, Models: opts.Models, Directory: opts.Directory, Limits: tt.limits})
	res, _ := v.Validate(validate.Message{Topic: tt.topic, Now: 1}, []byte(tt.payload), nil)
	if res.Code != tt.code || res.Err == nil || res.Err.Pointer != tt.pointer || res.Err.Offset != int64(strings.Index(tt.payload, tt.at)) {
		t.Errorf("got %v %+v, want %v at %s offset %d", res.Code, res.Err, tt.code, tt.pointer, strings.Index(tt.payload, tt.at))
	}
}

// TestErrorString checks the text of Error.Error: code, pointer, offset (also
// when it is 0) and detail.
func TestErrorString(t *testing.T) {
	v := validate.New(validate.Options{})
	tests := []struct{ payload, want string }{
		{`[]`, "validate: 1206 (offset 0): payload must be a JSON object, got array"},
		{` `, "validate: 1251: payload is empty or only white space"},
		{`{"id":"1","version":1,"params":[],"method":"thing.measurepoint.post.batch"}`, `validate: 1206 at /version (offset 20): version must be a string, got number`},
	}
	for _, tt := range tests {
		_, err := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(tt.payload), nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Validate(%q) error %q, want %q", tt.payload, err, tt.want)
		}
	}
}
