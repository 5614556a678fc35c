package validate

import (
	"strconv"

	"github.com/pointguard/pointguard/codes"
)

// Error is the diagnostic of a rejected request, or of one skipped point.
//
// errors.Is(err, codes.ModelInvalid) and the like match on Code.
type Error struct {
	// Code is the return code.
	Code codes.Code
	// Pointer is the RFC 6901 JSON pointer of the offending value, for example
	// "/params/1/measurepoints/temp". It is "" for the whole payload and for
	// errors decided before parsing (1008, 1009, 1251).
	Pointer string
	// Offset is the byte offset in the payload of the offending value's first
	// byte; for a syntax error, of the offending byte. It is -1 for errors decided
	// before parsing.
	Offset int64
	// Detail says in a sentence what is wrong.
	Detail string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns "validate: 1204 at /params/0/measurepoints/temp (offset 97): detail".
func (e *Error) Error() string {
	b := make([]byte, 0, 48+len(e.Pointer)+len(e.Detail))
	b = append(b, "validate: "...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	if e.Pointer != "" {
		b = append(b, " at "...)
		b = append(b, e.Pointer...)
	}
	if e.Offset >= 0 {
		b = append(b, " (offset "...)
		b = strconv.AppendInt(b, e.Offset, 10)
		b = append(b, ')')
	}
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	return string(b)
}

// Is reports whether target is e's code, so that errors.Is(err, codes.FormatError)
// works.
func (e *Error) Is(target error) bool {
	c, ok := target.(codes.Code)
	return ok && c == e.Code
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
