package scan

import (
	"strconv"
	"unsafe"
)

// IsNumber reports whether b is exactly a JSON number (RFC 8259), nothing more,
// and returns its shape.
func IsNumber(b []byte) (Num, bool) {
	n, end, ok := numberShape(b)
	return n, ok && len(b) > 0 && end == len(b)
}

// IntStatus says why a number is not an int64.
type IntStatus uint8

// Results of ParseInt.
const (
	IntOK       IntStatus = 0
	NotInteger  IntStatus = 1 // the number has a non-zero fraction
	IntOverflow IntStatus = 2 // the number is an integer outside int64
)

// ParseInt returns the value of the JSON number b when it is an integer that fits
// in int64, deciding exactly on the decimal digits: "3.0", "3e2", "300e-2" and
// "-0" are integers, "1.5" and "1e-400" are not, and "9223372036854775808" overflows.
// b must be a valid JSON number.
func ParseInt(b []byte) (int64, IntStatus) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	// Fast path: a short integer literal.
	if len(b) <= 18 {
		var n int64
		i := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			n = n*10 + int64(b[i]-'0')
		}
		if i == len(b) {
			if neg {
				n = -n
			}
			return n, IntOK
		}
	}
	// Split into digits and exponent: value = digits × 10^exp.
	var intPart, frac []byte
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intPart = b[:i]
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		frac = b[i+1 : j]
		i = j
	}
	exp := int64(0)
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		for ; i < len(b); i++ {
			if exp < 1<<40 {
				exp = exp*10 + int64(b[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	exp -= int64(len(frac))
	// The significant digits, leading zeros stripped, trailing zeros moved to exp.
	digits := func(k int) byte { // k-th digit of intPart||frac
		if k < len(intPart) {
			return intPart[k]
		}
		return frac[k-len(intPart)]
	}
	lo, hi := 0, len(intPart)+len(frac)
	for lo < hi && digits(lo) == '0' {
		lo++
	}
	for hi > lo && digits(hi-1) == '0' {
		hi--
		exp++
	}
	if lo == hi {
		return 0, IntOK
	}
	if exp < 0 {
		return 0, NotInteger
	}
	if int64(hi-lo)+exp > 19 {
		return 0, IntOverflow
	}
	var u uint64
	for k := lo; k < hi; k++ {
		u = u*10 + uint64(digits(k)-'0')
	}
	for ; exp > 0; exp-- {
		u *= 10
	}
	if neg {
		if u > 1<<63 {
			return 0, IntOverflow
		}
		return -int64(u), IntOK
	}
	if u > 1<<63-1 {
		return 0, IntOverflow
	}
	return int64(u), IntOK
}

// ParseFloat returns the float64 nearest to the JSON number b, and false when it
// is outside the range of float64 (for example 1e400). b must be a valid JSON
// number. It does not allocate.
func ParseFloat(b []byte) (float64, bool) {
	// The string shares b's memory; strconv only reads it during the call, and the
	// error that could keep it is dropped here.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil {
		return f, false
	}
	return f, true
}
