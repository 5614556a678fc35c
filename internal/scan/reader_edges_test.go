package scan

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// scripted is an io.Reader that answers each Read with the next step: n bytes
// of its input (or fewer, if the buffer is smaller) and an error.
type scripted struct {
	in    string
	steps []step
	calls int
}

type step struct {
	n   int
	err error
}

func (s *scripted) Read(p []byte) (int, error) {
	if s.calls >= len(s.steps) {
		return 0, io.EOF
	}
	st := s.steps[s.calls]
	s.calls++
	n := min(st.n, len(p), len(s.in))
	if st.n > len(p) {
		n = st.n // a misbehaving reader that claims more than p holds
	}
	if n > 0 && n <= len(s.in) {
		copy(p, s.in[:n])
		s.in = s.in[n:]
	}
	return n, st.err
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestReaderLimitEdges checks the size limit of ResetReader at N and N+1: Over
// says whether the input had more than limit bytes, and at most limit+1 bytes
// are ever read from the source.
func TestReaderLimitEdges(t *testing.T) {
	for _, limit := range []int64{0, 1, 5, DefaultWindow - 1, DefaultWindow, DefaultWindow + 1} {
		for _, extra := range []int64{0, 1, 1000} {
			in := strings.Repeat("7", int(limit+extra))
			src := &countingReader{r: strings.NewReader(in)}
			var r Reader
			r.ResetReader(src, limit)
			r.Drain()
			if r.Over() != (extra > 0) {
				t.Errorf("%d bytes with limit %d: Over() = %v", limit+extra, limit, r.Over())
			}
			if src.n > limit+1 {
				t.Errorf("%d bytes with limit %d: read %d bytes from the source, want at most %d", limit+extra, limit, src.n, limit+1)
			}
			if r.ReadErr() != nil {
				t.Errorf("ReadErr() = %v", r.ReadErr())
			}
		}
	}
}

// TestReaderSources checks how the window treats what a source returns: data
// with io.EOF or with an error, empty reads, and counts it cannot hold.
func TestReaderSources(t *testing.T) {
	boom := errors.New("boom")
	zeros := func(n int) []step {
		s := make([]step, n)
		return s
	}
	tests := []struct {
		name  string
		src   *scripted
		token string // the number read
		err   error  // ReadErr
	}{
		{"data with EOF", &scripted{in: "123", steps: []step{{3, io.EOF}}}, "123", nil},
		{"data with an error", &scripted{in: "123", steps: []step{{3, boom}}}, "123", boom},
		{"error without data", &scripted{in: "123", steps: []step{{0, boom}}}, "", boom},
		{"data, then an error", &scripted{in: "123", steps: []step{{2, nil}, {1, boom}}}, "123", boom},
		{"99 empty reads, then data", &scripted{in: "45", steps: append(zeros(99), step{2, io.EOF})}, "45", nil},
		{"100 empty reads", &scripted{in: "45", steps: append(zeros(100), step{2, io.EOF})}, "", io.ErrNoProgress},
		{"more than the buffer", &scripted{in: "45", steps: []step{{1 << 30, nil}}}, "", io.ErrNoProgress},
		{"a negative count", &scripted{in: "45", steps: []step{{-1, nil}}}, "", io.ErrNoProgress},
	}
	for _, tt := range tests {
		var r Reader
		r.ResetReader(tt.src, -1)
		got := ""
		if c, ok := r.Peek(); ok && c >= '0' && c <= '9' {
			raw, _, err := r.ReadNumber()
			if err != nil {
				t.Errorf("%s: ReadNumber error %s", tt.name, err.Detail())
			}
			got = string(raw)
		}
		if got != tt.token || !errors.Is(r.ReadErr(), tt.err) {
			t.Errorf("%s: read %q, ReadErr %v; want %q, %v", tt.name, got, r.ReadErr(), tt.token, tt.err)
		}
	}
}

// TestPeekWhiteSpace checks that Peek skips exactly the white space of RFC
// 8259 (space, tab, line feed, carriage return), whole and streamed.
func TestPeekWhiteSpace(t *testing.T) {
	for _, c := range []byte{' ', '\t', '\n', '\r'} {
		in := string([]byte{c, c, 'x'})
		for _, r := range readersOf(in) {
			if got, ok := r.Peek(); !ok || got != 'x' || r.Offset() != 2 {
				t.Errorf("Peek(%q) = %q, %v at %d; want 'x' at 2", in, got, ok, r.Offset())
			}
		}
	}
	for _, c := range []byte{0, 0x0b, 0x0c, 0x1f, 0x21, 0x80, 0xa0} {
		in := string([]byte{' ', c})
		for _, r := range readersOf(in) {
			if got, ok := r.Peek(); !ok || got != c || r.Offset() != 1 {
				t.Errorf("Peek(%q) = %q, %v at %d; want %q at 1", in, got, ok, r.Offset(), c)
			}
		}
	}
	for _, r := range readersOf(" \t\r\n ") {
		if _, ok := r.Peek(); ok {
			t.Error("Peek of white space only: ok = true")
		}
	}
}

func readersOf(in string) []*Reader {
	a, b := new(Reader), new(Reader)
	a.ResetBytes([]byte(in), 0)
	b.ResetReader(&scripted{in: in, steps: func() []step {
		s := make([]step, len(in)+1)
		for i := range s {
			s[i] = step{1, nil}
		}
		return s
	}()}, -1)
	return []*Reader{a, b}
}

// TestErrorOffsetsWithBase checks that errors are reported at input offsets
// when the bytes read start at a base other than 0.
func TestErrorOffsetsWithBase(t *testing.T) {
	const base = 1000
	tests := []struct {
		in   string
		kind Kind
		off  int64 // from the start of in
	}{
		{"\"a\xff\"", ErrUTF8, 0},
		{`"a\ud800"`, ErrSurrogate, 0},
		{`"a\udc00"`, ErrSurrogate, 0},
		{`"a\q"`, ErrEscape, 2},
		{"\"a\x01\"", ErrControl, 2},
		{`01,`, ErrChar, 1},
		{`1.,`, ErrNumber, 2},
		{`1.5.3,`, ErrChar, 3},
		{`1.`, ErrNumber, 2},
		{`-`, ErrNumber, 1},
		{"\"ab\x80\"", ErrUTF8, 0},
		{"\"\x7f\x80\"", ErrUTF8, 0},
		{"\"a\x1f\"", ErrControl, 2},
	}
	for _, tt := range tests {
		var r Reader
		r.ResetBytes([]byte(tt.in), base)
		var err *Error
		if tt.in[0] == '"' {
			_, _, err = r.ReadString()
		} else {
			_, _, err = r.ReadNumber()
		}
		if err == nil || err.Kind != tt.kind || err.Offset != base+tt.off {
			t.Errorf("%q at base %d: error %+v, want kind %d at %d", tt.in, base, err, tt.kind, base+tt.off)
		}
	}
}

// TestShortEscapeAtEnd checks a \u escape cut by the end of the input: hex
// digits so far give ErrEOF, a non-hex digit gives ErrEscape at the backslash.
func TestShortEscapeAtEnd(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		off  int64
	}{
		{`"\u`, ErrEOF, 3},
		{`"\u1`, ErrEOF, 4},
		{`"\u12F`, ErrEOF, 6},
		{`"\ug`, ErrEscape, 1},
		{`"\u12g`, ErrEscape, 1},
		{`"\u123g`, ErrEscape, 1},
	}
	for _, tt := range tests {
		for _, r := range readersOf(tt.in) {
			r.Peek()
			_, _, err := r.ReadString()
			if err == nil || err.Kind != tt.kind || err.Offset != tt.off {
				t.Errorf("ReadString(%q) error %+v, want kind %d at %d", tt.in, err, tt.kind, tt.off)
			}
		}
	}
}

// TestNumberDigits checks digits 0 and 9, the ends of the digit range, in every
// part of a number, and the bytes just outside it.
func TestNumberDigits(t *testing.T) {
	for _, s := range []string{"0", "9", "90", "1.0", "1.9", "1.09", "1e0", "1e9", "1e90", "1E+0", "1e-9", "-9.0e09"} {
		if _, ok := IsNumber([]byte(s)); !ok {
			t.Errorf("IsNumber(%q) = false", s)
		}
	}
	for _, s := range []string{"/", ":", "1./", "1.:", "1e/", "1e:", "1e+/", "1e-:", "-/", "-:"} {
		if _, ok := IsNumber([]byte(s)); ok {
			t.Errorf("IsNumber(%q) = true", s)
		}
	}
	tests := []struct {
		in   string
		want int64
	}{
		{"-5", -5},
		{"-123456789012345678", -123456789012345678},
		{"-1234567890123456789", -1234567890123456789},
		{"1234567890123456789", 1234567890123456789},
		{"1.05e2", 105},
		{"10.90e1", 109},
		{"9.9e1", 99},
		{"-1.0e0", -1},
		{"0.9e1", 9},
	}
	for _, tt := range tests {
		if got, st := ParseInt([]byte(tt.in)); got != tt.want || st != IntOK {
			t.Errorf("ParseInt(%q) = %d, %d; want %d, IntOK", tt.in, got, st, tt.want)
		}
	}
}

// TestKeySetFirstKey checks that a duplicate of an object's first key is found,
// in a small object and in a hashed one, and that a closed object's keys do not
// collide with those of the next object at the same place.
func TestKeySetFirstKey(t *testing.T) {
	for _, n := range []int{1, smallObject - 1, smallObject, smallObject + 1, 200} {
		var s KeySet
		outer := s.Open()
		s.Add(&outer, []byte("outer"), false)
		for round := range 3 {
			o := s.Open()
			for i := range n {
				if _, dup := s.Add(&o, []byte(fmt.Sprint("k", i)), false); dup {
					t.Fatalf("%d keys, round %d: k%d reported as a duplicate", n, round, i)
				}
			}
			for i := range n {
				if _, dup := s.Add(&o, []byte(fmt.Sprint("k", i)), false); !dup {
					t.Errorf("%d keys, round %d: duplicate k%d not found", n, round, i)
				}
			}
			s.Close(&o)
		}
		if _, dup := s.Add(&outer, []byte("k0"), false); dup {
			t.Errorf("%d keys: k0 of a closed object found in the outer one", n)
		}
		if _, dup := s.Add(&outer, []byte("outer"), false); !dup {
			t.Errorf("%d keys: duplicate outer key not found", n)
		}
	}
}

// TestErrorOffsetsInside checks error offsets of tokens that do not start the
// input, read in memory at a base: a string's soft errors are at its opening
// quote, a number over the token limit at its first byte, also when the number
// ends the input (read by the slow path).
func TestErrorOffsetsInside(t *testing.T) {
	const base = 500
	tests := []struct {
		in       string
		maxToken int
		kind     Kind
		off      int64
	}{
		{`   "a\ud800"`, 0, ErrSurrogate, 3},
		{`   "a\udc00"`, 0, ErrSurrogate, 3},
		{`   "a\ud800\ud800"`, 0, ErrSurrogate, 3},
		{"   \"a\xff\"", 0, ErrUTF8, 3},
		{`   123456`, 5, ErrTokenLength, 3},
		{`   123456,`, 5, ErrTokenLength, 3},
		{`   "123456"`, 5, ErrTokenLength, 3},
	}
	for _, tt := range tests {
		var r Reader
		r.MaxToken = tt.maxToken
		r.ResetBytes([]byte(tt.in), base)
		c, _ := r.Peek()
		var err *Error
		if c == '"' {
			_, _, err = r.ReadString()
		} else {
			_, _, err = r.ReadNumber()
		}
		if err == nil || err.Kind != tt.kind || err.Offset != base+tt.off {
			t.Errorf("%q: error %+v, want kind %d at %d", tt.in, err, tt.kind, base+tt.off)
		}
	}
	for _, in := range []string{`   12345`, `   12345,`} {
		var r Reader
		r.MaxToken = 5
		r.ResetBytes([]byte(in), base)
		r.Peek()
		if raw, _, err := r.ReadNumber(); err != nil || string(raw) != "12345" {
			t.Errorf("%q with a limit of 5: %q, %+v; want 12345", in, raw, err)
		}
	}
}

// TestCompleteEscapeAtEnd checks that a complete \u escape that ends the input
// is read as complete: what is missing is the closing quote.
func TestCompleteEscapeAtEnd(t *testing.T) {
	for _, in := range []string{`"\u0041`, `"\uD83D\uDE00`, `"a\n`} {
		for _, r := range readersOf(in) {
			r.Peek()
			_, _, err := r.ReadString()
			if err == nil || err.Kind != ErrEOF || err.Offset != int64(len(in)) || err.Want != `closing '"' of string` {
				t.Errorf("ReadString(%q) error %+v, want ErrEOF at %d wanting the closing quote", in, err, len(in))
			}
		}
	}
}
