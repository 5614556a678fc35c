package validate

import (
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/thingmodel"
)

// fataler is what the helpers need of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// boundedType loads a point of dataType with the given dataDefinition
// members, or returns nil when the model refuses them (an empty range).
func boundedType(tb fataler, dataType, members string) *thingmodel.Type {
	tb.Helper()
	src := `{"modelId":"m","measurepoints":{"p":{"identifier":"p","dataType":"` + dataType +
		`","dataDefinition":{` + members + `}}}}`
	m, err := thingmodel.ParseModel("m.json", []byte(src))
	if err != nil {
		if strings.Contains(err.Error(), "empty range") {
			return nil
		}
		tb.Fatalf("%s: %v", src, err)
	}
	return m.Measurepoint("p").Type()
}

// judgeBounded returns plainNumber's verdict on num for t, and whether
// judgeOtherNumber, which compares with the bounds on the digits, accepts it.
// Each written value is checked against the other's.
func judgeBounded(tb fataler, t *thingmodel.Type, num string) (plain, accepted bool) {
	tb.Helper()
	shape, n, ok := scan.PlainNumber([]byte(num + ","))
	if !ok || n != len(num) {
		tb.Fatalf("%q is not a plain number", num)
	}
	var fast, exact Value
	plain = plainNumber(t, []byte(num), shape, &fast)
	accepted = judgeOtherNumber(t, []byte(num), []byte(num), shape, true, &exact) == ""
	if plain && accepted && !reflect.DeepEqual(fast, exact) {
		tb.Fatalf("%q: plainNumber wrote %+v, judgeOtherNumber %+v", num, fast, exact)
	}
	return plain, accepted
}

// TestPlainNumberWithinBounds holds plainNumber to judgeOtherNumber on bounded
// INT, FLOAT and DOUBLE points: it may decide a number only when the digits
// put it inside the bounds, whatever the bounds' spelling, exactness and
// exclusiveness, and the number's distance to them.
func TestPlainNumberWithinBounds(t *testing.T) {
	limits := []string{"-1", "0", "1", "45", "65", "1.0", "6e1", "-2", "0.5", "-0.5", "0.1",
		"44.99999999999999999", "45.00000000000000001", "64.999999999999999999", "65.00000000000000001",
		"-44.99999999999999999", "-45.00000000000000001", "-0.1",
		"9007199254740992", "9007199254740993", "-9007199254740993", "1e16",
		"2147483647", "2147483646.99999999999", "2147483647.00000000001", "-2147483648.00000000001"}
	ints := []string{"0", "1", "2", "44", "45", "46", "59", "64", "65", "66", "9007199254740991", "9007199254740992", "123456789012345",
		"2147483647", "2147483648"}
	fracs := []string{"", ".0", ".5", ".848", ".000000000000000001", ".999999999999999999"}
	rapid.Check(t, func(rt *rapid.T) {
		var members []string
		for _, side := range []string{"minimum", "maximum"} {
			switch rapid.IntRange(0, 2).Draw(rt, side) {
			case 1:
				members = append(members, `"`+side+`":`+rapid.SampledFrom(limits).Draw(rt, side+" limit"))
			case 2:
				ex := "exclusiveM" + side[1:]
				members = append(members, `"`+ex+`":`+rapid.SampledFrom(limits).Draw(rt, side+" limit"))
			}
		}
		typ := boundedType(rt, rapid.SampledFrom([]string{"INT", "FLOAT", "DOUBLE"}).Draw(rt, "type"), strings.Join(members, ","))
		if typ == nil {
			return
		}
		num := rapid.SampledFrom([]string{"", "-"}).Draw(rt, "sign") + rapid.SampledFrom(ints).Draw(rt, "int") +
			rapid.SampledFrom(fracs).Draw(rt, "frac")
		if plain, accepted := judgeBounded(rt, typ, num); plain && !accepted {
			rt.Fatalf("%q with {%s}: plainNumber takes a number outside the bounds", num, strings.Join(members, ","))
		}
	})
}

// TestPlainNumberWithinBoundsTakes pins the numbers plainNumber must decide
// itself, the usual ones, so that a rule that gave up on every bounded number
// would fail, and those it must leave to judgeOtherNumber.
func TestPlainNumberWithinBoundsTakes(t *testing.T) {
	type takes struct {
		members, num string
		plain        bool
	}
	doubles := []takes{
		{`"minimum":45,"maximum":65`, "50.077", true},
		{`"minimum":45,"maximum":65`, "45.5", true},         // [45, 46): 45 is inside and exact
		{`"minimum":45,"maximum":65`, "64.999", true},       // [64, 65): below 65
		{`"minimum":45,"maximum":65`, "65.0", false},        // [65, 66) reaches past 65
		{`"minimum":-1,"maximum":1`, "0.848", true},         // [0, 1)
		{`"minimum":-1,"maximum":1`, "-0.848", true},        // (-1, 0]
		{`"minimum":-1,"maximum":1`, "1", false},            // at the maximum: the digits decide
		{`"minimum":-1,"maximum":1.0`, "0.5", true},         // 1.0 is exact too
		{`"exclusiveMinimum":45`, "45.5", false},            // 45 itself is outside
		{`"exclusiveMinimum":45`, "46.5", true},             // [46, 47)
		{`"exclusiveMaximum":1`, "0.5", true},               // [0, 1) is below 1
		{`"exclusiveMinimum":-1`, "-0.5", true},             // (-1, 0] is above -1
		{`"exclusiveMaximum":0`, "-0.5", false},             // (-1, 0] reaches 0
		{`"minimum":0.1,"maximum":65`, "0.5", false},        // 0.1 is not exact: 0 may be below it
		{`"minimum":0.1,"maximum":65`, "1.5", true},         // [1, 2) is above 0.1's float64
		{`"minimum":45.00000000000000001`, "45.5", false},   // its float64 is 45, but it is above
		{`"minimum":-44.99999999999999999`, "-44.5", false}, // its float64 is -45, but it is above
		{`"maximum":64.99999999999999999`, "64.5", false},   // its float64 is 65, but it is below
		{`"maximum":-45.00000000000000001`, "-45.0", false}, // its float64 is -45, but it is below
		{`"maximum":1e16`, "123456789012345.5", true},       // 15 integer digits
		{`"maximum":1e16`, "1234567890123456.5", false},     // 16: the digits decide
	}
	// An INT is exact: a bound's float64 other than the INT decides,
	// and one equal to it when it is exact.
	ints := []takes{
		{`"minimum":0,"maximum":65535`, "0", true},
		{`"minimum":0,"maximum":65535`, "65535", true},
		{`"minimum":0,"maximum":65535`, "-1", false},
		{`"minimum":0,"maximum":65535`, "65536", false},
		{`"exclusiveMinimum":0`, "0", false},
		{`"exclusiveMinimum":0`, "1", true},
		{`"exclusiveMaximum":10`, "10", false},
		{`"exclusiveMaximum":10`, "9", true},
		{`"minimum":0.5,"maximum":1.5`, "1", true},
		{`"minimum":45.00000000000000001`, "45", false},           // its float64 is 45, but it is above
		{`"minimum":45.00000000000000001`, "46", true},            // above 45's float64
		{`"maximum":64.99999999999999999`, "65", false},           // its float64 is 65, but it is below
		{`"maximum":2147483647.00000000001`, "2147483647", false}, // inexact, equal as float64s
		{`"maximum":2147483647`, "2147483647", true},
	}
	for _, group := range []struct {
		dataType string
		cases    []takes
	}{{"DOUBLE", doubles}, {"INT", ints}} {
		for _, tc := range group.cases {
			typ := boundedType(t, group.dataType, tc.members)
			plain, accepted := judgeBounded(t, typ, tc.num)
			if plain != tc.plain {
				t.Errorf("%s %q with {%s}: plainNumber %v, want %v", group.dataType, tc.num, tc.members, plain, tc.plain)
			}
			if plain && !accepted {
				t.Errorf("%s %q with {%s}: plainNumber takes a number judgeOtherNumber refuses", group.dataType, tc.num, tc.members)
			}
		}
	}
}
