package validate

import (
	"testing"

	"pgregory.net/rapid"
)

// validDateByFields is validDate read field by field, digit by digit: the
// rule it must keep.
func validDateByFields(s []byte) bool {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return false
	}
	num := func(i, n int) int {
		x := 0
		for k := i; k < i+n; k++ {
			if s[k] < '0' || s[k] > '9' {
				return -1
			}
			x = x*10 + int(s[k]-'0')
		}
		return x
	}
	y, mo, d, h, mi, se := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// TestValidDate checks validDate against validDateByFields: on edge dates
// with each byte changed to each of the 256 values, and on dates whose
// fields are drawn across and beyond their ranges with up to three bytes
// changed.
func TestValidDate(t *testing.T) {
	for _, s := range []string{"2024-02-29 23:59:59", "2023-02-29 00:00:00", "0000-01-01 00:00:00", "9999-12-31 23:59:59",
		"2000-02-29 12:00:00", "1900-02-29 12:00:00", "2024-01-01 24:00:00", "2024-01-01 00:60:00", "2024-13-01 00:00:00",
		"0001-01-01 00:00:00", "2024-12-31 00:00:40", "1999-11-30 19:49:09"} {
		for at := range len(s) {
			for c := range 256 {
				b := []byte(s)
				b[at] = byte(c)
				if got, want := validDate(b), validDateByFields(b); got != want {
					t.Fatalf("validDate(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		b := []byte(rapid.StringMatching(`[0-9]{4}-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-6][0-9]:[0-6][0-9]`).Draw(t, "date"))
		for range rapid.IntRange(0, 3).Draw(t, "changes") {
			at := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			b[at] = rapid.OneOf(rapid.SampledFrom([]byte("/0:9; -\x00\x80\xff\xb9\xba\xbb\x2f")), rapid.Byte()).Draw(t, "byte")
		}
		if got, want := validDate(b), validDateByFields(b); got != want {
			t.Fatalf("validDate(%q) = %v, want %v", b, got, want)
		}
	})
}
