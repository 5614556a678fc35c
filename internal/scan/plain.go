package scan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The functions of this file read tokens from a byte slice at an index, for a
// caller that keeps its position in a local variable and gives up on anything
// unusual: they report false instead of an error, and the caller reads the same
// bytes again with a Reader, which says what is wrong. They accept only what a
// Reader accepts without an error.

// Window returns the bytes of the window that hold input, the index of the next
// unread byte in it, and the input offset of its first byte. The slice is valid
// until the next call that reads; SetPos moves the Reader within it.
func (r *Reader) Window() (buf []byte, pos int, base int64) { return r.buf[:r.end], r.pos, r.base }

// SetPos makes buf[pos] of the last Window the next unread byte. pos must lie
// between the Reader's position then and the end of that window.
func (r *Reader) SetPos(pos int) { r.pos = pos }

// Fill reads more input until the window holds at least n unread bytes or the
// input ends. n must not exceed the window's size (DefaultWindow when
// streaming). A Reader of a byte slice holds its whole input already.
func (r *Reader) Fill(n int) {
	for r.end-r.pos < n && r.refill(r.pos) {
	}
}

// SkipSpace returns the index of the first byte at or after i that is not JSON
// white space, or len(b).
func SkipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace[b[i]] {
		i++
	}
	return i
}

// PlainString reads the string that starts with the quote at b[i] when
// StringAt reads it and it has no escape.
func PlainString(b []byte, i, max int) (s []byte, end int, ok bool) {
	s, end, esc, ok := StringAt(b, i, max)
	return s, end, ok && !esc
}

// StringAt reads the string that starts with the quote at b[i] when it has
// only valid escapes (a \u escape of a surrogate only as half of a pair), no
// control byte, only valid UTF-8, at most max raw bytes between its quotes (no
// limit when max <= 0), and ends within b. It returns the raw bytes between the
// quotes (AppendUnescaped decodes them), the index after the closing quote, and
// whether there are escapes.
func StringAt(b []byte, i, max int) (raw []byte, end int, esc, ok bool) {
	start := i + 1
	j := start
	for {
		for j = skipSafeWords(b, j); j < len(b) && strSafe[b[j]]; j++ {
		}
		if j >= len(b) {
			return nil, 0, false, false
		}
		c := b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			n := escapeLen(b[j:])
			if n == 0 {
				return nil, 0, false, false
			}
			esc = true
			j += n
			continue
		}
		if c < utf8.RuneSelf { // a control byte
			return nil, 0, false, false
		}
		rn, size := utf8.DecodeRune(b[j:])
		if rn == utf8.RuneError && size <= 1 {
			return nil, 0, false, false
		}
		j += size
	}
	if max > 0 && j-start > max {
		return nil, 0, false, false
	}
	return b[start:j], j + 1, esc, true
}

// escapeLen returns the length of the escape at the start of b, a surrogate
// pair's two \u escapes as one, or 0 when it is not valid or b ends first.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		u, ok := hex4(b[2:6])
		switch {
		case !ok || u >= 0xDC00 && u < 0xE000:
			return 0
		case u < 0xD800 || u >= 0xE000:
			return 6
		}
		if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
			return 0
		}
		if lo, ok := hex4(b[8:12]); ok && lo >= 0xDC00 && lo < 0xE000 {
			return 12
		}
	}
	return 0
}

// PlainNumber reads the number that starts at b[0] when it is complete and
// followed within b by a byte that cannot continue a number. It returns the
// number's shape and length; the caller bounds the length.
func PlainNumber(b []byte) (n Num, end int, ok bool) {
	n, end, ok = numberShape(b)
	return n, end, ok && end < len(b) && !numChar[b[end]]
}

// PlainDecimal reads the number that starts at b[0] when it is an integer or
// a decimal fraction without exponent, -?(0|[1-9][0-9]*)(\.[0-9]+)?, followed
// within b by a byte that cannot continue a number. It returns the number's
// length and the digits of its integer part, or 0 and 0 for any other input,
// which may still be a number: PlainNumber reads those. It is the shape a
// FLOAT or DOUBLE without bounds needs, read without the integer's value.
func PlainDecimal(b []byte) (end, intDigits int) {
	i := 0
	if len(b) > 0 && b[0] == '-' {
		i = 1
	}
	// Where 8 bytes follow, each run of digits is measured in one word;
	// a run of 8 digits or more, or a fraction too near the end of b, is
	// read by the loops below.
	if i+8 <= len(b) {
		if n := LeadingDigits(binary.LittleEndian.Uint64(b[i:])); n < 8 {
			if n == 0 || n > 1 && b[i] == '0' {
				return 0, 0
			}
			j := i + n
			if b[j] != '.' {
				if numChar[b[j]] {
					return 0, 0
				}
				return j, n
			}
			if j+9 <= len(b) {
				if m := LeadingDigits(binary.LittleEndian.Uint64(b[j+1:])); m < 8 {
					k := j + 1 + m
					if m == 0 || numChar[b[k]] {
						return 0, 0
					}
					return k, n
				}
			}
		}
	}
	j := i
	for j < len(b) && b[j]-'0' <= 9 {
		j++
	}
	if j == i || j-i > 1 && b[i] == '0' {
		return 0, 0
	}
	intDigits = j - i
	if j < len(b) && b[j] == '.' {
		k := j + 1
		for k < len(b) && b[k]-'0' <= 9 {
			k++
		}
		if k == j+1 {
			return 0, 0
		}
		j = k
	}
	if j >= len(b) || numChar[b[j]] {
		return 0, 0
	}
	return j, intDigits
}

// LeadingDigits returns how many of the 8 bytes of x, its first byte lowest
// (a little-endian word of input), are ASCII digits before the first that is
// not one: 8 when all are. Adding 0x46 to a byte above '9' sets its high bit,
// and so does subtracting '0' from one below '0' (a byte of 0x80 and more is
// above '9'); a carry or a borrow between bytes comes only from a byte that
// sets its bit by itself, so the lowest bit set is the first that is no digit.
func LeadingDigits(x uint64) int {
	const ones = 0x0101010101010101
	other := ((x + 0x46*ones) | (x - 0x30*ones)) & (0x80 * ones)
	return bits.TrailingZeros64(other) >> 3
}
