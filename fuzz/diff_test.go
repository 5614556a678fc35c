package fuzz

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/validate"
)

const diffTopic = "/sys/p/d/thing/measurepoint/post/batch"

// envelope wraps inner as the value of a member that the validator ignores, in a
// request that is otherwise accepted. Every member the validator reads is
// present, so anything inner injects at the top level is either ignored or a
// duplicate key.
func envelope(inner []byte) []byte {
	return slices.Concat([]byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch",`+
		`"allowOfflineSubDevice":false,"skipInvalidMeasurepoints":false,"params":[],"x":`), inner, []byte("}"))
}

// syntaxDetails are the beginnings of the details the validator gives for
// violations of RFC 8259 itself, as opposed to hygiene and limits (SPEC §4.7).
var syntaxDetails = func() []string {
	var ds []string
	for k := scan.Kind(1); k.Syntax(); k++ {
		d := (&scan.Error{Kind: k}).Detail()
		if i := strings.IndexAny(d, `'"0`); i > 0 {
			d = d[:i]
		}
		ds = append(ds, strings.TrimSpace(d))
	}
	return ds
}()

func syntaxDetail(d string) bool {
	for _, s := range syntaxDetails {
		if strings.HasPrefix(d, s) {
			return true
		}
	}
	return false
}

// goSyntaxOffset returns the offset of the byte at which encoding/json finds p
// invalid: the len(p) when p ends too early.
func goSyntaxOffset(p []byte) int64 {
	var v any
	err := json.Unmarshal(p, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return -1
	}
	if strings.Contains(se.Error(), "unexpected end") {
		return int64(len(p))
	}
	return se.Offset - 1
}

// hygiene reports what SPEC §4.7 forbids in the valid JSON text p although
// RFC 8259 allows it: duplicate keys, invalid UTF-8, a \u escape that leaves a
// lone surrogate, nesting deeper than maxDepth. It is written independently of
// the validator, over the raw bytes.
func hygiene(p []byte, maxDepth int) string {
	if !utf8.Valid(p) {
		return "invalid UTF-8"
	}
	var walk func(i, depth int) (int, string)
	walk = func(i, depth int) (int, string) {
		i = skipSpace(p, i)
		switch p[i] {
		case '{', '[':
			if depth+1 > maxDepth {
				return 0, "depth"
			}
			close := byte('}')
			if p[i] == '[' {
				close = ']'
			}
			keys := map[string]bool{}
			i = skipSpace(p, i+1)
			for p[i] != close {
				if close == '}' {
					end := skipValue(p, i)
					k := unquote(p[i+1 : end-1])
					if msg := loneSurrogate(p[i+1 : end-1]); msg != "" {
						return 0, msg
					}
					if keys[k] {
						return 0, "duplicate key"
					}
					keys[k] = true
					i = skipSpace(p, end) + 1
				}
				var msg string
				if i, msg = walk(i, depth+1); msg != "" {
					return 0, msg
				}
				i = skipSpace(p, i)
				if p[i] == ',' {
					i = skipSpace(p, i+1)
				}
			}
			return i + 1, ""
		case '"':
			end := skipValue(p, i)
			return end, loneSurrogate(p[i+1 : end-1])
		}
		return skipValue(p, i), ""
	}
	_, msg := walk(0, 0)
	return msg
}

// loneSurrogate reports a \u escape in raw string contents that is a surrogate
// not paired with the other half.
func loneSurrogate(raw []byte) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if raw[i] != 'u' {
			continue
		}
		r, _ := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return "lone surrogate"
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return "lone surrogate"
			}
			r2, _ := strconv.ParseUint(string(raw[i+3:i+7]), 16, 32)
			if r2 < 0xDC00 || r2 > 0xDFFF {
				return "lone surrogate"
			}
			i += 6
		}
	}
	return ""
}

var soupTokens = []string{
	"{", "}", "[", "]", ",", ":", `"a"`, `"`, `\`, `\u`, "00", "d800", "dc00", "1", "-", "0", ".", "e", "E", "+",
	"true", "fals", "null", "nul", " ", "\n", "\x00", "\x1f", "\x7f", "\xff", "\xc3\xa9", "\xc3", `"\u0041"`,
	`"\ud83d\ude00"`, `"\ud800"`, `"\udc00x"`, "01", "1.", ".5", "1e", `"\t"`, "\"\t\"", `"a\"b"`, `"\/"`, `"\x"`,
	`{"a":1,"a":2}`, `{"a":1}`, `[1,2]`, `1e999999`, `-0`, `0.0e-0`, `"\uD83D\uDE00"`,
}

// innerBytes draws the bytes to wrap: arbitrary bytes, a soup of JSON tokens, or
// a JSON value with a few bytes garbled.
func innerBytes(t *rapid.T) []byte {
	switch rapid.IntRange(0, 3).Draw(t, "inner kind") {
	case 0:
		return rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(t, "bytes")
	case 1, 2:
		return []byte(strings.Join(rapid.SliceOfN(rapid.SampledFrom(soupTokens), 1, 12).Draw(t, "tokens"), ""))
	}
	b := encode(junk(t, 0, "value"), style(t, "style")).b
	if rapid.Bool().Draw(t, "garble") {
		b = garble(t, b)
	}
	return b
}

// TestDifferentialSyntax is property 7: wrapped as an ignored member, arbitrary
// bytes make the request malformed (1206) exactly when encoding/json's json.Valid
// says the payload is not JSON, apart from the deliberate differences of SPEC
// §4.7 (duplicate keys, invalid UTF-8 and lone surrogates, depth; each has its own
// test below). A syntax error is reported at the byte where encoding/json finds
// it, unless a hygiene error comes earlier in the payload.
func TestDifferentialSyntax(t *testing.T) {
	v := validate.New(validate.Options{})
	rapid.Check(t, func(t *rapid.T) {
		p := envelope(innerBytes(t))
		o := run(v, validate.Message{Topic: diffTopic}, p, nil)
		checkDifferential(t, p, o)
	})
}

func checkDifferential(t failer, p []byte, o outcome) {
	t.Helper()
	if json.Valid(p) {
		msg := hygiene(p, validate.DefaultMaxDepth)
		switch {
		case msg == "" && o.Code != codes.OK:
			t.Fatalf("valid JSON rejected: %d at %q (offset %d): %s\npayload: %q", o.Code, errPointer(o.Err), errOffset(o.Err), o.Err.Detail, p)
		case msg != "" && o.Code != codes.FormatError:
			t.Fatalf("payload with %s got %d, want 1206\npayload: %q", msg, o.Code, p)
		case o.Err != nil && syntaxDetail(o.Err.Detail):
			t.Fatalf("valid JSON reported as a syntax error: %v\npayload: %q", o.Err, p)
		}
		return
	}
	if o.Code != codes.FormatError {
		t.Fatalf("invalid JSON got %d, want 1206\npayload: %q", o.Code, p)
	}
	want := goSyntaxOffset(p)
	off := o.Err.Offset
	if escapeStart(p, off, want) {
		off = want // an invalid escape may be reported at its backslash
	}
	switch {
	case syntaxDetail(o.Err.Detail) && off != want:
		t.Fatalf("syntax error at offset %d (%s), encoding/json finds it at %d\npayload: %q", o.Err.Offset, o.Err.Detail, want, p)
	case !syntaxDetail(o.Err.Detail) && o.Err.Offset > want:
		t.Fatalf("%s at offset %d, but the syntax error at %d comes first\npayload: %q", o.Err.Detail, o.Err.Offset, want, p)
	}
}

// escapeStart reports whether off is the backslash of the escape sequence in
// which encoding/json finds an error at goOff.
func escapeStart(p []byte, off, goOff int64) bool {
	return off >= 0 && off < goOff && goOff-off <= 5 && p[off] == '\\' && !bytes.ContainsAny(p[off+1:goOff], `\"`)
}

// TestDeliberateDifferences checks each rule where the validator rejects what
// json.Valid accepts (SPEC §4.7), each limit at N and N+1.
func TestDeliberateDifferences(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		limits validate.Limits
		inner  string
		code   codes.Code
	}{
		{name: "duplicate key", inner: `{"a":1,"a":2}`, code: codes.FormatError},
		{name: "duplicate key by escape", inner: `{"a":1,"\u0061":2}`, code: codes.FormatError},
		{name: "duplicate top-level key", inner: `1,"version":"1.0"`, code: codes.FormatError},
		{name: "same key in two objects", inner: `[{"a":1},{"a":2}]`, code: codes.OK},
		{name: "invalid UTF-8", inner: "\"\xff\"", code: codes.FormatError},
		{name: "invalid UTF-8 in a key", inner: "{\"\xc3\":1}", code: codes.FormatError},
		{name: "surrogate encoded in UTF-8", inner: "\"\xed\xa0\x80\"", code: codes.FormatError},
		{name: "lone high surrogate", inner: `"\ud800"`, code: codes.FormatError},
		{name: "lone low surrogate", inner: `"\udc00x"`, code: codes.FormatError},
		{name: "surrogate pair", inner: `"\ud83d\ude00"`, code: codes.OK},
		{name: "depth at the limit", inner: nest(validate.DefaultMaxDepth - 1), code: codes.OK},
		{name: "depth over the limit", inner: nest(validate.DefaultMaxDepth), code: codes.FormatError},
		{name: "depth at a configured limit", limits: validate.Limits{MaxDepth: 3}, inner: nest(2), code: codes.OK},
		{name: "depth over a configured limit", limits: validate.Limits{MaxDepth: 3}, inner: nest(3), code: codes.FormatError},
		// The envelope's longest string is the method, 29 bytes.
		{name: "string at the limit", limits: validate.Limits{MaxString: 32}, inner: `"` + strings.Repeat("s", 32) + `"`, code: codes.OK},
		{name: "string over the limit", limits: validate.Limits{MaxString: 32}, inner: `"` + strings.Repeat("s", 33) + `"`, code: codes.FormatError},
		{name: "number at the limit", limits: validate.Limits{MaxString: 32}, inner: strings.Repeat("9", 32), code: codes.OK},
		{name: "number over the limit", limits: validate.Limits{MaxString: 32}, inner: strings.Repeat("9", 33), code: codes.FormatError},
		{name: "array at the limit", limits: validate.Limits{MaxArray: 3}, inner: `[1,2,3]`, code: codes.OK},
		{name: "array over the limit", limits: validate.Limits{MaxArray: 3}, inner: `[1,2,3,4]`, code: codes.FormatError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := envelope([]byte(tt.inner))
			if !json.Valid(p) {
				t.Fatalf("test payload is not JSON: %q", p)
			}
			v := validate.New(validate.Options{Limits: tt.limits})
			o := run(v, validate.Message{Topic: diffTopic}, p, nil)
			if o.Code != tt.code {
				t.Fatalf("code %d (%v), want %d", o.Code, o.Err, tt.code)
			}
			if o.Err != nil && syntaxDetail(o.Err.Detail) {
				t.Fatalf("reported as a syntax error: %v", o.Err)
			}
			checkDiagnostics(t, p, o)
		})
	}
}

// TestEnvelopeAccepted guards the differential property itself: with a valid
// inner value the envelope is accepted, so a rejection is about the inner bytes.
func TestEnvelopeAccepted(t *testing.T) {
	v := validate.New(validate.Options{})
	for _, inner := range []string{`1`, `{}`, `[]`, `"s"`, `null`, `{"params":1}`, `1e999999`} {
		o := run(v, validate.Message{Topic: diffTopic}, envelope([]byte(inner)), nil)
		if o.Code != codes.OK {
			t.Errorf("envelope around %s: %d %v", inner, o.Code, o.Err)
		}
	}
	if !bytes.Contains(envelope(nil), []byte(`"x":}`)) {
		t.Fatal("envelope does not end with the inner value")
	}
}
