// Command benchtable reads `go test -bench` output on standard input and prints a
// markdown table of medians: ns/op, MB/s, B/op, allocs/op, and each row's
// throughput relative to goccy/go-json typed decoding of the same payload.
//
// Rows are grouped by everything before the last "/" of the benchmark name
// ("Large", "Sample", "Size/1MB"); the reference of a group is its "goccy-typed"
// row. A ratio of 2.00 means twice the MB/s of goccy typed decoding. The median
// is taken over the repeated runs of -count, like benchstat's centre.
package main
