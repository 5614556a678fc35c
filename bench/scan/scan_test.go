package scan

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pointguard/pointguard/bench/gen"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		ok     bool
		offset int // checked when !ok
		reason string
	}{
		{name: "number", in: "0", ok: true},
		{name: "negative fraction exponent", in: "-12.5e+3", ok: true},
		{name: "minus zero", in: "-0", ok: true},
		{name: "white space around", in: " \t\r\n[1] \n", ok: true},
		{name: "empty object and array", in: `{"a":{},"b":[]}`, ok: true},
		{name: "escapes", in: `"\"\\\/\b\f\n\r\t\u00e9"`, ok: true},
		{name: "lone surrogate escape", in: `"\ud800"`, ok: true, reason: "RFC 8259 §8.2 allows it"},
		{name: "utf-8", in: `"温度 MΩ"`, ok: true},
		{name: "literals", in: `[true,false,null]`, ok: true},
		{name: "empty", in: "", offset: 0},
		{name: "only space", in: "  ", offset: 2},
		{name: "leading zero", in: "01", offset: 1, reason: "0 is a whole number; 1 is trailing data"},
		{name: "bare dot", in: "1.", offset: 2},
		{name: "exponent without digits", in: "1e", offset: 2},
		{name: "plus sign", in: "+1", offset: 0},
		{name: "trailing comma array", in: "[1,]", offset: 3},
		{name: "trailing comma object", in: `{"a":1,}`, offset: 7},
		{name: "key not string", in: `{a:1}`, offset: 1},
		{name: "missing colon", in: `{"a" 1}`, offset: 5},
		{name: "mismatched close", in: `[1}`, offset: 2},
		{name: "unclosed", in: `[1`, offset: 2},
		{name: "two values", in: `1 2`, offset: 2},
		{name: "control character", in: "\"a\tb\"", offset: 2},
		{name: "bad escape", in: `"\x"`, offset: 2},
		{name: "short unicode escape", in: `"\u12"`, offset: 1},
		{name: "invalid utf-8", in: "\"\xff\"", offset: 1},
		{name: "encoded surrogate", in: "\"\xed\xa0\x80\"", offset: 1, reason: "UTF-8 forbids encoding surrogates"},
		{name: "truncated literal", in: "tru", offset: 0},
		{name: "unterminated string", in: `"abc`, offset: 4},
		{name: "depth at limit", in: strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), ok: true},
		{name: "depth over limit", in: strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), offset: MaxDepth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, off := Valid([]byte(tc.in))
			if ok != tc.ok {
				t.Fatalf("Valid(%q) = %v at %d, want %v (%s)", tc.in, ok, off, tc.ok, tc.reason)
			}
			if !ok && off != tc.offset {
				t.Errorf("Valid(%q) offset = %d, want %d (%s)", tc.in, off, tc.offset, tc.reason)
			}
		})
	}
}

func TestValidPayloads(t *testing.T) {
	for name, p := range map[string][]byte{"large": gen.Large(false), "sample": gen.Sample(true), "model": gen.Model(), "env": gen.Env()} {
		if ok, off := Valid(p); !ok {
			t.Errorf("%s: invalid at %d", name, off)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	p := gen.Large(false)
	if n := testing.AllocsPerRun(5, func() { Valid(p) }); n != 0 {
		t.Errorf("Valid allocates %v times per run, want 0", n)
	}
}

// reference is encoding/json's syntax check plus the UTF-8 check that it leaves
// out; it allows 10000 levels of nesting, which fuzz inputs do not reach.
func reference(b []byte) bool { return json.Valid(b) && utf8.Valid(b) }

func FuzzValid(f *testing.F) {
	f.Add(gen.Sample(true))
	f.Add([]byte(`{"a":[1,-2.5e3,"x\u00e9",true,null,{}]}`))
	f.Add([]byte(`[1,]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, off := Valid(b)
		if ok != reference(b) {
			t.Fatalf("Valid(%q) = %v, reference says %v", b, ok, !ok)
		}
		if off < 0 || off > len(b) {
			t.Fatalf("offset %d outside the input of %d bytes", off, len(b))
		}
	})
}

// TestMutations runs every one-byte deletion of the sample through Valid and the
// reference: a cheap, deterministic cousin of FuzzValid.
func TestMutations(t *testing.T) {
	s := gen.Sample(true)
	for i := range s {
		m := append(append([]byte{}, s[:i]...), s[i+1:]...)
		if ok := reference(m); ok != first(Valid(m)) {
			t.Errorf("deleting byte %d: Valid = %v, reference %v", i, !ok, ok)
		}
	}
}

func first(ok bool, _ int) bool { return ok }
