package fuzz

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/thingmodel"
)

// Model is a generated thing model: what it defines, and its JSON in the shape of
// the platform's model API (SPEC §3), ready for thingmodel.ParseModel.
type Model struct {
	ID     string
	Points []PointSpec // in the order of the model file
	JSON   []byte
}

// GoString shows the model as its JSON, for test logs.
func (m *Model) GoString() string { return "fuzz.Model(" + string(m.JSON) + ")" }

// Point returns the point named id, or nil.
func (m *Model) Point(id string) *PointSpec {
	for i := range m.Points {
		if m.Points[i].Identifier == id {
			return &m.Points[i]
		}
	}
	return nil
}

// PointSpec is one measurepoint of a generated model.
type PointSpec struct {
	Identifier string
	HasQuality bool
	Type       TypeSpec
}

// TypeSpec is a data type with its definition, as the model gives it and as a
// loaded model should report it through thingmodel.Type's accessors.
type TypeSpec struct {
	DataType thingmodel.DataType
	// MaxLength is a STRING's effective maximum length in bytes (1024 when the
	// model gives none); 0 for other types.
	MaxLength int
	// EnumType is Int or String for an ENUM; EnumKeys its keys, sorted.
	EnumType thingmodel.DataType
	EnumKeys []string
	// Elem is an ARRAY's item type.
	Elem *TypeSpec
	// Items are a STRUCT's items, in model order.
	Items []ItemSpec
	// Min and Max are the numeric bounds of an INT, FLOAT or DOUBLE.
	Min, Max thingmodel.Bound
}

// ItemSpec is one item of a STRUCT.
type ItemSpec struct {
	Identifier string
	Required   bool
	Type       TypeSpec
}

// SpecOf describes a loaded model's points as PointSpecs, in model order, so that
// requests can be generated for any model, including one not made here.
func SpecOf(m *thingmodel.Model) []PointSpec {
	var ps []PointSpec
	for _, p := range m.Measurepoints() {
		ps = append(ps, PointSpec{Identifier: p.Identifier(), HasQuality: p.HasQuality(), Type: typeSpecOf(p.Type())})
	}
	return ps
}

func typeSpecOf(t *thingmodel.Type) TypeSpec {
	s := TypeSpec{DataType: t.DataType(), MaxLength: t.MaxLength(), EnumType: t.EnumType()}
	if s.DataType == thingmodel.Enum {
		s.EnumKeys = t.EnumKeys()
	}
	if s.DataType.Numeric() {
		s.Min, s.Max = t.Min(), t.Max()
		s.Min.Text, s.Max.Text = "", "" // a TypeSpec holds bounds by value
	}
	if e := t.Elem(); e != nil {
		es := typeSpecOf(e)
		s.Elem = &es
	}
	for i := range t.NumItems() {
		it := t.Item(i)
		s.Items = append(s.Items, ItemSpec{Identifier: it.Identifier(), Required: it.Required(), Type: typeSpecOf(it.Type())})
	}
	return s
}

// identifier draws an identifier of SPEC §3: mostly short, sometimes 128
// characters long.
func identifier(t *rapid.T, label string) string {
	if rapid.IntRange(0, 19).Draw(t, label+" long") == 0 {
		return rapid.StringMatching(`[A-Za-z0-9_.\-]{128}`).Draw(t, label)
	}
	return rapid.StringMatching(`[A-Za-z0-9_.\-]{1,10}`).Draw(t, label)
}

// identifiers draws n distinct identifiers.
func identifiers(t *rapid.T, n int, label string) []string {
	ids := make([]string, 0, n)
	for len(ids) < n {
		ids = append(ids, unique(identifier(t, label), func(s string) bool { return slices.Contains(ids, s) }))
	}
	return ids
}

// unique returns s, or s changed by a suffix ("_1", "_2"...) until taken reports
// false. Generators never loop on redraws, which a shrinking engine can make
// repeat forever.
func unique(s string, taken func(string) bool) string {
	u := s
	for i := 1; taken(u); i++ {
		suffix := "_" + strconv.Itoa(i)
		u = s[:min(len(s), MaxKeyLength-len(suffix))] + suffix
	}
	return u
}

// MaxKeyLength bounds the generated identifiers and keys, as SPEC §3 bounds
// identifiers.
const MaxKeyLength = thingmodel.MaxIdentifierLength

var allTypes = []thingmodel.DataType{
	thingmodel.Int, thingmodel.Float, thingmodel.Double, thingmodel.String, thingmodel.Enum,
	thingmodel.Bool, thingmodel.Date, thingmodel.Timestamp, thingmodel.Array, thingmodel.Struct,
	thingmodel.File,
}

// typeSpec draws a data type and its definition; a STRUCT only when struct is true.
func typeSpec(t *rapid.T, structOK bool, label string) TypeSpec {
	types := allTypes
	if !structOK {
		types = slices.DeleteFunc(slices.Clone(types), func(d thingmodel.DataType) bool { return d == thingmodel.Struct })
	}
	s := TypeSpec{DataType: rapid.SampledFrom(types).Draw(t, label+" dataType")}
	switch s.DataType {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double:
		s.Min, s.Max = bounds(t, s.DataType, label)
	case thingmodel.String:
		s.MaxLength = rapid.SampledFrom([]int{0, 1, 4, 8, 64, 1024, 5000}).Draw(t, label+" maxLength")
		s.MaxLength = effectiveMaxLength(s.MaxLength)
	case thingmodel.Enum:
		s.EnumType = rapid.SampledFrom([]thingmodel.DataType{thingmodel.Int, thingmodel.String}).Draw(t, label+" enumType")
		n := rapid.IntRange(1, 5).Draw(t, label+" enum keys")
		var keys []string
		for len(keys) < n {
			var k string
			taken := func(s string) bool { return slices.Contains(keys, s) }
			if s.EnumType == thingmodel.Int {
				k = strconv.Itoa(int(rapid.Int32Range(-3, 20).Draw(t, label+" enum key")))
				if rapid.IntRange(0, 9).Draw(t, label+" enum key extreme") == 0 {
					k = strconv.Itoa(int(rapid.SampledFrom([]int32{math.MinInt32, math.MaxInt32}).Draw(t, label+" enum key")))
				}
			} else {
				k = rapid.StringOfN(rapid.RuneFrom(textRunes), 0, 6, -1).Draw(t, label+" enum key")
			}
			if taken(k) && s.EnumType == thingmodel.Int {
				break // keys are drawn in order of preference: fewer is fine
			}
			keys = append(keys, unique(k, taken))
		}
		slices.Sort(keys)
		s.EnumKeys = keys
	case thingmodel.Array:
		e := TypeSpec{DataType: rapid.SampledFrom([]thingmodel.DataType{
			thingmodel.Int, thingmodel.Float, thingmodel.Double, thingmodel.String}).Draw(t, label+" itemType")}
		if e.DataType == thingmodel.String {
			e.MaxLength = thingmodel.MaxStringLength
		}
		s.Elem = &e
	case thingmodel.Struct:
		n := rapid.IntRange(0, 4).Draw(t, label+" items")
		for i, id := range identifiers(t, n, label+" item") {
			s.Items = append(s.Items, ItemSpec{
				Identifier: id,
				Required:   rapid.Bool().Draw(t, label+" required"),
				Type:       typeSpec(t, false, label+" item "+strconv.Itoa(i)),
			})
		}
	}
	return s
}

// effectiveMaxLength maps a generated maxLength (0 for none) to what the model
// means: the default 1024 when none, capped at 1024.
func effectiveMaxLength(n int) int {
	if n == 0 || n > thingmodel.MaxStringLength {
		return thingmodel.MaxStringLength
	}
	return n
}

// boundForm says how one side of a numeric range is written in the model.
const (
	boundNone         = iota
	boundInclusive    // "minimum": x
	boundExclusiveOld // "minimum": x, "exclusiveMinimum": true (JSON Schema draft 4)
	boundExclusiveNew // "exclusiveMinimum": x (draft 6)
)

// bounds draws the numeric bounds of an INT, FLOAT or DOUBLE. Bounds are small
// integers or quarters, so that FLOAT values near them are exact in float32 and
// the range always holds several integers.
func bounds(t *rapid.T, d thingmodel.DataType, label string) (lo, hi thingmodel.Bound) {
	if rapid.IntRange(0, 2).Draw(t, label+" bounded") != 0 {
		return
	}
	a := float64(rapid.IntRange(-1000, 1000).Draw(t, label+" minimum"))
	width := float64(rapid.IntRange(3, 2000).Draw(t, label+" width"))
	if d != thingmodel.Int {
		a += float64(rapid.IntRange(0, 3).Draw(t, label+" minimum quarters")) / 4
	}
	side := func(v float64, name string) thingmodel.Bound {
		switch rapid.IntRange(boundNone, boundExclusiveNew).Draw(t, label+" "+name+" form") {
		case boundNone:
			return thingmodel.Bound{}
		case boundInclusive:
			return thingmodel.Bound{Value: v, Set: true}
		}
		return thingmodel.Bound{Value: v, Set: true, Exclusive: true}
	}
	return side(a, "minimum"), side(a+width, "maximum")
}

// textRunes are characters that strings are drawn from besides ASCII letters:
// characters JSON must escape, and multi-byte UTF-8 up to four bytes.
var textRunes = []rune{
	'a', 'b', 'z', 'A', '0', '9', ' ', '"', '\\', '/', '\n', '\t', '\x00', '\x1f', '\x7f',
	'é', 'ß', '中', '文', '\u2028', '\ufeff', '\U0001F600', '\U00010000', '\U0010FFFF', '~',
}

// textRune draws a character from textRunes or any valid Unicode scalar value.
var textRune = rapid.OneOf(rapid.RuneFrom(textRunes), rapid.Rune())

// Models returns a generator of thing models with 1 to 8 points of every data
// type of SPEC §3.1: quality indicators, STRUCTs with required and optional items
// of every other type, ARRAYs of each item type, ENUMs of both kinds, STRINGs
// with and without maxLength, numeric bounds of every form. The JSON is written
// with random spelling: dataType in any letter case, dataDefinition as an object,
// a string holding one, null or absent.
func Models(modelID string) *rapid.Generator[*Model] {
	return rapid.Custom(func(t *rapid.T) *Model {
		m := &Model{ID: modelID}
		n := rapid.IntRange(1, 8).Draw(t, "points")
		for i, id := range identifiers(t, n, "point") {
			ts := typeSpec(t, true, "point "+strconv.Itoa(i))
			m.Points = append(m.Points, PointSpec{
				Identifier: id,
				HasQuality: ts.DataType.Numeric() && rapid.Bool().Draw(t, "hasQuality"),
				Type:       ts,
			})
		}
		m.JSON = modelJSON(t, m)
		return m
	})
}

// modelJSON writes m as the model API does, drawing the spelling.
func modelJSON(t *rapid.T, m *Model) []byte {
	mps := objectNode()
	for i, p := range m.Points {
		label := "point " + strconv.Itoa(i)
		pn := objectNode()
		if rapid.IntRange(0, 4).Draw(t, label+" identifier given") != 0 {
			pn.set("identifier", stringNode(p.Identifier))
		}
		pn.set("dataType", stringNode(typeName(t, p.Type.DataType, label)))
		switch {
		case p.HasQuality:
			pn.set("hasQuality", literalNode("true"))
		case rapid.Bool().Draw(t, label+" hasQuality given"):
			pn.set("hasQuality", rapid.SampledFrom([]*node{literalNode("false"), literalNode("null")}).Draw(t, label+" hasQuality"))
		}
		if def := definition(t, &p.Type, label); def != nil {
			pn.set("dataDefinition", def)
		}
		if rapid.IntRange(0, 4).Draw(t, label+" extra member") == 0 {
			pn.set("name", objectNode(member{"defaultValue", stringNode("x")}))
		}
		mps.set(p.Identifier, pn)
	}
	root := objectNode(member{"modelId", stringNode(m.ID)})
	if rapid.Bool().Draw(t, "sections") {
		root.set("attributes", objectNode())
		root.set("services", objectNode(member{"s", arrayNode(intNode(1))}))
		root.set("events", objectNode())
	}
	root.set("measurepoints", mps)
	style := Style{Seed: rapid.Uint64().Draw(t, "model style")}
	return encode(root, style).b
}

// typeName spells a data type in a random ASCII letter case.
func typeName(t *rapid.T, d thingmodel.DataType, label string) string {
	s := d.String()
	switch rapid.IntRange(0, 3).Draw(t, label+" case") {
	case 1:
		return strings.ToLower(s)
	case 2:
		return s[:1] + strings.ToLower(s[1:])
	}
	return s
}

// definition returns the dataDefinition of ts as a node, drawing its form, or nil
// to leave it absent.
func definition(t *rapid.T, ts *TypeSpec, label string) *node {
	def := definitionObject(t, ts, label)
	form := rapid.IntRange(0, 3).Draw(t, label+" definition form")
	if len(def.members) == 0 {
		switch form {
		case 0:
			return nil
		case 1:
			return literalNode("null")
		}
	}
	if form%2 == 0 {
		return def
	}
	text := encode(def, Style{Seed: rapid.Uint64().Draw(t, label+" definition style")}).b
	return stringNode(string(text))
}

func definitionObject(t *rapid.T, ts *TypeSpec, label string) *node {
	def := objectNode()
	switch ts.DataType {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double:
		writeBound(t, def, ts.Min, "minimum", "exclusiveMinimum", label)
		writeBound(t, def, ts.Max, "maximum", "exclusiveMaximum", label)
	case thingmodel.String:
		if ts.MaxLength != thingmodel.MaxStringLength || rapid.Bool().Draw(t, label+" maxLength given") {
			n := ts.MaxLength
			if n == thingmodel.MaxStringLength {
				n = rapid.SampledFrom([]int{1024, 1025, 100000}).Draw(t, label+" maxLength over the cap")
			}
			def.set("maxLength", intNode(int64(n)))
		}
	case thingmodel.Enum:
		def.set("enumType", stringNode(typeName(t, ts.EnumType, label+" enumType")))
		desc := objectNode()
		for _, k := range rapid.Permutation(ts.EnumKeys).Draw(t, label+" enum order") {
			desc.set(k, stringNode("means "+k))
		}
		def.set("enumDesc", desc)
	case thingmodel.Array:
		def.set("itemType", stringNode(typeName(t, ts.Elem.DataType, label+" itemType")))
	case thingmodel.Struct:
		items := arrayNode()
		for i, it := range ts.Items {
			il := label + " item " + strconv.Itoa(i)
			in := objectNode(
				member{"identifier", stringNode(it.Identifier)},
				member{"dataType", stringNode(typeName(t, it.Type.DataType, il))})
			if it.Required {
				in.set("required", literalNode("true"))
			} else if rapid.Bool().Draw(t, il+" required given") {
				in.set("required", literalNode("false"))
			}
			if d := definition(t, &it.Type, il); d != nil {
				in.set("dataDefinition", d)
			}
			items.elems = append(items.elems, in)
		}
		def.set("items", items)
	}
	return def
}

func writeBound(t *rapid.T, def *node, b thingmodel.Bound, plain, exclusive, label string) {
	if !b.Set {
		return
	}
	v := numberNode(FloatNumber(b.Value))
	if !b.Exclusive {
		def.set(plain, v)
		return
	}
	if rapid.Bool().Draw(t, label+" "+exclusive+" as boolean") {
		def.set(plain, v)
		def.set(exclusive, literalNode("true"))
		return
	}
	def.set(exclusive, v)
}
