package mqtt

import (
	"encoding/binary"
	"errors"
)

// LZO payloads come from lzo-java's LzoOutputStream (org.anarres.lzo), which
// the vendor's Java SDK uses with the LZO1X algorithm. Its stream is a
// sequence of blocks, each
//
//	decompressedLen  4 bytes  big endian
//	compressedLen    4 bytes  big endian
//	data             compressedLen bytes: one complete LZO1X stream
//
// and it ends where the bytes end (no block at all is an empty payload, as
// LzoInputStream reads it). The LZO1X decoder below follows the format
// as the LZO library and the Linux kernel document it; unlike the decoders at
// hand it is bounded: every copy is checked against the output limit and
// every back reference against the bytes already produced, so a hostile
// payload can neither expand past the payload limit nor read out of bounds.

var errLZO = errors.New("lzo: invalid LZO1X data")

// decodeLZO decodes an LzoOutputStream stream, appending to dst.
func decodeLZO(dst, src []byte, limit int) ([]byte, error) {
	start := len(dst)
	for len(src) > 0 {
		if len(src) < 8 {
			return dst, errors.Join(errUndecodable, errors.New("lzo: block header is cut short"))
		}
		decompressed := int64(int32(binary.BigEndian.Uint32(src)))
		compressed := int64(int32(binary.BigEndian.Uint32(src[4:])))
		src = src[8:]
		if decompressed < 0 || compressed < 0 || compressed > int64(len(src)) {
			return dst, errors.Join(errUndecodable, errors.New("lzo: block lengths are inconsistent"))
		}
		if int64(len(dst)-start)+decompressed > int64(limit) {
			return dst, errTooLarge
		}
		at := len(dst)
		var err error
		dst, err = lzo1xDecode(dst, src[:compressed], at+int(decompressed))
		if err != nil {
			return dst[:at], errors.Join(errUndecodable, err)
		}
		if len(dst)-at != int(decompressed) {
			return dst[:at], errors.Join(errUndecodable, errors.New("lzo: block does not decompress to its length"))
		}
		src = src[compressed:]
	}
	return dst, nil
}

// lzo1xDecode appends the decoding of the LZO1X stream in, which must end
// with the end-of-stream marker at its last byte, to dst; dst may not grow
// beyond max bytes. Back references reach only bytes this call produced.
//
// The instructions, by the first byte t and the number of literals the
// previous instruction copied (state 0 to 3, or 4 after a literal run):
//
//	0000LLLL, state 0:   a literal run of 3+L bytes (L=0: 18 + extended length)
//	0000DDSS, state 1-3: copy 2 bytes from distance (H<<2)+D+1, H the next byte
//	0000DDSS, state 4:   copy 3 bytes from distance (H<<2)+D+2049
//	0001HLLL:            copy 2+L bytes (L=0: 9 + extended), distance
//	                     16384+(H<<14)+(W>>2) with W the next 16 bits little
//	                     endian; distance 16384 ends the stream
//	001LLLLL:            copy 2+L bytes (L=0: 33 + extended), distance (W>>2)+1
//	01LDDDSS:            copy 3+L bytes from distance (H<<3)+D+1
//	1LLDDDSS:            copy 5+L bytes from distance (H<<3)+D+1
//
// After a match, S (the two low bits of t, or of W) literals follow and become
// the state. An extended length is 255 for each zero byte, plus the first
// non-zero byte. A first byte above 17 is a literal run of t-17 bytes.
func lzo1xDecode(dst, in []byte, max int) ([]byte, error) {
	base := len(dst)
	ip := 0
	next := func() (int, bool) {
		if ip >= len(in) {
			return 0, false
		}
		ip++
		return int(in[ip-1]), true
	}
	extended := func(bits int) (int, bool) {
		n := 0
		for {
			b, ok := next()
			if !ok {
				return 0, false
			}
			if b != 0 {
				return n + bits + b, true
			}
			n += 255
			if n > max { // longer than any output we accept
				return 0, false
			}
		}
	}
	literals := func(n int) bool {
		if n > len(in)-ip || len(dst)+n > max {
			return false
		}
		dst = append(dst, in[ip:ip+n]...)
		ip += n
		return true
	}
	match := func(dist, n int) bool {
		if dist <= 0 || dist > len(dst)-base || len(dst)+n > max {
			return false
		}
		from := len(dst) - dist
		for i := 0; i < n; i++ { // byte by byte: a match may overlap its own output
			dst = append(dst, dst[from+i])
		}
		return true
	}

	state := 0
	t, ok := next()
	if !ok {
		return dst, errLZO
	}
	if t > 17 {
		n := t - 17
		if !literals(n) {
			return dst, errLZO
		}
		state = min(n, 4)
		if t, ok = next(); !ok {
			return dst, errLZO
		}
	}
	for {
		var dist, n, s int
		switch {
		case t < 16 && state == 0:
			n = t + 3
			if t == 0 {
				if n, ok = extended(15 + 3); !ok {
					return dst, errLZO
				}
			}
			if !literals(n) {
				return dst, errLZO
			}
			state = 4
			if t, ok = next(); !ok {
				return dst, errLZO
			}
			continue
		case t < 16:
			h, ok := next()
			if !ok {
				return dst, errLZO
			}
			dist, n, s = (h<<2)+(t>>2)+1, 2, t&3
			if state == 4 {
				dist, n = dist+2048, 3
			}
		case t < 32:
			n = t&7 + 2
			if t&7 == 0 {
				if n, ok = extended(7 + 2); !ok {
					return dst, errLZO
				}
			}
			lo, ok1 := next()
			hi, ok2 := next()
			if !ok1 || !ok2 {
				return dst, errLZO
			}
			w := lo | hi<<8
			dist, s = 16384+(t&8)<<11+w>>2, w&3
			if dist == 16384 {
				// End of stream: it must be the last instruction.
				if ip != len(in) {
					return dst, errors.New("lzo: bytes after the end of the stream")
				}
				return dst, nil
			}
		case t < 64:
			n = t&31 + 2
			if t&31 == 0 {
				if n, ok = extended(31 + 2); !ok {
					return dst, errLZO
				}
			}
			lo, ok1 := next()
			hi, ok2 := next()
			if !ok1 || !ok2 {
				return dst, errLZO
			}
			w := lo | hi<<8
			dist, s = w>>2+1, w&3
		default:
			h, ok := next()
			if !ok {
				return dst, errLZO
			}
			dist, s = h<<3+(t>>2)&7+1, t&3
			if t < 128 {
				n = (t>>5)&1 + 3
			} else {
				n = (t>>5)&3 + 5
			}
		}
		if !match(dist, n) || !literals(s) {
			return dst, errLZO
		}
		state = s
		if t, ok = next(); !ok {
			return dst, errLZO
		}
	}
}

// appendLZO appends src to dst as an LzoOutputStream stream of blocks of at
// most 64 KiB, each one LZO1X stream made of a single literal run and the
// end-of-stream marker. It is valid LZO1X that every decoder reads, but does
// not compress: the broker compresses only its replies, which are a few dozen
// bytes, and an LZO compressor is not worth its code for them.
func appendLZO(dst, src []byte) []byte {
	for len(src) > 0 {
		block := src[:min(len(src), 64<<10)]
		src = src[len(block):]
		var data []byte
		switch n := len(block); {
		case n <= 238:
			data = append(data, byte(17+n))
		default: // a literal run at state 0 with an extended length
			r := n - 18
			data = append(data, 0)
			for ; r > 255; r -= 255 {
				data = append(data, 0)
			}
			data = append(data, byte(r))
		}
		data = append(data, block...)
		data = append(data, 0x11, 0, 0) // distance 16384: end of stream
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(block)))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
		dst = append(dst, data...)
	}
	return dst
}
