// Package scan is a minimal RFC 8259 syntax checker that allocates nothing. The
// benchmarks use it as the speed ceiling: the least work any validator that reads
// every byte of a payload must do, with no model, no duplicate-key check and no
// values kept.
//
// It checks the whole grammar of RFC 8259: one value surrounded by optional
// white space; objects with string keys; the number grammar; string escapes,
// including four hex digits after \u; no control characters in strings; and valid
// UTF-8 (RFC 8259 §8.1). Unpaired surrogate escapes are accepted, as the RFC
// allows. Nesting deeper than MaxDepth is refused.
package scan

import "unicode/utf8"

// MaxDepth is the deepest nesting of arrays and objects that Valid accepts.
const MaxDepth = 1024

// class of a byte inside a string: 0 plain, 1 needs a closer look.
var special = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

var hex = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// Valid reports whether b is one JSON text (RFC 8259), and otherwise the byte
// offset of the first error. It does not allocate.
func Valid(b []byte) (ok bool, offset int) {
	// stack holds one bit per open container: 1 for an object, 0 for an array.
	var stack [MaxDepth / 64]uint64
	depth := 0
	i := 0
	n := len(b)
	var inObject bool

value:
	for i < n && isSpace(b[i]) {
		i++
	}
	if i >= n {
		return false, i
	}
	switch c := b[i]; c {
	case '{':
		if depth == MaxDepth {
			return false, i
		}
		stack[depth>>6] |= 1 << (depth & 63)
		depth++
		i++
		for i < n && isSpace(b[i]) {
			i++
		}
		if i < n && b[i] == '}' {
			i++
			depth--
			goto after
		}
		goto key
	case '[':
		if depth == MaxDepth {
			return false, i
		}
		stack[depth>>6] &^= 1 << (depth & 63)
		depth++
		i++
		for i < n && isSpace(b[i]) {
			i++
		}
		if i < n && b[i] == ']' {
			i++
			depth--
			goto after
		}
		goto value
	case '"':
		var ok bool
		if i, ok = str(b, i+1); !ok {
			return false, i
		}
	case 't':
		if !lit(b, i, "true") {
			return false, i
		}
		i += 4
	case 'f':
		if !lit(b, i, "false") {
			return false, i
		}
		i += 5
	case 'n':
		if !lit(b, i, "null") {
			return false, i
		}
		i += 4
	default:
		var ok bool
		if i, ok = number(b, i); !ok {
			return false, i
		}
	}

after:
	for i < n && isSpace(b[i]) {
		i++
	}
	if depth == 0 {
		return i == n, i
	}
	if i >= n {
		return false, i
	}
	inObject = stack[(depth-1)>>6]&(1<<((depth-1)&63)) != 0
	switch b[i] {
	case ',':
		i++
		if inObject {
			for i < n && isSpace(b[i]) {
				i++
			}
			goto key
		}
		goto value
	case '}':
		if !inObject {
			return false, i
		}
	case ']':
		if inObject {
			return false, i
		}
	default:
		return false, i
	}
	i++
	depth--
	goto after

key:
	if i >= n || b[i] != '"' {
		return false, i
	}
	{
		var ok bool
		if i, ok = str(b, i+1); !ok {
			return false, i
		}
	}
	for i < n && isSpace(b[i]) {
		i++
	}
	if i >= n || b[i] != ':' {
		return false, i
	}
	i++
	goto value
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func lit(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// str checks a string whose opening quote is at i-1 and returns the offset after
// its closing quote, or of the offending byte.
func str(b []byte, i int) (int, bool) {
	n := len(b)
	for {
		for i < n && !special[b[i]] {
			i++
		}
		if i >= n {
			return i, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= n {
				return i + 1, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if n-i < 6 || !hex[b[i+2]] || !hex[b[i+3]] || !hex[b[i+4]] || !hex[b[i+5]] {
					return i, false
				}
				i += 6
			default:
				return i + 1, false
			}
		case c < 0x20:
			return i, false
		default: // a byte >= 0x80: the start of a multi-byte sequence
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false
			}
			i += size
		}
	}
}

// number checks the number at i: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func number(b []byte, i int) (int, bool) {
	n := len(b)
	if i < n && b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && b[i] >= '1' && b[i] <= '9':
		i++
		for i < n && isDigit(b[i]) {
			i++
		}
	default:
		return i, false
	}
	if i < n && b[i] == '.' {
		i++
		if i >= n || !isDigit(b[i]) {
			return i, false
		}
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= n || !isDigit(b[i]) {
			return i, false
		}
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	return i, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
