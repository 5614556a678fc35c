package envfile

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
)

// maxDepth bounds the nesting of an environment file, as SPEC §4.7 bounds
// payloads, so that a hostile file cannot exhaust the stack of a decoder.
const maxDepth = 64

// frame is an open object or array while checkSyntax walks the tokens.
type frame struct {
	object    bool
	keys      map[string]bool // object: the keys seen so far
	expectKey bool            // object: a key comes next
	lastKey   string          // object: the key of the current member
	index     int             // array: index of the current element
	path      string          // location of the container, for messages
}

// childPath returns the location of the value now being read in f.
func (f *frame) childPath() string {
	if f.object {
		return f.path + "." + f.lastKey
	}
	return f.path + "[" + strconv.Itoa(f.index) + "]"
}

// checkSyntax reports a JSON syntax error, a duplicate key in any object, a
// nesting deeper than maxDepth, or data after the top-level value. Decoders keep
// the last of two duplicate keys silently; a file that says two things must be
// refused instead.
func checkSyntax(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty file; want a JSON object")
	}
	var stack []frame
	done := false // the top-level value is complete
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !done {
				return errors.New("unexpected end of JSON input")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if done {
			return errors.New("data after the top-level value")
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		if top != nil && top.object && top.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				done = valueDone(stack)
				continue
			}
			k, ok := tok.(string)
			if !ok {
				return errors.New("want an object key")
			}
			if top.keys[k] {
				where := strings.TrimPrefix(top.path, ".")
				if where == "" {
					where = "the top-level object"
				}
				return errors.New("duplicate key " + strconv.Quote(k) + " in " + where)
			}
			top.keys[k] = true
			top.lastKey = k
			top.expectKey = false
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{', '[':
			if len(stack) >= maxDepth {
				return errors.New("nesting deeper than " + strconv.Itoa(maxDepth))
			}
			path := ""
			if top != nil {
				path = top.childPath()
			}
			f := frame{object: d == '{', expectKey: d == '{', path: path}
			if f.object {
				f.keys = map[string]bool{}
			}
			stack = append(stack, f)
		case ']', '}':
			stack = stack[:len(stack)-1]
			done = valueDone(stack)
		default:
			done = valueDone(stack)
		}
	}
}

// valueDone records that a value of the innermost container is complete, and
// reports whether it was the top-level value.
func valueDone(stack []frame) bool {
	if len(stack) == 0 {
		return true
	}
	f := &stack[len(stack)-1]
	if f.object {
		f.expectKey = true
	} else {
		f.index++
	}
	return false
}
