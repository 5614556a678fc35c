package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		st   IntStatus
	}{
		{"0", 0, IntOK},
		{"-0", 0, IntOK},
		{"2147483647", 2147483647, IntOK},
		{"3.0", 3, IntOK},
		{"3e2", 300, IntOK},
		{"300e-2", 3, IntOK},
		{"1.5e1", 15, IntOK},
		{"0.1e-5", 0, NotInteger},
		{"1.5", 0, NotInteger},
		{"1e-400", 0, NotInteger},
		{"0e999999999999999999999", 0, IntOK},
		{"0.000e-7", 0, IntOK},
		{"9223372036854775807", 9223372036854775807, IntOK},
		{"9223372036854775808", 0, IntOverflow},
		{"-9223372036854775808", -9223372036854775808, IntOK},
		{"-9223372036854775809", 0, IntOverflow},
		{"92233720368547758070e-1", 9223372036854775807, IntOK},
		{"1e19", 0, IntOverflow},
		{"1e18", 1000000000000000000, IntOK},
		{"1E2", 100, IntOK},
		{"1e999999999999999999999999", 0, IntOverflow},
		{"000", 0, IntOK}, // not valid JSON, but digits are digits
	}
	for _, tt := range tests {
		got, st := ParseInt([]byte(tt.in))
		if got != tt.want || st != tt.st {
			t.Errorf("ParseInt(%q) = %d, %d; want %d, %d", tt.in, got, st, tt.want, tt.st)
		}
	}
}

func TestNumberGrammar(t *testing.T) {
	for _, s := range []string{"0", "-0", "1.5", "1e5", "1E+5", "-0.0e-0", "123456789"} {
		if _, ok := IsNumber([]byte(s)); !ok {
			t.Errorf("IsNumber(%q) = false", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1.5.3", "--1", "0x10", " 1"} {
		if _, ok := IsNumber([]byte(s)); ok {
			t.Errorf("IsNumber(%q) = true", s)
		}
	}
}

func TestKeySetDuplicates(t *testing.T) {
	var s KeySet
	outer := s.Open()
	for i := 0; i < 100; i++ { // past smallObject: hashed
		if _, dup := s.Add(&outer, []byte(fmt.Sprint("k", i)), false); dup {
			t.Fatalf("k%d reported as duplicate", i)
		}
		inner := s.Open() // an inner object may reuse the outer keys
		if _, dup := s.Add(&inner, []byte(fmt.Sprint("k", i)), false); dup {
			t.Fatalf("inner k%d reported as duplicate of an outer key", i)
		}
		for j := 0; j < 20; j++ {
			s.Add(&inner, []byte(fmt.Sprint("x", j)), false)
		}
		if _, dup := s.Add(&inner, []byte("x3"), false); !dup {
			t.Fatal("inner duplicate x3 not found")
		}
		s.Close(&inner)
	}
	for i := 0; i < 100; i++ {
		if _, dup := s.Add(&outer, []byte(fmt.Sprint("k", i)), false); !dup {
			t.Fatalf("duplicate k%d not found after inner objects closed", i)
		}
	}
	// An escaped spelling is the same key.
	if _, dup := s.Add(&outer, []byte(`\u006b7`), true); !dup {
		t.Error(`"\u006b7" not found as a duplicate of "k7"`)
	}
	if _, dup := s.Add(&outer, []byte("x3"), false); dup {
		t.Error("x3 of a closed inner object leaked into the outer one")
	}
}

// The window must give the same tokens and offsets however the input arrives.
func TestReaderChunking(t *testing.T) {
	in := `{"a\u00e9\ud83d\ude00":[1.5e3,-0,true,false,null,"` + strings.Repeat("x", 100000) + `"]}`
	var want []string
	read := func(r *Reader) []string {
		var got []string
		for {
			c, ok := r.Peek()
			if !ok {
				return got
			}
			off := r.Offset()
			switch {
			case c == '"':
				raw, _, err := r.ReadString()
				if err != nil {
					t.Fatalf("ReadString at %d: %v", off, err.Detail())
				}
				got = append(got, fmt.Sprint(off, ":", len(raw), string(raw[:min(8, len(raw))])))
			case c == '-' || c >= '0' && c <= '9':
				raw, _, err := r.ReadNumber()
				if err != nil {
					t.Fatal(err.Detail())
				}
				got = append(got, fmt.Sprint(off, ":", string(raw)))
			case c == 't' || c == 'f' || c == 'n':
				lit, err := r.ReadLiteral()
				if err != nil {
					t.Fatal(err.Detail())
				}
				got = append(got, fmt.Sprint(off, ":", string(lit)))
			default:
				r.Skip1()
				got = append(got, fmt.Sprint(off, ":", string(c)))
			}
		}
	}
	var r Reader
	r.ResetBytes([]byte(in), 0)
	want = read(&r)
	r.ResetReader(iotest.OneByteReader(strings.NewReader(in)), -1)
	if got := read(&r); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("one-byte reader:\n got %v\nwant %v", got, want)
	}
	r.ResetReader(iotest.HalfReader(strings.NewReader(in)), -1)
	if got := read(&r); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("half reader:\n got %v\nwant %v", got, want)
	}
}

func TestReaderLimit(t *testing.T) {
	var r Reader
	r.ResetReader(strings.NewReader("12345"), 5)
	r.Drain()
	if r.Over() {
		t.Error("5 bytes with limit 5: Over() = true")
	}
	r.ResetReader(strings.NewReader("123456"), 5)
	r.Drain()
	if !r.Over() {
		t.Error("6 bytes with limit 5: Over() = false")
	}
}

func TestStringErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kind Kind
		off  int64
	}{
		{"control", "\"a\x01\"", ErrControl, 2},
		{"bad escape", `"\x"`, ErrEscape, 1},
		{"short unicode", `"\u12"`, ErrEscape, 1},
		{"lone high surrogate", `"\ud800x"`, ErrSurrogate, 0},
		{"lone low surrogate", `"\udc00"`, ErrSurrogate, 0},
		{"invalid utf8", "\"\xff\"", ErrUTF8, 0},
		{"overlong utf8", "\"\xc0\xaf\"", ErrUTF8, 0},
		{"utf8 surrogate", "\"\xed\xa0\x80\"", ErrUTF8, 0},
		{"unterminated", `"abc`, ErrEOF, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reader
			r.ResetBytes([]byte(tt.in), 0)
			r.Peek()
			_, _, err := r.ReadString()
			if err == nil || err.Kind != tt.kind || err.Offset != tt.off {
				t.Fatalf("ReadString(%q) error = %+v, want kind %d at %d", tt.in, err, tt.kind, tt.off)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	for _, s := range []string{`plain`, `a\"b\\c\/d\b\f\n\r\t`, `\u00e9\u4e2d\ud83d\ude00`, `\ud800`} {
		var want string
		if err := json.Unmarshal([]byte(`"`+s+`"`), &want); err != nil {
			t.Fatal(err)
		}
		if got := AppendUnescaped(nil, []byte(s)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("AppendUnescaped(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestSkipperHygiene(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		depth int
		kind  Kind // 0: no fatal error
		soft  Kind
		path  string
	}{
		{"ok", `{"a":[1,{"b":2}],"c":"d"}`, 3, 0, 0, ""},
		{"depth at limit", `[[[1]]]`, 3, 0, 0, ""},
		{"depth over limit", `[[[[1]]]]`, 3, ErrDepth, 0, "0/0/0"},
		{"duplicate", `{"a":1,"b":{"x":1,"x":2}}`, 3, 0, ErrDuplicate, "b/x"},
		{"trailing comma", `[1,]`, 3, ErrChar, 0, "1"},
		{"missing colon", `{"a" 1}`, 3, ErrChar, 0, "a"},
		{"bad literal", `[tru]`, 3, ErrChar, 0, "0"},
		{"eof", `{"a":[1,2`, 3, ErrEOF, 0, "a/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reader
			var ks KeySet
			r.ResetBytes([]byte(tt.in), 0)
			var soft []string
			s := Skipper{R: &r, Keys: &ks, MaxDepth: tt.depth}
			s.Soft = func(e *Error) { soft = append(soft, fmt.Sprint(e.Kind, " ", pathString(&s))) }
			err := s.Skip(1)
			switch {
			case tt.kind == 0 && err != nil:
				t.Fatalf("Skip: %v", err.Detail())
			case tt.kind != 0 && (err == nil || err.Kind != tt.kind):
				t.Fatalf("Skip error = %+v, want kind %d", err, tt.kind)
			case tt.kind != 0 && pathString(&s) != tt.path:
				t.Errorf("path = %q, want %q", pathString(&s), tt.path)
			}
			if tt.soft != 0 {
				if want := fmt.Sprint(tt.soft, " ", tt.path); len(soft) != 1 || soft[0] != want {
					t.Errorf("soft errors = %q, want [%q]", soft, want)
				}
			}
		})
	}
}

// pathString reads the skipper's path through its accessors.
func pathString(s *Skipper) string {
	var parts []string
	for i := range s.Frames() {
		f := s.Frame(i)
		if f.IsIndex {
			parts = append(parts, fmt.Sprint(f.Index))
		} else {
			parts = append(parts, string(f.Key))
		}
	}
	return strings.Join(parts, "/")
}

func TestNumberShape(t *testing.T) {
	tests := []struct {
		in   string
		want Num
	}{
		{"0", Num{IntDigits: 1}},
		{"-12", Num{IntDigits: 2, Value: 12, flags: numNeg}},
		{"123.5", Num{IntDigits: 3, Value: 123, flags: numFrac}},
		{"-1e5", Num{IntDigits: 1, Value: 1, flags: numNeg | numExp}},
		{"10.0E-3", Num{IntDigits: 2, Value: 10, flags: numFrac | numExp}},
	}
	for _, tt := range tests {
		got, ok := IsNumber([]byte(tt.in))
		if !ok || got != tt.want {
			t.Errorf("IsNumber(%q) = %+v, %v; want %+v", tt.in, got, ok, tt.want)
		}
	}
}

func TestNumInt32(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false},
		{"-2147483648", -2147483648, true},
		{"-2147483649", 0, false},
		{"-0", 0, true},
		{"99999999999999999999", 0, false},
		{"1.0", 0, false},
		{"1e2", 0, false},
	}
	for _, tt := range tests {
		n, _ := IsNumber([]byte(tt.in))
		got, ok := n.Int32()
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("Int32(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// Numbers read in one pass at the end of a window and across it give the same
// tokens and errors as the slow path.
func TestReadNumberPaths(t *testing.T) {
	for _, in := range []string{"12,", "12", "-0.5e+3]", "01,", "1.,", "1.5.3,", "-,", "1e", "7 "} {
		var a, b Reader
		a.ResetBytes([]byte(in), 0)
		b.ResetReader(iotest.OneByteReader(strings.NewReader(in)), -1)
		ra, na, ea := a.ReadNumber()
		rb, nb, eb := b.ReadNumber()
		if string(ra) != string(rb) || na != nb || (ea == nil) != (eb == nil) || ea != nil && *ea != *eb {
			t.Errorf("%q: in memory %q %+v %+v; streamed %q %+v %+v", in, ra, na, ea, rb, nb, eb)
		}
	}
}

func TestTryKey(t *testing.T) {
	tests := []struct {
		in   string
		key  string
		want bool
		rest string
	}{
		{`"temp":1`, "temp", true, "1"},
		{`"temp" :1`, "temp", false, `"temp" :1`}, // white space: the caller reads it the long way
		{`"tem":1`, "temp", false, `"tem":1`},
		{`"temps":1`, "temp", false, `"temps":1`},
		{`"temp":`, "temp", true, ""},       // key and colon are whole: what follows is not its business
		{`"temp"`, "temp", false, `"temp"`}, // no colon in the window: the caller reads it the long way
		{`"t\u0065mp":1`, "temp", false, `"t\u0065mp":1`},
	}
	for _, tt := range tests {
		var r Reader
		r.ResetBytes([]byte(tt.in), 0)
		if got := r.TryKey(tt.key); got != tt.want || string(r.buf[r.pos:r.end]) != tt.rest {
			t.Errorf("TryKey(%q) on %q = %v, rest %q; want %v, rest %q", tt.key, tt.in, got, r.buf[r.pos:r.end], tt.want, tt.rest)
		}
	}
}
