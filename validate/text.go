package validate

import (
	"strconv"

	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
)

// path is the path from the payload's top-level value to the value being
// read: an object member's decoded key (nil until the key is read), or an
// array index. The Validator owns it; the skipper reports the steps inside the
// value it skips through read-only accessors, which pointer appends.
type path []scan.Frame

// pointer returns the RFC 6901 pointer of p followed by the steps of sk inside
// the value it is skipping (none when sk is nil). It runs only on the error
// path.
func (p path) pointer(sk *scan.Skipper) string {
	// Written into a buffer on the stack and copied once: the usual pointers
	// fit, and a strings.Builder growing step by step allocated three times.
	var buf [128]byte
	b := buf[:0]
	for _, f := range p {
		b = appendStep(b, f)
	}
	if sk != nil {
		for i := range sk.Frames() {
			b = appendStep(b, sk.Frame(i))
		}
	}
	return string(b)
}

// appendStep appends one step of a pointer to b, escaping '~' and '/' (RFC
// 6901).
func appendStep(b []byte, f scan.Frame) []byte {
	if f.Key == nil && !f.IsIndex {
		return b // a member whose key is not read yet
	}
	b = append(b, '/')
	if f.IsIndex {
		return strconv.AppendInt(b, int64(f.Index), 10)
	}
	for _, c := range f.Key {
		switch c {
		case '~':
			b = append(b, "~0"...)
		case '/':
			b = append(b, "~1"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// pointer returns the pointer of the value being read, the skipper's steps
// included.
func (v *Validator) pointer() string { return v.path.pointer(&v.sk) }

// describeStart names the kind of JSON value that starts with c.
func describeStart(c byte) string {
	switch {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "invalid JSON"
}

const clipLen = 64

// clip returns b for a message, shortened.
func clip(b []byte) string {
	if len(b) > clipLen {
		return string(b[:clipLen]) + "..."
	}
	return string(b)
}

// quoteBytes quotes b for a diagnostic, cut to clipLen bytes.
func quoteBytes(b []byte) string { return quote.Diag(string(b), clipLen) }

// quoteString quotes s for a diagnostic, cut to clipLen bytes.
func quoteString(s string) string { return quote.Diag(s, clipLen) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
