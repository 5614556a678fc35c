package scan

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b   string
		want   int
		reason string
	}{
		{"1000.00000000000000001", "1000", 1, "above 1000, though float64 makes them equal"},
		{"999.99999999999999999", "1000", -1, ""},
		{"-1e-400", "0", -1, "below 0, though float64 underflows it to -0"},
		{"1e-400", "0", 1, ""},
		{"-0", "0", 0, "zero has no sign"},
		{"0.0e5", "-0.000", 0, ""},
		{"1e2", "100", 0, ""},
		{"100.0", "1E+2", 0, ""},
		{"10000e-2", "100", 0, ""},
		{"0.001", "1e-3", 0, ""},
		{"-5", "-4", -1, ""},
		{"-4", "-5", 1, ""},
		{"-5", "3", -1, ""},
		{"12", "120", -1, "same digits, other point"},
		{"0.1", "0.10000000000000000555", -1, "0.1 is below the float64 nearest to it"},
		{"3.4028235677973366163753939545814256844801e38", "340282356779733661637539395458142568448", 1, ""},
		{"340282356779733661637539395458142568448.0", "3.40282356779733661637539395458142568448e38", 0, ""},
		{"1e000000000000000000000000002", "100", 0, "leading zeros of the exponent do not count"},
		{"1e99999999999999999999", "1e308", 1, "a saturated exponent is still above any bound"},
		{"-1e99999999999999999999", "-1e308", -1, ""},
		{"1e-99999999999999999999", "1e-400", -1, ""},
	}
	for _, tt := range tests {
		if got := CompareNumbers([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d (%s)", tt.a, tt.b, got, tt.want, tt.reason)
		}
		if got := CompareNumbers([]byte(tt.b), []byte(tt.a)); got != -tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// TestCompareNumbersRat checks CompareNumbers against math/big on numbers
// written in many ways: leading and trailing zeros, fractions, exponents.
func TestCompareNumbersRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	number := func() string {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteByte('-')
		}
		if rng.IntN(3) == 0 {
			b.WriteByte('0')
		} else {
			b.WriteByte(byte('1' + rng.IntN(9)))
			b.WriteString(digits(rng.IntN(4)))
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			b.WriteString(digits(1 + rng.IntN(5)))
		}
		if rng.IntN(2) == 0 {
			b.WriteString([]string{"e", "E", "e+", "e-", "E-0"}[rng.IntN(5)])
			b.WriteString(strconv.Itoa(rng.IntN(6)))
		}
		return b.String()
	}
	for range 20000 {
		a, b := number(), number()
		if rng.IntN(4) == 0 {
			b = a + "0" // equal or not, by the shape of a
			if !strings.ContainsAny(a, ".eE") {
				b = a + ".0"
			}
		}
		ra, ok1 := new(big.Rat).SetString(a)
		rb, ok2 := new(big.Rat).SetString(b)
		if !ok1 || !ok2 {
			t.Fatalf("big.Rat cannot read %s or %s", a, b)
		}
		if _, ok := IsNumber([]byte(a)); !ok {
			t.Fatalf("%s is not a JSON number", a)
		}
		if _, ok := IsNumber([]byte(b)); !ok {
			t.Fatalf("%s is not a JSON number", b)
		}
		if got, want := CompareNumbers([]byte(a), []byte(b)), ra.Cmp(rb); got != want {
			t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", a, b, got, want)
		}
	}
}

// float32Threshold is 2^128 - 2^103, the midpoint between the largest float32
// and 2^128: below it a number rounds to a finite float32, at it (to even) and
// above it to infinity.
const float32Threshold = "340282356779733661637539395458142568448"

// TestParseFloat32Threshold checks the claim that strconv rounds the exact
// decimal once: at and around 2^128 - 2^103, where a float64 step in between
// (double rounding) would decide wrongly, ParseFloat32 is finite exactly when
// the number is below the threshold, compared as a decimal.
func TestParseFloat32Threshold(t *testing.T) {
	tests := []string{
		float32Threshold,
		float32Threshold + ".0",
		float32Threshold + "e0",
		"3.40282356779733661637539395458142568448e38",
		"34028235677973366163753939545814256844.8e1",
		"340282356779733661637539395458142568447",
		"340282356779733661637539395458142568447.99999999999999999999999",
		"340282356779733661637539395458142568448.00000000000000000000001",
		"340282356779733661637539395458142568449",
		"3.4028235677973366e38",                   // the float64 nearest to the threshold: the threshold itself
		"3.40282356779733657e38",                  // float64 rounds it up to the threshold; it is below
		"3.40282356779733663e38",                  // float64 rounds it down to the threshold; it is above
		"3.4028235E38",                            // Java's Float.MAX_VALUE
		"3.4028234663852886e38",                   // the largest float32, as float64 prints it
		"340282346638528859811704183484516925440", // the largest float32 exactly
		"3.4028236e38",
		"1e39",
		"1e400",
		"-" + float32Threshold,
		"-3.4028235E38",
		"-340282356779733661637539395458142568447.9",
		"1e-400",
		"1.4e-45",
		"0",
	}
	for _, s := range tests {
		below := CompareNumbers([]byte(strings.TrimPrefix(s, "-")), []byte(float32Threshold)) < 0
		f, finite := ParseFloat32([]byte(s))
		if finite != below {
			t.Errorf("ParseFloat32(%s) finite = %v, want %v (below the threshold: %v)", s, finite, below, below)
		}
		if finite && math.IsInf(float64(f), 0) {
			t.Errorf("ParseFloat32(%s) = %v, reported finite", s, f)
		}
	}
	// The double-rounding trap: these round to the threshold as float64, and
	// from there to even (infinity) as float32, yet one of them is below.
	x, _ := ParseFloat([]byte("3.40282356779733657e38"))
	y, _ := ParseFloat([]byte(float32Threshold))
	if x != y {
		t.Fatalf("float64 of 3.40282356779733657e38 = %v, want the threshold %v", x, y)
	}
	if _, finite := ParseFloat32([]byte("3.40282356779733657e38")); !finite {
		t.Error("3.40282356779733657e38 is below the threshold but ParseFloat32 overflows")
	}
}
