package scan

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The readers of plain.go accept only what a Reader reads without an error,
// and read it the same: the accept path relies on it.

// jsonish draws strings made of the bytes that matter to a JSON scanner.
var jsonish = rapid.SliceOfN(rapid.SampledFrom([]byte(`"\/bfnrtu0123456789abcdefABCDEF+-.eE ,}]:`+"\x00\x1f\x7f\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80\xff")), 0, 24)

func TestStringAtAgreesWithReader(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		body := jsonish.Draw(t, "body")
		in := append(append([]byte{'"'}, body...), `",`...)
		max := rapid.IntRange(0, 30).Draw(t, "max")
		raw, end, esc, ok := StringAt(in, 0, max)
		var r Reader
		r.MaxToken = max
		r.ResetBytes(in, 0)
		rraw, resc, err := r.ReadString()
		if !ok {
			return // the Reader says what is wrong, if anything is
		}
		if err != nil {
			t.Fatalf("StringAt accepts %q, ReadString: %v", in, err)
		}
		if string(raw) != string(rraw) || esc != resc || int64(end) != r.Offset() {
			t.Fatalf("StringAt(%q) = %q, %d, %v; ReadString %q, %d, %v", in, raw, end, esc, rraw, r.Offset(), resc)
		}
		if s, _, plain := PlainString(in, 0, max); plain != !esc || plain && string(s) != string(raw) {
			t.Fatalf("PlainString(%q) = %q, %v; StringAt says escapes %v", in, s, plain, esc)
		}
	})
}

func TestStringAtCases(t *testing.T) {
	for _, tc := range []struct {
		in      string
		max     int
		raw     string
		esc, ok bool
	}{
		{in: `"abc",`, raw: "abc", ok: true},
		{in: `"",`, raw: "", ok: true},
		{in: `"a\nb\"\\\/\b\f\r\t",`, raw: `a\nb\"\\\/\b\f\r\t`, esc: true, ok: true},
		{in: `"\u00e9\uD83D\uDE00",`, raw: `\u00e9\uD83D\uDE00`, esc: true, ok: true},
		{in: `"é😀",`, raw: "é😀", ok: true},
		{in: `"abc"`, raw: "abc", ok: true}, // the closing quote ends the window
		{in: `"abc`},                        // no closing quote within the window
		{in: `"a\x"`},                       // no such escape
		{in: `"a\u00g0"`},                   // not hex
		{in: `"a\u00`},                      // cut
		{in: `"\uD83D"`},                    // a lone high surrogate
		{in: `"\uDE00"`},                    // a lone low surrogate
		{in: `"\uD83D\u0041"`},              // a high surrogate before no low one
		{in: `"\uD83D\uE000"`},              // just above the low surrogates
		{in: `"\uDBFF\uDFFF",`, raw: `\uDBFF\uDFFF`, esc: true, ok: true},
		{in: `"\uD800\uDC00",`, raw: `\uD800\uDC00`, esc: true, ok: true}, // both ranges' first
		{in: `"\uD83D\uDBFF"`}, // a high surrogate before another high one
		{in: `"\uDC00\uDC00"`}, // two lone low surrogates, the first at the range's start
		{in: `"\uE000",`, raw: `\uE000`, esc: true, ok: true},
		{in: "\"a\x01\""},        // a control byte
		{in: "\"a\xff\""},        // not UTF-8
		{in: "\"\xed\xa0\x80\""}, // a surrogate encoded in UTF-8
		{in: `"abcd",`, max: 4, raw: "abcd", ok: true},
		{in: `"abcde",`, max: 4},
	} {
		raw, end, esc, ok := StringAt([]byte(tc.in), 0, tc.max)
		if ok != tc.ok || ok && (string(raw) != tc.raw || esc != tc.esc || end != len(tc.raw)+2) {
			t.Errorf("StringAt(%q, max %d) = %q, %d, %v, %v; want %q, %v, %v", tc.in, tc.max, raw, end, esc, ok, tc.raw, tc.esc, tc.ok)
		}
	}
}

func TestPlainNumberAgreesWithReader(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := jsonish.Draw(t, "input")
		n, end, ok := PlainNumber(in)
		if !ok {
			return
		}
		var r Reader
		r.ResetBytes(in, 0)
		raw, rn, err := r.ReadNumber()
		if err != nil || string(raw) != string(in[:end]) || rn != n {
			t.Fatalf("PlainNumber(%q) = %+v, %d; ReadNumber %q, %+v, %v", in, n, end, raw, rn, err)
		}
	})
	for _, tc := range []struct {
		in  string
		end int
		ok  bool
	}{
		{"12,", 2, true}, {"-0.5}", 4, true}, {"1e5]", 3, true}, {"0 ", 1, true},
		{"12", 0, false},   // may go on past the window
		{"1.", 0, false},   // incomplete
		{"01,", 0, false},  // a leading zero
		{"1.5.", 0, false}, // a byte that would continue it
		{"-,", 0, false},
	} {
		if _, end, ok := PlainNumber([]byte(tc.in)); ok != tc.ok || ok && end != tc.end {
			t.Errorf("PlainNumber(%q) = %d, %v; want %d, %v", tc.in, end, ok, tc.end, tc.ok)
		}
	}
}

// TestPlainDecimal holds PlainDecimal to PlainNumber: it reads exactly the
// numbers PlainNumber reads that have no exponent, to the same end, with the
// same integer digits. The inputs reach past the 8-byte words that it reads
// runs of digits in, with the bytes beside the digits ('/' and ':' to ')'),
// and those from 0xFA on, which carry when it adds 6 to each byte.
func TestPlainDecimal(t *testing.T) {
	numberish := rapid.SliceOfN(rapid.SampledFrom([]byte("00123456789--..eE+, }x\"\x80/:;?\xfa\xff")), 0, 40)
	digitRuns := rapid.Custom(func(t *rapid.T) []byte {
		var b []byte
		for range rapid.IntRange(1, 4).Draw(t, "runs") {
			b = append(b, rapid.SliceOfN(rapid.SampledFrom([]byte("0123456789")), 0, 12).Draw(t, "digits")...)
			b = append(b, rapid.SampledFrom([]byte("-.eE,}/:?\xfa\xff")).Draw(t, "then"))
		}
		return append(b, rapid.SliceOfN(rapid.Byte(), 0, 10).Draw(t, "tail")...)
	})
	check := func(in []byte) string {
		end, digits := PlainDecimal(in)
		n, nEnd, ok := PlainNumber(in)
		want := ok && !n.Exp()
		if got := end > 0; got != want {
			return fmt.Sprintf("PlainDecimal(%q) = %d, %d; PlainNumber %+v, %d, %v", in, end, digits, n, nEnd, ok)
		}
		if want && (end != nEnd || digits != int(n.IntDigits)) {
			return fmt.Sprintf("PlainDecimal(%q) = %d, %d; PlainNumber ends at %d with %d integer digits", in, end, digits, nEnd, n.IntDigits)
		}
		return ""
	}
	rapid.Check(t, func(t *rapid.T) {
		if msg := check(numberish.Draw(t, "input")); msg != "" {
			t.Fatal(msg)
		}
		if msg := check(digitRuns.Draw(t, "runs")); msg != "" {
			t.Fatal(msg)
		}
	})
	for _, in := range []string{
		"0,", "-0}", "12.50]", "-7.25 ", "0.0,", "123456789012345678901234567890.5,",
		"51.54,\"branchCurr\":", "1234567.1234567,xxxxxxxx", "12345678.5,xxxxxxxxxxx", "1.12345678,xxxxxxxx",
		"12:xxxxxxxx", "1.2:xxxxxxxxx", "1\xfa\xff\xff\xff\xff\xff\xff\xff", "0.5\xff\xff\xff\xff\xff\xff\xff\xff",
		"12", "1.", "-", "-,", ".5,", "01,", "-01,", "1.5.", "1.5e3,", "1e3,", "1E+3,", "1.x", "00,", "1-", "",
		// An integer part read in one word, a fraction with fewer than 8 bytes after its '.'.
		"1.5,xxxx", "-12.5,xxx", "1234567.5}", "1.,xxxxxx",
	} {
		if msg := check([]byte(in)); msg != "" {
			t.Error(msg)
		}
	}
}

func TestShortFloatExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE][-+]?[0-9]{1,3})?`).Draw(t, "number")
		n, ok := IsNumber([]byte(s))
		if !ok {
			t.Fatalf("%q is not a number", s)
		}
		f, ok := ShortFloat([]byte(s), n)
		digits := strings.Count(s, "") - 1 - strings.Count(s, "-") - strings.Count(s, ".")
		short := !strings.ContainsAny(s, "eE") && digits <= 15
		if ok != short {
			t.Fatalf("ShortFloat(%q) ok = %v, want %v", s, ok, short)
		}
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || f != want {
			t.Fatalf("ShortFloat(%q) = %v, strconv %v (%v)", s, f, want, err)
		}
	})
}

// TestShortFloatDigits checks the 15-digit bound of ShortFloat on both sides
// of the point: at 15 digits the value is exact, at 16 it is left to strconv.
func TestShortFloatDigits(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"123456789012345", true}, {"1234567890123456", false},
		{"0.12345678901234", true}, {"0.123456789012345", false},
		{"-98765.43210987654", false}, {"-98765.4321098765", true},
		{"1.5", true}, {"1.5e0", false}, {"0", true},
	} {
		n, _ := IsNumber([]byte(tc.in))
		f, ok := ShortFloat([]byte(tc.in), n)
		want, _ := strconv.ParseFloat(tc.in, 64)
		if ok != tc.ok || ok && f != want {
			t.Errorf("ShortFloat(%q) = %v, %v; want %v, %v", tc.in, f, ok, want, tc.ok)
		}
	}
}

func TestInt64(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "-123456789012345678", "123456789012345678", "1234567890123456789", "1.0", "1e3", "-9"} {
		n, _ := IsNumber([]byte(s))
		got, ok := n.Int64()
		want, st := ParseInt([]byte(s))
		short := !strings.ContainsAny(s, ".eE") && len(strings.TrimPrefix(s, "-")) <= 18
		if ok != short || ok && (st != IntOK || got != want) {
			t.Errorf("Int64 of %q = %d, %v; ParseInt %d, %v", s, got, ok, want, st)
		}
	}
}

// TestLeadingDigits tries every byte at every position of a word after
// digits, with digits, 0x00 or 0xFF after it (the bytes that borrow and
// carry the most).
func TestLeadingDigits(t *testing.T) {
	for k := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'7', 0x00, 0xFF} {
				var w [8]byte
				for i := range w {
					switch {
					case i < k:
						w[i] = '0' + byte(i)
					case i == k:
						w[i] = byte(c)
					default:
						w[i] = fill
					}
				}
				want := k
				if c >= '0' && c <= '9' {
					want = k + 1
					for want < 8 && fill == '7' {
						want++
					}
				}
				if got := LeadingDigits(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("LeadingDigits(%q) = %d, want %d", w[:], got, want)
				}
			}
		}
	}
}
