package mqtt

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecompress feeds arbitrary bytes to every decoder: none may panic or hold
// more than the limit, each returns the decoded bytes or one of the two
// errors, and what the encoder of a codec writes decodes to the input.
func FuzzDecompress(f *testing.F) {
	f.Add([]byte(`{"id":"1"}`))
	f.Add(compress(LZ4, []byte(`{"id":"1","params":[{"a":1},{"a":1},{"a":1}]}`)))
	f.Add(compress(LZO, bytes.Repeat([]byte("ab"), 200)))
	f.Add(lzoFramed(30, []byte{0x20, 0, 0, 0, 0x11, 0, 0}))
	f.Add(compress(Gzip, []byte("x")))
	const limit = 4096
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range []Codec{Gzip, LZ4, LZO} {
			out, err := decompress(nil, c, b, limit)
			switch {
			case err == nil && len(out) > limit:
				t.Fatalf("%v: %d bytes over the limit", c, len(out))
			case err != nil && !errors.Is(err, errUndecodable) && !errors.Is(err, errTooLarge):
				t.Fatalf("%v: unexpected error %v", c, err)
			}
			if len(b) <= limit {
				if got, err := decompress(nil, c, compress(c, b), limit); err != nil || !bytes.Equal(got, b) {
					t.Fatalf("%v: round trip of %d bytes: %v", c, len(b), err)
				}
			}
		}
	})
}
