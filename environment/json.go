package environment

import (
	"errors"
	"strconv"

	"github.com/pointguard/pointguard/internal/scan"
)

// maxDepth bounds the nesting of an environment file, as SPEC §4.7 bounds
// payloads, so that a hostile file cannot exhaust the stack.
const maxDepth = 64

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// value is a JSON value of an environment file, decoded by tree. Environment
// files are small and read once, so a tree is simpler than streaming.
type value struct {
	kind  kind
	str   string   // kindString: the decoded string
	truth bool     // kindBool
	raw   []byte   // the value's bytes in the file, for inline models
	keys  []string // kindObject: member keys, in order
	elems []*value // kindArray: elements; kindObject: member values, as keys
}

// member returns the value of the member key of an object, or nil.
func (v *value) member(key string) *value {
	for i, k := range v.keys {
		if k == key {
			return v.elems[i]
		}
	}
	return nil
}

// describe names the JSON type of v for error messages.
func (v *value) describe() string {
	switch v.kind {
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	case kindString:
		return "a string"
	case kindBool:
		return "a boolean"
	case kindNull:
		return "null"
	}
	return "a number"
}

// decoder builds a value tree with the payload scanner, which checks syntax
// and UTF-8; decoder adds what an environment needs on top: no duplicate key
// in any object (a decoder that kept the last of two would silently take one
// of two contradicting statements), bounded nesting, nothing after the value.
type decoder struct {
	data []byte
	r    scan.Reader
	keys scan.KeySet
	buf  []byte // scratch for unescaping strings
}

// decode parses data, which must hold exactly one JSON value.
func decode(data []byte) (*value, error) {
	d := &decoder{data: data}
	d.r.ResetBytes(data, 0)
	if _, ok := d.r.Peek(); !ok {
		return nil, errors.New("empty file; want a JSON object")
	}
	v, err := d.value(1, "")
	if err != nil {
		return nil, err
	}
	if _, ok := d.r.Peek(); ok {
		return nil, errors.New("data after the top-level value")
	}
	return v, nil
}

// syntaxError words a scanner error with its byte offset.
func syntaxError(e *scan.Error) error {
	detail := e.Detail()
	if e.Kind == scan.ErrEOF {
		detail = "unexpected end of JSON input"
	}
	return errors.New("offset " + strconv.FormatInt(e.Offset, 10) + ": " + detail)
}

// value reads one value at depth (the top-level value has depth 1); path is
// where it is, "" for the top level, for messages.
func (d *decoder) value(depth int, path string) (*value, error) {
	r := &d.r
	c, ok := r.Peek()
	if !ok {
		return nil, syntaxError(r.Fail(0, false, "value"))
	}
	start := r.Offset()
	v := &value{}
	switch {
	case c == '{' || c == '[':
		if depth > maxDepth {
			return nil, errors.New("nesting deeper than " + strconv.Itoa(maxDepth))
		}
		var err error
		if c == '{' {
			err = d.object(v, depth, path)
		} else {
			err = d.array(v, depth, path)
		}
		if err != nil {
			return nil, err
		}
	case c == '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		v.kind, v.str = kindString, s
	case c == '-' || (c >= '0' && c <= '9'):
		if _, _, err := r.ReadNumber(); err != nil {
			return nil, syntaxError(err)
		}
		v.kind = kindNumber
	case c == 't' || c == 'f' || c == 'n':
		lit, err := r.ReadLiteral()
		if err != nil {
			return nil, syntaxError(err)
		}
		if lit != 'n' {
			v.kind, v.truth = kindBool, lit == 't'
		}
	default:
		return nil, syntaxError(r.Fail(c, true, "value"))
	}
	v.raw = d.data[start:r.Offset()]
	return v, nil
}

// string reads a string token and decodes it.
func (d *decoder) string() (string, error) {
	raw, esc, err := d.r.ReadString()
	if err != nil {
		return "", syntaxError(err)
	}
	if !esc {
		return string(raw), nil
	}
	d.buf = scan.AppendUnescaped(d.buf[:0], raw)
	return string(d.buf), nil
}

func (d *decoder) object(v *value, depth int, path string) error {
	r := &d.r
	r.Skip1() // '{'
	v.kind = kindObject
	obj := d.keys.Open()
	defer d.keys.Close(&obj)
	if c, ok := r.Peek(); ok && c == '}' {
		r.Skip1()
		return nil
	}
	for {
		if c, ok := r.Peek(); !ok || c != '"' {
			return syntaxError(r.Fail(c, ok, "string key"))
		}
		raw, esc, err := r.ReadString()
		if err != nil {
			return syntaxError(err)
		}
		key, dup := d.keys.Add(&obj, raw, esc)
		if dup {
			where := path
			if where == "" {
				where = "the top-level object"
			}
			return errors.New("duplicate key " + strconv.Quote(string(key)) + " in " + where)
		}
		if c, ok := r.Peek(); !ok || c != ':' {
			return syntaxError(r.Fail(c, ok, "':' after key"))
		}
		r.Skip1()
		k := string(key)
		child := k
		if path != "" {
			child = path + "." + k
		}
		elem, err2 := d.value(depth+1, child)
		if err2 != nil {
			return err2
		}
		v.keys = append(v.keys, k)
		v.elems = append(v.elems, elem)
		c, ok := r.Peek()
		if ok && c == ',' {
			r.Skip1()
			continue
		}
		if ok && c == '}' {
			r.Skip1()
			return nil
		}
		return syntaxError(r.Fail(c, ok, "',' or '}'"))
	}
}

func (d *decoder) array(v *value, depth int, path string) error {
	r := &d.r
	r.Skip1() // '['
	v.kind = kindArray
	if c, ok := r.Peek(); ok && c == ']' {
		r.Skip1()
		return nil
	}
	for i := 0; ; i++ {
		elem, err := d.value(depth+1, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return err
		}
		v.elems = append(v.elems, elem)
		c, ok := r.Peek()
		if ok && c == ',' {
			r.Skip1()
			continue
		}
		if ok && c == ']' {
			r.Skip1()
			return nil
		}
		return syntaxError(r.Fail(c, ok, "',' or ']'"))
	}
}
