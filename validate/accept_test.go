package validate_test

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// allTypesEntry is a valid entry of every data type of the AllTypes model,
// written plainly, for the topic device allP/all1 (no keys).
const allTypesEntry = `{"measurepoints":{"i":5,"iq":{"value":-5,"quality":0},"ib":50,"f":1.5,"fb":999.5,` +
	`"db":0,"dx":0.5,"fq":{"quality":9,"value":-1.5e3},"d":1e300,"dq":{"value":2,"quality":1},` +
	`"s":"a\"b\u00e9\n","s8":"12345678","ei":1,"es":"low","b":true,"dt":"2024-02-29 23:59:59",` +
	`"ts":1700000000000,"af":[1,2.5,-3e2],"ai":[],"as":["x","y\u00e9"],"st":{"c":1.5,"a":1},"file":"f.bin"},"time":5}`

// subEntries are valid entries of two sub-devices of gwP/gw1, whose products
// share the Inverter model, then of the gateway itself (model Meter).
const subEntries = `{"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02"]},"time":1},` +
	`{"productKey":"product2","deviceKey":"device2","time":2,"measurepoints":{"temp":-0.5,"Power":{"quality":0,"value":7}}},` +
	`{"productKey":"gwP","deviceKey":"gw1","measurepoints":{"voltage":230.5}},` +
	`{"measurepoints":{"voltage":231}}`

// TestAcceptPathTakes checks which entries the accept path reads: the plain
// valid ones, whatever their data types, spelling of white space, number
// forms or escapes in values, and none of those it leaves to the checks that
// word errors. Either way the results are those without the accept path.
func TestAcceptPathTakes(t *testing.T) {
	batch := func(entries string) string {
		return `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + entries + `]}`
	}
	// inv is an entry of an inverter behind the gateway with the given points.
	inv := func(points string) string {
		return `{"productKey":"product1","deviceKey":"device1","measurepoints":{` + points + `}}`
	}
	const all, gw = "/sys/allP/all1/thing/measurepoint/post/batch", "/sys/gwP/gw1/thing/measurepoint/post/batch"
	// decided is a batch for allP/all1 whose first entry decides the verdict
	// (a 1204 that the flag before params does not excuse), then entry.
	decided := func(entry string) string {
		return `{"skipInvalidMeasurepoints":false,` + batch(`{"measurepoints":{"i":true}},` + entry)[1:]
	}
	for _, tc := range []struct {
		name    string
		topic   string
		payload string
		profile validate.Profile
		limits  validate.Limits
		// noDirectory leaves the sub-device checks off.
		noDirectory bool
		fast        int // entries the accept path takes
		code        int
	}{
		{name: "every type", topic: all, payload: batch(allTypesEntry), fast: 1, code: 200},
		{name: "every type, strict", topic: all, payload: batch(allTypesEntry), profile: validate.Strict, fast: 1, code: 200},
		{name: "every type, twice", topic: all, payload: batch(allTypesEntry + "," + allTypesEntry), fast: 2, code: 200},
		{name: "white space", topic: all, code: 200, fast: 2, payload: batch(indented(t, allTypesEntry) + " ,\r\n " + allTypesEntry)},
		{name: "compat strings", topic: all, fast: 1, code: 200,
			payload: batch(`{"measurepoints":{"i":"5","f":"1.5","ts":"1700000000000","b":"false","ei":"0","iq":{"value":"7","quality":3}}}`)},
		// A FLOAT or DOUBLE in a string (compat) is compared up to its
		// closing quote; what is not a plain decimal there is read again.
		{name: "compat: numbers in strings", topic: all, fast: 1, code: 200,
			payload: batch(`{"measurepoints":{"f":"1.5","d":"-0.25","af":["1","2.5","-3"],"fq":{"value":"7.5","quality":1}}}`)},
		{name: "compat: a number in a string, white space after it", topic: all, code: 1204, payload: batch(`{"measurepoints":{"f":"1.5 "}}`)},
		{name: "compat: a number in a string, an escape after it", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"f":"1.5\u0030"}}`)},
		{name: "compat: a number in a string, with an exponent", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"f":"1.5e2"}}`)},
		{name: "compat: a number in a string, a leading zero", topic: all, code: 1204, payload: batch(`{"measurepoints":{"f":"01.5"}}`)},
		{name: "compat: a number in a string, then a letter", topic: all, code: 1204, payload: batch(`{"measurepoints":{"f":"1.5x"}}`)},
		{name: "compat: a number in a string, unterminated", topic: all, code: 1206, payload: batch(`{"measurepoints":{"f":"1.5`)},
		{name: "strict: a number in a string", topic: all, profile: validate.Strict, code: 1204, payload: batch(`{"measurepoints":{"f":"1.5"}}`)},
		{name: "BOOL forms", topic: all, fast: 4, code: 200, payload: batch(`{"measurepoints":{"b":1},"time":0},{"measurepoints":{"b":0}},{"measurepoints":{"b":-0}},{"measurepoints":{"b":false}}`)},
		{name: "sub-devices", topic: gw, payload: batch(subEntries), fast: 4, code: 200},
		{name: "empty measurepoints", topic: gw, payload: batch(`{"measurepoints":{}}`), fast: 1, code: 200},
		{name: "no entries", topic: gw, payload: batch(``), fast: 0, code: 200},

		// Keys that agree with an entry's own in their first eight bytes.
		{name: "entry keys ending otherwise", topic: gw, code: 1204,
			payload: batch(`{"productKez":"product1","deviceKez":"device1","measurepoints":{"temp":1}}`)},
		{name: "measurepoints ending otherwise", topic: gw, code: 1206, payload: batch(`{"measurepointz":{"voltage":1}}`)},
		// A point where the model's last entry had another is compared in
		// place, from a window of 16 bytes or, near the end of the input,
		// as it stands; a key that agrees with that point's in all but its
		// last bytes is an unknown point.
		{name: "point key ending otherwise, short", topic: all, fast: 1, code: 1204,
			payload: batch(`{"measurepoints":{"file":"f.bin","i":5}},{"measurepoints":{"filx":"f.bin","i":5}}`)},
		{name: "point key ending otherwise, short, near the end", topic: all, fast: 1, code: 1204,
			payload: batch(`{"measurepoints":{"file":"f.bin"}},{"measurepoints":{"filx":"f"}}`)},
		{name: "point key starting otherwise, short", topic: all, fast: 1, code: 1204,
			payload: batch(`{"measurepoints":{"file":"f.bin","i":5}},{"measurepoints":{"xile":"f.bin","i":5}}`)},
		{name: "point key starting otherwise", topic: gw, fast: 1, code: 1204,
			payload: batch(inv(`"branchCurr":[1],"temp":1`) + "," + inv(`"xranchCurr":[1],"temp":1`))},
		{name: "point key ending otherwise", topic: gw, fast: 1, code: 1204,
			payload: batch(inv(`"branchCurr":[1],"temp":1`) + "," + inv(`"branchCurx":[1],"temp":1`))},
		// `"Power":` has 8 bytes, compared as one word: its first four
		// bytes given twice must not pass for it.
		{name: "point key of 8 bytes, its first four twice", topic: gw, fast: 1, code: 1206,
			payload: batch(inv(`"Power":{"value":1,"quality":9}`) + "," + inv(`"Pow"Pow{"value":1,"quality":9}`))},
		{name: "point key ending otherwise, near the end", topic: gw, fast: 1, code: 1204,
			payload: batch(`{"measurepoints":{"voltage":1}},{"measurepoints":{"voltagx":1}}`)},
		{name: "point keys as the last entry had them", topic: gw, fast: 2, code: 200,
			payload: batch(`{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}}`)},
		// STRUCT items are compared in place in the model's order (a, b,
		// c), and looked up otherwise.
		{name: "struct items in order", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"st":{"a":1,"b":"x","c":2.5}}}`)},
		{name: "struct items out of order", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"st":{"c":2.5,"a":1}}}`)},
		{name: "struct items, white space", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"st":{ "a" : 1 , "c":2.5 }}}`)},
		{name: "struct item twice, in order", topic: all, code: 1206, payload: batch(`{"measurepoints":{"st":{"a":1,"b":"x","a":2,"c":2.5}}}`)},
		{name: "optional struct item twice", topic: all, code: 1206, payload: batch(`{"measurepoints":{"st":{"a":1,"b":"x","b":"y","c":2.5}}}`)},
		{name: "struct item twice", topic: all, code: 1206, payload: batch(`{"measurepoints":{"st":{"c":1,"c":2,"a":1}}}`)},
		{name: "struct without a required item", topic: all, code: 1204, payload: batch(`{"measurepoints":{"st":{"a":1,"b":"x"}}}`)},
		{name: "struct without the optional item", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"st":{"a":1,"c":0}}}`)},
		{name: "struct item key ending otherwise", topic: all, code: 1204, payload: batch(`{"measurepoints":{"st":{"ab":1,"c":0}}}`)},
		{name: "unknown entry key", topic: gw, payload: batch(`{"measurepoints":{"voltage":1},"note":1}`), code: 200},
		{name: "escaped entry key", topic: gw, payload: batch(`{"m\u0065asurepoints":{"voltage":1}}`), code: 200},
		{name: "escaped point key", topic: gw, payload: batch(`{"measurepoints":{"v\u006fltage":1}}`), code: 200},
		{name: "keys after the points", topic: gw, payload: batch(`{"measurepoints":{"temp":1},"productKey":"product1","deviceKey":"device1"}`), code: 200},
		{name: "quality -0", topic: all, payload: batch(`{"measurepoints":{"iq":{"value":1,"quality":-0}}}`), code: 200},
		// A point with quality is compared as words when spelt as usual;
		// each near miss of those words is for the loop or for entry.
		{name: "quality, usual spelling", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"iq":{"value":-5,"quality":9}}}`)},
		{name: "quality first", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"iq":{"quality":9,"value":-5}}}`)},
		{name: "quality, white space", topic: all, fast: 1, code: 200, payload: batch(`{"measurepoints":{"iq":{"value": -5 ,"quality":9 }}}`)},
		{name: "quality key ends otherwise", topic: all, code: 1204, payload: batch(`{"measurepoints":{"iq":{"value":-5,"qualitz":9}}}`)},
		{name: "quality key starts otherwise", topic: all, code: 1204, payload: batch(`{"measurepoints":{"iq":{"value":-5,"Quality":9}}}`)},
		{name: "value key ends otherwise", topic: all, code: 1204, payload: batch(`{"measurepoints":{"iq":{"valuE":-5,"quality":9}}}`)},
		{name: "value key without its colon", topic: all, code: 1206, payload: batch(`{"measurepoints":{"iq":{"value"_5,"quality":9}}}`)},
		{name: "quality of two digits", topic: all, code: 1204, payload: batch(`{"measurepoints":{"iq":{"value":-5,"quality":12}}}`)},
		{name: "quality not a digit", topic: all, code: 1206, payload: batch(`{"measurepoints":{"iq":{"value":-5,"quality":/}}}`)},
		{name: "quality, then another key", topic: all, code: 1204, payload: batch(`{"measurepoints":{"iq":{"value":-5,"quality":9,"x":1}}}`)},
		{name: "single method", topic: "/sys/gwP/gw1/thing/measurepoint/post",
			payload: `{"id":"1","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"voltage":1}}}`, code: 200},
		{name: "string limit below the keys", topic: gw, payload: batch(`{"measurepoints":{"voltage":1}}`), limits: validate.Limits{MaxString: 12}, code: 1206},
		// After a finding, the accept path goes on; once the verdict is
		// decided, it hands no points over, as the checks do not. After an
		// entry it gave up on, it rests for two.
		{name: "an error first", topic: gw, fast: 1, code: 1204, payload: batch(`{"measurepoints":{"voltage":"x"}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)},
		{name: "after a skipped point", topic: gw, fast: 1, code: 200,
			payload: `{"skipInvalidMeasurepoints":true,` + batch(`{"measurepoints":{"voltage":"x"}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)[1:]},
		{name: "an error first, the flag false before params", topic: gw, fast: 3, code: 1204,
			payload: `{"skipInvalidMeasurepoints":false,` + batch(`{"measurepoints":{"voltage":"x"}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)[1:]},
		{name: "an error first, the flag true after params", topic: gw, fast: 1, code: 200,
			payload: `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch",` +
				`"params":[{"measurepoints":{"voltage":"x"}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}],"skipInvalidMeasurepoints":true}`},
		{name: "an offline device first", topic: gw, fast: 1, code: 1212,
			payload: batch(`{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)},
		{name: "an offline device first, allowed before params", topic: gw, fast: 1, code: 200,
			payload: `{"allowOfflineSubDevice":true,` + batch(`{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)[1:]},
		{name: "an offline device first, refused before params", topic: gw, fast: 3, code: 1212,
			payload: `{"allowOfflineSubDevice":false,` + batch(`{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)[1:]},
		{name: "an unknown device first", topic: gw, fast: 3, code: 1212,
			payload: batch(`{"productKey":"product1","deviceKey":"nosuch","measurepoints":{"temp":1}},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)},
		{name: "a malformed entry first", topic: gw, fast: 3, code: 1206, payload: batch(`{"measurepoints":{"voltage":1},"time":"x"},{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},{"measurepoints":{"voltage":3}}`)},
		{name: "a wrong method first", topic: gw, fast: 1, code: 1260,
			payload: `{"id":"1","version":"1.0","method":"thing.measurepoint.resume.batch","params":[{"measurepoints":{"voltage":1}}]}`},
		{name: "offline device", topic: gw, payload: batch(`{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1}}`), code: 1212},
		{name: "strict: an empty productKey", topic: gw, profile: validate.Strict, code: 1206,
			payload: batch(`{"productKey":"","deviceKey":"device1","measurepoints":{"voltage":1}}`)},
		{name: "strict: an empty deviceKey, no directory", topic: gw, profile: validate.Strict, noDirectory: true, code: 1206,
			payload: batch(`{"productKey":"product1","deviceKey":"","measurepoints":{"temp":1}}`)},
		{name: "the same product, then an offline device", topic: gw, fast: 1, code: 1212,
			payload: batch(`{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1}},{"productKey":"product1","deviceKey":"offline1","measurepoints":{"temp":1}}`)},
		{name: "no colon after a point's key and white space", topic: gw, payload: batch(`{"measurepoints":{"voltage" 12}}`), code: 1206},
		{name: "no colon after the time key and white space", topic: gw, payload: batch(`{"measurepoints":{"voltage":1},"time" 55}`), code: 1206},
		{name: "the last entry's points in another order", topic: gw, fast: 3, code: 200,
			payload: batch(inv(`"temp":1,"branchCurr":[2]`) + "," + inv(`"branchCurr":[2],"temp":1`) + "," + inv(`"temp":1`))},
		{name: "a point again, where the last entry had another", topic: gw, fast: 1, code: 1206,
			payload: batch(inv(`"temp":1,"branchCurr":[2]`) + "," + inv(`"temp":1,"temp":2`))},
		{name: "a point again, after the last entry's points", topic: gw, fast: 1, code: 1206,
			payload: batch(inv(`"temp":1,"branchCurr":[2]`) + "," + inv(`"temp":1,"branchCurr":[2],"temp":3`))},
		// Once the verdict is decided, the checks skip the points, and the
		// accept path takes the values they would skip without a finding;
		// after the entry that decided it, it does not rest.
		{name: "decided: invalid values skipped", topic: all, fast: 1, code: 1204,
			payload: decided(`{"measurepoints":{"i":"x","af":[1,"a",null,false],"iq":7,"st":{"c":"no","a":true},"s":12,"b":{"value":1,"quality":2}}}`)},
		{name: "decided: invalid values skipped, strict", topic: all, profile: validate.Strict, fast: 1, code: 1204,
			payload: decided(`{"measurepoints":{"f":"1.5","af":["1"]}}`)},
		{name: "decided: a duplicate key in a skipped object", topic: all, code: 1206, payload: decided(`{"measurepoints":{"st":{"c":1,"c":2}}}`)},
		{name: "decided: an object of five members", topic: all, code: 1204, payload: decided(`{"measurepoints":{"st":{"a":1,"b":2,"c":3,"d":4,"e":5}}}`)},
		{name: "decided: an array in an array", topic: all, code: 1204, payload: decided(`{"measurepoints":{"af":[[1]]}}`)},
		{name: "decided: an unknown point", topic: all, code: 1204, payload: decided(`{"measurepoints":{"nosuch":1}}`)},
		{name: "decided: a broken literal", topic: all, code: 1206, payload: decided(`{"measurepoints":{"i":tru}}`)},
		{name: "decided: invalid UTF-8 in a skipped string", topic: all, code: 1206, payload: decided(`{"measurepoints":{"i":"\xff"}}`)},
		// (The method, 29 bytes, is the longest string of the envelope.)
		{name: "decided: a skipped number over the token limit", topic: all, limits: validate.Limits{MaxString: 32}, code: 1206,
			payload: decided(`{"measurepoints":{"s":` + strings.Repeat("7", 33) + `}}`)},
		{name: "decided: a skipped number at the token limit", topic: all, limits: validate.Limits{MaxString: 32}, fast: 1, code: 1204,
			payload: decided(`{"measurepoints":{"s":` + strings.Repeat("7", 32) + `}}`)},
		{name: "decided: a skipped array over the limit", topic: all, limits: validate.Limits{MaxArray: 2}, code: 1206,
			payload: decided(`{"measurepoints":{"i":["a","b","c"]}}`)},
		{name: "decided: a skipped array at the limit", topic: all, limits: validate.Limits{MaxArray: 2}, fast: 1, code: 1204,
			payload: decided(`{"measurepoints":{"i":["a","b"]}}`)},
		// After k entries in a row it gave up on, it rests for
		// 2^(k+1)-2: seven broken entries cost two attempts (entries 0
		// and 3), then it takes the rest from entry 10.
		{name: "broken entries, then valid ones", topic: gw, fast: 7, code: 1204,
			payload: batch(strings.Repeat(`{"measurepoints":{"voltage":"x"}},`, 7) + strings.TrimSuffix(strings.Repeat(`{"measurepoints":{"voltage":1}},`, 10), ","))},
		// The rest is at most 63 entries: misses at entries 0, 3, 10, 25,
		// 56, 119 and 183 (resting 2, 6, 14, 30, 62, 63 and 63), then it
		// takes entries 247 to 299.
		{name: "many broken entries, then valid ones", topic: gw, fast: 53, code: 1204,
			payload: batch(strings.Repeat(`{"measurepoints":{"voltage":"x"}},`, 200) + strings.TrimSuffix(strings.Repeat(`{"measurepoints":{"voltage":1}},`, 100), ","))},
		// An entry it takes starts the count again.
		{name: "a broken entry now and then", topic: gw, fast: 3, code: 1204,
			payload: batch(strings.TrimSuffix(strings.Repeat(`{"measurepoints":{"voltage":"x"}},`+strings.Repeat(`{"measurepoints":{"voltage":1}},`, 3), 3), ","))},
		{name: "the entry after a valid one is not", topic: gw, fast: 1, code: 1204,
			payload: batch(`{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":true}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := sampleOptions(t, tc.profile)
			opts.Limits = tc.limits
			if tc.noDirectory {
				opts.Directory = nil
			}
			v := validate.New(opts)
			msg := validate.Message{Topic: tc.topic, Now: 1}
			var got []string
			res, _ := v.Validate(msg, []byte(tc.payload), func(p *validate.Point) error {
				got = append(got, string(p.AppendJSON(nil)))
				return nil
			})
			if int(res.Code) != tc.code {
				t.Fatalf("code %v (%v), want %d", res.Code, res.Err, tc.code)
			}
			if n := v.AcceptPathEntries(); n != tc.fast {
				t.Errorf("the accept path took %d entries, want %d", n, tc.fast)
			}
			opts.NoAcceptPath = true
			exact := validate.New(opts)
			for _, stream := range []bool{false, true} {
				var want []string
				yield := func(p *validate.Point) error {
					want = append(want, string(p.AppendJSON(nil)))
					return nil
				}
				var wantRes validate.Result
				if stream {
					wantRes, _ = exact.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader([]byte(tc.payload))), yield)
				} else {
					wantRes, _ = exact.Validate(msg, []byte(tc.payload), yield)
				}
				if wantRes.Code != res.Code || wantRes.Accepted != res.Accepted {
					t.Errorf("without the accept path (streamed %v): code %v, %d points; with it %v, %d", stream, wantRes.Code, wantRes.Accepted, res.Code, res.Accepted)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("points differ (streamed %v, -without +with):\n%s", stream, diff)
				}
			}
		})
	}
}

// indented returns the JSON text s indented with tabs and spaces.
func indented(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := stdjson.Indent(&b, []byte(s), " ", "\t "); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// agreeBothPaths validates payload with the accept path and without it, whole
// and through a one-byte reader, and fails on any difference in code,
// diagnostic, counts, skipped points or delivered points.
// It returns the code and how many entries the accept path took from the
// whole payload.
func agreeBothPaths(t *testing.T, opts validate.Options, topic string, payload []byte) (code, taken int) {
	t.Helper()
	type outcome struct {
		Code         int
		Err          string
		Pointer      string
		Offset       int64
		Accepted     int
		SkippedTotal int
		Skipped      []string
		Points       []string
	}
	run := func(v *validate.Validator, stream bool) outcome {
		var o outcome
		yield := func(p *validate.Point) error {
			o.Points = append(o.Points, string(p.AppendJSON(nil))+"@"+strconv.FormatInt(p.Offset, 10))
			return nil
		}
		msg := validate.Message{Topic: topic, Now: 1}
		var res validate.Result
		if stream {
			res, _ = v.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader(payload)), yield)
		} else {
			res, _ = v.Validate(msg, payload, yield)
		}
		o.Code, o.Accepted, o.SkippedTotal = int(res.Code), res.Accepted, res.SkippedTotal
		if res.Err != nil {
			o.Err, o.Pointer, o.Offset = res.Err.Detail, res.Err.Pointer, res.Err.Offset
		}
		for _, s := range res.Skipped {
			o.Skipped = append(o.Skipped, s.Pointer+": "+s.Detail)
		}
		return o
	}
	fast := validate.New(opts)
	opts.NoAcceptPath = true
	exact := validate.New(opts)
	for _, stream := range []bool{true, false} {
		want, got := run(exact, stream), run(fast, stream)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("streamed %v, limits %+v, payload %q: the accept path differs (-without +with):\n%s", stream, opts.Limits, payload, diff)
		}
		code = want.Code
	}
	return code, fast.AcceptPathEntries()
}

// TestAcceptPathCutsAndLimits holds the accept path to the results of the
// checks it falls back to where it is most likely to slip: plain payloads
// cut short at every byte, and every limit swept across the sizes the payload
// needs, so that each limit is met exactly, crossed by one, and kept.
func TestAcceptPathCutsAndLimits(t *testing.T) {
	const all, gw = "/sys/allP/all1/thing/measurepoint/post/batch", "/sys/gwP/gw1/thing/measurepoint/post/batch"
	batch := func(entries string) []byte {
		return []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + entries + `]}`)
	}
	payloads := []struct {
		topic   string
		payload []byte
		entries int
	}{
		{all, batch(allTypesEntry + "," + allTypesEntry), 2},
		{all, batch(indented(t, allTypesEntry)), 1},
		{gw, batch(subEntries), 4},
		// A number longer than every other token (the method's 29 bytes),
		// so that the token limit meets it exactly.
		{all, batch(`{"measurepoints":{"d":1.23456789012345678901234567890},"time":1700000000000}`), 1},
	}
	for _, profile := range []validate.Profile{validate.Compat, validate.Strict} {
		opts := sampleOptions(t, profile)
		for _, p := range payloads {
			for cut := range len(p.payload) {
				agreeBothPaths(t, opts, p.topic, p.payload[:cut:cut]) // no capacity beyond the cut
			}
			var limits []validate.Limits
			for n := 1; n <= 40; n++ {
				limits = append(limits, validate.Limits{MaxString: n}, validate.Limits{MaxDepth: n % 10})
			}
			for n := 0; n <= 6; n++ {
				limits = append(limits, validate.Limits{MaxArray: n})
			}
			for n := 2; n <= 900; n++ {
				limits = append(limits, validate.Limits{MaxEntry: n})
			}
			for _, l := range limits {
				o := opts
				o.Limits = l
				// Within the limits, the accept path takes every entry; it
				// needs depth for the deepest value a point can have, more
				// than these payloads use.
				if code, taken := agreeBothPaths(t, o, p.topic, p.payload); code == 200 && taken != p.entries && (l.MaxDepth == 0 || l.MaxDepth >= 6) {
					t.Errorf("limits %+v: the payload is accepted, and the accept path took %d of its %d entries", l, taken, p.entries)
				}
			}
		}
	}
}

// TestAcceptPathZeroAllocs checks that the accept path allocates nothing on
// a reused Validator, whatever the data types of the points.
func TestAcceptPathZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are meaningless under coverage or the race detector")
	}
	v := validate.New(sampleOptions(t, validate.Compat))
	payload := []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + allTypesEntry + "," + allTypesEntry + `]}`)
	msg := validate.Message{Topic: "/sys/allP/all1/thing/measurepoint/post/batch", Now: 1}
	yield := func(*validate.Point) error { return nil }
	v.Validate(msg, payload, yield)
	if n := v.AcceptPathEntries(); n != 2 {
		t.Fatalf("the accept path took %d entries, want 2", n)
	}
	if allocs := testing.AllocsPerRun(50, func() { v.Validate(msg, payload, yield) }); allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}

// TestAcceptPathPredictsPerModel checks that the point order predicted for a
// model comes from that model's entries: models A and B have points x and y
// in the same order with other types, so an order taken from A's entry would
// check B's x as an INT and accept it.
func TestAcceptPathPredictsPerModel(t *testing.T) {
	opts, err := loadEnv(payloadDir + "/edges/env.json")
	if err != nil {
		t.Fatal(err)
	}
	payload := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"pa","deviceKey":"a1","measurepoints":{"x":1,"y":2}},` +
		`{"productKey":"pb","deviceKey":"b1","measurepoints":{"x":5,"y":2}}]}`
	if code, _ := agreeBothPaths(t, opts, "/sys/gw/g1/thing/measurepoint/post/batch", []byte(payload)); code != 1204 {
		t.Errorf("code %d, want 1204: B's x is a STRING", code)
	}
}

// TestAcceptPathWindowBounded checks that reading ahead for the accept path
// keeps a streamed payload's window at its size: a batch of many times the
// window is read through it, not into it.
func TestAcceptPathWindowBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(subEntries)
	}
	b.WriteString("]}")
	opts := sampleOptions(t, validate.Compat)
	opts.Limits.MaxBytes = -1
	v := validate.New(opts)
	res, err := v.ValidateReader(validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch"}, strings.NewReader(b.String()), nil)
	if err != nil || res.Accepted != 3000*7 {
		t.Fatalf("code %v, %d accepted (%v), want 200 with %d", res.Code, res.Accepted, err, 3000*7)
	}
	if n := v.ReadWindowCap(); n > 64<<10 {
		t.Errorf("the read window grew to %d bytes for a %d-byte batch, want 64 KiB", n, b.Len())
	}
}

// TestAcceptPathStructKeyLimit checks a STRUCT item whose key, in the
// model's order, is longer than the token limit: the key is a 1206 both ways,
// before the method's (which comes after params and is over the limit too).
func TestAcceptPathStructKeyLimit(t *testing.T) {
	const model = `{"modelId":"Long","measurepoints":{"st":{"identifier":"st","dataType":"STRUCT","dataDefinition":{"items":[` +
		`{"identifier":"a_twenty_byte_item_","dataType":"INT","required":true}]}}}}`
	cat := catalogOf(t, model, map[string]string{"longP": "Long"})
	payload := `{"id":"1","version":"1.0","params":[{"measurepoints":{"st":{"a_twenty_byte_item_":1}}}],"method":"thing.measurepoint.post.batch"}`
	msg := validate.Message{Topic: "/sys/longP/long1/thing/measurepoint/post/batch", Now: 1}
	for _, limit := range []int{18, 19} {
		opts := validate.Options{Models: cat, Limits: validate.Limits{MaxString: limit}}
		fast := validate.New(opts)
		got, _ := fast.Validate(msg, []byte(payload), nil)
		opts.NoAcceptPath = true
		want, _ := validate.New(opts).Validate(msg, []byte(payload), nil)
		if got.Code != codes.FormatError || want.Code != codes.FormatError || got.Err.Offset != want.Err.Offset || got.Err.Pointer != want.Err.Pointer {
			t.Errorf("limit %d: %v with the accept path, %v without; want the same 1206", limit, got.Err, want.Err)
		}
		if limit == 18 && !strings.HasPrefix(want.Err.Pointer, "/params/0/measurepoints/st") {
			t.Errorf("limit %d: the 1206 is at %q, want the item's key", limit, want.Err.Pointer)
		}
	}
}

// TestYieldError checks a callback that refuses the k-th point: Validate
// and ValidateReader return its error unchanged, yield is not called again,
// and Accepted counts the points handed over, the refused one included, the
// same with the accept path and without.
func TestYieldError(t *testing.T) {
	errFull := errors.New("sink full")
	payload := []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"measurepoints":{"voltage":1}},{"measurepoints":{"voltage":2}},` +
		`{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1,"branchCurr":[2]}}]}`)
	msg := validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch", Now: 1}
	for _, noAccept := range []bool{false, true} {
		opts := sampleOptions(t, validate.Compat)
		opts.NoAcceptPath = noAccept
		v := validate.New(opts)
		for k := 1; k <= 4; k++ {
			for _, stream := range []bool{false, true} {
				calls := 0
				yield := func(*validate.Point) error {
					if calls++; calls == k {
						return errFull
					}
					return nil
				}
				var res validate.Result
				var err error
				if stream {
					res, err = v.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader(payload)), yield)
				} else {
					res, err = v.Validate(msg, payload, yield)
				}
				if !errors.Is(err, errFull) || calls != k || res.Accepted != k {
					t.Errorf("NoAcceptPath %v, stream %v, refused at %d: error %v, %d calls, %d accepted; want the callback's error, %d and %d",
						noAccept, stream, k, err, calls, res.Accepted, k, k)
				}
			}
		}
	}
}

// TestAcceptPathWideStruct checks a STRUCT of more items than the accept
// path marks in one word (64): it leaves such a value to the checks, which
// find an item given twice beyond the 64th.
func TestAcceptPathWideStruct(t *testing.T) {
	var items []string
	for k := range 70 {
		items = append(items, `{"identifier":"i`+strconv.Itoa(k)+`","dataType":"INT"}`)
	}
	model := `{"modelId":"Wide","measurepoints":{"st":{"identifier":"st","dataType":"STRUCT","dataDefinition":{"items":[` +
		strings.Join(items, ",") + `]}}}}`
	opts := validate.Options{Models: catalogOf(t, model, map[string]string{"wideP": "Wide"})}
	msg := validate.Message{Topic: "/sys/wideP/wide1/thing/measurepoint/post/batch", Now: 1}
	batch := func(st string) []byte {
		return []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{"st":` + st + `}}]}`)
	}
	for _, tc := range []struct {
		st   string
		code codes.Code
	}{
		{`{"i0":1,"i69":2}`, codes.OK},
		{`{"i69":1,"i5":2,"i69":3}`, codes.FormatError},
	} {
		v := validate.New(opts)
		res, _ := v.Validate(msg, batch(tc.st), nil)
		if res.Code != tc.code || v.AcceptPathEntries() != 0 {
			t.Errorf("%s: code %v, the accept path took %d entries; want %v and none", tc.st, res.Code, v.AcceptPathEntries(), tc.code)
		}
	}
}
