package validate

import (
	"strconv"
	"strings"

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
	var b strings.Builder
	b.Grow(pointerSize(p, sk)) // one allocation where growing took three on the usual pointers
	for _, f := range p {
		appendStep(&b, f)
	}
	if sk != nil {
		for i := range sk.Frames() {
			appendStep(&b, sk.Frame(i))
		}
	}
	return b.String()
}

// pointerSize is the length of the pointer of p and sk when its keys need no
// escape and its indexes have at most three digits.
func pointerSize(p path, sk *scan.Skipper) int {
	n := 0
	step := func(f scan.Frame) {
		if f.IsIndex {
			n += 4
		} else if f.Key != nil {
			n += 1 + len(f.Key)
		}
	}
	for _, f := range p {
		step(f)
	}
	if sk != nil {
		for i := range sk.Frames() {
			step(sk.Frame(i))
		}
	}
	return n
}

// appendStep writes one step of a pointer, escaping '~' and '/' (RFC 6901).
func appendStep(b *strings.Builder, f scan.Frame) {
	if f.Key == nil && !f.IsIndex {
		return // a member whose key is not read yet
	}
	b.WriteByte('/')
	if f.IsIndex {
		var d [20]byte
		b.Write(strconv.AppendInt(d[:0], int64(f.Index), 10))
		return
	}
	for _, c := range f.Key {
		switch c {
		case '~':
			b.WriteString("~0")
		case '/':
			b.WriteString("~1")
		default:
			b.WriteByte(c)
		}
	}
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
