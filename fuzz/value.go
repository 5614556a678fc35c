package fuzz

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/thingmodel"
)

// spelled draws a spelling of n: canonical, or one of its equivalents.
func spelled(t *rapid.T, n Number, label string) string {
	seed := rapid.Uint64().Draw(t, label+" spelling")
	if seed == 0 {
		return n.String()
	}
	return n.spell(rand.New(rand.NewPCG(seed, seed)))
}

// intRange returns the integers in [lo, hi] that the bounds admit, within
// [min, max].
func intRange(ts *TypeSpec, min, max int64) (int64, int64) {
	lo, hi := min, max
	if b := ts.Min; b.Set {
		v := math.Ceil(b.Value)
		if b.Exclusive && v == b.Value {
			v++
		}
		if v > float64(lo) {
			lo = int64(v)
		}
	}
	if b := ts.Max; b.Set {
		v := math.Floor(b.Value)
		if b.Exclusive && v == b.Value {
			v--
		}
		if v < float64(hi) {
			hi = int64(v)
		}
	}
	return lo, hi
}

// inBounds reports whether f lies within the numeric bounds of ts.
func inBounds(ts *TypeSpec, f float64) bool {
	if b := ts.Min; b.Set && (f < b.Value || b.Exclusive && f == b.Value) {
		return false
	}
	if b := ts.Max; b.Set && (f > b.Value || b.Exclusive && f == b.Value) {
		return false
	}
	return true
}

// edge draws an integer in [lo, hi], often one of its ends.
func edge(t *rapid.T, lo, hi int64, label string) int64 {
	switch rapid.IntRange(0, 5).Draw(t, label+" edge") {
	case 0:
		return lo
	case 1:
		return hi
	}
	if lo <= 0 && 0 <= hi {
		lo2, hi2 := max(lo, -1000), min(hi, 1000)
		return rapid.Int64Range(lo2, hi2).Draw(t, label)
	}
	return rapid.Int64Range(lo, hi).Draw(t, label)
}

// compatNumber draws how a compat number is sent: as a number, or as a string
// holding one.
func compatNumber(t *rapid.T, compat bool, n Number, asNumber *node, label string) *node {
	if compat && rapid.IntRange(0, 3).Draw(t, label+" as string") == 0 {
		return stringNode(spelled(t, n, label))
	}
	return asNumber
}

// floatValue draws a finite value admitted by ts: for FLOAT one exact in float32,
// so that the value a validator holds does not depend on whether it rounds FLOAT
// to single precision (SPEC §3.1 is silent on that).
func floatValue(t *rapid.T, ts *TypeSpec, label string) float64 {
	single := ts.DataType == thingmodel.Float
	if ts.Min.Set || ts.Max.Set {
		lo, hi := -1e6, 1e6
		switch {
		case ts.Min.Set && ts.Max.Set:
			lo, hi = ts.Min.Value, ts.Max.Value
		case ts.Min.Set:
			lo, hi = ts.Min.Value, ts.Min.Value+1e6
		case ts.Max.Set:
			lo, hi = ts.Max.Value-1e6, ts.Max.Value
		}
		var f float64
		if single {
			f = float64(rapid.Float32Range(float32(lo), float32(hi)).Draw(t, label))
		} else {
			f = rapid.Float64Range(lo, hi).Draw(t, label)
		}
		if !inBounds(ts, f) {
			f = (lo + hi) / 2 // bounds are quarters: the midpoint is exact
		}
		return f
	}
	switch rapid.IntRange(0, 9).Draw(t, label+" special") {
	case 0:
		if single {
			return rapid.SampledFrom([]float64{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0, math.Copysign(0, -1)}).Draw(t, label)
		}
		return rapid.SampledFrom([]float64{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0, math.Copysign(0, -1), 1e-300}).Draw(t, label)
	case 1:
		return float64(rapid.Int32().Draw(t, label))
	}
	if single {
		f := rapid.Float32().Draw(t, label)
		if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
			f = 1.5
		}
		return float64(f)
	}
	f := rapid.Float64().Draw(t, label)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		f = 1.5
	}
	return f
}

// text draws a string of at most maxLen bytes of UTF-8, sometimes exactly maxLen.
func text(t *rapid.T, maxLen int, label string) string {
	if rapid.IntRange(0, 5).Draw(t, label+" full") == 0 {
		// Exactly maxLen bytes, with multi-byte characters where they fit.
		var b strings.Builder
		for b.Len() < maxLen {
			r := rapid.SampledFrom([]rune{'x', 'é', '中', '\U0001F600', '"', '\n'}).Draw(t, label+" rune")
			if b.Len()+len(string(r)) > maxLen {
				r = 'y'
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return rapid.StringOfN(textRune, 0, min(maxLen, 12), maxLen).Draw(t, label)
}

// Usable reports whether the generators can make a value for ts. Every type a
// generated model has is usable; a model from elsewhere may have bounds that
// admit no integer, bounds too far out for FLOAT, or a required STRUCT item of
// such a type. Requests leave out points of types that are not usable.
func Usable(ts *TypeSpec) bool {
	switch ts.DataType {
	case thingmodel.Int:
		lo, hi := intRange(ts, math.MinInt32, math.MaxInt32)
		return lo <= hi
	case thingmodel.Float, thingmodel.Double:
		for _, b := range []thingmodel.Bound{ts.Min, ts.Max} {
			if b.Set && math.Abs(b.Value) > 1e30 {
				return false
			}
		}
		if ts.Min.Set && ts.Max.Set && ts.Max.Value-ts.Min.Value < 1 {
			return false
		}
		return true
	case thingmodel.Enum:
		return len(ts.EnumKeys) > 0
	case thingmodel.Array:
		return ts.Elem != nil && Usable(ts.Elem)
	case thingmodel.Struct:
		for _, it := range ts.Items {
			if it.Required && !Usable(&it.Type) {
				return false
			}
		}
	}
	return ts.DataType.Valid()
}

// conformingValue draws a value that ts accepts under the profile (compat when
// compat is true), and returns it with the value a validator should yield for it,
// as validate.Value.Interface returns it.
func conformingValue(t *rapid.T, ts *TypeSpec, compat bool, label string) (*node, any) {
	switch ts.DataType {
	case thingmodel.Int:
		lo, hi := intRange(ts, math.MinInt32, math.MaxInt32)
		i := edge(t, lo, hi, label)
		n := IntNumber(i)
		if compat && rapid.Bool().Draw(t, label+" any spelling") {
			return compatNumber(t, compat, n, numberNode(n), label), i
		}
		return compatNumber(t, compat, n, intNode(i), label), i
	case thingmodel.Float, thingmodel.Double:
		f := floatValue(t, ts, label)
		n := FloatNumber(f)
		return compatNumber(t, compat, n, numberNode(n), label), f
	case thingmodel.String:
		s := text(t, ts.MaxLength, label)
		return stringNode(s), s
	case thingmodel.File:
		s := text(t, 40, label)
		return stringNode(s), s
	case thingmodel.Enum:
		k := rapid.SampledFrom(ts.EnumKeys).Draw(t, label)
		if ts.EnumType == thingmodel.String {
			return stringNode(k), k
		}
		i, _ := strconv.ParseInt(k, 10, 64)
		if compat && rapid.IntRange(0, 2).Draw(t, label+" as string") == 0 {
			return stringNode(k), i
		}
		return intNode(i), i
	case thingmodel.Bool:
		b := rapid.Bool().Draw(t, label)
		lit, digit, i := "false", "0", int64(0)
		if b {
			lit, digit, i = "true", "1", 1
		}
		forms := []*node{literalNode(lit), intNode(i)}
		if compat {
			forms = append(forms, stringNode(lit), stringNode(digit))
		}
		return rapid.SampledFrom(forms).Draw(t, label+" form"), b
	case thingmodel.Date:
		s := date(t, label)
		return stringNode(s), s
	case thingmodel.Timestamp:
		i := edge(t, 0, math.MaxInt64, label)
		if i > 1000 && rapid.Bool().Draw(t, label+" realistic") {
			i = rapid.Int64Range(1_500_000_000_000, 2_000_000_000_000).Draw(t, label)
		}
		if compat && rapid.IntRange(0, 3).Draw(t, label+" as string") == 0 {
			return stringNode(strconv.FormatInt(i, 10)), i
		}
		return intNode(i), i
	case thingmodel.Array:
		n := rapid.IntRange(0, 5).Draw(t, label+" length")
		elem := ts.Elem
		if rapid.IntRange(0, 40).Draw(t, label+" at the limit") == 0 {
			// 1024 items of short strings: the payload stays well below the
			// 512 KiB limit of §4.1 however many such arrays it holds.
			n = thingmodel.MaxArrayItems
			short := *elem
			short.MaxLength = min(short.MaxLength, 4)
			elem = &short
		}
		arr, want := arrayNode(), make([]any, n)
		for i := range n {
			var e *node
			e, want[i] = conformingValue(t, elem, compat, label+" item")
			arr.elems = append(arr.elems, e)
		}
		return arr, want
	case thingmodel.Struct:
		obj, want := objectNode(), map[string]any{}
		for _, it := range ts.Items {
			if !it.Required && (!Usable(&it.Type) || !rapid.Bool().Draw(t, label+" "+it.Identifier+" given")) {
				continue
			}
			v, w := conformingValue(t, &it.Type, compat, label+" "+it.Identifier)
			obj.set(it.Identifier, v)
			want[it.Identifier] = w
		}
		return obj, want
	}
	panic("fuzz: no values for data type " + ts.DataType.String())
}

// date draws a real calendar instant written yyyy-MM-dd HH:mm:ss.
func date(t *rapid.T, label string) string {
	y := rapid.IntRange(1000, 9999).Draw(t, label+" year")
	if rapid.Bool().Draw(t, label+" recent") {
		y = rapid.IntRange(1970, 2100).Draw(t, label+" year")
	}
	mo := rapid.IntRange(1, 12).Draw(t, label+" month")
	days := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	d := rapid.IntRange(1, days).Draw(t, label+" day")
	h := rapid.IntRange(0, 23).Draw(t, label+" hour")
	mi := rapid.IntRange(0, 59).Draw(t, label+" minute")
	s := rapid.IntRange(0, 59).Draw(t, label+" second")
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC).Format("2006-01-02 15:04:05")
}

// pointValue draws a value for a measurepoint, wrapped in {"value", "quality"}
// when the point has a quality indicator. It returns the quality, or -1.
func pointValue(t *rapid.T, p *PointSpec, compat bool, label string) (*node, any, int) {
	v, want := conformingValue(t, &p.Type, compat, label)
	if !p.HasQuality {
		return v, want, -1
	}
	q := rapid.IntRange(thingmodel.MinQuality, thingmodel.MaxQuality).Draw(t, label+" quality")
	return objectNode(member{"value", v}, member{"quality", intNode(int64(q))}), want, q
}

// junk draws any JSON value, for members a validator ignores.
func junk(t *rapid.T, depth int, label string) *node {
	k := rapid.IntRange(0, 6).Draw(t, label)
	if depth > 3 && k >= 5 {
		k = 0
	}
	switch k {
	case 0:
		return literalNode(rapid.SampledFrom([]string{"true", "false", "null"}).Draw(t, label+" literal"))
	case 1:
		return numberNode(FloatNumber(rapid.Float64Range(-1e30, 1e30).Draw(t, label+" number")))
	case 2:
		return numberNode(Number{Digits: "1", Exp: rapid.IntRange(-400, 400).Draw(t, label+" exponent")})
	case 3, 4:
		return stringNode(rapid.StringOfN(textRune, 0, 8, -1).Draw(t, label+" string"))
	case 5:
		arr := arrayNode()
		for range rapid.IntRange(0, 3).Draw(t, label+" length") {
			arr.elems = append(arr.elems, junk(t, depth+1, label))
		}
		return arr
	}
	obj := objectNode()
	for range rapid.IntRange(0, 3).Draw(t, label+" members") {
		k := rapid.StringOfN(textRune, 0, 5, -1).Draw(t, label+" key")
		if obj.get(k) == nil {
			obj.set(k, junk(t, depth+1, label))
		}
	}
	return obj
}
