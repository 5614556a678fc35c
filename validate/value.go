package validate

import (
	"math"
	"strconv"

	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/thingmodel"
)

// Value is a typed measurepoint value. Values passed to a callback, and the byte
// slices they return, are valid only during the call; copy what you keep
// (Interface and Text return copies).
//
// What each data type holds:
//
//	INT, TIMESTAMP      Int
//	FLOAT, DOUBLE       Float (Int too when the number is integral)
//	BOOL                Bool (Int is 0 or 1)
//	ENUM                Int for enumType INT, Text for enumType STRING
//	STRING, DATE, FILE  Text / Bytes: the decoded string
//	ARRAY               Len and Index
//	STRUCT              Len and Field, in document order
//
// Numbers sent as strings in the compat profile are held as numbers.
type Value struct {
	typ    thingmodel.DataType
	isText bool // ENUM of enumType STRING
	i      int64
	text   []byte // STRING, DATE, FILE, string ENUM: decoded; FLOAT, DOUBLE: the number's text
	elems  []Value
	names  []string // STRUCT: item identifiers, parallel to elems
}

// setScalar makes v a value without items, writing each field in place: a
// Value is large enough that building one aside and copying it shows in
// profiles.
func (v *Value) setScalar(typ thingmodel.DataType, isText bool, i int64, text []byte) {
	v.typ, v.isText, v.i, v.text, v.elems, v.names = typ, isText, i, text, nil, nil
}

// DataType returns the value's data type.
func (v Value) DataType() thingmodel.DataType { return v.typ }

// Int returns an INT, TIMESTAMP, integer ENUM or BOOL (0 or 1), or a FLOAT or
// DOUBLE truncated toward zero.
func (v Value) Int() int64 {
	if v.typ == thingmodel.Float || v.typ == thingmodel.Double {
		return int64(v.Float())
	}
	return v.i
}

// Float returns a FLOAT or DOUBLE as the nearest float64, or an integer value
// converted. A FLOAT or DOUBLE is kept as its decimal text and converted on each
// call: validation only needs its range, which is cheaper to decide.
func (v Value) Float() float64 {
	if v.typ == thingmodel.Float || v.typ == thingmodel.Double {
		f, _ := scan.ParseFloat(v.text)
		return f
	}
	return float64(v.i)
}

// Bool returns a BOOL.
func (v Value) Bool() bool { return v.i != 0 }

// Bytes returns the decoded text of a STRING, DATE, FILE or string ENUM, and nil
// for other types. The slice is valid only during the callback.
func (v Value) Bytes() []byte {
	if v.typ == thingmodel.Float || v.typ == thingmodel.Double {
		return nil
	}
	return v.text
}

// Text returns the decoded text of a STRING, DATE, FILE or string ENUM, as a new
// string, and "" for other types.
func (v Value) Text() string { return string(v.Bytes()) }

// Len returns the number of items of an ARRAY or of a STRUCT, and 0 otherwise.
func (v Value) Len() int { return len(v.elems) }

// Index returns an ARRAY's i-th item, or a STRUCT's i-th member in document order.
func (v Value) Index(i int) Value { return v.elems[i] }

// Field returns a STRUCT's i-th member in document order: its identifier and value.
func (v Value) Field(i int) (string, Value) { return v.names[i], v.elems[i] }

// Interface returns the value as plain Go data, newly allocated: int64 (INT,
// TIMESTAMP, integer ENUM), float64 (FLOAT, DOUBLE), bool, string (STRING, DATE,
// FILE, string ENUM), []any (ARRAY) or map[string]any (STRUCT).
func (v Value) Interface() any {
	switch v.typ {
	case thingmodel.Int, thingmodel.Timestamp:
		return v.i
	case thingmodel.Float, thingmodel.Double:
		return v.Float()
	case thingmodel.Bool:
		return v.i != 0
	case thingmodel.Enum:
		if v.isText {
			return string(v.text)
		}
		return v.i
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		return string(v.text)
	case thingmodel.Array:
		a := make([]any, len(v.elems))
		for i, e := range v.elems {
			a[i] = e.Interface()
		}
		return a
	case thingmodel.Struct:
		m := make(map[string]any, len(v.elems))
		for i, e := range v.elems {
			m[v.names[i]] = e.Interface()
		}
		return m
	}
	return nil
}

// AppendJSON appends the value in normal form: numbers as numbers (a compat "1.02"
// becomes 1.02), booleans as true/false, strings re-escaped minimally, arrays and
// structs without white space, struct members in document order.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.typ {
	case thingmodel.Int, thingmodel.Timestamp:
		return strconv.AppendInt(dst, v.i, 10)
	case thingmodel.Float, thingmodel.Double:
		bits := 64
		if v.typ == thingmodel.Float {
			bits = 32
		}
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) { // cannot happen for a validated value
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	case thingmodel.Bool:
		return strconv.AppendBool(dst, v.i != 0)
	case thingmodel.Enum:
		if v.isText {
			return quote.JSON(dst, v.text)
		}
		return strconv.AppendInt(dst, v.i, 10)
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		return quote.JSON(dst, v.text)
	case thingmodel.Array:
		dst = append(dst, '[')
		for i, e := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		return append(dst, ']')
	case thingmodel.Struct:
		dst = append(dst, '{')
		for i, e := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = quote.JSON(dst, v.names[i])
			dst = append(dst, ':')
			dst = e.AppendJSON(dst)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// AppendJSON appends the point as one JSON object, the normal form for handing
// accepted points on:
//
//	{"productKey":"p","deviceKey":"d","time":123456,"identifier":"temp","value":1.02,"quality":9}
//
// "quality" is absent for a point without one; the value is in the normal form of
// Value.AppendJSON.
func (p *Point) AppendJSON(dst []byte) []byte {
	dst = appendPointHead(dst, p.ProductKey, p.DeviceKey, p.Time, p.Identifier())
	dst = p.Value.AppendJSON(dst)
	return appendPointTail(dst, p.Quality)
}

// AppendPointJSON appends a point as Point.AppendJSON does, from its parts:
// value is the point's value already in the normal form of Value.AppendJSON,
// and quality is -1 for a point without one. It is for programs that keep
// accepted points past the callback (as copies of their parts) and write them
// later in the same form.
func AppendPointJSON(dst []byte, productKey, deviceKey string, time int64, identifier string, value []byte, quality int) []byte {
	dst = appendPointHead(dst, productKey, deviceKey, time, identifier)
	dst = append(dst, value...)
	return appendPointTail(dst, quality)
}

// appendPointHead writes a point's object up to and including "value":.
func appendPointHead(dst []byte, productKey, deviceKey string, time int64, identifier string) []byte {
	dst = append(dst, `{"productKey":`...)
	dst = quote.JSON(dst, productKey)
	dst = append(dst, `,"deviceKey":`...)
	dst = quote.JSON(dst, deviceKey)
	dst = append(dst, `,"time":`...)
	dst = strconv.AppendInt(dst, time, 10)
	dst = append(dst, `,"identifier":`...)
	dst = quote.JSON(dst, identifier)
	return append(dst, `,"value":`...)
}

// appendPointTail writes what follows a point's value: its quality, if any,
// and the closing brace.
func appendPointTail(dst []byte, quality int) []byte {
	if quality >= 0 {
		dst = append(dst, `,"quality":`...)
		dst = strconv.AppendInt(dst, int64(quality), 10)
	}
	return append(dst, '}')
}
