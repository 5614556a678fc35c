package quote

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// toValid replaces each byte that is not part of valid UTF-8 with U+FFFD, as a
// JSON decoder reads \ufffd back.
func toValid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "temp", `"temp"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"named controls", "a\nb\rc\td", `"a\nb\rc\td"`},
		{"other controls", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"DEL and U+2028 pass", "\x7f\u2028", "\"\x7f\u2028\""},
		{"multi-byte", "温度€😀", `"温度€😀"`},
		{"invalid byte", "a\xffb", `"a\ufffdb"`},
		{"U+FFFD itself kept", "a\ufffdb", "\"a\ufffdb\""},
		{"escape at both ends", "\"x\n", `"\"x\n"`},
		{"lone continuation", "\x80", `"\ufffd"`},
		{"truncated sequence at the end", "ab\xe6\xb8", `"ab\ufffd\ufffd"`},
		{"overlong encoding", "\xc0\xaf", `"\ufffd\ufffd"`},
		{"surrogate encoded", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(JSON(nil, tt.in)); got != tt.want {
				t.Errorf("JSON(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got := string(JSON([]byte("x"), []byte(tt.in))); got != "x"+tt.want {
				t.Errorf("JSON(x, []byte(%q)) = %s, want x%s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal(JSON(nil, tt.in), &back); err != nil {
				t.Fatalf("output %s is not JSON: %v", JSON(nil, tt.in), err)
			}
			if back != toValid(tt.in) {
				t.Errorf("decoded %q, want %q", back, toValid(tt.in))
			}
		})
	}
}

// Long input, in which every kind of byte recurs, round-trips and does not
// allocate beyond dst.
func TestJSONLong(t *testing.T) {
	var b strings.Builder
	for i := range 100000 {
		b.WriteByte(byte(i))
	}
	in := b.String()
	out := JSON(nil, in)
	var back string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if back != toValid(in) {
		t.Error("long input does not round-trip")
	}
	dst := make([]byte, 0, 2*len(out))
	if n := testing.AllocsPerRun(10, func() { JSON(dst[:0], in) }); n != 0 {
		t.Errorf("JSON allocates %v times with room in dst", n)
	}
}

func FuzzJSON(f *testing.F) {
	f.Add("a\"\\\n\x00\xff温")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(JSON(nil, s), &back); err != nil {
			t.Fatalf("JSON(%q) = %s, not JSON: %v", s, JSON(nil, s), err)
		}
		if back != toValid(s) {
			t.Fatalf("JSON(%q) decodes to %q", s, back)
		}
	})
}

func TestDiag(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "warm", 64, `"warm"`},
		{"quotes and controls", "a\"b\n\x00", 64, `"a\"b\n\x00"`},
		{"invalid UTF-8", "a\xffb", 64, `"a\xffb"`},
		{"at the limit", "abcd", 4, `"abcd"`},
		{"one over the limit", "abcde", 4, `"abcd"...`},
		{"cut at a character boundary", "ab温度", 4, `"ab"...`},
		{"no limit", strings.Repeat("x", 300), 0, `"` + strings.Repeat("x", 300) + `"`},
		{"long", strings.Repeat("x", 300), 64, `"` + strings.Repeat("x", 64) + `"...`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diag(tt.in, tt.max); got != tt.want {
				t.Errorf("Diag(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
