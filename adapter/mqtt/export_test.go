package mqtt

// Test hooks for the external tests: the lz4-java writer and reader written in
// the tests from the format's layout, the LZO framing, and the decoder.
var (
	LZ4JavaBlocks = lz4JavaBlocks
	ReadLZ4Java   = readLZ4Java
	LZOFramed     = lzoFramed
)

// Decompress decodes src with codec c, holding at most limit bytes.
func Decompress(c Codec, src []byte, limit int) ([]byte, error) {
	return decompress(nil, c, src, limit)
}
