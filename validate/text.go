package validate

import (
	"strconv"
	"strings"

	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
)

// pointer returns the RFC 6901 pointer of a path.
func pointer(path []scan.Frame) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, f := range path {
		if f.Key == nil && !f.IsIndex {
			continue // a member whose key is not read yet
		}
		b.WriteByte('/')
		if f.IsIndex {
			b.WriteString(strconv.Itoa(f.Index))
			continue
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
	return b.String()
}

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
