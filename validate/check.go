package validate

import (
	"math"
	"strconv"

	"github.com/pointguard/pointguard/codes"

	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/thingmodel"
)

// The value rules of SPEC §3.1. Every check reads exactly one value from v.r2,
// whatever it finds, and records the first problem with v.bad; the caller looks at
// v.pointErr. The input is well-formed: the first pass checked it.

func (v *Validator) compat() bool { return v.opts.Profile == Compat }

// checkQuality reads {"value": v, "quality": q} for a point with hasQuality.
func (v *Validator) checkQuality(t *thingmodel.Type) (Value, int) {
	r := &v.r2
	c, _ := r.Peek()
	off := r.Offset()
	if c != '{' {
		v.mismatch(off, `{"value": `+t.DataType().String()+`, "quality": 0-9}`)
		return Value{}, -1
	}
	r.Skip1()
	v.sk.Path = append(v.sk.Path, scan.Frame{})
	var val Value
	quality := -1
	hasValue := false
	for first := true; ; first = false {
		key, ok := v.key2(first)
		if !ok {
			break
		}
		v.sk.Path[len(v.sk.Path)-1] = scan.Frame{Key: key}
		r.Peek()
		voff := r.Offset()
		switch string(key) {
		case "value":
			hasValue = true
			val = v.checkValue(t)
		case "quality":
			c, _ := r.Peek()
			if c == '-' || (c >= '0' && c <= '9') {
				raw, _ := r.ReadNumber()
				n, st := scan.ParseInt(raw)
				if scan.IsIntegerLiteral(raw) && st == scan.IntOK && n >= thingmodel.MinQuality && n <= thingmodel.MaxQuality {
					quality = int(n)
					continue
				}
				v.bad(voff, "quality must be an integer from 0 to 9, got "+clip(raw))
				continue
			}
			v.mismatch(voff, "quality as an integer from 0 to 9")
		default:
			v.bad(voff, "unexpected key "+quoteBytes(key)+` in a value with quality: only "value" and "quality"`)
			v.skip2()
		}
	}
	v.sk.Path = v.sk.Path[:len(v.sk.Path)-1]
	switch {
	case !hasValue:
		v.bad(off, `the value with quality has no "value"`)
	case quality < 0:
		v.bad(off, `the value with quality has no "quality"`)
	}
	return val, quality
}

// key2 reads the next key of an object in the second pass ('{' consumed), and
// the ':' after it; false at '}' (consumed).
func (v *Validator) key2(first bool) ([]byte, bool) {
	r := &v.r2
	c, _ := r.Peek()
	if c == '}' {
		r.Skip1()
		return nil, false
	}
	if !first {
		r.Skip1() // ','
		r.Peek()
	}
	raw, esc, _ := r.ReadString()
	r.Peek()
	r.Skip1() // ':'
	if esc {
		return scan.AppendUnescaped(nil, raw), true // rare: escaped item names
	}
	return raw, true
}

// checkValue reads one value of type t.
func (v *Validator) checkValue(t *thingmodel.Type) Value {
	r := &v.r2
	c, _ := r.Peek()
	off := r.Offset()
	dt := t.DataType()
	if c == 'n' {
		r.ReadLiteral()
		v.bad(off, "want "+dt.String()+", got null")
		return Value{}
	}
	switch dt {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double:
		return v.checkNumber(t, c, off)
	case thingmodel.Timestamp:
		return v.checkTimestamp(c, off)
	case thingmodel.Bool:
		return v.checkBool(c, off)
	case thingmodel.Enum:
		return v.checkEnum(t, c, off)
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		return v.checkText(t, c, off)
	case thingmodel.Array:
		return v.checkArray(t, c, off)
	case thingmodel.Struct:
		return v.checkStruct(t, c, off)
	}
	v.bad(off, "unsupported data type "+dt.String())
	v.skip2()
	return Value{}
}

// numberText returns the digits of a number, or of a string holding one in the
// compat profile; ok is false after a mismatch was recorded.
func (v *Validator) numberText(dt thingmodel.DataType, c byte, off int64) (num []byte, ok bool) {
	r := &v.r2
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _ := r.ReadNumber()
		return raw, true
	case c == '"' && v.compat():
		s := v.stringText()
		if !scan.IsNumber(s) {
			v.bad(off, "want "+dt.String()+", got string "+quoteBytes(s)+" that does not hold a number")
			return nil, false
		}
		return s, true
	}
	v.mismatch(off, dt.String())
	return nil, false
}

func (v *Validator) checkNumber(t *thingmodel.Type, c byte, off int64) Value {
	dt := t.DataType()
	num, ok := v.numberText(dt, c, off)
	if !ok {
		return Value{}
	}
	val := Value{typ: dt, raw: num}
	var f float64
	switch dt {
	case thingmodel.Int:
		if !v.compat() && !scan.IsIntegerLiteral(num) {
			v.bad(off, "want INT, got number "+clip(num)+" with a fraction or exponent (strict profile)")
			return Value{}
		}
		n, st := scan.ParseInt(num)
		if st == scan.NotInteger {
			v.bad(off, "want INT, got number "+clip(num)+" that is not an integer")
			return Value{}
		}
		if st != scan.IntOK || n < math.MinInt32 || n > math.MaxInt32 {
			v.bad(off, "INT "+clip(num)+" is outside [-2147483648, 2147483647]")
			return Value{}
		}
		val.i = n
		f = float64(n)
	default:
		x, finite := scan.ParseFloat(num)
		if !finite {
			v.bad(off, dt.String()+" "+clip(num)+" is outside the range of DOUBLE")
			return Value{}
		}
		if dt == thingmodel.Float && math.Abs(x) > math.MaxFloat32 {
			v.bad(off, "FLOAT "+clip(num)+" is outside the range of FLOAT (abs value at most 3.4028234663852886e38)")
			return Value{}
		}
		val.f = x
		f = x
	}
	if lo := t.Min(); lo.Set && (f < lo.Value || lo.Exclusive && f == lo.Value) {
		v.bad(off, dt.String()+" "+clip(num)+" is below the minimum "+fmtBound(lo))
		return Value{}
	}
	if hi := t.Max(); hi.Set && (f > hi.Value || hi.Exclusive && f == hi.Value) {
		v.bad(off, dt.String()+" "+clip(num)+" is above the maximum "+fmtBound(hi))
		return Value{}
	}
	return val
}

func fmtBound(b thingmodel.Bound) string {
	s := strconv.FormatFloat(b.Value, 'g', -1, 64)
	if b.Exclusive {
		return s + " (exclusive)"
	}
	return s
}

func (v *Validator) checkTimestamp(c byte, off int64) Value {
	num, ok := v.numberText(thingmodel.Timestamp, c, off)
	if !ok {
		return Value{}
	}
	if !scan.IsIntegerLiteral(num) {
		v.bad(off, "want TIMESTAMP as integer milliseconds, got "+clip(num))
		return Value{}
	}
	n, st := scan.ParseInt(num)
	if st != scan.IntOK || n < 0 {
		v.bad(off, "TIMESTAMP "+clip(num)+" is outside [0, 2^63-1]")
		return Value{}
	}
	return Value{typ: thingmodel.Timestamp, i: n, raw: num}
}

func (v *Validator) checkBool(c byte, off int64) Value {
	r := &v.r2
	switch {
	case c == 't' || c == 'f':
		lit, _ := r.ReadLiteral()
		if lit == 't' {
			return Value{typ: thingmodel.Bool, i: 1}
		}
		return Value{typ: thingmodel.Bool}
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _ := r.ReadNumber()
		if len(raw) == 1 && (raw[0] == '0' || raw[0] == '1') {
			return Value{typ: thingmodel.Bool, i: int64(raw[0] - '0'), raw: raw}
		}
		v.bad(off, "want BOOL (true, false, 0 or 1), got number "+clip(raw))
		return Value{}
	case c == '"' && v.compat():
		s := v.stringText()
		switch string(s) {
		case "true", "1":
			return Value{typ: thingmodel.Bool, i: 1}
		case "false", "0":
			return Value{typ: thingmodel.Bool}
		}
		v.bad(off, `want BOOL ("true", "false", "0" or "1" in a string), got string `+quoteBytes(s))
		return Value{}
	}
	v.mismatch(off, "BOOL")
	return Value{}
}

func (v *Validator) checkEnum(t *thingmodel.Type, c byte, off int64) Value {
	r := &v.r2
	if t.EnumType() == thingmodel.String {
		if c != '"' {
			v.mismatch(off, "ENUM string key")
			return Value{}
		}
		s := v.stringText()
		if !t.EnumKeyBytes(s) {
			v.bad(off, "ENUM value "+quoteBytes(s)+" is not a key of enumDesc")
			return Value{}
		}
		return Value{typ: thingmodel.Enum, isText: true, text: s}
	}
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _ := r.ReadNumber()
		n, st := scan.ParseInt(raw)
		if !scan.IsIntegerLiteral(raw) || st != scan.IntOK {
			v.bad(off, "want ENUM integer key, got number "+clip(raw))
			return Value{}
		}
		if !t.EnumKeyBytes(strconv.AppendInt(v.numBuf[:0], n, 10)) {
			v.bad(off, "ENUM value "+clip(raw)+" is not a key of enumDesc")
			return Value{}
		}
		return Value{typ: thingmodel.Enum, i: n, raw: raw}
	case c == '"' && v.compat():
		s := v.stringText()
		if !t.EnumKeyBytes(s) {
			v.bad(off, "ENUM value "+quoteBytes(s)+" is not a key of enumDesc")
			return Value{}
		}
		n, _ := scan.ParseInt(s) // keys of an INT enum are canonical integers
		return Value{typ: thingmodel.Enum, i: n, raw: s}
	}
	v.mismatch(off, "ENUM integer key")
	return Value{}
}

func (v *Validator) checkText(t *thingmodel.Type, c byte, off int64) Value {
	dt := t.DataType()
	if c != '"' {
		v.mismatch(off, dt.String())
		return Value{}
	}
	s := v.stringText()
	switch dt {
	case thingmodel.String:
		if len(s) > t.MaxLength() {
			v.bad(off, "STRING of "+strconv.Itoa(len(s))+" bytes is longer than maxLength "+strconv.Itoa(t.MaxLength()))
			return Value{}
		}
	case thingmodel.Date:
		if !validDate(s) {
			v.bad(off, "want DATE as \"yyyy-MM-dd HH:mm:ss\" on a real calendar day, got "+quoteBytes(s))
			return Value{}
		}
	}
	return Value{typ: dt, text: s}
}

func (v *Validator) checkArray(t *thingmodel.Type, c byte, off int64) Value {
	r := &v.r2
	if c != '[' {
		v.mismatch(off, "ARRAY of "+t.Elem().DataType().String())
		return Value{}
	}
	r.Skip1()
	start := len(v.items)
	v.sk.Path = append(v.sk.Path, scan.Frame{IsIndex: true})
	n := 0
	for {
		c, _ := r.Peek()
		if c == ']' {
			r.Skip1()
			break
		}
		if n > 0 {
			r.Skip1() // ','
			r.Peek()
		}
		v.sk.Path[len(v.sk.Path)-1].Index = n
		if n >= thingmodel.MaxArrayItems {
			v.bad(r.Offset(), "ARRAY has more than "+strconv.Itoa(thingmodel.MaxArrayItems)+" items")
			v.skip2()
		} else {
			item := v.checkValue(t.Elem())
			v.items = append(v.items, item)
		}
		n++
	}
	v.sk.Path = v.sk.Path[:len(v.sk.Path)-1]
	return Value{typ: thingmodel.Array, elems: v.items[start:len(v.items):len(v.items)]}
}

func (v *Validator) checkStruct(t *thingmodel.Type, c byte, off int64) Value {
	r := &v.r2
	if c != '{' {
		v.mismatch(off, "STRUCT")
		return Value{}
	}
	r.Skip1()
	if cap(v.seen) < t.NumItems() {
		v.seen = make([]bool, t.NumItems())
	}
	seen := v.seen[:t.NumItems()]
	clear(seen)
	start := len(v.fields)
	v.sk.Path = append(v.sk.Path, scan.Frame{})
	for first := true; ; first = false {
		key, ok := v.key2(first)
		if !ok {
			break
		}
		v.sk.Path[len(v.sk.Path)-1] = scan.Frame{Key: key}
		r.Peek()
		i := t.ItemIndexBytes(key)
		if i < 0 {
			v.bad(r.Offset(), "STRUCT has no item "+quoteBytes(key))
			v.skip2()
			continue
		}
		seen[i] = true
		it := t.Item(i)
		val := v.checkValue(it.Type())
		v.fields = append(v.fields, val)
		v.names = append(v.names, it.Identifier())
	}
	v.sk.Path = v.sk.Path[:len(v.sk.Path)-1]
	if t.NumRequired() > 0 {
		for i, ok := range seen {
			if !ok && t.Item(i).Required() {
				v.bad(off, "STRUCT is missing the required item "+quoteString(t.Item(i).Identifier()))
				break
			}
		}
	}
	end := len(v.fields)
	return Value{typ: thingmodel.Struct, elems: v.fields[start:end:end], names: v.names[start:end:end]}
}

// stringText reads a string and returns its decoded bytes, valid until the point
// has been handed over.
func (v *Validator) stringText() []byte {
	raw, esc, _ := v.r2.ReadString()
	if !esc {
		return raw
	}
	start := len(v.text)
	v.text = scan.AppendUnescaped(v.text, raw)
	return v.text[start:len(v.text):len(v.text)]
}

// mismatch skips a value of the wrong kind and records "want X, got Y".
func (v *Validator) mismatch(off int64, want string) {
	r := &v.r2
	c, _ := r.Peek()
	got := describeStart(c)
	switch {
	case c == '"':
		got = "string " + quoteBytes(v.stringText())
	case c == '-' || (c >= '0' && c <= '9'):
		raw, _ := r.ReadNumber()
		got = "number " + clip(raw)
	case c == 't' || c == 'f' || c == 'n':
		lit, _ := r.ReadLiteral()
		got = map[byte]string{'t': "true", 'f': "false", 'n': "null"}[lit]
	default:
		v.skip2()
	}
	v.bad(off, "want "+want+", got "+got)
}

// validDate reports whether s is "yyyy-MM-dd HH:mm:ss" naming a real instant of
// the proleptic Gregorian calendar, years 0001 to 9999.
func validDate(s []byte) bool {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return false
	}
	num := func(i, n int) int {
		x := 0
		for k := i; k < i+n; k++ {
			if s[k] < '0' || s[k] > '9' {
				return -1
			}
			x = x*10 + int(s[k]-'0')
		}
		return x
	}
	y, mo, d, h, mi, se := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// CheckValue checks one JSON value, raw, against a data type with the rules of
// SPEC §3.1 in the validator's profile: the same code that checks measurepoints.
// It is the check multiSet applies to inputData. It returns the typed value, valid
// until the next call, or a *Error: 1206 when raw is not well-formed (§4.7
// included), 1204 when the value is invalid for t. The error's Pointer and Offset
// are relative to raw.
func (v *Validator) CheckValue(t *thingmodel.Type, raw []byte) (Value, error) {
	v.keys.Reset()
	v.sk.Path = v.sk.Path[:0]
	v.format = Error{}
	v.stop = false
	v.r.ResetBytes(raw, 0)
	if _, ok := v.r.Peek(); !ok {
		return Value{}, &Error{Code: codes.FormatError, Offset: 0, Detail: "no value"}
	}
	v.skipValue(1)
	if !v.stop {
		if c, ok := v.r.Peek(); ok {
			v.scanError(&scan.Error{Kind: scan.ErrTrailing, Offset: v.r.Offset(), Byte: c})
		}
	}
	if v.format.Code != 0 {
		e := v.format
		return Value{}, &e
	}
	v.r2.ResetBytes(raw, 0)
	v.pointErr = Error{}
	v.resetScratch()
	val := v.checkValue(t)
	if v.pointErr.Code != 0 {
		e := v.pointErr
		return Value{}, &e
	}
	return val, nil
}
