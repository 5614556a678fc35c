package validate

import (
	"errors"
	"strconv"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/scan"
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
	// Err is the cause. For a 1206 it is one of the sentinels ErrSyntax,
	// ErrDuplicateKey, ErrInvalidUTF8, ErrDepth, ErrLength, ErrEnvelope,
	// ErrEntry or ErrTime, so that errors.Is(err, validate.ErrDuplicateKey)
	// tells the causes apart without reading Detail; nil for the other codes.
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

// The causes of a 1206 (codes.FormatError), set as Error.Err. They are
// package-level values, so setting one costs nothing on any path.
var (
	// ErrSyntax: the payload is not JSON (RFC 8259), or has more than white
	// space after its value.
	ErrSyntax = errors.New("validate: JSON syntax error")
	// ErrDuplicateKey: an object has a key twice (SPEC §4.7).
	ErrDuplicateKey = errors.New("validate: duplicate key")
	// ErrInvalidUTF8: a string holds invalid UTF-8, or a \u escape that leaves
	// a lone surrogate (SPEC §4.7).
	ErrInvalidUTF8 = errors.New("validate: invalid UTF-8")
	// ErrDepth: values nest deeper than Limits.MaxDepth (SPEC §4.7, §6).
	ErrDepth = errors.New("validate: nesting too deep")
	// ErrLength: a string or number longer than Limits.MaxString, an array
	// longer than Limits.MaxArray, or an entry's measurepoints larger than
	// Limits.MaxEntry (SPEC §6).
	ErrLength = errors.New("validate: length limit")
	// ErrEnvelope: the request breaks a rule of its envelope (SPEC §2): not an
	// object, a missing or malformed id, version, method, flag or params.
	ErrEnvelope = errors.New("validate: envelope rule")
	// ErrEntry: an entry breaks a rule of SPEC §2: not an object, no
	// measurepoints object, or its productKey and deviceKey malformed.
	ErrEntry = errors.New("validate: entry rule")
	// ErrTime: an entry's time is malformed or out of range, or missing where
	// the strict profile requires it (SPEC §2, §4.6).
	ErrTime = errors.New("validate: time rule")
)

// scanCause returns the sentinel of a scanning error of kind k.
func scanCause(k scan.Kind) error {
	switch k {
	case scan.ErrUTF8, scan.ErrSurrogate:
		return ErrInvalidUTF8
	case scan.ErrTokenLength, scan.ErrArrayLength, scan.ErrCapture:
		return ErrLength
	case scan.ErrDepth:
		return ErrDepth
	case scan.ErrDuplicate:
		return ErrDuplicateKey
	}
	return ErrSyntax
}
