package scan

import "strconv"

// Kind classifies a scanning error.
type Kind uint8

// Error kinds. Syntax kinds are what RFC 8259 forbids; the others are the hygiene
// rules of SPEC §4.7 and the limits of §6.
const (
	ErrEOF         Kind = 1  // the input ends inside a value
	ErrChar        Kind = 2  // a byte that cannot start or continue the expected token
	ErrEscape      Kind = 3  // an invalid escape sequence in a string
	ErrControl     Kind = 4  // an unescaped control character in a string
	ErrNumber      Kind = 5  // a malformed number
	ErrTrailing    Kind = 6  // something other than white space after the top-level value
	ErrUTF8        Kind = 7  // invalid UTF-8 in a string (hygiene)
	ErrSurrogate   Kind = 8  // a \u escape that leaves a lone surrogate (hygiene)
	ErrTokenLength Kind = 9  // a string or number longer than the hard limit (hygiene)
	ErrDepth       Kind = 10 // nesting deeper than the limit (hygiene)
	ErrDuplicate   Kind = 11 // a duplicate key in an object (hygiene)
	ErrArrayLength Kind = 12 // an array with more items than the hard limit (hygiene)
	ErrCapture     Kind = 13 // a captured value larger than its limit
)

// Syntax reports whether k is a violation of RFC 8259 itself, as opposed to a
// hygiene rule or a limit.
func (k Kind) Syntax() bool { return k <= ErrTrailing }

// Fatal reports whether reading cannot go on after an error of kind k.
func (k Kind) Fatal() bool { return k != ErrDuplicate && k != ErrUTF8 && k != ErrSurrogate }

// Error is a scanning error at a byte offset of the input.
type Error struct {
	Kind   Kind
	Offset int64 // offset of the offending byte (ErrDuplicate, ErrDepth: of the value)
	Byte   byte  // the offending byte, for ErrChar
	Want   string
	Limit  int
}

// Detail returns a sentence describing the error.
func (e *Error) Detail() string {
	switch e.Kind {
	case ErrEOF:
		return "unexpected end of payload" + wantSuffix(e.Want)
	case ErrChar:
		return "invalid character " + quoteByte(e.Byte) + wantSuffix(e.Want)
	case ErrEscape:
		return "invalid escape sequence in string"
	case ErrControl:
		return "control character " + quoteByte(e.Byte) + " in string must be escaped"
	case ErrNumber:
		return "malformed number" + wantSuffix(e.Want)
	case ErrTrailing:
		return "invalid character " + quoteByte(e.Byte) + " after the top-level value"
	case ErrUTF8:
		return "invalid UTF-8 in string"
	case ErrSurrogate:
		return `\u escape leaves a lone UTF-16 surrogate`
	case ErrTokenLength:
		return "string or number longer than the limit of " + strconv.Itoa(e.Limit) + " bytes"
	case ErrDepth:
		return "nesting deeper than the limit of " + strconv.Itoa(e.Limit)
	case ErrDuplicate:
		return "duplicate key " + e.Want
	case ErrArrayLength:
		return "array longer than the limit of " + strconv.Itoa(e.Limit) + " items"
	case ErrCapture:
		return "value larger than the limit of " + strconv.Itoa(e.Limit) + " bytes"
	}
	return "scan error"
}

func wantSuffix(w string) string {
	if w == "" {
		return ""
	}
	return ", want " + w
}

func quoteByte(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	const hex = "0123456789ABCDEF"
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}
