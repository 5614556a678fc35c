package scan

import (
	"strings"
	"testing"
	"testing/iotest"
)

// TestParseIntLeadingZeros checks that zeros before the first significant digit
// are not counted as digits: 0.00000000000000000001e20 (20 zeros) is 1, however
// many zeros lead it.
func TestParseIntLeadingZeros(t *testing.T) {
	zeros := strings.Repeat("0", 19)
	tests := []struct {
		in   string
		want int64
		st   IntStatus
	}{
		{"0." + zeros + "1e20", 1, IntOK},
		{"-0." + zeros + "1e20", -1, IntOK},
		{"0." + zeros + "1e38", 1e18, IntOK},
		{"0." + zeros + "9223372036854775807e38", 9223372036854775807, IntOK},
		{"0." + zeros + "9223372036854775808e38", 0, IntOverflow},
		{"0." + zeros + "1e19", 0, NotInteger},
		{"0." + zeros + "10e21", 10, IntOK},
		{"0.000000000000000000000000000000000000001e39", 1, IntOK},
		{"1" + zeros + "0e-20", 1, IntOK}, // trailing zeros, the other end
		{"1" + zeros + "e-19", 1, IntOK},
		{"1" + zeros + "e-18", 10, IntOK},
	}
	for _, tt := range tests {
		got, st := ParseInt([]byte(tt.in))
		if got != tt.want || st != tt.st {
			t.Errorf("ParseInt(%q) = %d, %d; want %d, %d", tt.in, got, st, tt.want, tt.st)
		}
	}
}

// TestSurrogateRangeEnds checks the ends of the UTF-16 surrogate ranges in \u
// escapes: D800–DBFF (high) must be followed by an escaped DC00–DFFF (low);
// D7FF and E000 are not surrogates. Each case is read whole and one byte at a
// time, and decoded.
func TestSurrogateRangeEnds(t *testing.T) {
	tests := []struct {
		in      string // between the quotes
		lone    bool   // ReadString reports ErrSurrogate at the opening quote
		decoded string
	}{
		{`\uD7FF`, false, "\uD7FF"},
		{`\uD800\uDC00`, false, "\U00010000"},
		{`\uDBFF\uDFFF`, false, "\U0010FFFF"},
		{`\uD83D\uDE00`, false, "😀"},
		{`\uE000`, false, "\uE000"},
		{`\uFFFF`, false, "\uFFFF"},
		{`\uD83D\uE000`, true, "\uFFFD\uE000"}, // E000 is past the low range
		{`\uD83D\uDBFF`, true, "\uFFFD\uFFFD"}, // DBFF is a high surrogate
		{`\uDBFF\uD7FF`, true, "\uFFFD\uD7FF"},
		{`\uD800`, true, "\uFFFD"},
		{`\uDBFF`, true, "\uFFFD"},
		{`\uDC00`, true, "\uFFFD"},
		{`\uDFFF`, true, "\uFFFD"},
		{`\uD800x`, true, "\uFFFDx"},
		{`\uD800\n`, true, "\uFFFD\n"},
		{`\uDC00\uD800`, true, "\uFFFD\uFFFD"},
		{`\uDC00\uDC00`, true, "\uFFFD\uFFFD"},
		{`\uDBFF\uDC00`, false, "\U0010FC00"},
	}
	for _, tt := range tests {
		in := `"` + tt.in + `"`
		for _, streamed := range []bool{false, true} {
			var r Reader
			if streamed {
				r.ResetReader(iotest.OneByteReader(strings.NewReader(in)), -1)
			} else {
				r.ResetBytes([]byte(in), 0)
			}
			r.Peek()
			raw, esc, err := r.ReadString()
			switch {
			case tt.lone && (err == nil || err.Kind != ErrSurrogate || err.Offset != 0):
				t.Errorf("ReadString(%s) streamed %v: error %+v, want ErrSurrogate at 0", in, streamed, err)
			case !tt.lone && err != nil:
				t.Errorf("ReadString(%s) streamed %v: error %+v (%s), want none", in, streamed, err, err.Detail())
			case string(raw) != tt.in || !esc:
				t.Errorf("ReadString(%s) streamed %v: raw %q, esc %v", in, streamed, raw, esc)
			case r.Offset() != int64(len(in)):
				t.Errorf("ReadString(%s) streamed %v: ends at %d, want %d", in, streamed, r.Offset(), len(in))
			}
		}
		if got := string(AppendUnescaped(nil, []byte(tt.in))); got != tt.decoded {
			t.Errorf("AppendUnescaped(%s) = %+q, want %+q", tt.in, got, tt.decoded)
		}
	}
}

// TestUnescapeEdges decodes each short escape, escapes at the start and end of
// the string, and truncated escapes (which ReadString refuses; decoding stops).
func TestUnescapeEdges(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`\"\\\/\b\f\n\r\t`, "\"\\/\b\f\n\r\t"},
		{`a\u0041`, "aA"},
		{`\u0041a`, "Aa"},
		{`\u00e9\u00E9`, "éé"},
		{`x\`, "x"},
		{`x\u004`, "x"},
		{`\uD83D\uDE0`, "\uFFFD"},
		{"é\\u00e9é", "ééé"},
	}
	for _, tt := range tests {
		if got := string(AppendUnescaped([]byte("<"), []byte(tt.raw))); got != "<"+tt.want {
			t.Errorf("AppendUnescaped(%q) = %q, want %q", tt.raw, got, "<"+tt.want)
		}
	}
}

// TestErrorDetails checks the sentences people read for every kind of error.
func TestErrorDetails(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Kind: ErrEOF, Want: "value"}, "unexpected end of payload, want value"},
		{Error{Kind: ErrEOF}, "unexpected end of payload"},
		{Error{Kind: ErrChar, Byte: '}', Want: "value"}, "invalid character '}', want value"},
		{Error{Kind: ErrChar, Byte: '\'', Want: "value"}, `invalid character '\'', want value`},
		{Error{Kind: ErrChar, Byte: 0x7f}, "invalid character 0x7F"},
		{Error{Kind: ErrChar, Byte: 0x1f}, "invalid character 0x1F"},
		{Error{Kind: ErrChar, Byte: ' '}, "invalid character ' '"},
		{Error{Kind: ErrChar, Byte: '~'}, "invalid character '~'"},
		{Error{Kind: ErrEscape}, "invalid escape sequence in string"},
		{Error{Kind: ErrControl, Byte: '\n'}, "control character 0x0A in string must be escaped"},
		{Error{Kind: ErrNumber, Want: "digit"}, "malformed number, want digit"},
		{Error{Kind: ErrTrailing, Byte: 'x'}, "invalid character 'x' after the top-level value"},
		{Error{Kind: ErrUTF8}, "invalid UTF-8 in string"},
		{Error{Kind: ErrSurrogate}, `\u escape leaves a lone UTF-16 surrogate`},
		{Error{Kind: ErrTokenLength, Limit: 7}, "string or number longer than the limit of 7 bytes"},
		{Error{Kind: ErrDepth, Limit: 3}, "nesting deeper than the limit of 3"},
		{Error{Kind: ErrDuplicate, Want: `"k"`}, `duplicate key "k"`},
		{Error{Kind: ErrArrayLength, Limit: 2}, "array longer than the limit of 2 items"},
		{Error{Kind: ErrCapture, Limit: 9}, "value larger than the limit of 9 bytes"},
		{Error{Kind: 200}, "scan error"},
	}
	for _, tt := range tests {
		if got := tt.err.Detail(); got != tt.want {
			t.Errorf("Detail of %+v = %q, want %q", tt.err, got, tt.want)
		}
	}
	for k := ErrEOF; k <= ErrCapture; k++ {
		syntax := k <= ErrTrailing
		fatal := k != ErrDuplicate && k != ErrUTF8 && k != ErrSurrogate
		if k.Syntax() != syntax || k.Fatal() != fatal {
			t.Errorf("kind %d: Syntax %v, Fatal %v; want %v, %v", k, k.Syntax(), k.Fatal(), syntax, fatal)
		}
	}
}
