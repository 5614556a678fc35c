package fuzz

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// resolve returns the offsets of the first bytes of the values that RFC 6901
// pointer p names in the JSON text doc. With duplicate keys a pointer can name
// several values; all are returned, in document order. doc must be valid JSON.
func resolve(doc []byte, p string) ([]int64, error) {
	var tokens []string
	if p != "" {
		if p[0] != '/' {
			return nil, errors.New("pointer does not start with '/'")
		}
		for _, tok := range strings.Split(p[1:], "/") {
			tokens = append(tokens, strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~"))
		}
	}
	at := []int{skipSpace(doc, 0)}
	for _, tok := range tokens {
		var next []int
		for _, i := range at {
			next = append(next, child(doc, i, tok)...)
		}
		if len(next) == 0 {
			return nil, errors.New("no value at " + strconv.Quote(tok))
		}
		at = next
	}
	offs := make([]int64, len(at))
	for k, i := range at {
		offs[k] = int64(i)
	}
	return offs, nil
}

// child returns the offsets of the members named tok (object) or the item at
// index tok (array) of the value at offset i.
func child(doc []byte, i int, tok string) []int {
	var found []int
	switch doc[i] {
	case '{':
		i = skipSpace(doc, i+1)
		for doc[i] != '}' {
			end := skipValue(doc, i)
			k := unquote(doc[i+1 : end-1])
			i = skipSpace(doc, end)
			i = skipSpace(doc, i+1) // ':'
			if k == tok {
				found = append(found, i)
			}
			i = skipSpace(doc, skipValue(doc, i))
			if doc[i] == ',' {
				i = skipSpace(doc, i+1)
			}
		}
	case '[':
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || strconv.Itoa(n) != tok {
			return nil
		}
		i = skipSpace(doc, i+1)
		for k := 0; doc[i] != ']'; k++ {
			if k == n {
				return []int{i}
			}
			i = skipSpace(doc, skipValue(doc, i))
			if doc[i] == ',' {
				i = skipSpace(doc, i+1)
			}
		}
	}
	return found
}

// unquote decodes the escapes of a JSON string's contents and keeps every other
// byte as it is, invalid UTF-8 included, as a pointer names a key.
func unquote(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			b.WriteByte(raw[i])
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, _ := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
			i += 4
			if utf16.IsSurrogate(rune(r)) && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				r2, _ := strconv.ParseUint(string(raw[i+3:i+7]), 16, 32)
				if d := utf16.DecodeRune(rune(r), rune(r2)); d != utf8.RuneError {
					b.WriteRune(d)
					i += 6
					continue
				}
			}
			b.WriteRune(rune(r))
		default:
			b.WriteByte(raw[i])
		}
	}
	return b.String()
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the offset just past the value that starts at i.
func skipValue(doc []byte, i int) int {
	switch doc[i] {
	case '"':
		for i++; doc[i] != '"'; i++ {
			if doc[i] == '\\' {
				i++
			}
		}
		return i + 1
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch doc[i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			case '"':
				i = skipValue(doc, i) - 1
			}
		}
	}
	for i < len(doc) && !strings.ContainsRune(" \t\r\n,]}", rune(doc[i])) {
		i++
	}
	return i
}

func TestResolve(t *testing.T) {
	doc := []byte(` {"a": [10, {"b/c": 2, "m~n": "x\"y"}], "a": true, "": {"": 5}, "e": [], "\u00e9\ud83d\ude00\n": 1, "` + "\xff" + `": 2}`)
	tests := []struct {
		name, pointer string
		want          []int64
		err           bool
	}{
		{name: "root", pointer: "", want: []int64{1}},
		{name: "duplicate keys name both values", pointer: "/a", want: []int64{7, 45}},
		{name: "array item", pointer: "/a/0", want: []int64{8}},
		{name: "escaped slash", pointer: "/a/1/b~1c", want: []int64{20}},
		{name: "escaped tilde", pointer: "/a/1/m~0n", want: []int64{30}},
		{name: "empty keys", pointer: "//", want: []int64{60}},
		{name: "escaped key", pointer: "/é\U0001F600\n", want: []int64{97}},
		{name: "key with invalid UTF-8", pointer: "/\xff", want: []int64{105}},
		{name: "index past the end", pointer: "/a/2", err: true},
		{name: "leading zero index", pointer: "/a/01", err: true},
		{name: "key of an array", pointer: "/a/x", err: true},
		{name: "child of a scalar", pointer: "/a/0/x", err: true},
		{name: "item of an empty array", pointer: "/e/0", err: true},
		{name: "no leading slash", pointer: "a", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(doc, tt.pointer)
			if (err != nil) != tt.err {
				t.Fatalf("resolve(%q) error %v, want error %v", tt.pointer, err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolve(%q) (-want +got):\n%s", tt.pointer, diff)
			}
		})
	}
}
