package scan

import "github.com/pointguard/pointguard/internal/quote"

// Frame is one step of the path to the value being read: an object member's
// decoded key, or an array index.
type Frame struct {
	Key     []byte
	Index   int
	IsIndex bool
}

// Skipper reads whole values of any shape while enforcing the hygiene rules of
// SPEC §4.7: nesting depth, duplicate keys, and array length. It keeps the path
// within the value it skips, which the caller reads with Frames and Frame to name
// the place of an error; the caller's own path stays the caller's.
type Skipper struct {
	R        *Reader
	Keys     *KeySet
	MaxDepth int // deepest nesting allowed; containers deeper fail with ErrDepth
	MaxArray int // most items of an array; 0: no limit
	// Soft is called for each non-fatal error (ErrDuplicate, ErrUTF8,
	// ErrSurrogate) while [Skipper.Frames] locate the offending value within
	// the value being skipped; reading goes on.
	Soft func(e *Error)

	path  []Frame // inside the value being skipped
	stack []skipLevel
}

// Frames returns how many steps lead from the value Skip was called on to the
// value it is reading: during Soft, and after Skip returned a fatal error, the
// offending value, until the next Skip or Reset. It is 0 once Skip has returned
// nil.
func (s *Skipper) Frames() int { return len(s.path) }

// Frame returns step i of that path, 0 <= i < Frames(). A key is valid until
// the next call that reads.
func (s *Skipper) Frame(i int) Frame { return s.path[i] }

// Reset forgets the path and the open containers that a fatal error left, so
// that Frames is 0 until the next Skip. Call it when starting a new input.
func (s *Skipper) Reset() {
	s.path = s.path[:0]
	s.stack = s.stack[:0]
}

type skipLevel struct {
	obj   bool
	off   int64 // offset of the '{' or '['
	keys  Obj
	count int
}

// Skip reads one value whose own depth is depth (the top-level value has depth
// 1). It returns nil or a fatal error.
func (s *Skipper) Skip(depth int) *Error {
	r := s.R
	s.path = s.path[:0]
	base := len(s.stack)
	for {
		// A value.
		c, ok := r.Peek()
		if !ok {
			return r.Fail(0, false, "value")
		}
		switch {
		case c == '{' || c == '[':
			if d := depth + len(s.stack) - base; d > s.MaxDepth {
				return r.FailAt(ErrDepth, r.Offset(), s.MaxDepth)
			}
			r.Skip1()
			lv := skipLevel{obj: c == '{', off: r.Offset() - 1}
			if lv.obj {
				lv.keys = s.Keys.Open()
			}
			s.stack = append(s.stack, lv)
			close := byte(']')
			if lv.obj {
				close = '}'
			}
			c, ok = r.Peek()
			if ok && c == close {
				r.Skip1()
				s.pop()
				break
			}
			if lv.obj {
				if err := s.member(); err != nil {
					return err
				}
			} else {
				s.path = append(s.path, Frame{IsIndex: true})
			}
			continue
		case c == '"':
			if _, _, err := r.ReadString(); err != nil {
				if err.Kind.Fatal() {
					return err
				}
				s.soft(err)
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if _, _, err := r.ReadNumber(); err != nil {
				return err
			}
		case c == 't' || c == 'f' || c == 'n':
			if _, err := r.ReadLiteral(); err != nil {
				return err
			}
		default:
			return r.Fail(c, true, "value")
		}
		// After a value: close containers or move to the next member or item.
		for {
			if len(s.stack) == base {
				return nil
			}
			top := &s.stack[len(s.stack)-1]
			c, ok := r.Peek()
			if ok && c == ',' {
				r.Skip1()
				if top.obj {
					s.path = s.path[:len(s.path)-1]
					if err := s.member(); err != nil {
						return err
					}
				} else {
					top.count++
					s.path[len(s.path)-1].Index = top.count
					if s.MaxArray > 0 && top.count >= s.MaxArray {
						r.Peek() // the offset of the first item over the limit
						return r.FailAt(ErrArrayLength, r.Offset(), s.MaxArray)
					}
				}
				break
			}
			if top.obj && ok && c == '}' || !top.obj && ok && c == ']' {
				r.Skip1()
				s.path = s.path[:len(s.path)-1]
				s.pop()
				continue
			}
			if top.obj {
				return r.Fail(c, ok, "',' or '}'")
			}
			return r.Fail(c, ok, "',' or ']'")
		}
	}
}

func (s *Skipper) pop() {
	top := &s.stack[len(s.stack)-1]
	if top.obj {
		s.Keys.Close(&top.keys)
	}
	s.stack = s.stack[:len(s.stack)-1]
}

// member reads `"key":` in the innermost object and pushes the key on Path.
func (s *Skipper) member() *Error {
	r := s.R
	c, ok := r.Peek()
	if !ok || c != '"' {
		return r.Fail(c, ok, "string key")
	}
	raw, esc, err := r.ReadString()
	top := &s.stack[len(s.stack)-1]
	if err != nil && err.Kind == ErrTokenLength {
		err.Offset = top.off // a key is no value: the error names the object, at its first byte
	}
	if err != nil && err.Kind.Fatal() {
		return err
	}
	var keyErr Error
	if err != nil {
		keyErr = *err
	}
	key, dup := s.Keys.Add(&top.keys, raw, esc)
	s.path = append(s.path, Frame{Key: key})
	if c, ok = r.Peek(); !ok || c != ':' {
		return r.Fail(c, ok, "':' after key")
	}
	r.Skip1()
	// Errors about a key are reported at its value, the place a pointer can name.
	if keyErr.Kind != 0 || dup {
		r.Peek()
		if keyErr.Kind != 0 {
			keyErr.Offset = r.Offset()
			s.soft(&keyErr)
		}
		if dup {
			e := Error{Kind: ErrDuplicate, Offset: r.Offset(), Want: quote.Diag(string(key), 64)}
			s.soft(&e)
		}
	}
	return nil
}

func (s *Skipper) soft(e *Error) {
	if s.Soft != nil {
		cp := *e
		s.Soft(&cp)
	}
}
