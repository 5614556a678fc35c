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
	// The significant digits, leading and trailing zeros left out:
	// value = digits[lo:hi] × 10^exp.
	d := decimalOf(b)
	lo, hi := d.lo, d.hi
	if lo == hi {
		return 0, IntOK
	}
	exp := d.point - int64(hi-lo)
	if exp < 0 {
		return 0, NotInteger
	}
	if int64(hi-lo)+exp > 19 {
		return 0, IntOverflow
	}
	var u uint64
	for k := lo; k < hi; k++ {
		u = u*10 + uint64(d.digit(k)-'0')
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

// pow10 holds the powers of ten that a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// ShortFloat returns the float64 nearest to the JSON number b of shape n when
// it has no exponent and at most 15 digits in all, and false otherwise (use
// ParseFloat then). Its digits are then an integer m below 2^53 and its value
// m / 10^k, both exact as float64, and one division rounds correctly.
func ShortFloat(b []byte, n Num) (float64, bool) {
	if n.Exp() || n.IntDigits > 15 {
		return 0, false
	}
	var m uint64
	digits, frac := 0, -1
	for _, c := range b {
		switch {
		case c == '.':
			frac = 0
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		}
	}
	if digits > 15 {
		return 0, false
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	if n.Neg() {
		f = -f
	}
	return f, true
}

// ParseFloat32 returns the float32 nearest to the JSON number b, rounded once,
// from the exact decimal (IEEE 754 round-to-nearest-even), and false when it
// rounds to infinity. b must be a valid JSON number. It allocates only when it
// returns false.
func ParseFloat32(b []byte) (float32, bool) {
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 32)
	if err != nil {
		return float32(f), false
	}
	return float32(f), true
}

// CompareNumbers compares the values of the JSON numbers a and b exactly, as
// decimals, and returns -1, 0 or +1: no float64 step decides, so
// 1000.00000000000000001 is above 1000, -1e-400 below 0, and 1e2, 100 and
// 100.0 are equal (as are 0 and -0). a and b must be valid JSON numbers. The
// comparison is exact as long as the exponents written in a and b have at
// most 18 significant digits; larger exponents are taken as ±10^18, which is
// still far beyond any bound a model can hold. It does not allocate.
func CompareNumbers(a, b []byte) int {
	x, y := decimalOf(a), decimalOf(b)
	sx, sy := x.sign(), y.sign()
	switch {
	case sx != sy:
		if sx < sy {
			return -1
		}
		return 1
	case sx == 0:
		return 0
	}
	return sx * x.cmpMagnitude(&y)
}

// decimal is a JSON number as 0.D × 10^point, where D, the significant
// digits, are digit(lo) .. digit(hi-1) of the digits before and after the '.'
// with leading and trailing zeros left out; lo == hi for zero.
type decimal struct {
	neg     bool
	intPart []byte
	frac    []byte
	lo, hi  int
	point   int64
}

func (d *decimal) digit(k int) byte {
	if k < len(d.intPart) {
		return d.intPart[k]
	}
	return d.frac[k-len(d.intPart)]
}

func (d *decimal) sign() int {
	switch {
	case d.lo == d.hi:
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares |d| and |e|, both not zero.
func (d *decimal) cmpMagnitude(e *decimal) int {
	if d.point != e.point {
		if d.point < e.point {
			return -1
		}
		return 1
	}
	i, j := d.lo, e.lo
	for ; i < d.hi && j < e.hi; i, j = i+1, j+1 {
		if c, f := d.digit(i), e.digit(j); c != f {
			if c < f {
				return -1
			}
			return 1
		}
	}
	// One is a prefix of the other; trailing zeros are left out, so the
	// longer has a non-zero digit more.
	switch {
	case i < d.hi:
		return 1
	case j < e.hi:
		return -1
	}
	return 0
}

// decimalOf splits the valid JSON number b.
func decimalOf(b []byte) decimal {
	const maxExp = 1e18 // saturation of the written exponent
	var d decimal
	if len(b) > 0 && b[0] == '-' {
		d.neg = true
		b = b[1:]
	}
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	d.intPart = b[:i]
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		d.frac = b[i+1 : j]
		i = j
	}
	var exp int64
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		for ; i < len(b); i++ {
			if exp < maxExp {
				exp = exp*10 + int64(b[i]-'0')
			}
		}
		exp = min(exp, maxExp)
		if eneg {
			exp = -exp
		}
	}
	d.lo, d.hi = 0, len(d.intPart)+len(d.frac)
	for d.lo < d.hi && d.digit(d.lo) == '0' {
		d.lo++
	}
	for d.hi > d.lo && d.digit(d.hi-1) == '0' {
		d.hi--
	}
	d.point = exp + int64(len(d.intPart)) - int64(d.lo)
	return d
}
