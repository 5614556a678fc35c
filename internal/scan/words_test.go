package scan

import (
	"testing"

	"pgregory.net/rapid"
)

// safeByByte skips the bytes strSafe marks, one at a time: what skipSafeWords
// and the byte loop after it must do together.
func safeByByte(b []byte, j int) int {
	for j < len(b) && strSafe[b[j]] {
		j++
	}
	return j
}

// TestSkipSafeWordsEveryByte puts each byte value at each place of a run of
// safe bytes, before and after other special bytes: the word test stops at the
// first byte the table does not mark, and nowhere else.
func TestSkipSafeWordsEveryByte(t *testing.T) {
	for c := range 256 {
		for at := range 20 {
			for _, after := range []byte{'a', '"', '\\', 0x00, 0x1f, 0x80, 0xff} {
				b := []byte("abcdefghijklmnopqrstuvwxyz")
				b[at] = byte(c)
				b[at+1] = after
				for start := range 3 {
					j := safeByByte(b, skipSafeWords(b, start))
					if want := safeByByte(b, start); j != want {
						t.Fatalf("byte %#x at %d, then %#x, from %d: stopped at %d, want %d", c, at, after, start, j, want)
					}
				}
			}
		}
	}
}

// TestSkipSafeWordsAgrees compares the word test with the table on drawn
// bytes, mostly safe ones.
func TestSkipSafeWordsAgrees(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.OneOf(rapid.ByteRange(0x20, 0x7e), rapid.Byte()), 0, 40).Draw(t, "bytes")
		start := rapid.IntRange(0, len(b)).Draw(t, "start")
		j := skipSafeWords(b, start)
		if j < start || j > len(b) {
			t.Fatalf("skipSafeWords = %d, outside [%d, %d]", j, start, len(b))
		}
		if want := safeByByte(b, start); safeByByte(b, j) != want || j > want {
			t.Fatalf("%q from %d: words stop at %d, the table at %d", b, start, j, want)
		}
	})
}
