package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// reference is the row every other row of a group is compared to.
const reference = "goccy-typed"

type row struct {
	group, name string
	values      map[string][]float64 // unit -> one value per run
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	var order []*row
	rows := map[string]*row{}
	var meta []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, k) && !slices.Contains(meta, line) {
				meta = append(meta, line)
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		r := rows[name]
		if r == nil {
			group, short := "", name
			if i := strings.LastIndexByte(name, '/'); i >= 0 {
				group, short = name[:i], name[i+1:]
			}
			r = &row{group: group, name: short, values: map[string][]float64{}}
			rows[name] = r
			order = append(order, r)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			r.values[f[i+1]] = append(r.values[f[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	for _, m := range meta {
		fmt.Fprintf(out, "%s  \n", m)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| payload | row | runs | ns/op | MB/s | B/op | allocs/op | MB/s vs goccy typed |")
	fmt.Fprintln(out, "|---|---|--:|--:|--:|--:|--:|--:|")
	for _, r := range order {
		ratio := "n/a"
		if ref := rows[join(r.group, reference)]; ref != nil {
			a, okA := median(r.values["MB/s"])
			b, okB := median(ref.values["MB/s"])
			if okA && okB && b > 0 {
				ratio = strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
			}
		}
		fmt.Fprintf(out, "| %s | %s | %d | %s | %s | %s | %s | %s |\n",
			r.group, r.name, len(r.values["ns/op"]),
			cell(r.values["ns/op"], 0), cell(r.values["MB/s"], 1),
			cell(r.values["B/op"], 0), cell(r.values["allocs/op"], 0), ratio)
	}
	return nil
}

func join(group, name string) string {
	if group == "" {
		return name
	}
	return group + "/" + name
}

// median returns the median of vs, the mean of the middle two for an even count.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// cell formats a median with thousands separators, or "–" when absent.
func cell(vs []float64, decimals int) string {
	m, ok := median(vs)
	if !ok {
		return "–"
	}
	s := strconv.FormatFloat(m, 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
