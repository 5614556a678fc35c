package scan

import (
	"math"
	"strings"
	"testing"
)

// TestExponentSaturation checks exponents whose digits pass 10^18: they
// saturate at ±10^18, as CompareNumbers documents, even when the digits read so
// far make exactly 10^18 and more follow.
func TestExponentSaturation(t *testing.T) {
	const big = "10000000000000000000" // 10^19: after 19 digits the exponent is exactly 10^18
	tests := []struct {
		a, b string
		want int
	}{
		{"1e" + big, "1", 1},
		{"1e+" + big, "1e999", 1},
		{"1e-" + big, "1", -1},
		{"1e-" + big, "0", 1},
		{"-1e" + big, "-1", -1},
		{"1e" + big, "1e1000000000000000000", 0}, // both taken as 10^18
	}
	for _, tt := range tests {
		if got := CompareNumbers([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if _, st := ParseInt([]byte("1e" + big)); st != IntOverflow {
		t.Errorf("ParseInt(1e%s) status %d, want IntOverflow", big, st)
	}
	if _, st := ParseInt([]byte("1e-" + big)); st != NotInteger {
		t.Errorf("ParseInt(1e-%s) status %d, want NotInteger", big, st)
	}
}

// TestLimitZero checks a limit of 0 at N and N+1: only the empty input is
// within it, and the first byte of a longer one already ends the input.
func TestLimitZero(t *testing.T) {
	tests := []struct {
		in       string
		limit    int64
		wantByte bool
		wantOver bool
	}{
		{"", 0, false, false},
		{"7", 0, false, true},
		{"77", 0, false, true},
		{"7", 1, true, false},
	}
	for _, tt := range tests {
		var r Reader
		r.ResetReader(strings.NewReader(tt.in), tt.limit)
		c, ok := r.Peek()
		if ok != tt.wantByte {
			t.Errorf("%q with limit %d: Peek() = %q, %v; want a byte: %v", tt.in, tt.limit, c, ok, tt.wantByte)
		}
		r.Drain()
		if r.Over() != tt.wantOver {
			t.Errorf("%q with limit %d: Over() = %v, want %v", tt.in, tt.limit, r.Over(), tt.wantOver)
		}
	}
}

// TestLiteralCutByEnd checks a literal cut short by the end of the input, in
// memory and streamed one byte per read: ErrEOF at the end, never a byte from
// beyond it.
func TestLiteralCutByEnd(t *testing.T) {
	for _, in := range []string{"t", "tru", "fals", "nul"} {
		for i, r := range readersOf(in) {
			r.Peek()
			_, err := r.ReadLiteral()
			if err == nil || err.Kind != ErrEOF || err.Offset != int64(len(in)) {
				t.Errorf("%q (reader %d): error %+v, want ErrEOF at %d", in, i, err, len(in))
			}
		}
	}
}

// TestEscapeCutByEnd checks a string that ends right after a backslash: ErrEOF
// at the input offset of the end, base included.
func TestEscapeCutByEnd(t *testing.T) {
	const base = 1000
	for _, in := range []string{`"\`, `"ab\`} {
		var r Reader
		r.ResetBytes([]byte(in), base)
		if _, _, err := r.ReadString(); err == nil || err.Kind != ErrEOF || err.Offset != base+int64(len(in)) {
			t.Errorf("%q at base %d: error %+v, want ErrEOF at %d", in, base, err, base+len(in))
		}
		for i, r := range readersOf(in) {
			if _, _, err := r.ReadString(); err == nil || err.Kind != ErrEOF || err.Offset != int64(len(in)) {
				t.Errorf("%q (reader %d): error %+v, want ErrEOF at %d", in, i, err, len(in))
			}
		}
	}
}

// TestKeyAtEnd checks a key followed by white space and then the end of the
// input: ReadKey still returns the key, with ErrEOF where the ':' should be.
func TestKeyAtEnd(t *testing.T) {
	for _, in := range []string{`"abc"`, `"abc"  `, `"a\nc"` + " \n"} {
		for i, r := range readersOf(in) {
			raw, _, err := r.ReadKey()
			want := in[1:strings.LastIndexByte(in, '"')]
			if string(raw) != want {
				t.Errorf("%q (reader %d): key %q, want %q", in, i, raw, want)
			}
			if err == nil || err.Kind != ErrEOF || err.Offset != int64(len(in)) {
				t.Errorf("%q (reader %d): error %+v, want ErrEOF at %d", in, i, err, len(in))
			}
		}
	}
}

// TestNumAccessors checks what Num's methods report for each shape of number.
func TestNumAccessors(t *testing.T) {
	tests := []struct {
		in                  string
		neg, frac, exp, int bool
	}{
		{"15", false, false, false, true},
		{"-15", true, false, false, true},
		{"1.5", false, true, false, false},
		{"-0.5", true, true, false, false},
		{"1e5", false, false, true, false},
		{"1.5E-5", false, true, true, false},
	}
	for _, tt := range tests {
		for i, r := range readersOf(tt.in + ",") {
			_, n, err := r.ReadNumber()
			if err != nil {
				t.Fatalf("%s (reader %d): %v", tt.in, i, err)
			}
			if n.Neg() != tt.neg || n.Frac() != tt.frac || n.Exp() != tt.exp || n.Integer() != tt.int {
				t.Errorf("%s (reader %d): Neg %v Frac %v Exp %v Integer %v, want %v %v %v %v",
					tt.in, i, n.Neg(), n.Frac(), n.Exp(), n.Integer(), tt.neg, tt.frac, tt.exp, tt.int)
			}
		}
	}
}

// TestCaptureLimit checks the limit of a capture at N and N+1, with max 0 as
// no limit, in memory and streamed one byte per read; a Peek after the value,
// which may refill the window, changes nothing.
func TestCaptureLimit(t *testing.T) {
	for _, value := range []string{`"ab"`, `[1,{"k":true}]`} {
		n := len(value)
		tests := []struct {
			max    int
			wantOK bool
		}{
			{0, true},
			{-1, true},
			{n + 1, true},
			{n, true},
			{n - 1, false},
			{1, false},
		}
		for _, tt := range tests {
			for _, peek := range []bool{false, true} {
				for i, r := range readersOf(value + ",") {
					r.Peek()
					r.StartCapture(tt.max)
					s := Skipper{R: r, Keys: new(KeySet), MaxDepth: 10}
					if err := s.Skip(1); err != nil {
						t.Fatalf("%s (reader %d): %v", value, i, err)
					}
					if peek {
						if c, ok := r.Peek(); !ok || c != ',' {
							t.Fatalf("%s (reader %d): Peek() = %q, %v after the value", value, i, c, ok)
						}
					}
					b, off, ok := r.EndCapture()
					if ok != tt.wantOK || off != 0 {
						t.Errorf("%s (reader %d, max %d, peek %v): EndCapture ok %v offset %d, want ok %v offset 0", value, i, tt.max, peek, ok, off, tt.wantOK)
					}
					if ok && string(b) != value {
						t.Errorf("%s (reader %d, max %d, peek %v): captured %q", value, i, tt.max, peek, b)
					}
				}
			}
		}
	}
}

// TestReadNumberLimit checks the token limit of a number read in one pass
// from the window at N and N+1, with MaxToken <= 0 as no limit.
func TestReadNumberLimit(t *testing.T) {
	b := []byte("-12.5e3,")
	n := len(b) - 1
	for _, tt := range []struct {
		max    int
		wantOK bool
	}{
		{0, true}, {-1, true}, {n + 1, true}, {n, true}, {n - 1, false}, {1, false},
	} {
		r := Reader{MaxToken: tt.max}
		r.ResetBytes(b, 0)
		raw, _, err := r.ReadNumber()
		if (err == nil) != tt.wantOK || err == nil && len(raw) != n || err != nil && err.Kind != ErrTokenLength {
			t.Errorf("ReadNumber of %q with MaxToken %d = %q, %v; want ok %v", b, tt.max, raw, err, tt.wantOK)
		}
	}
}

// TestStringAtPlain checks that StringAt and PlainString read strings of
// printable ASCII, which need no attention byte by byte.
func TestStringAtPlain(t *testing.T) {
	b := []byte(`x"hello, world ~ 0x20 to 0x7e!" `)
	raw, end, esc, ok := StringAt(b, 1, 0)
	if !ok || esc || string(raw) != "hello, world ~ 0x20 to 0x7e!" || end != len(b)-1 {
		t.Errorf("StringAt = %q, %d, %v, %v", raw, end, esc, ok)
	}
	if s, _, ok := PlainString(b, 1, 0); !ok || string(s) != string(raw) {
		t.Errorf("PlainString = %q, %v", s, ok)
	}
}

// TestSkipAfterFatalError checks that a Skip after one that failed, with no
// Reset between, measures depth from its own value, not from the containers
// the failure left open.
func TestSkipAfterFatalError(t *testing.T) {
	var r Reader
	s := Skipper{R: &r, Keys: new(KeySet), MaxDepth: 3}
	r.ResetBytes([]byte(`[[[`), 0)
	if err := s.Skip(1); err == nil || err.Kind != ErrEOF {
		t.Fatalf("Skip of [[[: error %+v, want ErrEOF", err)
	}
	r.ResetBytes([]byte(`[[[1]]]`), 0)
	if err := s.Skip(1); err != nil {
		t.Errorf("Skip of [[[1]]] at MaxDepth 3 after a failed Skip: %v", err)
	}
	r.ResetBytes([]byte(`[[[[1]]]]`), 0)
	if err := s.Skip(1); err == nil || err.Kind != ErrDepth || err.Offset != 3 {
		t.Errorf("Skip of [[[[1]]]] at MaxDepth 3: error %+v, want ErrDepth at 3", err)
	}
}

// TestLimitMaxInt64 checks that the largest limit reads the whole input: the
// limit plus one byte must not overflow into "no byte may be read".
func TestLimitMaxInt64(t *testing.T) {
	var r Reader
	r.ResetReader(strings.NewReader(`{"a":1}`), math.MaxInt64)
	r.Drain()
	if r.Over() || r.Offset() != 7 {
		t.Errorf("limit MaxInt64: Over %v after %d bytes, want false after 7", r.Over(), r.Offset())
	}
}
