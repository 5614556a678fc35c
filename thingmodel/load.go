package thingmodel

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/goccy/go-json/jsontext"

	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
)

// Error is a model load error. ParseModel and NewCatalog return one, as *Error,
// for every malformed input. Fields that do not apply are empty; Error names
// every field that is set.
type Error struct {
	// Source names where the model came from, as the caller gave it to
	// ParseModel ("models/inverter.json", "env.json models[1]").
	Source string
	// ModelID is the model's modelId, when the model has a usable one.
	ModelID string
	// Identifier is the measurepoint at fault: its key in "measurepoints".
	Identifier string
	// Field is the path of the offending member, inside the measurepoint when
	// Identifier is set and inside the model otherwise:
	// "dataDefinition.itemType", "dataDefinition.items[1].dataType", "modelId".
	Field string
	// Detail says what is wrong.
	Detail string
}

// Error returns a sentence naming every field that is set, e.g.
//
//	thingmodel: models/inverter.json: model "Inverter": measurepoint "temp": dataDefinition.itemType: unknown data type "FLOT"
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("thingmodel")
	if e.Source != "" {
		b.WriteString(": ")
		b.WriteString(e.Source)
	}
	if e.ModelID != "" {
		b.WriteString(": model ")
		b.WriteString(quote.Diag(e.ModelID, 128))
	}
	if e.Identifier != "" {
		b.WriteString(": measurepoint ")
		b.WriteString(quote.Diag(e.Identifier, 128))
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// ParseModel compiles one model from the platform's model JSON (model-service
// v2.1 shape, SPEC §3). source names where the bytes came from (a file path,
// "env.json models[1]") and appears in errors. The result shares no memory with
// data. Every malformed input gives an *Error; see the package documentation for
// the accepted shape and the rules.
func ParseModel(source string, data []byte) (*Model, error) {
	m, err := parseModel(source, data)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func parseModel(source string, data []byte) (*Model, *Error) {
	var l loader
	top, err := l.object(data)
	if err != nil {
		return nil, &Error{Source: source, Detail: err.Error()}
	}
	m := &Model{source: source}
	var idVal, pointsVal jsontext.Value
	for _, mem := range top {
		switch mem.name {
		case "modelId":
			idVal = mem.value
		case "measurepoints":
			pointsVal = mem.value
		default:
			if m.sections == nil {
				m.sections = make(map[string]json.RawMessage)
			}
			m.sections[mem.name] = json.RawMessage(mem.value)
		}
	}

	switch k := idVal.Kind(); k {
	case jsontext.KindInvalid, jsontext.KindNull:
		return nil, &Error{Source: source, Field: "modelId", Detail: "required"}
	case jsontext.KindString:
	default:
		return nil, &Error{Source: source, Field: "modelId", Detail: "want a string, got " + kindName(k)}
	}
	m.id = unquote(idVal)
	if m.id == "" {
		return nil, &Error{Source: source, Field: "modelId", Detail: "empty"}
	}

	switch k := pointsVal.Kind(); k {
	case jsontext.KindInvalid, jsontext.KindNull: // absent or null: a model without points
		pointsVal = nil
	case jsontext.KindBeginObject:
	default:
		return nil, &Error{Source: source, ModelID: m.id, Field: "measurepoints", Detail: "want an object, got " + kindName(k)}
	}
	var points []member
	if pointsVal != nil {
		points, _ = l.object(pointsVal) // valid: it was read from the model
	}
	m.points = make(map[string]*Measurepoint, len(points))
	m.order = make([]*Measurepoint, 0, len(points))
	for _, mem := range points {
		p, e := l.parsePoint(mem.name, mem.value)
		if e != nil {
			e.Source, e.ModelID, e.Identifier = source, m.id, mem.name
			return nil, e
		}
		p.index = len(m.order)
		m.points[p.identifier] = p
		m.order = append(m.order, p)
	}
	return m, nil
}

// parsePoint compiles the measurepoint with the given key. An error names only
// Field and Detail; the caller adds the rest.
func (l *loader) parsePoint(key string, v jsontext.Value) (*Measurepoint, *Error) {
	if !ValidIdentifier(key) {
		return nil, &Error{Detail: "invalid identifier " + quote.Diag(key, 128) + ": " + identifierRule}
	}
	if k := v.Kind(); k != jsontext.KindBeginObject {
		return nil, &Error{Detail: "want an object, got " + kindName(k)}
	}
	ms, _ := l.object(v) // valid: it was read from the model
	p := &Measurepoint{identifier: key, member: `"` + key + `":`}
	p.head, p.tail = memberWords(p.member)

	if id := lookup(ms, "identifier"); id != nil {
		if k := id.Kind(); k != jsontext.KindString {
			return nil, &Error{Field: "identifier", Detail: "want a string, got " + kindName(k)}
		}
		if s := unquote(id); s != key {
			return nil, &Error{Field: "identifier", Detail: quote.Diag(s, 128) + " differs from its key in measurepoints"}
		}
	}

	dt, e := parseDataType(lookup(ms, "dataType"), "dataType")
	if e != nil {
		return nil, e
	}

	if hq := lookup(ms, "hasQuality"); hq != nil {
		switch k := hq.Kind(); k {
		case jsontext.KindTrue:
			if !dt.Numeric() {
				return nil, &Error{Field: "hasQuality", Detail: "only INT, FLOAT and DOUBLE points may have a quality, not " + dt.String()}
			}
			p.hasQuality = true
		case jsontext.KindFalse:
		default:
			return nil, &Error{Field: "hasQuality", Detail: "want a boolean, got " + kindName(k)}
		}
	}

	if p.typ, e = l.compileType(dt, lookup(ms, "dataDefinition"), "dataDefinition"); e != nil {
		return nil, e
	}
	return p, nil
}

// parseDataType reads a dataType, itemType or enumType value, which must name
// one of allowed when any are given. It is matched in ASCII letter case only,
// so that no Unicode case folding ("ſtring") sneaks in.
func parseDataType(v jsontext.Value, field string, allowed ...DataType) (DataType, *Error) {
	if v == nil {
		return 0, &Error{Field: field, Detail: "required"}
	}
	if k := v.Kind(); k != jsontext.KindString {
		return 0, &Error{Field: field, Detail: "want a string, got " + kindName(k)}
	}
	s := unquote(v)
	dt, ok := DataType(0), isASCII(s)
	if ok {
		dt, ok = ParseDataType(s)
	}
	if !ok {
		return 0, &Error{Field: field, Detail: "unknown data type " + quote.Diag(s, 128)}
	}
	if len(allowed) > 0 && !slices.Contains(allowed, dt) {
		want := allowed[0].String()
		for i, a := range allowed[1:] {
			if i == len(allowed)-2 {
				want += " or " + a.String()
			} else {
				want += ", " + a.String()
			}
		}
		return 0, &Error{Field: field, Detail: "want " + want + ", got " + dt.String()}
	}
	return dt, nil
}

// compileType compiles a data type with its dataDefinition (def: nil when
// absent or null). path is the Field of the definition.
func (l *loader) compileType(dt DataType, def jsontext.Value, path string) (Type, *Error) {
	t := Type{dataType: dt}
	ms, e := l.definition(def, path)
	if e != nil {
		return t, e
	}
	switch dt {
	case Int, Float, Double:
		t.min, t.max, e = bounds(ms, path)
		t.exactMin, t.exactMax = exactLimit(t.min), exactLimit(t.max)
	case String:
		t.maxLength, e = maxLength(ms, path)
	case Enum:
		if t.enumType, t.enumDesc, e = l.enum(ms, path); e == nil {
			t.indexEnum()
		}
	case Array:
		var it DataType
		if it, e = parseDataType(lookup(ms, "itemType"), path+".itemType", Int, Float, Double, String); e == nil {
			t.elem = &Type{dataType: it}
			if it == String {
				t.elem.maxLength = MaxStringLength
			}
		}
	case Struct:
		t.items, t.itemIndex, t.required, e = l.structItems(ms, path)
	}
	return t, e
}

// definition returns the members of a dataDefinition: an object, a string
// holding an object (as the model API returns it), or nil for null or absent.
func (l *loader) definition(v jsontext.Value, path string) ([]member, *Error) {
	switch k := v.Kind(); k {
	case jsontext.KindInvalid, jsontext.KindNull:
		return nil, nil
	case jsontext.KindBeginObject:
		ms, _ := l.object(v) // valid: it was read from the model
		return ms, nil
	case jsontext.KindString:
		held, _ := jsontext.AppendUnquote(nil, v)
		ms, err := l.object(held)
		if err != nil {
			return nil, &Error{Field: path, Detail: "the string does not hold a JSON object: " + err.Error()}
		}
		return ms, nil
	default:
		return nil, &Error{Field: path, Detail: "want an object, a string holding an object, or null; got " + kindName(k)}
	}
}

// bounds reads minimum, maximum, exclusiveMinimum and exclusiveMaximum. An
// exclusive bound may be a boolean (JSON Schema draft 4: it makes minimum or
// maximum exclusive) or a number (draft 6: a bound of its own). When both kinds
// of lower (upper) bound are given, the tighter one is kept.
func bounds(ms []member, path string) (lo, hi Bound, e *Error) {
	if lo, e = bound(ms, path, "minimum", "exclusiveMinimum", false); e != nil {
		return lo, hi, e
	}
	if hi, e = bound(ms, path, "maximum", "exclusiveMaximum", true); e != nil {
		return lo, hi, e
	}
	if c := compareBounds(lo, hi); lo.Set && hi.Set && (c > 0 || c == 0 && (lo.Exclusive || hi.Exclusive)) {
		return lo, hi, &Error{Field: path, Detail: "empty range: lower bound " + formatBound(lo) + " and upper bound " + formatBound(hi) + " admit no value"}
	}
	return lo, hi, nil
}

func bound(ms []member, path, name, exName string, upper bool) (Bound, *Error) {
	var b Bound
	if v := lookup(ms, name); v != nil {
		f, e := finite(v, path+"."+name)
		if e != nil {
			return b, e
		}
		b = Bound{Value: f, Text: string(v), Set: true}
	}
	v := lookup(ms, exName)
	switch k := v.Kind(); k {
	case jsontext.KindInvalid, jsontext.KindFalse:
	case jsontext.KindTrue:
		if !b.Set {
			return b, &Error{Field: path + "." + exName, Detail: "true needs " + name}
		}
		b.Exclusive = true
	case jsontext.KindNumber:
		f, e := finite(v, path+"."+exName)
		if e != nil {
			return b, e
		}
		ex := Bound{Value: f, Text: string(v), Exclusive: true, Set: true}
		if c := compareBounds(ex, b); !b.Set || (upper && c <= 0) || (!upper && c >= 0) {
			b = ex
		}
	default:
		return b, &Error{Field: path + "." + exName, Detail: "want a boolean or a number, got " + kindName(k)}
	}
	return b, nil
}

// finite reads a number that is finite as a float64.
func finite(v jsontext.Value, field string) (float64, *Error) {
	if k := v.Kind(); k != jsontext.KindNumber {
		return 0, &Error{Field: field, Detail: "want a number, got " + kindName(k)}
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &Error{Field: field, Detail: "number " + quote.Diag(string(v), 128) + " is out of the float64 range"}
	}
	return f, nil
}

// exactLimit reports whether the limit of b as written is b.Value exactly.
// Only integers are looked at: every integer of at most 2^53 in magnitude is
// a float64, and its digits are easy to compare (a limit that is no integer
// differs from the integer its float64 is written as).
func exactLimit(b Bound) bool {
	if !b.Set || math.Abs(b.Value) > 1<<53 {
		return false
	}
	return scan.CompareNumbers([]byte(b.Text), strconv.AppendFloat(nil, b.Value, 'f', 0, 64)) == 0
}

// compareBounds compares the limits of a and b exactly, as decimals (SPEC §3).
func compareBounds(a, b Bound) int { return b.Compare(a.limit(), a.Value) }

// formatBound returns the limit as the model wrote it, followed by
// " (exclusive)" for an exclusive bound.
func formatBound(b Bound) string {
	s := string(b.limit())
	if b.Exclusive {
		return s + " (exclusive)"
	}
	return s
}

// maxLength reads a STRING's maxLength: a positive integer literal, capped at
// MaxStringLength; MaxStringLength when absent.
func maxLength(ms []member, path string) (int, *Error) {
	v := lookup(ms, "maxLength")
	if v == nil {
		return MaxStringLength, nil
	}
	field := path + ".maxLength"
	if k := v.Kind(); k != jsontext.KindNumber {
		return 0, &Error{Field: field, Detail: "want a positive integer, got " + kindName(k)}
	}
	s := string(v)
	if s[0] == '-' || s == "0" || strings.ContainsAny(s, ".eE") {
		return 0, &Error{Field: field, Detail: "want a positive integer, got " + quote.Diag(s, 128)}
	}
	// JSON has no leading zeros: more than four digits is above the cap.
	if len(s) <= 4 {
		if n, err := strconv.Atoi(s); err == nil && n < MaxStringLength {
			return n, nil
		}
	}
	return MaxStringLength, nil
}

// enum reads an ENUM's enumType and enumDesc.
func (l *loader) enum(ms []member, path string) (DataType, map[string]string, *Error) {
	et, e := parseDataType(lookup(ms, "enumType"), path+".enumType", Int, String)
	if e != nil {
		return 0, nil, e
	}

	field := path + ".enumDesc"
	v := lookup(ms, "enumDesc")
	if v == nil {
		return 0, nil, &Error{Field: field, Detail: "required"}
	}
	if k := v.Kind(); k != jsontext.KindBeginObject {
		return 0, nil, &Error{Field: field, Detail: "want an object, got " + kindName(k)}
	}
	keys, _ := l.object(v) // valid: it was read from the model
	if len(keys) == 0 {
		return 0, nil, &Error{Field: field, Detail: "empty: an ENUM needs at least one key"}
	}
	desc := make(map[string]string, len(keys))
	for _, mem := range keys {
		if et == Int && !int32Key(mem.name) {
			return 0, nil, &Error{Field: field, Detail: "key " + quote.Diag(mem.name, 128) + " is not a decimal integer in [-2147483648, 2147483647] written canonically"}
		}
		if mem.value.Kind() == jsontext.KindString {
			desc[mem.name] = unquote(mem.value)
		} else {
			desc[mem.name] = string(mem.value)
		}
	}
	return et, desc, nil
}

// int32Key reports whether s is an integer in the int32 range written as
// strconv.Itoa writes it: no sign but '-', no leading zeros, no "-0". So each
// integer has exactly one key, and a validator may compare keys as text.
func int32Key(s string) bool {
	n, err := strconv.ParseInt(s, 10, 32)
	return err == nil && strconv.FormatInt(n, 10) == s
}

// structItems reads a STRUCT's items.
func (l *loader) structItems(ms []member, path string) ([]*Item, map[string]int, int, *Error) {
	field := path + ".items"
	v := lookup(ms, "items")
	if v == nil {
		return nil, nil, 0, &Error{Field: field, Detail: "required"}
	}
	if k := v.Kind(); k != jsontext.KindBeginArray {
		return nil, nil, 0, &Error{Field: field, Detail: "want an array, got " + kindName(k)}
	}
	elems, _ := l.array(v) // valid: it was read from the model
	items := make([]*Item, 0, len(elems))
	index := make(map[string]int, len(elems))
	required := 0
	for i, ev := range elems {
		ipath := field + "[" + strconv.Itoa(i) + "]"
		it, e := l.parseItem(ev, ipath)
		if e != nil {
			return nil, nil, 0, e
		}
		if _, dup := index[it.identifier]; dup {
			return nil, nil, 0, &Error{Field: ipath + ".identifier", Detail: "duplicate item identifier " + quote.Diag(it.identifier, 128)}
		}
		index[it.identifier] = len(items)
		items = append(items, it)
		if it.required {
			required++
		}
	}
	return items, index, required, nil
}

// parseItem reads one STRUCT item: {identifier, dataType, dataDefinition?,
// required?}. Other keys are ignored.
func (l *loader) parseItem(v jsontext.Value, path string) (*Item, *Error) {
	if k := v.Kind(); k != jsontext.KindBeginObject {
		return nil, &Error{Field: path, Detail: "want an object, got " + kindName(k)}
	}
	ms, _ := l.object(v) // valid: it was read from the model
	it := &Item{}

	field := path + ".identifier"
	id := lookup(ms, "identifier")
	if id == nil {
		return nil, &Error{Field: field, Detail: "required"}
	}
	if k := id.Kind(); k != jsontext.KindString {
		return nil, &Error{Field: field, Detail: "want a string, got " + kindName(k)}
	}
	if it.identifier = unquote(id); !ValidIdentifier(it.identifier) {
		return nil, &Error{Field: field, Detail: "invalid identifier " + quote.Diag(it.identifier, 128) + ": " + identifierRule}
	}
	it.member = `"` + it.identifier + `":`
	it.head, it.tail = memberWords(it.member)

	dt, e := parseDataType(lookup(ms, "dataType"), path+".dataType")
	if e != nil {
		return nil, e
	}
	if dt == Struct {
		return nil, &Error{Field: path + ".dataType", Detail: "a STRUCT item cannot be a STRUCT"}
	}

	if r := lookup(ms, "required"); r != nil {
		switch k := r.Kind(); k {
		case jsontext.KindTrue:
			it.required = true
		case jsontext.KindFalse:
		default:
			return nil, &Error{Field: path + ".required", Detail: "want a boolean, got " + kindName(k)}
		}
	}

	if it.typ, e = l.compileType(dt, lookup(ms, "dataDefinition"), path+".dataDefinition"); e != nil {
		return nil, e
	}
	return it, nil
}

const identifierRule = "want 1 to 128 characters of A-Z a-z 0-9 _ - ."

// member is one member of a JSON object: its name, unescaped, and its value,
// copied out of the input.
type member struct {
	name  string
	value jsontext.Value
}

// lookup returns the value of the member called name, or nil when it is absent
// or null: for every optional member, null means "not given".
func lookup(ms []member, name string) jsontext.Value {
	for i := range ms {
		if ms[i].name == name {
			if ms[i].value.Kind() == jsontext.KindNull {
				return nil
			}
			return ms[i].value
		}
	}
	return nil
}

// loader compiles one model. It reuses one decoder for every object and array
// it walks: a decoder is large, and a model has a few objects per point.
type loader struct {
	d jsontext.Decoder
}

// decodeOptions accept duplicate names, which object resolves: the last value
// wins, as in goccy/go-json's Unmarshal, at the first position.
var decodeOptions = jsontext.AllowDuplicateNames(true)

// object reads data as exactly one JSON object, valid UTF-8 included, and
// returns its members in document order. A name given twice keeps its first
// position and its last value.
func (l *loader) object(data []byte) ([]member, error) {
	var ms []member
	var seen map[string]int
	err := l.walk(data, jsontext.KindBeginObject, func() error {
		tok, err := l.d.ReadToken()
		if err != nil {
			return err
		}
		name := tok.String() // before the next read voids tok
		val, err := l.d.ReadValue()
		if err != nil {
			return err
		}
		if i, dup := seen[name]; dup {
			ms[i].value = val.Clone()
			return nil
		}
		if seen == nil {
			seen = make(map[string]int)
		}
		seen[name] = len(ms)
		ms = append(ms, member{name: name, value: val.Clone()})
		return nil
	})
	return ms, err
}

// array reads data as exactly one JSON array and returns its elements.
func (l *loader) array(data []byte) ([]jsontext.Value, error) {
	var elems []jsontext.Value
	err := l.walk(data, jsontext.KindBeginArray, func() error {
		val, err := l.d.ReadValue()
		if err == nil {
			elems = append(elems, val.Clone())
		}
		return err
	})
	return elems, err
}

// walk reads data as exactly one JSON object or array (kind is its begin
// token), calling next to read each member or element. It reads the input
// once: the decoder checks the syntax as it goes.
func (l *loader) walk(data []byte, kind jsontext.Kind, next func() error) error {
	l.d.Reset(bytes.NewBuffer(data), decodeOptions)
	if l.d.PeekKind() != kind {
		// Not the kind wanted: a syntax error anywhere is reported first.
		v, err := l.d.ReadValue()
		if err != nil {
			return syntaxError(err)
		}
		got := v.Kind()
		if err := l.end(); err != nil {
			return err
		}
		return errors.New("want " + kindName(kind) + ", got " + kindName(got))
	}
	_, err := l.d.ReadToken() // '{' or '['
	for err == nil {
		if k := l.d.PeekKind(); k == jsontext.KindEndObject || k == jsontext.KindEndArray {
			break
		}
		err = next()
	}
	if err == nil {
		_, err = l.d.ReadToken() // '}' or ']'
	}
	if err != nil {
		return syntaxError(err)
	}
	return l.end()
}

// end checks that nothing but white space follows the value just read, and
// turns the decoder's errors into sentences.
func (l *loader) end() error {
	end := l.d.InputOffset()
	_, err := l.d.ReadToken()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return syntaxError(err)
	}
	return errors.New("invalid JSON: data after the value at offset " + strconv.FormatInt(end, 10))
}

func syntaxError(err error) error {
	if err == io.EOF {
		return errors.New("no JSON value")
	}
	return errors.New("invalid JSON: " + strings.TrimPrefix(err.Error(), "jsontext: "))
}

// unquote returns the text of a valid JSON string value.
func unquote(v jsontext.Value) string {
	b, _ := jsontext.AppendUnquote(nil, v)
	return string(b)
}

// kindName names a JSON value's kind as a person would.
func kindName(k jsontext.Kind) string {
	switch k {
	case jsontext.KindNull:
		return "null"
	case jsontext.KindTrue, jsontext.KindFalse:
		return "a boolean"
	case jsontext.KindString:
		return "a string"
	case jsontext.KindNumber:
		return "a number"
	case jsontext.KindBeginObject:
		return "an object"
	case jsontext.KindBeginArray:
		return "an array"
	}
	return "nothing"
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
