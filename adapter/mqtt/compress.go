package mqtt

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"github.com/OneOfOne/xxhash"
	"github.com/pierrec/lz4/v4"
)

// Codec is the payload compression a client chose in its client id
// ("{...,compress=GZIP}"): every payload it publishes is compressed that way,
// and every payload it receives must be too.
type Codec uint8

// The codecs. The zero value is no compression.
const (
	NoCompression Codec = 0
	Gzip          Codec = 1 // a gzip stream (RFC 1952), one or more members
	LZ4           Codec = 2 // lz4-java's LZ4BlockOutputStream format (see appendLZ4Blocks)
	LZO           Codec = 3 // lzo-java's LzoOutputStream format: LZO1X blocks (see decodeLZO)
)

// String returns "none", "gzip", "lz4" or "lzo".
func (c Codec) String() string {
	switch c {
	case NoCompression:
		return "none"
	case Gzip:
		return "gzip"
	case LZ4:
		return "lz4"
	case LZO:
		return "lzo"
	}
	return "Codec(?)"
}

// ParseCodec returns the codec of a compress= value of a client id: "GZIP",
// "LZ4", "LZO" or "DEFAULT" (no compression), in any letter case. The second
// result is false for any other value.
func ParseCodec(s string) (Codec, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "default", "none", "":
		return NoCompression, true
	case "gzip":
		return Gzip, true
	case "lz4":
		return LZ4, true
	case "lzo":
		return LZO, true
	}
	return NoCompression, false
}

// codecOf returns the codec a client id asks for: the compress= key of its
// extra block. A client id without one, or with an unknown value, gets none.
func codecOf(clientID string) Codec {
	signed, _, _ := strings.Cut(clientID, "|")
	i := strings.IndexByte(signed, '{')
	if i < 0 || !strings.HasSuffix(signed, "}") {
		return NoCompression
	}
	v, ok := parsePairs(signed[i+1 : len(signed)-1])["compress"]
	if !ok {
		return NoCompression
	}
	c, _ := ParseCodec(v)
	return c
}

// Errors of decompression: the payload does not decompress (a 1206), or it
// decompresses to more than the limit (a 1008).
var (
	errUndecodable = errors.New("payload does not decompress")
	errTooLarge    = errors.New("decompressed payload is over the size limit")
)

// decompress returns src decompressed with c, appended to dst. It never holds
// more than limit decompressed bytes: a payload that would decompress to more
// is errTooLarge, however small it is compressed (a decompression bomb), and
// no buffer is ever sized from a length that the payload declares before that
// length is checked against the limit. A payload that is not a valid stream is
// errUndecodable (possibly wrapping the cause).
func decompress(dst []byte, c Codec, src []byte, limit int) ([]byte, error) {
	switch c {
	case Gzip:
		return decodeGzip(dst, src, limit)
	case LZ4:
		return decodeLZ4Blocks(dst, src, limit)
	case LZO:
		return decodeLZO(dst, src, limit)
	}
	return append(dst, src...), nil
}

// compress returns src compressed with c in the format that the client's SDK
// reads.
func compress(c Codec, src []byte) []byte {
	switch c {
	case Gzip:
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(src) // writes to a bytes.Buffer do not fail
		w.Close()
		return b.Bytes()
	case LZ4:
		return appendLZ4Blocks(nil, src)
	case LZO:
		return appendLZO(nil, src)
	}
	return src
}

func decodeGzip(dst, src []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		return dst, errors.Join(errUndecodable, err)
	}
	b := bytes.NewBuffer(dst)
	// One byte more than the limit tells a payload at the limit from one over it.
	n, err := b.ReadFrom(io.LimitReader(zr, int64(limit)+1))
	switch {
	case n > int64(limit):
		return dst, errTooLarge
	case err != nil:
		return dst, errors.Join(errUndecodable, err)
	}
	return b.Bytes(), nil
}

// The lz4-java block stream (net.jpountz.lz4.LZ4BlockOutputStream), as its
// documentation lays it out: a sequence of blocks, each
//
//	magic            8 bytes  "LZ4Block"
//	token            1 byte   method | level: method 0x10 raw, 0x20 LZ4;
//	                          level = log2(block size) - 10 (6 for the default 64 KiB)
//	compressedLen    4 bytes  little endian
//	decompressedLen  4 bytes  little endian, at most 1 << (10 + level)
//	checksum         4 bytes  little endian: XXH32(decompressed, seed 0x9747b28c) & 0x0FFFFFFF
//	data             compressedLen bytes: an LZ4 block, or the bytes themselves when raw
//
// ended by an empty raw block (both lengths and the checksum zero). A block
// that would not get smaller is stored raw.
const (
	lz4Magic       = "LZ4Block"
	lz4HeaderLen   = len(lz4Magic) + 1 + 4 + 4 + 4
	lz4MethodRaw   = 0x10
	lz4MethodLZ4   = 0x20
	lz4LevelBase   = 10
	lz4BlockSize   = 64 << 10
	lz4Level       = 6 // log2(lz4BlockSize) - lz4LevelBase
	lz4Seed        = 0x9747b28c
	lz4ChecksumMsk = 0x0FFFFFFF
)

// lz4Checksum is lz4-java's block checksum.
func lz4Checksum(b []byte) uint32 { return xxhash.Checksum32S(b, lz4Seed) & lz4ChecksumMsk }

// appendLZ4Blocks appends src in the lz4-java block stream format to dst.
func appendLZ4Blocks(dst, src []byte) []byte {
	var c lz4.Compressor
	buf := make([]byte, lz4.CompressBlockBound(lz4BlockSize))
	for len(src) > 0 {
		block := src[:min(len(src), lz4BlockSize)]
		src = src[len(block):]
		n, err := c.CompressBlock(block, buf)
		method, data := byte(lz4MethodLZ4), buf[:n]
		if err != nil || n == 0 || n >= len(block) {
			method, data = lz4MethodRaw, block
		}
		dst = appendLZ4Header(dst, method, len(data), len(block), lz4Checksum(block))
		dst = append(dst, data...)
	}
	return appendLZ4Header(dst, lz4MethodRaw, 0, 0, 0)
}

func appendLZ4Header(dst []byte, method byte, compressed, decompressed int, check uint32) []byte {
	dst = append(dst, lz4Magic...)
	dst = append(dst, method|lz4Level)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(compressed))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(decompressed))
	return binary.LittleEndian.AppendUint32(dst, check)
}

// decodeLZ4Blocks decodes an lz4-java block stream, checking every rule the
// Java reader checks: the magic, the method, the lengths against the level,
// the checksum, and the final empty block, after which nothing may follow.
func decodeLZ4Blocks(dst, src []byte, limit int) ([]byte, error) {
	bad := func(why string) ([]byte, error) { return dst, errors.Join(errUndecodable, errors.New("lz4: "+why)) }
	start := len(dst)
	for {
		if len(src) < lz4HeaderLen {
			return bad("stream ends before its final block")
		}
		if string(src[:len(lz4Magic)]) != lz4Magic {
			return bad(`block does not start with "LZ4Block"`)
		}
		token := src[len(lz4Magic)]
		method, level := token&0xF0, lz4LevelBase+int(token&0x0F)
		compressed := int64(int32(binary.LittleEndian.Uint32(src[9:])))
		decompressed := int64(int32(binary.LittleEndian.Uint32(src[13:])))
		check := binary.LittleEndian.Uint32(src[17:])
		src = src[lz4HeaderLen:]
		switch {
		case method != lz4MethodRaw && method != lz4MethodLZ4:
			return bad("unknown compression method")
		case compressed < 0 || decompressed < 0 || decompressed > 1<<level,
			(decompressed == 0) != (compressed == 0),
			method == lz4MethodRaw && compressed != decompressed:
			return bad("block lengths are inconsistent")
		case compressed > int64(len(src)):
			return bad("block is longer than the stream")
		}
		if decompressed == 0 {
			if check != 0 {
				return bad("final block has a checksum")
			}
			if len(src) != 0 {
				return bad("bytes after the final block")
			}
			return dst, nil
		}
		if int64(len(dst)-start)+decompressed > int64(limit) {
			return dst, errTooLarge
		}
		data := src[:compressed]
		src = src[compressed:]
		at := len(dst)
		dst = append(dst, make([]byte, decompressed)...)
		if method == lz4MethodRaw {
			copy(dst[at:], data)
		} else if n, err := lz4.UncompressBlock(data, dst[at:]); err != nil || int64(n) != decompressed {
			return bad("block does not decompress to its length")
		}
		if lz4Checksum(dst[at:]) != check {
			return bad("block checksum does not match")
		}
	}
}
