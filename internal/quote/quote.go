package quote

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// JSON appends s to dst as a JSON string (RFC 8259), escaping what the RFC
// requires and nothing else: '"', '\\' and U+0000 to U+001F (\n, \r and \t by
// name, the rest as \u00XX). A byte that is not part of valid UTF-8 is written
// as \ufffd, as encoding/json does, so that the output is JSON whatever s
// holds. Runs of bytes that need no escape are copied whole; it allocates only
// when dst must grow.
func JSON[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			n := runeLen(s, i)
			if n == 0 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += n
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// runeLen returns the length of the valid UTF-8 sequence at s[i], or 0 when
// s[i] does not start one.
func runeLen[S ~string | ~[]byte](s S, i int) int {
	end := min(i+utf8.UTFMax, len(s))
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], s[i:end])
	r, size := utf8.DecodeRune(buf[:n])
	if r == utf8.RuneError && size == 1 {
		return 0
	}
	return size
}

// Diag returns s quoted for a diagnostic message, the way strconv.Quote quotes
// (control characters, invalid UTF-8 and quotes escaped, so the message is one
// printable line), cut to at most max bytes of s at a character boundary, with
// "..." after the closing quote when it was cut. max <= 0 means no cut. It is
// for error paths: it allocates.
func Diag(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
