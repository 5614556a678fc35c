package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
cpu: Test CPU
BenchmarkLarge/goccy-typed-2   10  100 ns/op  10.00 MB/s  5 B/op  1 allocs/op
BenchmarkLarge/goccy-typed-2   10  300 ns/op  30.00 MB/s  5 B/op  1 allocs/op
BenchmarkLarge/goccy-typed-2   10  200 ns/op  20.00 MB/s  5 B/op  1 allocs/op
BenchmarkLarge/pointguard-compat-2  10  50 ns/op  45.00 MB/s  0 B/op  0 allocs/op
BenchmarkLarge/pointguard-compat-2  10  40 ns/op  55.00 MB/s  0 B/op  0 allocs/op
BenchmarkSize/1KB/scan-ceiling-2  1000  1234567 ns/op  900.5 MB/s  0 B/op  0 allocs/op
BenchmarkLarge/fastjson-parse-walk  10  80 ns/op  60.00 MB/s  0 B/op  0 allocs/op
BenchmarkSize/64MB/jsontext-read-value-2  1  9 ns/op  7.5 MB/s  0 B/op  0 allocs/op
--- FAIL: BenchmarkOther
PASS
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"cpu: Test CPU",
		// Median of 100, 300, 200 is 200; of 10, 30, 20 MB/s is 20.
		"| Large | goccy-typed | 3 | 200 | 20.0 | 5 | 1 | 1.00× |",
		// Even count: the mean of the middle two, 45 ns and 50 MB/s; 50/20 = 2.5.
		"| Large | pointguard-compat | 2 | 45 | 50.0 | 0 | 0 | 2.50× |",
		// No goccy-typed row in the group: no ratio. Thousands separators.
		"| Size/1KB | scan-ceiling | 1 | 1,234,567 | 900.5 | 0 | 0 | n/a |",
		// Without a GOMAXPROCS suffix (GOMAXPROCS=1) the name keeps every
		// part after its last "-"; 60/20 = 3.
		"| Large | fastjson-parse-walk | 1 | 80 | 60.0 | 0 | 0 | 3.00× |",
		// A row name with several "-" in a nested group loses only the suffix.
		"| Size/64MB | jsontext-read-value | 1 | 9 | 7.5 | 0 | 0 | n/a |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunEmpty(t *testing.T) {
	if err := run(strings.NewReader("PASS\n"), &strings.Builder{}); err == nil {
		t.Error("no error for input without results")
	}
}
