// Package scan is the streaming JSON scanner under the payload path.
//
// A [Reader] reads RFC 8259 tokens from a byte slice or an io.Reader through a
// sliding window. A token is always contiguous in the window, so the slices it
// returns point into the window without copying; they stay valid until the next
// call that reads. The window grows only to hold the longest token, which the
// caller bounds (MaxToken), never to a length that the input declares.
//
// The scanner checks syntax, UTF-8 (§4.7: invalid UTF-8, and \u escapes that leave
// a lone surrogate, are errors) and token lengths; it does not allocate in steady
// state. Structure (nesting, duplicate keys) is the caller's, with the help of
// [KeySet] and [Reader.Skip].
package scan
