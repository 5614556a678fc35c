package mqtt

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// gzipped compresses b with the standard library's writer.
func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lzoFramed wraps one raw LZO1X stream in lzo-java's block framing.
func lzoFramed(decompressedLen int, lzo1x []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(decompressedLen))
	b = binary.BigEndian.AppendUint32(b, uint32(len(lzo1x)))
	return append(b, lzo1x...)
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLZODecodesLibLZO decodes LZO1X data made by the LZO library itself
// (liblzo2's lzo1x_1 through python3-lzo, see testdata/lzo/README.md), so the
// decoder is checked against the reference encoder and not only against its
// own encoder.
func TestLZODecodesLibLZO(t *testing.T) {
	want := readFile(t, "testdata/lzo/sample.json")
	raw := readFile(t, "testdata/lzo/sample.lzo1x")
	got, err := decompress(nil, LZO, lzoFramed(len(want), raw), 512<<10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("decoded %q, want %q", got, want)
	}
	// Two blocks, as LzoOutputStream writes for a payload over its block size.
	two := append(lzoFramed(len(want), raw), lzoFramed(len(want), raw)...)
	if got, err = decompress(nil, LZO, two, 512<<10); err != nil || !bytes.Equal(got, append(append([]byte(nil), want...), want...)) {
		t.Fatalf("two blocks: %v, %d bytes", err, len(got))
	}
}

// TestCodecRoundTrip checks each codec's encoder against its decoder, and the
// gzip and LZ4 encoders against independent decoders.
func TestCodecRoundTrip(t *testing.T) {
	payloads := [][]byte{
		[]byte(`{"id":"1","code":200,"data":{}}`),
		readFile(t, "testdata/lzo/sample.json"),
		bytes.Repeat([]byte("x"), 238), bytes.Repeat([]byte("y"), 239), bytes.Repeat([]byte("z"), 255+18),
		bytes.Repeat([]byte(`{"a":1},`), 20000), // over one 64 KiB block
		{1}, {1, 2, 3}, {1, 2, 3, 4},
	}
	for _, c := range []Codec{Gzip, LZ4, LZO} {
		for _, p := range payloads {
			enc := compress(c, p)
			got, err := decompress(nil, c, enc, 1<<20)
			if err != nil || !bytes.Equal(got, p) {
				t.Errorf("%v: %d bytes: got %d bytes, %v", c, len(p), len(got), err)
			}
		}
	}
	for _, p := range payloads {
		zr, err := gzip.NewReader(bytes.NewReader(compress(Gzip, p)))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(zr); err != nil || !bytes.Equal(b.Bytes(), p) {
			t.Errorf("gzip: standard reader: %v", err)
		}
		if got := readLZ4Java(t, compress(LZ4, p)); !bytes.Equal(got, p) {
			t.Errorf("lz4: test reader: got %d bytes, want %d", len(got), len(p))
		}
	}
}

// TestDecompressLimit checks each codec at the limit and one byte over it, and
// a bomb: a small payload that decompresses to far more than the limit.
func TestDecompressLimit(t *testing.T) {
	const limit = 1000
	at := bytes.Repeat([]byte("a"), limit)
	over := bytes.Repeat([]byte("a"), limit+1)
	for _, c := range []Codec{Gzip, LZ4, LZO} {
		if got, err := decompress(nil, c, compress(c, at), limit); err != nil || len(got) != limit {
			t.Errorf("%v at the limit: %d bytes, %v", c, len(got), err)
		}
		if _, err := decompress(nil, c, compress(c, over), limit); !errors.Is(err, errTooLarge) {
			t.Errorf("%v one over the limit: %v, want errTooLarge", c, err)
		}
	}
	bombs := []struct {
		name  string
		codec Codec
		b     []byte
		want  error
	}{
		{"gzip: 64 MiB of zeros", Gzip, gzipped(t, make([]byte, 64<<20)), errTooLarge},
		{"lz4: one raw 32 MiB block", LZ4, lz4JavaBlocks(make([]byte, 32<<20), 1<<25), errTooLarge},
		{"lzo: 1.2 MB from 5 KB", LZO, lzoFramed(1228803, readFile(t, "testdata/lzo/bomb.lzo1x")), errTooLarge},
		// The block declares 400 KiB but holds 1.2 MB: decoding stops at the
		// declared length and refuses the block.
		{"lzo: declares less than it holds", LZO, lzoFramed(400<<10, readFile(t, "testdata/lzo/bomb.lzo1x")), errUndecodable},
	}
	for _, tc := range bombs {
		got, err := decompress(nil, tc.codec, tc.b, 512<<10)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s (%d bytes): %v, want %v", tc.name, len(tc.b), err, tc.want)
		}
		if cap(got) > 2<<20 {
			t.Errorf("%s: holds %d bytes", tc.name, cap(got))
		}
	}
}

// TestUndecodable checks that broken streams are errUndecodable.
func TestUndecodable(t *testing.T) {
	sample := readFile(t, "testdata/lzo/sample.json")
	lz := compress(LZ4, sample)
	badCheck := bytes.Clone(lz)
	badCheck[17] ^= 1
	noEnd := lz[:len(lz)-lz4HeaderLen]
	gz := gzipped(t, sample)
	raw := readFile(t, "testdata/lzo/sample.lzo1x")
	cases := []struct {
		name  string
		codec Codec
		b     []byte
	}{
		{"gzip of plain JSON", Gzip, sample},
		{"gzip cut short", Gzip, gz[:len(gz)/2]},
		{"lz4 of plain JSON", LZ4, sample},
		{"lz4 bad checksum", LZ4, badCheck},
		{"lz4 without its final block", LZ4, noEnd},
		{"lz4 bytes after the final block", LZ4, append(bytes.Clone(lz), 0)},
		{"lz4 unknown method", LZ4, append([]byte("LZ4Block\x36"), make([]byte, 12)...)},
		{"lzo of plain JSON", LZO, sample},
		{"lzo cut short", LZO, lzoFramed(len(sample), raw[:len(raw)-10])},
		{"lzo wrong length", LZO, lzoFramed(len(sample)-1, raw)},
		{"lzo back reference before the start", LZO, lzoFramed(10, []byte{0x40 | 3<<2, 0xFF, 0x11, 0, 0})},
	}
	for _, tc := range cases {
		if _, err := decompress(nil, tc.codec, tc.b, 512<<10); !errors.Is(err, errUndecodable) {
			t.Errorf("%s: %v, want errUndecodable", tc.name, err)
		}
	}
}

// The lz4-java block stream, written and read here from its documented layout
// (magic, token, little-endian lengths, XXH32 checksum with seed 0x9747b28c
// masked to 28 bits, empty final block), independently of compress.go: raw
// blocks only for writing, which any reader must accept.
func lz4JavaBlocks(data []byte, blockSize int) []byte {
	level := 0
	for 1<<(10+level) < blockSize {
		level++
	}
	var out []byte
	header := func(method byte, n int, check uint32) {
		out = append(out, "LZ4Block"...)
		out = append(out, method|byte(level))
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
		out = binary.LittleEndian.AppendUint32(out, check)
	}
	for len(data) > 0 {
		b := data[:min(len(data), blockSize)]
		data = data[len(b):]
		header(0x10, len(b), xxh32(b, 0x9747b28c)&0x0FFFFFFF)
		out = append(out, b...)
	}
	header(0x10, 0, 0)
	return out
}

// readLZ4Java reads raw and LZ4 blocks; LZ4 blocks are decoded by a minimal
// LZ4 block decoder written here from the LZ4 block format description.
func readLZ4Java(t testing.TB, b []byte) []byte {
	t.Helper()
	var out []byte
	for {
		if len(b) < 21 || string(b[:8]) != "LZ4Block" {
			t.Fatalf("not an lz4-java block at %d bytes from the end", len(b))
		}
		method := b[8] & 0xF0
		clen := int(binary.LittleEndian.Uint32(b[9:]))
		dlen := int(binary.LittleEndian.Uint32(b[13:]))
		check := binary.LittleEndian.Uint32(b[17:])
		data := b[21 : 21+clen]
		b = b[21+clen:]
		if dlen == 0 {
			if len(b) != 0 {
				t.Fatal("bytes after the final block")
			}
			return out
		}
		var block []byte
		if method == 0x10 {
			block = data
		} else {
			block = lz4BlockDecode(t, data)
		}
		if len(block) != dlen || xxh32(block, 0x9747b28c)&0x0FFFFFFF != check {
			t.Fatalf("block: %d bytes (want %d), checksum mismatch or not", len(block), dlen)
		}
		out = append(out, block...)
	}
}

// lz4BlockDecode decodes an LZ4 block: sequences of a token (literal length in
// the high nibble, match length - 4 in the low one, 15 meaning "more bytes
// follow, each added, until one below 255"), the literals, a little-endian
// 16-bit offset and the match; the last sequence has literals only.
func lz4BlockDecode(t testing.TB, in []byte) []byte {
	var out []byte
	length := func(n int) int {
		if n == 15 {
			for {
				b := int(in[0])
				in = in[1:]
				n += b
				if b != 255 {
					break
				}
			}
		}
		return n
	}
	for len(in) > 0 {
		token := int(in[0])
		in = in[1:]
		lit := length(token >> 4)
		out = append(out, in[:lit]...)
		in = in[lit:]
		if len(in) == 0 {
			return out
		}
		off := int(binary.LittleEndian.Uint16(in))
		in = in[2:]
		n := length(token&15) + 4
		from := len(out) - off
		for i := 0; i < n; i++ {
			out = append(out, out[from+i])
		}
	}
	t.Fatal("LZ4 block without a last sequence")
	return nil
}

// xxh32 is XXH32 written from its specification, to check the library's.
func xxh32(b []byte, seed uint32) uint32 {
	const p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
	rotl := func(x uint32, r uint) uint32 { return x<<r | x>>(32-r) }
	round := func(acc, lane uint32) uint32 { return rotl(acc+lane*p2, 13) * p1 }
	n := uint32(len(b))
	var h uint32
	if len(b) >= 16 {
		v1, v2, v3, v4 := seed+p1+p2, seed+p2, seed, seed-p1
		for len(b) >= 16 {
			v1 = round(v1, binary.LittleEndian.Uint32(b))
			v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
			b = b[16:]
		}
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
	} else {
		h = seed + p5
	}
	h += n
	for len(b) >= 4 {
		h = rotl(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
		b = b[4:]
	}
	for _, c := range b {
		h = rotl(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

func TestXXH32(t *testing.T) {
	// Known values of XXH32 with seed 0.
	for s, want := range map[string]uint32{"": 0x02CC5D05, "a": 0x550D7456, "abc": 0x32D153FF} {
		if got := xxh32([]byte(s), 0); got != want {
			t.Errorf("xxh32(%q) = %#x, want %#x", s, got, want)
		}
	}
	long := []byte(strings.Repeat("pointguard", 10))
	if a, b := xxh32(long, lz4Seed), lz4Checksum(long); a&lz4ChecksumMsk != b {
		t.Errorf("lz4Checksum = %#x, test XXH32 %#x", b, a&lz4ChecksumMsk)
	}
}

// TestLZ4JavaStream decodes a stream written by the test's own lz4-java writer.
func TestLZ4JavaStream(t *testing.T) {
	sample := readFile(t, "testdata/lzo/sample.json")
	got, err := decompress(nil, LZ4, lz4JavaBlocks(sample, 64<<10), 512<<10)
	if err != nil || !bytes.Equal(got, sample) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
}

func TestCodecOf(t *testing.T) {
	for id, want := range map[string]Codec{
		"gw1|securemode=2,signmethod=sha256,timestamp=1|":                                        NoCompression,
		"gw1{ip=10.0.0.1,version=2.3,compress=GZIP}|securemode=2,signmethod=sha256,timestamp=1|": Gzip,
		"gw1{compress=lz4}|securemode=2,signmethod=sha256,timestamp=1|":                          LZ4,
		"gw1{compress=LZO}|x|":     LZO,
		"gw1{compress=DEFAULT}|x|": NoCompression,
		"gw1{compress=zstd}|x|":    NoCompression,
		"plain-client-id":          NoCompression,
	} {
		if got := codecOf(id); got != want {
			t.Errorf("codecOf(%q) = %v, want %v", id, got, want)
		}
	}
}
