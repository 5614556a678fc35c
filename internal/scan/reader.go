package scan

import (
	"encoding/binary"
	"io"
	"math/bits"
	"unicode/utf8"
)

// DefaultWindow is the initial size of the window of a streaming Reader.
const DefaultWindow = 64 << 10

// Reader reads JSON tokens from a byte slice or a stream. The zero value is not
// ready; call ResetBytes or ResetReader. A Reader may be reused.
type Reader struct {
	buf  []byte
	pos  int   // next byte to read in buf
	end  int   // buf[:end] holds input
	base int64 // offset of buf[0] in the input

	src   io.Reader
	eof   bool  // no more input (always true for ResetBytes)
	rerr  error // error from src other than io.EOF
	limit int64 // read at most limit+1 bytes from src; negative: no limit
	total int64 // bytes read from src
	over  bool  // src had more than limit bytes
	own   []byte

	// MaxToken bounds the raw length of a string (between its quotes) or a number.
	// Zero or negative means no limit.
	MaxToken int

	capOn    bool
	capStart int
	capOff   int64
	capBuf   []byte
	capMax   int
	capOver  bool

	err Error // the last error, returned by pointer to avoid allocating
}

// ResetBytes makes r read b. Nothing is copied.
func (r *Reader) ResetBytes(b []byte, base int64) {
	*r = Reader{buf: b, end: len(b), base: base, eof: true, limit: -1,
		MaxToken: r.MaxToken, own: r.own, capBuf: r.capBuf[:0]}
}

// ResetReader makes r read src through its window. It reads at most limit+1 bytes
// from src (Over reports whether there were more than limit); a negative limit
// reads to the end.
func (r *Reader) ResetReader(src io.Reader, limit int64) {
	if r.own == nil {
		r.own = make([]byte, DefaultWindow)
	}
	*r = Reader{buf: r.own, src: src, limit: limit, MaxToken: r.MaxToken, own: r.own, capBuf: r.capBuf[:0]}
}

// Offset returns the input offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// InMemory reports whether r reads a byte slice (ResetBytes): tokens then stay
// valid until the next Reset.
func (r *Reader) InMemory() bool { return r.src == nil }

// Over reports whether the input turned out longer than the limit of ResetReader.
func (r *Reader) Over() bool { return r.over }

// ReadErr returns the error of the underlying reader, if any (never io.EOF).
func (r *Reader) ReadErr() error { return r.rerr }

// refill reads more input, keeping buf[keep:] (keep <= pos). It returns false when
// there is no more input. Positions before keep are discarded, after flushing them
// to the capture buffer if a capture is on.
func (r *Reader) refill(keep int) bool {
	if r.eof {
		return false
	}
	if r.capOn {
		r.capBuf = append(r.capBuf, r.buf[r.capStart:keep]...)
		if r.capMax > 0 && len(r.capBuf) > r.capMax {
			r.capOver = true
			r.capBuf = r.capBuf[:0] // drop: the capture has failed already
		}
		r.capStart = 0
	}
	if keep > 0 {
		n := copy(r.buf, r.buf[keep:r.end])
		r.base += int64(keep)
		r.pos -= keep
		r.end = n
	}
	if r.end == len(r.buf) {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf, r.own = nb, nb
	}
	for tries := 0; tries < 100; tries++ {
		want := len(r.buf) - r.end
		// At most limit+1 bytes in all, written so that a limit of
		// math.MaxInt64 does not overflow.
		if rest := r.limit - r.total; r.limit >= 0 && int64(want)-1 > rest {
			want = int(rest + 1)
		}
		if want <= 0 {
			r.over = true
			r.eof = true
			return false
		}
		n, err := r.src.Read(r.buf[r.end : r.end+want])
		if n < 0 || n > want {
			n = 0
			err = io.ErrNoProgress
		}
		r.end += n
		r.total += int64(n)
		if r.limit >= 0 && r.total > r.limit {
			r.over = true
			r.eof = true
			return false
		}
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.eof = true
	r.rerr = io.ErrNoProgress
	return false
}

// Drain reads and discards the rest of the input, up to the limit of ResetReader.
func (r *Reader) Drain() {
	r.capOn = false
	r.pos = r.end
	for r.refill(r.pos) {
		r.pos = r.end
	}
}

// Peek skips white space and returns the next byte without consuming it; ok is
// false at the end of the input.
func (r *Reader) Peek() (c byte, ok bool) {
	if r.pos < r.end { // fast path, small enough to inline: no white space
		if c = r.buf[r.pos]; c > ' ' {
			return c, true
		}
	}
	return r.peekSlow()
}

func (r *Reader) peekSlow() (c byte, ok bool) {
	for {
		for r.pos < r.end {
			c = r.buf[r.pos]
			if c > ' ' || !isSpace[c] {
				return c, true
			}
			r.pos++
		}
		if !r.refill(r.pos) {
			return 0, false
		}
	}
}

// Skip1 consumes one byte; call it after Peek.
func (r *Reader) Skip1() { r.pos++ }

var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func (r *Reader) fail(k Kind, off int64) *Error {
	r.err = Error{Kind: k, Offset: off}
	return &r.err
}

// Fail returns an Error of kind ErrChar for byte c at offset off wanting want,
// or ErrEOF when ok is false (c is then ignored). Callers use it when Peek gave a
// byte they cannot accept.
func (r *Reader) Fail(c byte, ok bool, want string) *Error {
	if !ok {
		r.err = Error{Kind: ErrEOF, Offset: r.Offset(), Want: want}
	} else {
		r.err = Error{Kind: ErrChar, Offset: r.Offset(), Byte: c, Want: want}
	}
	return &r.err
}

// FailAt returns an error of kind k at offset off, with limit for the limit kinds.
func (r *Reader) FailAt(k Kind, off int64, limit int) *Error {
	r.err = Error{Kind: k, Offset: off, Limit: limit}
	return &r.err
}

// strSafe marks bytes that need no attention inside a string.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// Word-at-a-time tests on eight bytes loaded little-endian, so that the first
// byte of the input is the lowest of the word. Each sets the high bit of the
// bytes it finds. A subtraction that borrows or an addition that carries only
// changes higher bytes, so the lowest byte marked is always one the test
// looks for, and the first such byte is always marked: callers use only it.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialBytes marks the bytes of w that a string cannot hold as they are:
// '"', '\', a control byte, and a byte of a multi-byte UTF-8 sequence.
func specialBytes(w uint64) uint64 {
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (w-ones*0x20)&^w | w) & highs
}

// skipSafeWords skips the bytes of b from j that strSafe marks, eight at a
// time: it returns the first byte it does not mark, or where fewer than eight
// bytes are left, which the caller then reads one by one.
func skipSafeWords(b []byte, j int) int {
	for len(b)-j >= 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	return j
}

// ReadString reads a string token; the next byte must be '"' (Peek it first). It
// returns the raw bytes between the quotes, whether they contain escapes, and an
// error. A non-fatal error (ErrUTF8, ErrSurrogate) comes with the whole string
// consumed and raw valid; after a fatal one the Reader is unusable.
func (r *Reader) ReadString() (raw []byte, esc bool, err *Error) {
	start := r.pos + 1
	i := start
	var soft *Error
	for {
		for i = skipSafeWords(r.buf[:r.end], i); i < r.end && strSafe[r.buf[i]]; i++ {
		}
		if r.MaxToken > 0 && i-start > r.MaxToken {
			e := r.fail(ErrTokenLength, r.base+int64(start-1))
			e.Limit = r.MaxToken
			return nil, esc, e
		}
		if i >= r.end {
			if !r.have(&start, &i, 1) {
				r.err = Error{Kind: ErrEOF, Offset: r.base + int64(r.end), Want: `closing '"' of string`}
				return nil, esc, &r.err
			}
			continue
		}
		c := r.buf[i]
		switch {
		case c == '"':
			r.pos = i + 1
			if soft != nil {
				r.err = *soft
				return r.buf[start:i], esc, &r.err
			}
			return r.buf[start:i], esc, nil
		case c == '\\':
			esc = true
			if !r.have(&start, &i, 2) {
				r.err = Error{Kind: ErrEOF, Offset: r.base + int64(r.end), Want: "escape sequence"}
				return nil, esc, &r.err
			}
			switch r.buf[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if !r.have(&start, &i, 6) {
					for k := i + 2; k < r.end; k++ {
						if _, ok := hex4([]byte{r.buf[k], '0', '0', '0'}); !ok {
							return nil, esc, r.fail(ErrEscape, r.base+int64(i))
						}
					}
					r.err = Error{Kind: ErrEOF, Offset: r.base + int64(r.end), Want: "4 hex digits"}
					return nil, esc, &r.err
				}
				u, ok := hex4(r.buf[i+2 : i+6])
				if !ok {
					return nil, esc, r.fail(ErrEscape, r.base+int64(i))
				}
				switch {
				case u >= 0xD800 && u < 0xDC00:
					// A high surrogate must be followed by an escaped low one.
					if r.have(&start, &i, 12) && r.buf[i+6] == '\\' && r.buf[i+7] == 'u' {
						if lo, ok := hex4(r.buf[i+8 : i+12]); ok && lo >= 0xDC00 && lo < 0xE000 {
							i += 12
							continue
						}
					}
					if soft == nil {
						soft = &Error{Kind: ErrSurrogate, Offset: r.base + int64(start-1)}
					}
					i += 6
				case u >= 0xDC00 && u < 0xE000:
					if soft == nil {
						soft = &Error{Kind: ErrSurrogate, Offset: r.base + int64(start-1)}
					}
					i += 6
				default:
					i += 6
				}
			default:
				return nil, esc, r.fail(ErrEscape, r.base+int64(i))
			}
		case c < 0x20:
			e := r.fail(ErrControl, r.base+int64(i))
			e.Byte = c
			return nil, esc, e
		default: // c >= 0x80
			r.have(&start, &i, utf8.UTFMax) // best effort: fewer at the end of input
			rn, size := utf8.DecodeRune(r.buf[i:r.end])
			if rn == utf8.RuneError && size <= 1 {
				if soft == nil {
					soft = &Error{Kind: ErrUTF8, Offset: r.base + int64(start-1)}
				}
				size = 1
			}
			i += size
		}
	}
}

// ReadKey reads an object key and the ':' after it; the next byte must be '"'.
// It returns what ReadString returns; a missing ':' is an ErrChar (or ErrEOF) at
// the byte found instead, and then raw is still the key. It saves callers a call
// per key on the hot path.
func (r *Reader) ReadKey() (raw []byte, esc bool, err *Error) {
	raw, esc, err = r.ReadString()
	if err != nil && err.Kind.Fatal() {
		return raw, esc, err
	}
	if r.pos < r.end && r.buf[r.pos] == ':' {
		r.pos++
		return raw, esc, err
	}
	var soft Error
	if err != nil {
		soft = *err
	}
	// White space before ':', or the window ends here: skip white space, keeping
	// the key (from its opening quote) in the window if it must be refilled.
	n := len(raw)
	start := r.pos - n - 1 // raw is buf[start:start+n]
	for {
		for r.pos < r.end && isSpace[r.buf[r.pos]] {
			r.pos++
		}
		if r.pos < r.end {
			break
		}
		base := r.base
		more := r.refill(start - 1)
		start -= int(r.base - base)
		if !more {
			return r.buf[start : start+n], esc, r.Fail(0, false, "':' after key")
		}
	}
	raw = r.buf[start : start+n]
	if c := r.buf[r.pos]; c != ':' {
		return raw, esc, r.Fail(c, true, "':' after key")
	}
	r.pos++
	if soft.Kind != 0 {
		r.err = soft
		return raw, esc, &r.err
	}
	return raw, esc, nil
}

// TryKey consumes the key k and the ':' after it when the input holds exactly
// "k": next (no escapes, no white space before the ':'), and reports whether it
// did. k must be a string that needs no escaping, such as an identifier. It lets
// a caller that expects a key compare it in place instead of scanning it.
func (r *Reader) TryKey(k string) bool {
	p := r.pos
	end := p + len(k) + 2
	if end >= r.end || r.buf[p] != '"' || r.buf[end-1] != '"' || r.buf[end] != ':' {
		return false
	}
	if string(r.buf[p+1:end-1]) != k {
		return false
	}
	r.pos = end + 1
	return true
}

// have makes sure that buf[*i:*i+n] is in the window, refilling and keeping
// buf[*start-1:] (the opening quote). It reports false when the input ends first.
func (r *Reader) have(start, i *int, n int) bool {
	for *i+n > r.end {
		// refill may move the window and then find the input at its end: the
		// indices follow the move whatever it returns.
		base := r.base
		more := r.refill(*start - 1)
		shift := int(r.base - base)
		*start -= shift
		*i -= shift
		if !more {
			return false
		}
	}
	return true
}

func hex4(b []byte) (rune, bool) {
	var u rune
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		u = u<<4 | rune(d)
	}
	return u, true
}

var numChar = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// Num describes the shape of a number token, found while its grammar is checked.
//
// It is three words, so that ReadNumber's results stay in registers.
type Num struct {
	Value     uint64 // the integer part's magnitude, exact when IntDigits <= 19
	IntDigits int32  // digits before the fraction or exponent
	flags     uint8
}

const (
	numNeg  = 1 << iota // starts with '-'
	numFrac             // has a fraction
	numExp              // has an exponent
)

// Neg reports whether the number starts with '-'.
func (n Num) Neg() bool { return n.flags&numNeg != 0 }

// Frac reports whether the number has a fraction.
func (n Num) Frac() bool { return n.flags&numFrac != 0 }

// Exp reports whether the number has an exponent.
func (n Num) Exp() bool { return n.flags&numExp != 0 }

// Integer reports whether the number is written without fraction or exponent.
func (n Num) Integer() bool { return n.flags&(numFrac|numExp) == 0 }

// Int32 returns the value of an integer literal when it lies in the int32 range.
func (n Num) Int32() (int64, bool) {
	if !n.Integer() || n.IntDigits > 10 {
		return 0, false
	}
	v := int64(n.Value)
	if n.Neg() {
		v = -v
	}
	return v, v >= -1<<31 && v <= 1<<31-1
}

// Int64 returns the value of an integer literal of at most 18 digits, which
// the shape holds exactly; longer ones are for ParseInt.
func (n Num) Int64() (int64, bool) {
	if !n.Integer() || n.IntDigits > 18 {
		return 0, false
	}
	v := int64(n.Value)
	if n.Neg() {
		v = -v
	}
	return v, true
}

// ReadNumber reads a number token; the next byte must be '-' or a digit. It
// returns the raw bytes of the number and its shape.
func (r *Reader) ReadNumber() ([]byte, Num, *Error) {
	// Fast path, one pass: the number ends inside the window, before a byte that
	// cannot continue it.
	if b := r.buf[r.pos:r.end]; len(b) > 0 {
		if info, end, ok := PlainNumber(b); ok && (r.MaxToken <= 0 || end <= r.MaxToken) {
			r.pos += end
			return b[:end], info, nil
		}
	}
	start := r.pos
	i := start
	for {
		for i < r.end && numChar[r.buf[i]] {
			i++
		}
		if r.MaxToken > 0 && i-start > r.MaxToken {
			e := r.fail(ErrTokenLength, r.base+int64(start))
			e.Limit = r.MaxToken
			return nil, Num{}, e
		}
		if i < r.end {
			break
		}
		base := r.base
		more := r.refill(start)
		shift := int(r.base - base) // the window may have moved even when the input ended
		start -= shift
		i -= shift
		if !more {
			break
		}
	}
	num := r.buf[start:i]
	info, bad, ok := numberShape(num)
	if !ok || bad != len(num) {
		// Stopped inside the run ("01", "1.5.3", "1.}"), or the run ended early ("1.").
		if bad < len(num) {
			r.err = Error{Kind: ErrChar, Offset: r.base + int64(start+bad), Byte: num[bad], Want: "digit"}
		} else {
			r.err = Error{Kind: ErrNumber, Offset: r.base + int64(i), Want: "digit"}
		}
		return nil, Num{}, &r.err
	}
	r.pos = i
	return num, info, nil
}

// numberShape reads the longest prefix of b that the RFC 8259 number grammar can
// read. It returns the number's shape, where it stopped, and whether the grammar
// was complete there (not after '-', '.', 'e' or a sign). b is a whole number when
// ok and end == len(b). Otherwise end is the first byte that breaks the grammar, or
// len(b) when b ends too early, which callers report as len(b)+1.
func numberShape(b []byte) (n Num, end int, ok bool) {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return n, len(b) + 1, false
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		var v uint64
		for ; i < len(b); i++ {
			d := b[i] - '0' // a byte below '0' wraps around to above 9
			if d > 9 {
				break
			}
			v = v*10 + uint64(d) // exact for up to 19 digits; read only then
		}
		n.Value = v
	default:
		return n, i, false
	}
	n.IntDigits = int32(i)
	if b[0] == '-' {
		n.IntDigits--
		n.flags |= numNeg
	}
	if i < len(b) && b[i] == '.' {
		n.flags |= numFrac
		if i, ok = digitsAfter(b, i+1); !ok {
			return n, i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.flags |= numExp
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, ok = digitsAfter(b, i); !ok {
			return n, i, false
		}
	}
	return n, i, true
}

// digitsAfter reads the one or more digits that must follow a '.', an 'e' or
// an exponent's sign, from b[i]. It returns the index after them, or the index
// of the byte that is no digit (len(b)+1 when b ends first) and false.
func digitsAfter(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return len(b) + 1, false
	}
	if b[i]-'0' > 9 {
		return i, false
	}
	for i++; i < len(b) && b[i]-'0' <= 9; i++ {
	}
	return i, true
}

// ReadLiteral reads true, false or null; the next byte must be 't', 'f' or 'n'.
// It returns the literal's first byte.
func (r *Reader) ReadLiteral() (byte, *Error) {
	c := r.buf[r.pos]
	var lit string
	switch c {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	default:
		lit = "null"
	}
	if r.end-r.pos >= len(lit) && string(r.buf[r.pos:r.pos+len(lit)]) == lit {
		r.pos += len(lit) // whole in the window, as it mostly is
		return c, nil
	}
	for k := 0; k < len(lit); k++ {
		if r.pos >= r.end && !r.refill(r.pos) {
			r.err = Error{Kind: ErrEOF, Offset: r.Offset(), Want: lit}
			return 0, &r.err
		}
		if r.buf[r.pos] != lit[k] {
			r.err = Error{Kind: ErrChar, Offset: r.Offset(), Byte: r.buf[r.pos], Want: lit}
			return 0, &r.err
		}
		r.pos++
	}
	return c, nil
}

// StartCapture starts recording the input from the next unread byte (call it
// after Peek, at the first byte of a value). Captured bytes beyond max (when max
// is positive) make EndCapture fail.
func (r *Reader) StartCapture(max int) {
	r.capOn = true
	r.capStart = r.pos
	r.capOff = r.Offset()
	r.capBuf = r.capBuf[:0]
	r.capMax = max
	r.capOver = false
}

// EndCapture stops recording and returns the bytes read since StartCapture and
// the offset of the first. The slice is valid until the next StartCapture or
// Reset. ok is false when the capture exceeded its limit.
func (r *Reader) EndCapture() (b []byte, off int64, ok bool) {
	r.capOn = false
	if r.src == nil {
		b = r.buf[r.capStart:r.pos]
	} else {
		r.capBuf = append(r.capBuf, r.buf[r.capStart:r.pos]...)
		b = r.capBuf
	}
	if r.capOver || (r.capMax > 0 && len(b) > r.capMax) {
		return nil, r.capOff, false
	}
	return b, r.capOff, true
}
