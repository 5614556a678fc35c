package main

import (
	"cmp"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/pointguard/pointguard/codes"
)

// summary counts what a check run saw, for the line it writes on standard
// error at the end of every run, and writes the progress line.
type summary struct {
	start    time.Time
	messages int
	perCode  map[codes.Code]int
	badLines int
	others   int // PUBLISHes from clients on topics that are not requests
	skipped  map[string]int
	// problemLines counts the lines written about packets not decoded.
	problemLines int
	// --compare
	compare            bool
	observed, disagree int
	noReply            int
	unmatchedReplies   int
	badReplies         int
	terminal           bool // standard error is a terminal: progress lines
	lastProgress       time.Time
	progressShown      bool
	sinceProgressCheck int
}

// runClock times a run, for the summary and the progress line; tests fix it.
var runClock = time.Now

// progressAfter is how long a run lasts before it shows progress, and
// progressEvery how often it updates it.
const (
	progressAfter = 2 * time.Second
	progressEvery = time.Second
)

func newSummary(stderr io.Writer, compare bool) *summary {
	s := &summary{start: runClock(), perCode: map[codes.Code]int{}, skipped: map[string]int{}, compare: compare}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			s.terminal = true
		}
	}
	return s
}

func (s *summary) skip(reason string) { s.skipped[reason]++ }

// verdict counts a verdict, and shows progress when it is time.
func (s *summary) verdict(code codes.Code, stderr io.Writer) {
	s.messages++
	s.perCode[code]++
	if !s.terminal {
		return
	}
	if s.sinceProgressCheck++; s.sinceProgressCheck < 64 {
		return // reading the clock for every message would cost more than the rest
	}
	s.sinceProgressCheck = 0
	now := runClock()
	if now.Sub(s.start) < progressAfter || now.Sub(s.lastProgress) < progressEvery {
		return
	}
	s.lastProgress = now
	s.progressShown = true
	io.WriteString(stderr, "\r\x1b[Kpointguard check: "+strconv.Itoa(s.messages)+" messages, "+
		strconv.FormatFloat(now.Sub(s.start).Seconds(), 'f', 0, 64)+" s")
}

// write writes the summary line:
//
//	pointguard check: 5 messages (2 × 200, 1 × 1204, 2 × 1206); 1 bad capture line; 0.013 s
func (s *summary) write(w io.Writer) {
	b := []byte{}
	if s.progressShown {
		b = append(b, "\r\x1b[K"...)
	}
	b = append(b, "pointguard check: "...)
	b = appendCount(b, s.messages, "message", "messages")
	if len(s.perCode) > 0 {
		b = append(b, " ("...)
		b = appendTally(b, s.perCode, func(b []byte, k codes.Code) []byte { return strconv.AppendInt(b, int64(k), 10) })
		b = append(b, ')')
	}
	if s.badLines > 0 {
		b = append(b, "; "...)
		b = appendCount(b, s.badLines, "bad capture line", "bad capture lines")
	}
	if s.compare {
		b = append(b, "; replies: "...)
		b = appendCount(b, s.disagree, "disagreement", "disagreements")
		b = append(b, " in "...)
		b = strconv.AppendInt(b, int64(s.observed), 10)
		b = append(b, " observed, "...)
		b = strconv.AppendInt(b, int64(s.noReply), 10)
		b = append(b, " not captured"...)
		if s.unmatchedReplies > 0 {
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(s.unmatchedReplies), 10)
			b = append(b, " without a request"...)
		}
		if s.badReplies > 0 {
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(s.badReplies), 10)
			b = append(b, " not JSON with a code"...)
		}
	}
	if s.others > 0 {
		b = append(b, "; "...)
		b = appendCount(b, s.others, "PUBLISH", "PUBLISHes")
		b = append(b, " on other topics"...)
	}
	if len(s.skipped) > 0 {
		b = append(b, "; not decoded: "...)
		b = appendTally(b, s.skipped, func(b []byte, r string) []byte { return append(b, r...) })
	}
	b = append(b, "; "...)
	b = strconv.AppendFloat(b, runClock().Sub(s.start).Seconds(), 'f', 3, 64)
	b = append(b, " s\n"...)
	w.Write(b)
}

func appendCount(b []byte, n int, one, many string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	if n == 1 {
		return append(b, one...)
	}
	return append(b, many...)
}

// appendTally appends the counts of m as "N × KEY, ...", in key order, each
// key written by key.
func appendTally[K cmp.Ordered](b []byte, m map[K]int, key func([]byte, K) []byte) []byte {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(m[k]), 10)
		b = append(b, " × "...)
		b = key(b, k)
	}
	return b
}
