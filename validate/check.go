package validate

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/thingmodel"
)

// The value rules of SPEC §3.1. Every check reads exactly one value, of any shape,
// from v.cur, checking its syntax and the hygiene rules as it goes (a 1206 is
// recorded with scanError); a value that breaks a rule of its data type is
// recorded with v.bad, and the caller looks at v.pointErr. After a fatal error
// (v.stop) the checks return at once.

func (v *Validator) compat() bool { return v.opts.Profile == Compat }

// checkQuality reads {"value": v, "quality": q} for a point with hasQuality.
// c and off are the value's first byte and its offset, which the caller has
// peeked.
func (v *Validator) checkQuality(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) int {
	r := v.cur
	if c != '{' {
		v.mismatch(off, `{"value": `+t.DataType().String()+`, "quality": 0-9}`, depth)
		return -1
	}
	if !v.open(depth) {
		return -1
	}
	obj := v.keys.Open()
	v.path = append(v.path, scan.Frame{})
	quality := -1
	hasValue, hasQuality := false, false
	for first := true; v.nextMember(first); first = false {
		var key []byte
		switch {
		case r.TryKey("value"):
			key = keyValue
		case r.TryKey("quality"):
			key = keyQuality
		}
		if key != nil {
			v.path[len(v.path)-1] = scan.Frame{Key: key}
		} else {
			var ok bool
			if key, ok = v.memberKey(off); !ok {
				break
			}
		}
		vc, _ := r.Peek()
		voff := r.Offset()
		switch string(key) {
		case "value":
			if hasValue {
				v.duplicate(voff, key)
			}
			hasValue = true
			v.checkValue(t, vc, voff, depth+1, dst)
		case "quality":
			if hasQuality {
				v.duplicate(voff, key)
			}
			hasQuality = true
			if c := vc; c != '-' && (c < '0' || c > '9') {
				v.mismatch(voff, "quality as an integer from 0 to 9", depth+1)
				continue
			}
			raw, num, err := r.ReadNumber()
			if err != nil {
				v.scanError(err)
				break
			}
			n, st := scan.ParseInt(raw)
			if num.Integer() && st == scan.IntOK && n >= thingmodel.MinQuality && n <= thingmodel.MaxQuality {
				quality = int(n)
				continue
			}
			v.bad(voff, "quality must be an integer from 0 to 9, got "+clip(raw))
		default:
			if _, dup := v.keys.Add(&obj, key, false); dup {
				v.duplicate(voff, key)
			}
			v.bad(voff, "unexpected key "+quoteBytes(key)+` in a value with quality: only "value" and "quality"`)
			v.skipValue(depth + 1)
		}
	}
	v.path = v.path[:len(v.path)-1]
	v.keys.Close(&obj)
	switch {
	case v.stop:
	case !hasValue:
		v.bad(off, `the value with quality has no "value"`)
	case quality < 0 && !hasQuality:
		v.bad(off, `the value with quality has no "quality"`)
	}
	return quality
}

var keyValue, keyQuality = []byte("value"), []byte("quality")

func (v *Validator) duplicate(off int64, key []byte) {
	v.scanError(&scan.Error{Kind: scan.ErrDuplicate, Offset: off, Want: quoteBytes(key)})
}

// checkValue reads one value of type t at the given depth into dst. The checks
// write their result in place: a Value is large enough that copying it through
// returns shows in profiles.
//
// c and off are the value's first byte and its offset, which the caller has
// peeked.
func (v *Validator) checkValue(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	r := v.cur
	dt := t.DataType()
	if c == 'n' {
		if _, err := r.ReadLiteral(); err != nil {
			v.scanError(err)
			return
		}
		v.bad(off, "want "+dt.String()+", got null")
		return
	}
	switch dt {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double:
		v.checkNumber(t, c, off, depth, dst)
		return
	case thingmodel.Timestamp:
		v.checkTimestamp(c, off, depth, dst)
		return
	case thingmodel.Bool:
		v.checkBool(c, off, depth, dst)
		return
	case thingmodel.Enum:
		v.checkEnum(t, c, off, depth, dst)
		return
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		v.checkText(t, c, off, depth, dst)
		return
	case thingmodel.Array:
		v.checkArray(t, c, off, depth, dst)
		return
	case thingmodel.Struct:
		v.checkStruct(t, c, off, depth, dst)
		return
	}
	v.bad(off, "unsupported data type "+dt.String())
	v.skipValue(depth)
}

// number reads a number token; false after recording a syntax error.
func (v *Validator) number() ([]byte, scan.Num, bool) {
	raw, num, err := v.cur.ReadNumber()
	if err != nil {
		v.scanError(err)
		return nil, num, false
	}
	return raw, num, true
}

// numberText returns the text of a number, or of a string holding one in the
// compat profile; ok is false after a problem was recorded.
func (v *Validator) numberText(dt thingmodel.DataType, c byte, off int64, depth int) ([]byte, scan.Num, bool) {
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		return v.number()
	case c == '"' && v.compat():
		s, ok := v.stringText()
		if !ok {
			return nil, scan.Num{}, false
		}
		num, isNum := scan.IsNumber(s)
		if !isNum {
			v.bad(off, "want "+dt.String()+", got string "+quoteBytes(s)+" that does not hold a number")
			return nil, num, false
		}
		return s, num, true
	}
	v.mismatch(off, dt.String(), depth)
	return nil, scan.Num{}, false
}

func (v *Validator) checkNumber(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	dt := t.DataType()
	num, shape, ok := v.numberText(dt, c, off, depth)
	if !ok {
		return
	}
	keep := num
	if dt != thingmodel.Int && !v.cur.InMemory() && !shapeQuoted(c) {
		start := len(v.text) // the window may move before the point is handed over
		v.text = append(v.text, num...)
		keep = v.text[start:len(v.text):len(v.text)]
	}
	if fault := judgeNumber(t, num, keep, shape, v.compat(), dst); fault != "" {
		v.bad(off, fault)
	}
}

// judgeNumber decides an INT, FLOAT or DOUBLE of type t whose text is num, of
// the given shape; keep is the text a FLOAT or DOUBLE value holds (num, or a
// copy that outlives a streaming window). It writes the value to dst and
// returns "" when the number is valid, or else says why not.
func judgeNumber(t *thingmodel.Type, num, keep []byte, shape scan.Num, compat bool, dst *Value) string {
	if plainNumber(t, keep, shape, dst) {
		return ""
	}
	return judgeOtherNumber(t, num, keep, shape, compat, dst)
}

// plainNumber decides, on its shape alone, a number written the usual way:
// an INT literal in the int32 range for an INT without bounds, or a FLOAT or
// DOUBLE without exponent and with at most 38 integer digits, which is within
// the range of both, and for a bounded one at most 15 integer digits that put
// it inside its bounds (withinBounds). It writes the value and reports true,
// or reports false with dst untouched; judgeOtherNumber decides the others.
func plainNumber(t *thingmodel.Type, keep []byte, shape scan.Num, dst *Value) bool {
	switch dt := t.DataType(); {
	case dt == thingmodel.Int:
		n, ok := shape.Int32()
		if !ok || t.Bounded() && !intervalWithin(t, float64(n), float64(n), false, false) {
			return false
		}
		dst.setScalar(thingmodel.Int, false, n, nil)
		return true
	case (dt == thingmodel.Float || dt == thingmodel.Double) && !shape.Exp() && shape.IntDigits <= plainIntDigits:
		if t.Bounded() && (shape.IntDigits > 15 || !withinBounds(t, shape)) {
			return false
		}
		dst.setScalar(dt, false, 0, keep)
		return true
	}
	return false
}

// plainIntDigits is the most integer digits of a FLOAT or DOUBLE without
// exponent that plainNumber takes: 38 digits are below 10^38, within the range
// of both types.
const plainIntDigits = 38

// withinBounds reports whether a number without exponent and with at most 15
// integer digits lies inside t's bounds by its integer part alone. With that
// part x, a positive number lies in [x, x+1) and a negative one in (-x-1, -x].
// Otherwise judgeOtherNumber decides on the digits.
func withinBounds(t *thingmodel.Type, n scan.Num) bool {
	x := float64(n.Value) // exact: at most 15 digits
	if n.Neg() {
		return intervalWithin(t, -x-1, -x, true, false)
	}
	return intervalWithin(t, x, x+1, false, true)
}

// intervalWithin reports whether every number from low to high lies inside
// t's bounds, decided on float64s; lowOpen and highOpen say whether the
// interval leaves its ends out. The ends must be exact float64s (an INT is
// one, low = high), and rounding is monotonic, so an end below a limit's
// float64 is below the limit; an end equal to it decides only when the limit
// is exact. Otherwise judgeOtherNumber decides on the digits.
func intervalWithin(t *thingmodel.Type, low, high float64, lowOpen, highOpen bool) bool {
	lo, hi := t.Min(), t.Max()
	loExact, hiExact := t.ExactBounds()
	return (!lo.Set || lo.Value < low || lo.Value == low && loExact && (lowOpen || !lo.Exclusive)) &&
		(!hi.Set || high < hi.Value || high == hi.Value && hiExact && (highOpen || !hi.Exclusive))
}

// judgeOtherNumber is judgeNumber for the numbers plainNumber leaves.
func judgeOtherNumber(t *thingmodel.Type, num, keep []byte, shape scan.Num, compat bool, dst *Value) string {
	dt := t.DataType()
	var i int64
	var text []byte
	var f float64
	bounded := t.Bounded()
	switch dt {
	case thingmodel.Int:
		if n, ok := shape.Int32(); ok { // the usual case, decided by the scan alone
			i = n
			f = float64(n)
			break
		}
		if !compat && !shape.Integer() {
			return "want INT, got number " + clip(num) + " with a fraction or exponent (strict profile)"
		}
		n, st := scan.ParseInt(num)
		if st == scan.NotInteger {
			return "want INT, got number " + clip(num) + " that is not an integer"
		}
		if st != scan.IntOK || n < math.MinInt32 || n > math.MaxInt32 {
			return "INT " + clip(num) + " is outside [-2147483648, 2147483647]"
		}
		i = n
		f = float64(n)
	default:
		// FLOAT, DOUBLE: the digits, and the float64 they round to for the
		// range and the bounds.
		text = keep
		x, finite := scan.ShortFloat(num, shape)
		if !finite {
			x, finite = scan.ParseFloat(num)
		}
		if dt == thingmodel.Float {
			// SPEC §3.1: a FLOAT rounds to a finite float32, decided on the
			// exact decimal. Rounding is monotonic, so the float64 decides
			// unless it is the threshold itself; then the float32 rounding
			// of the decimal does, without a float64 step in between.
			if a := math.Abs(x); !finite || a > float32Edge || a == float32Edge && !float32Finite(num) {
				return "FLOAT " + clip(num) + " is outside the range of FLOAT: it rounds to infinity as a float32" +
					" (abs value must be below 2^128 - 2^103, about 3.4028235677973366e38)"
			}
		} else if !finite {
			return "DOUBLE " + clip(num) + " is outside the range of DOUBLE"
		}
		f = x
	}
	if bounded {
		// SPEC §3: bounds compare exactly, as decimals. f is the float64 nearest
		// to num (or num itself, for an INT), so it decides unless it ties with
		// the bound's float64; only a tie compares the decimals.
		if lo := t.Min(); lo.Set && (f < lo.Value || f == lo.Value && outside(lo.Compare(num, f), -1, lo.Exclusive)) {
			return dt.String() + " " + clip(num) + " is below the minimum " + fmtBound(lo)
		}
		if hi := t.Max(); hi.Set && (f > hi.Value || f == hi.Value && outside(hi.Compare(num, f), 1, hi.Exclusive)) {
			return dt.String() + " " + clip(num) + " is above the maximum " + fmtBound(hi)
		}
	}
	dst.setScalar(dt, false, i, text)
	return ""
}

// float32Edge is 2^128 - 2^103, the midpoint between the largest float32 and
// 2^128: a number of smaller abs value rounds to a finite float32, the midpoint
// itself rounds to even, which is infinity. It is exact as a float64.
const float32Edge = 1<<128 - 1<<103

// float32Finite reports whether the JSON number num rounds to a finite float32.
func float32Finite(num []byte) bool {
	_, ok := scan.ParseFloat32(num)
	return ok
}

// outside reports whether a value that compares with a bound as c lies
// outside it, on the side side (-1 below a minimum, +1 above a maximum).
func outside(c, side int, exclusive bool) bool { return c == side || c == 0 && exclusive }

// shapeQuoted reports whether a number came in a string (its text is then kept
// already, by stringText).
func shapeQuoted(c byte) bool { return c == '"' }

// fmtBound writes a bound as the model wrote it.
func fmtBound(b thingmodel.Bound) string {
	s := b.Text
	if s == "" {
		s = strconv.FormatFloat(b.Value, 'g', -1, 64)
	}
	if b.Exclusive {
		return s + " (exclusive)"
	}
	return s
}

func (v *Validator) checkTimestamp(c byte, off int64, depth int, dst *Value) {
	num, shape, ok := v.numberText(thingmodel.Timestamp, c, off, depth)
	if !ok {
		return
	}
	if fault := judgeTimestamp(num, shape, dst); fault != "" {
		v.bad(off, fault)
	}
}

// judgeTimestamp decides a TIMESTAMP whose text is num: it writes the value to
// dst and returns "", or says why the number is not one.
func judgeTimestamp(num []byte, shape scan.Num, dst *Value) string {
	if !shape.Integer() {
		return "want TIMESTAMP as integer milliseconds, got " + clip(num)
	}
	n, ok := shape.Int64()
	if !ok {
		var st scan.IntStatus
		if n, st = scan.ParseInt(num); st != scan.IntOK {
			n = -1
		}
	}
	if n < 0 {
		return "TIMESTAMP " + clip(num) + " is outside [0, 2^63-1]"
	}
	dst.setScalar(thingmodel.Timestamp, false, n, nil)
	return ""
}

func (v *Validator) checkBool(c byte, off int64, depth int, dst *Value) {
	r := v.cur
	switch {
	case c == 't' || c == 'f':
		lit, err := r.ReadLiteral()
		if err != nil {
			v.scanError(err)
			return
		}
		if lit == 't' {
			dst.setScalar(thingmodel.Bool, false, 1, nil)
			return
		}
		dst.setScalar(thingmodel.Bool, false, 0, nil)
		return
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _, ok := v.number()
		if !ok {
			return
		}
		if b, ok := boolNumber(raw); ok {
			dst.setScalar(thingmodel.Bool, false, b, nil)
			return
		}
		v.bad(off, "want BOOL (true, false, 0 or 1), got number "+clip(raw))
		return
	case c == '"' && v.compat():
		s, ok := v.stringText()
		if !ok {
			return
		}
		if b, ok := boolString(s); ok {
			dst.setScalar(thingmodel.Bool, false, b, nil)
			return
		}
		v.bad(off, `want BOOL ("true", "false", "0" or "1" in a string), got string `+quoteBytes(s))
		return
	}
	v.mismatch(off, "BOOL", depth)
}

// boolNumber returns the BOOL that a number literal stands for: the integer
// literals whose value is 0 or 1 (SPEC §3.1). JSON allows no leading zeros, so
// they are exactly 0, 1 and -0.
func boolNumber(raw []byte) (int64, bool) {
	switch string(raw) {
	case "0", "-0":
		return 0, true
	case "1":
		return 1, true
	}
	return 0, false
}

// boolString returns the BOOL that a string stands for in the compat profile.
func boolString(s []byte) (int64, bool) {
	switch string(s) {
	case "true", "1":
		return 1, true
	case "false", "0":
		return 0, true
	}
	return 0, false
}

func (v *Validator) checkEnum(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	if t.EnumType() == thingmodel.String {
		if c != '"' {
			v.mismatch(off, "ENUM string key", depth)
			return
		}
		if s, ok := v.enumKey(t, off); ok {
			dst.setScalar(thingmodel.Enum, true, 0, s)
		}
		return
	}
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		raw, shape, ok := v.number()
		if !ok {
			return
		}
		if fault := v.judgeEnumNumber(t, raw, shape, dst); fault != "" {
			v.bad(off, fault)
		}
		return
	case c == '"' && v.compat():
		s, ok := v.enumKey(t, off)
		if !ok {
			return
		}
		n, _ := scan.ParseInt(s) // keys of an INT enum are canonical integers
		dst.setScalar(thingmodel.Enum, false, n, nil)
		return
	}
	v.mismatch(off, "ENUM integer key", depth)
}

// judgeEnumNumber decides a number given for an ENUM of enumType INT: it
// writes the value to dst and returns "", or says why the number is no key.
func (v *Validator) judgeEnumNumber(t *thingmodel.Type, raw []byte, shape scan.Num, dst *Value) string {
	if !shape.Integer() {
		return "want ENUM integer key, got number " + clip(raw)
	}
	n, ok := shape.Int64()
	if !ok {
		var st scan.IntStatus
		if n, st = scan.ParseInt(raw); st != scan.IntOK {
			return "want ENUM integer key, got number " + clip(raw)
		}
	}
	if !t.EnumInt(n) {
		return "ENUM value " + clip(raw) + " is not a key of enumDesc"
	}
	dst.setScalar(thingmodel.Enum, false, n, nil)
	return ""
}

// enumKey reads a string that must be a key of t's enumDesc.
func (v *Validator) enumKey(t *thingmodel.Type, off int64) ([]byte, bool) {
	s, ok := v.stringText()
	if !ok {
		return nil, false
	}
	if !t.EnumKeyBytes(s) {
		v.bad(off, "ENUM value "+quoteBytes(s)+" is not a key of enumDesc")
		return nil, false
	}
	return s, true
}

func (v *Validator) checkText(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	dt := t.DataType()
	if c != '"' {
		v.mismatch(off, dt.String(), depth)
		return
	}
	s, ok := v.stringText()
	if !ok {
		return
	}
	if fault := judgeText(t, s, dst); fault != "" {
		v.bad(off, fault)
	}
}

// judgeText decides the decoded text s of a STRING, DATE or FILE of type t: it
// writes the value to dst and returns "", or says why s is not valid.
func judgeText(t *thingmodel.Type, s []byte, dst *Value) string {
	dt := t.DataType()
	switch dt {
	case thingmodel.String:
		if len(s) > t.MaxLength() {
			return "STRING of " + strconv.Itoa(len(s)) + " bytes is longer than maxLength " + strconv.Itoa(t.MaxLength())
		}
	case thingmodel.Date:
		if !validDate(s) {
			return "want DATE as \"yyyy-MM-dd HH:mm:ss\" on a real calendar day, got " + quoteBytes(s)
		}
	}
	dst.setScalar(dt, false, 0, s)
	return ""
}

func (v *Validator) checkArray(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	r := v.cur
	if c != '[' {
		v.mismatch(off, "ARRAY of "+t.Elem().DataType().String(), depth)
		return
	}
	if !v.open(depth) {
		return
	}
	start := len(v.items)
	v.path = append(v.path, scan.Frame{IsIndex: true})
	for n := 0; !v.stop; n++ {
		c, ok := r.Peek()
		if n == 0 && ok && c == ']' {
			r.Skip1()
			break
		}
		if n > 0 {
			if ok && c == ']' {
				r.Skip1()
				break
			}
			if !ok || c != ',' {
				v.scanError(r.Fail(c, ok, "',' or ']'"))
				break
			}
			r.Skip1()
			c, _ = r.Peek()
		}
		v.path[len(v.path)-1].Index = n
		if v.lim.maxArray > 0 && n >= v.lim.maxArray {
			v.scanError(r.FailAt(scan.ErrArrayLength, r.Offset(), v.lim.maxArray))
			break
		}
		if n >= thingmodel.MaxArrayItems {
			v.bad(r.Offset(), "ARRAY has more than "+strconv.Itoa(thingmodel.MaxArrayItems)+" items")
			v.skipValue(depth + 1)
			continue
		}
		v.items = append(v.items, Value{})
		v.checkValue(t.Elem(), c, r.Offset(), depth+1, &v.items[len(v.items)-1]) // items are scalars: no append meanwhile
	}
	v.path = v.path[:len(v.path)-1]
	end := len(v.items)
	*dst = Value{typ: thingmodel.Array, elems: v.items[start:end:end]}
}

func (v *Validator) checkStruct(t *thingmodel.Type, c byte, off int64, depth int, dst *Value) {
	r := v.cur
	if c != '{' {
		v.mismatch(off, "STRUCT", depth)
		return
	}
	if !v.open(depth) {
		return
	}
	if cap(v.seen) < t.NumItems() {
		v.seen = make([]bool, t.NumItems())
	}
	seen := v.seen[:t.NumItems()] // items are never STRUCT: one struct at a time
	clear(seen)
	start := len(v.fields)
	obj := v.keys.Open()
	v.path = append(v.path, scan.Frame{})
	for first := true; ; first = false {
		key, ok := v.member(first, off)
		if !ok {
			break
		}
		vc, _ := r.Peek()
		voff := r.Offset()
		i := itemIndex(t, key)
		if i < 0 {
			if _, dup := v.keys.Add(&obj, key, false); dup {
				v.duplicate(voff, key)
			}
			v.bad(voff, "STRUCT has no item "+quoteBytes(key))
			v.skipValue(depth + 1)
			continue
		}
		if seen[i] {
			v.duplicate(voff, key)
		}
		seen[i] = true
		it := t.Item(i)
		v.fields = append(v.fields, Value{})
		v.names = append(v.names, it.Identifier())
		v.checkValue(it.Type(), vc, voff, depth+1, &v.fields[len(v.fields)-1]) // items are never STRUCT: no append to fields meanwhile
	}
	v.path = v.path[:len(v.path)-1]
	v.keys.Close(&obj)
	if t.NumRequired() > 0 && !v.stop {
		for i, ok := range seen {
			if !ok && t.Item(i).Required() {
				v.bad(off, "STRUCT is missing the required item "+quoteString(t.Item(i).Identifier()))
				break
			}
		}
	}
	end := len(v.fields)
	*dst = Value{typ: thingmodel.Struct, elems: v.fields[start:end:end], names: v.names[start:end:end]}
}

// itemIndex finds a STRUCT item: a few string comparisons cost less than hashing.
func itemIndex(t *thingmodel.Type, key []byte) int {
	if n := t.NumItems(); n <= 8 {
		for i := 0; i < n; i++ {
			if string(key) == t.Item(i).Identifier() {
				return i
			}
		}
		return -1
	}
	return t.ItemIndexBytes(key)
}

// stringText reads a string and returns its decoded bytes, valid until the
// entry's points have been handed over; false after a fatal error.
func (v *Validator) stringText() ([]byte, bool) {
	raw, esc, err := v.cur.ReadString()
	if err != nil {
		v.scanError(err)
		if err.Kind.Fatal() {
			return nil, false
		}
	}
	start := len(v.text)
	switch {
	case esc:
		v.text = scan.AppendUnescaped(v.text, raw)
	case !v.cur.InMemory():
		v.text = append(v.text, raw...) // the window may move before the point is handed over
	default:
		return raw, true
	}
	return v.text[start:len(v.text):len(v.text)], true
}

// mismatch reads a value of the wrong kind and records "want X, got Y". A
// point keeps its first finding only (bad), so when it has one the value is
// still read, for its syntax, but not described: the items of an array of
// the wrong type would otherwise each build a sentence that is thrown away.
func (v *Validator) mismatch(off int64, want string, depth int) {
	r := v.cur
	c, ok := r.Peek()
	keep := v.pointErr.Code == 0
	var got string
	switch {
	case !ok:
		v.scanError(r.Fail(c, ok, "value"))
		return
	case c == '"':
		s, ok := v.stringText()
		if !ok || !keep {
			return
		}
		got = "string " + quoteBytes(s)
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _, ok := v.number()
		if !ok || !keep {
			return
		}
		got = "number " + clip(raw)
	case c == 't' || c == 'f' || c == 'n':
		lit, err := r.ReadLiteral()
		if err != nil {
			v.scanError(err)
			return
		}
		got = map[byte]string{'t': "true", 'f': "false", 'n': "null"}[lit]
	case c == '{' || c == '[':
		got = describeStart(c)
		v.skipValue(depth)
	default:
		v.scanError(r.Fail(c, true, "value"))
		return
	}
	if keep {
		v.bad(off, "want "+want+", got "+got)
	}
}

// validDate reports whether s is "yyyy-MM-dd HH:mm:ss" naming a real instant of
// the proleptic Gregorian calendar, years 0001 to 9999.
func validDate(s []byte) bool {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return false
	}
	// The 14 digits, with the separators put to '0', as three words: bytes
	// 0-7, 8-15 and 11-18.
	const seps0, seps1 = 0x2d<<32 | 0x2d<<56, 0x20<<16 | 0x3a<<40 // '-' at 4 and 7; ' ' at 10, ':' at 13
	w0 := binary.LittleEndian.Uint64(s) ^ seps0 ^ (0x30<<32 | 0x30<<56)
	w1 := binary.LittleEndian.Uint64(s[8:]) ^ seps1 ^ (0x30<<16 | 0x30<<40)
	w2 := binary.LittleEndian.Uint64(s[11:]) ^ ((0x3a^0x30)<<16 | (0x3a^0x30)<<40) // ':' at 13 and 16
	if scan.LeadingDigits(w0) < 8 || scan.LeadingDigits(w1) < 8 || scan.LeadingDigits(w2) < 8 {
		return false
	}
	d := func(i int) int { return int(s[i] - '0') }
	y := d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	mo, day, h, mi, se := d(5)*10+d(6), d(8)*10+d(9), d(11)*10+d(12), d(14)*10+d(15), d(17)*10+d(18)
	if y < 1 || mo < 1 || mo > 12 || day < 1 || h > 23 || mi > 59 || se > 59 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return day <= days
}

// CheckValue checks one JSON value, raw, against a data type with the rules of
// SPEC §3.1 in the validator's profile: the same code that checks measurepoints.
// It is the check multiSet applies to inputData. It returns the typed value, valid
// until the next call, or a *Error: 1206 when raw is not well-formed (§4.7
// included), 1204 when the value is invalid for t. The error's Pointer and Offset
// are relative to raw.
func (v *Validator) CheckValue(t *thingmodel.Type, raw []byte) (Value, error) {
	v.keys.Reset()
	v.path = v.path[:0]
	v.sk.Reset()
	v.found.format = Error{}
	v.stop = false
	v.cur = &v.r
	v.r.ResetBytes(raw, 0)
	v.pointErr = Error{}
	v.resetEntry()
	c, ok := v.r.Peek()
	if !ok {
		return Value{}, &Error{Code: codes.FormatError, Offset: 0, Detail: "no value", Err: ErrSyntax}
	}
	var val Value
	v.checkValue(t, c, v.r.Offset(), 1, &val)
	v.checkTrailing()
	if v.found.format.Code != 0 {
		e := v.found.format
		return Value{}, &e
	}
	if v.pointErr.Code != 0 {
		e := v.pointErr
		return Value{}, &e
	}
	return val, nil
}
