package fuzz

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the kind of a node of a generated JSON document.
type kind uint8

const (
	kObject kind = iota + 1
	kArray
	kString
	kNumber
	kLiteral // true, false, null
	kRaw     // verbatim text, possibly not JSON: used by mutations
)

// node is one value of a generated JSON document. It holds the value's meaning,
// not its spelling: the encoder picks white space, key order, string escapes and
// number spellings, so that one document can be written many ways.
type node struct {
	kind    kind
	members []member // kObject, in canonical order
	elems   []*node  // kArray
	str     string   // kString: the decoded text
	num     Number   // kNumber
	intOnly bool     // kNumber: spell as a plain integer literal only
	text    string   // kLiteral, kRaw: the text itself
}

// member is one member of an object node.
type member struct {
	key   string
	value *node
}

func objectNode(members ...member) *node { return &node{kind: kObject, members: members} }
func arrayNode(elems ...*node) *node     { return &node{kind: kArray, elems: elems} }
func stringNode(s string) *node          { return &node{kind: kString, str: s} }
func literalNode(s string) *node         { return &node{kind: kLiteral, text: s} }
func rawNode(s string) *node             { return &node{kind: kRaw, text: s} }

// intNode is an integer that must be spelled as a plain integer literal.
func intNode(i int64) *node { return &node{kind: kNumber, num: IntNumber(i), intOnly: true} }

// numberNode is a number that may be spelled any way JSON allows.
func numberNode(n Number) *node { return &node{kind: kNumber, num: n} }

// get returns the value of the object member named key, or nil.
func (n *node) get(key string) *node {
	for _, m := range n.members {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// set replaces the value of the member named key, or appends the member.
func (n *node) set(key string, v *node) {
	for i, m := range n.members {
		if m.key == key {
			n.members[i].value = v
			return
		}
	}
	n.members = append(n.members, member{key, v})
}

// del removes the member named key.
func (n *node) del(key string) {
	for i, m := range n.members {
		if m.key == key {
			n.members = append(n.members[:i:i], n.members[i+1:]...)
			return
		}
	}
}

// clone returns a deep copy of n.
func (n *node) clone() *node {
	if n == nil {
		return nil
	}
	c := *n
	if n.members != nil {
		c.members = make([]member, len(n.members))
		for i, m := range n.members {
			c.members[i] = member{m.key, m.value.clone()}
		}
	}
	if n.elems != nil {
		c.elems = make([]*node, len(n.elems))
		for i, e := range n.elems {
			c.elems[i] = e.clone()
		}
	}
	return &c
}

// Number is an exact decimal number: Digits × 10^Exp, negated when Neg.
type Number struct {
	Neg    bool
	Digits string // decimal digits without leading zeros; "0" for zero
	Exp    int
}

// IntNumber returns i as a Number.
func IntNumber(i int64) Number {
	if i < 0 {
		return Number{Neg: true, Digits: strconv.FormatUint(uint64(-(i+1))+1, 10)}
	}
	return Number{Digits: strconv.FormatInt(i, 10)}
}

// FloatNumber returns the shortest decimal that reads back as f, which must be
// finite.
func FloatNumber(f float64) Number {
	n := Number{Neg: math.Signbit(f)}
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	digits := strings.Replace(mant, ".", "", 1)
	e -= len(digits) - 1
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		e++
	}
	if digits == "0" {
		e = 0
	}
	n.Digits, n.Exp = digits, e
	return n
}

// String returns the canonical spelling: plain decimal for moderate exponents,
// exponent form otherwise.
func (n Number) String() string { return n.spell(nil) }

// spell writes n. With r nil it writes the canonical form; otherwise a random one
// of the equivalent spellings (1.5, 15e-1, 0.15E1, 1.50, 150E-2...).
func (n Number) spell(r *rand.Rand) string {
	var b strings.Builder
	if n.Neg {
		b.WriteByte('-')
	}
	if r == nil {
		p := len(n.Digits) + n.Exp // digits before the decimal point
		switch {
		case n.Exp >= 0 && p <= 21:
			b.WriteString(n.Digits)
			b.WriteString(strings.Repeat("0", n.Exp))
		case n.Exp < 0 && p > 0:
			b.WriteString(n.Digits[:p])
			b.WriteByte('.')
			b.WriteString(n.Digits[p:])
		case n.Exp < 0 && p > -6:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -p))
			b.WriteString(n.Digits)
		default:
			b.WriteString(n.Digits[:1])
			if len(n.Digits) > 1 {
				b.WriteByte('.')
				b.WriteString(n.Digits[1:])
			}
			b.WriteByte('e')
			b.WriteString(strconv.Itoa(n.Exp + len(n.Digits) - 1))
		}
		return b.String()
	}
	// Print mantissa × 10^e with e drawn near the number's own exponent.
	e := n.Exp - 2 + r.IntN(len(n.Digits)+5)
	if n.Digits == "0" {
		e = r.IntN(5) - 2
	}
	shift := n.Exp - e // the mantissa is Digits × 10^shift
	var ip, fp string
	switch {
	case n.Digits == "0":
		ip = "0"
	case shift >= 0:
		ip = n.Digits + strings.Repeat("0", shift)
	case -shift < len(n.Digits):
		ip, fp = n.Digits[:len(n.Digits)+shift], n.Digits[len(n.Digits)+shift:]
	default:
		ip, fp = "0", strings.Repeat("0", -shift-len(n.Digits))+n.Digits
	}
	fp += strings.Repeat("0", r.IntN(3)*r.IntN(2))
	b.WriteString(ip)
	if fp != "" {
		b.WriteByte('.')
		b.WriteString(fp)
	}
	if e != 0 || r.IntN(4) == 0 {
		b.WriteByte("eE"[r.IntN(2)])
		switch {
		case e < 0:
			b.WriteByte('-')
		case r.IntN(2) == 0:
			b.WriteByte('+')
		}
		if r.IntN(4) == 0 {
			b.WriteByte('0')
		}
		if e < 0 {
			b.WriteString(strconv.Itoa(-e))
		} else {
			b.WriteString(strconv.Itoa(e))
		}
	}
	return b.String()
}

// Style says how to write a document. The zero Style writes it compactly: no
// white space, keys in their canonical order, only the escapes JSON requires,
// numbers in canonical form. Any other Seed writes it with random white space,
// key order, escapes and number spellings, the same for the same Seed.
type Style struct {
	Seed uint64
	// Plain, with a Seed, keeps the strings to the escapes JSON requires, as
	// most senders write them: random white space, key order and number
	// spellings only.
	Plain bool
}

// encoding is a document written out, with where each node landed.
type encoding struct {
	b     []byte
	plain bool          // strings with only the escapes JSON requires
	start map[*node]int // offset of each node's first byte
	end   map[*node]int // offset just past each node's last byte
	gaps  []int         // offsets between tokens, where white space may go
}

// encode writes root in style s.
func encode(root *node, s Style) *encoding {
	e := &encoding{plain: s.Plain, start: map[*node]int{}, end: map[*node]int{}}
	var r *rand.Rand
	if s.Seed != 0 {
		r = rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15))
	}
	e.space(r)
	e.value(root, r)
	e.space(r)
	return e
}

// space records a gap and, in a random style, writes white space there.
func (e *encoding) space(r *rand.Rand) {
	e.gaps = append(e.gaps, len(e.b))
	if r == nil || r.IntN(3) != 0 {
		return
	}
	for n := 1 + r.IntN(3); n > 0; n-- {
		e.b = append(e.b, " \t\n\r"[r.IntN(4)])
	}
}

func (e *encoding) value(n *node, r *rand.Rand) {
	e.start[n] = len(e.b)
	switch n.kind {
	case kObject:
		e.b = append(e.b, '{')
		order := make([]int, len(n.members))
		for i := range order {
			order[i] = i
		}
		if r != nil {
			r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for k, i := range order {
			if k > 0 {
				e.b = append(e.b, ',')
			}
			e.space(r)
			e.b = e.appendString(n.members[i].key, r)
			e.space(r)
			e.b = append(e.b, ':')
			e.space(r)
			e.value(n.members[i].value, r)
			e.space(r)
		}
		if len(order) == 0 {
			e.space(r)
		}
		e.b = append(e.b, '}')
	case kArray:
		e.b = append(e.b, '[')
		for i, el := range n.elems {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.space(r)
			e.value(el, r)
			e.space(r)
		}
		if len(n.elems) == 0 {
			e.space(r)
		}
		e.b = append(e.b, ']')
	case kString:
		e.b = e.appendString(n.str, r)
	case kNumber:
		if n.intOnly {
			e.b = append(e.b, n.num.String()...)
		} else {
			e.b = append(e.b, n.num.spell(r)...)
		}
	case kLiteral, kRaw:
		e.b = append(e.b, n.text...)
	}
	e.end[n] = len(e.b)
}

// appendString writes a string in the encoding's style.
func (e *encoding) appendString(s string, r *rand.Rand) []byte {
	if e.plain {
		r = nil
	}
	return appendString(e.b, s, r)
}

const hexLower, hexUpper = "0123456789abcdef", "0123456789ABCDEF"

// appendString writes s, valid UTF-8, as a JSON string: with r nil with only the
// escapes JSON requires, otherwise with each character written literally, as a
// short escape where one exists, or as \uXXXX (a surrogate pair above U+FFFF).
func appendString(b []byte, s string, r *rand.Rand) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		lit := s[i : i+size]
		i += size
		mustEscape := c < 0x20 || c == '"' || c == '\\'
		choice := 0 // 0 literal, 1 short escape, 2 \u escape
		if r != nil {
			choice = r.IntN(6) // mostly literal
			if choice > 2 {
				choice = 0
			}
		}
		if mustEscape && choice == 0 {
			choice = 1
		}
		short := shortEscape(c)
		if choice == 1 && short == 0 {
			if !mustEscape {
				choice = 0
			} else {
				choice = 2
			}
		}
		switch choice {
		case 0:
			b = append(b, lit...)
		case 1:
			b = append(b, '\\', short)
		case 2:
			hex := hexLower
			if r != nil && r.IntN(2) == 0 {
				hex = hexUpper
			}
			if c > 0xFFFF {
				c -= 0x10000
				b = appendU(b, 0xD800+(c>>10), hex)
				b = appendU(b, 0xDC00+(c&0x3FF), hex)
			} else {
				b = appendU(b, c, hex)
			}
		}
	}
	return append(b, '"')
}

func appendU(b []byte, c rune, hex string) []byte {
	return append(b, '\\', 'u', hex[c>>12&0xF], hex[c>>8&0xF], hex[c>>4&0xF], hex[c&0xF])
}

// shortEscape returns the letter of c's two-character escape, or 0.
func shortEscape(c rune) byte {
	switch c {
	case '"':
		return '"'
	case '\\':
		return '\\'
	case '/':
		return '/'
	case '\b':
		return 'b'
	case '\f':
		return 'f'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\t':
		return 't'
	}
	return 0
}

// pointerToken escapes one RFC 6901 reference token.
func pointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
