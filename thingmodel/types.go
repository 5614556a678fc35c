package thingmodel

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/pointguard/pointguard/internal/scan"
)

// DataType is the data type of a measurepoint or of a STRUCT item. The numbers are
// internal; on the wire a DataType is spelled as String returns it.
type DataType uint8

// The eleven data types of SPEC §3.1. The zero value is not a data type.
const (
	Int       DataType = 1
	Float     DataType = 2
	Double    DataType = 3
	String    DataType = 4
	Enum      DataType = 5
	Bool      DataType = 6
	Date      DataType = 7
	Timestamp DataType = 8
	Array     DataType = 9
	Struct    DataType = 10
	File      DataType = 11
)

var dataTypeNames = [...]string{
	Int: "INT", Float: "FLOAT", Double: "DOUBLE", String: "STRING", Enum: "ENUM", Bool: "BOOL",
	Date: "DATE", Timestamp: "TIMESTAMP", Array: "ARRAY", Struct: "STRUCT", File: "FILE",
}

// String returns the upper-case wire name ("INT"), or "DataType(N)" for a value
// that is not a data type.
func (d DataType) String() string {
	if d > 0 && int(d) < len(dataTypeNames) {
		return dataTypeNames[d]
	}
	return "DataType(" + itoa(int(d)) + ")"
}

// Valid reports whether d is one of the eleven data types.
func (d DataType) Valid() bool { return d > 0 && int(d) < len(dataTypeNames) }

// Numeric reports whether d is INT, FLOAT or DOUBLE: the types that may carry a
// quality indicator and numeric bounds.
func (d DataType) Numeric() bool { return d == Int || d == Float || d == Double }

// ParseDataType returns the data type named s, in any ASCII letter case
// ("float", "Float", "FLOAT"). Non-ASCII look-alikes ("ſtring") are refused.
func ParseDataType(s string) (DataType, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return 0, false // strings.EqualFold would fold U+017F to 's'
		}
	}
	for d := Int; d <= File; d++ {
		if strings.EqualFold(s, dataTypeNames[d]) {
			return d, true
		}
	}
	return 0, false
}

// Limits that SPEC §3.1 and §6 fix for every model.
const (
	// MaxStringLength is the default and the cap of a STRING's maxLength, in bytes.
	MaxStringLength = 1024
	// MaxArrayItems is the most items an ARRAY value may hold.
	MaxArrayItems = 1024
	// MaxIdentifierLength is the longest identifier, in characters.
	MaxIdentifierLength = 128
	// MinQuality and MaxQuality bound the quality indicator of a point with hasQuality.
	MinQuality = 0
	MaxQuality = 9
)

// ValidIdentifier reports whether s is 1 to 128 characters of A-Z a-z 0-9 _ - .
// (SPEC §3).
func ValidIdentifier(s string) bool {
	if len(s) == 0 || len(s) > MaxIdentifierLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !identChar[s[i]] {
			return false
		}
	}
	return true
}

var identChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['-'], t['.'] = true, true, true
	return t
}()

// Bound is one end of a numeric range from the legacy TSL template.
//
// Values are compared with a bound exactly, as decimals (SPEC §3): Text is the
// limit as the model wrote it, and Value is only the float64 nearest to it,
// which decides every comparison but a tie.
type Bound struct {
	Value     float64 // the limit, rounded to float64
	Text      string  // the limit as written: a JSON number; "" only for a Bound made by hand
	Exclusive bool    // the limit itself is outside the range
	Set       bool    // false: no limit on this side
}

// Compare compares the JSON number num with the limit, exactly, and returns
// -1, 0 or +1. f must be the float64 nearest to num: since rounding is
// monotonic, f alone decides unless it equals Value. A Bound without Text
// compares with Value as written by strconv.FormatFloat(Value, 'g', -1, 64).
func (b Bound) Compare(num []byte, f float64) int {
	switch {
	case f < b.Value:
		return -1
	case f > b.Value:
		return 1
	case b.Text != "" && string(num) == b.Text: // the value as the bound is written
		return 0
	}
	return scan.CompareNumbers(num, b.limit())
}

// limit returns the limit's text, read only: it shares Text's memory, so that
// a value at its bound costs no allocation.
func (b Bound) limit() []byte {
	if b.Text == "" {
		return strconv.AppendFloat(nil, b.Value, 'g', -1, 64)
	}
	return unsafe.Slice(unsafe.StringData(b.Text), len(b.Text))
}

// Type is a compiled data type with its definition. It is immutable once loaded
// and safe for concurrent use.
type Type struct {
	dataType  DataType
	elem      *Type // ARRAY: the item type
	maxLength int   // STRING: effective maximum length in bytes
	enumType  DataType
	enumDesc  map[string]string // ENUM: key -> description
	enumFew   []string          // ENUM: the keys when there are few, compared in a loop
	enumInts  []int64           // INT ENUM: the keys' values, sorted
	items     []*Item           // STRUCT, in model order
	itemIndex map[string]int    // STRUCT: identifier -> index in items
	required  int               // STRUCT: number of required items
	min, max  Bound             // INT, FLOAT, DOUBLE
	exactMin  bool              // min as written is min.Value exactly
	exactMax  bool              // max as written is max.Value exactly
}

// DataType returns the data type.
func (t *Type) DataType() DataType { return t.dataType }

// Elem returns the type of an ARRAY's items, or nil for other types.
func (t *Type) Elem() *Type { return t.elem }

// MaxLength returns a STRING's maximum length in bytes: the model's maxLength, or
// [MaxStringLength] when the model gives none. It is 0 for other types.
func (t *Type) MaxLength() int { return t.maxLength }

// EnumType returns [Int] or [String] for an ENUM, and 0 for other types.
func (t *Type) EnumType() DataType { return t.enumType }

// EnumKey reports whether k is a key of an ENUM's enumDesc, and returns its
// description.
func (t *Type) EnumKey(k string) (desc string, ok bool) {
	desc, ok = t.enumDesc[k]
	return desc, ok
}

// EnumKeyBytes is EnumKey for a key held in a byte slice; it does not allocate.
func (t *Type) EnumKeyBytes(k []byte) bool {
	if t.enumFew != nil {
		for _, key := range t.enumFew {
			if string(k) == key {
				return true
			}
		}
		return false
	}
	_, ok := t.enumDesc[string(k)]
	return ok
}

// EnumInt reports whether the integer n is a key of an INT ENUM's enumDesc.
// Keys of an INT ENUM are written canonically, so this is EnumKey of n in
// decimal, without writing it.
func (t *Type) EnumInt(n int64) bool {
	_, ok := slices.BinarySearch(t.enumInts, n)
	return ok
}

// fewEnumKeys is the most keys an ENUM compares in a loop rather than look up
// in its map.
const fewEnumKeys = 8

// indexEnum fills in the key lists of an ENUM whose enumType and enumDesc are
// set.
func (t *Type) indexEnum() {
	keys := sortedKeys(t.enumDesc)
	if len(keys) <= fewEnumKeys {
		t.enumFew = keys
	}
	if t.enumType != Int {
		return
	}
	t.enumInts = make([]int64, len(keys))
	for k, key := range keys {
		t.enumInts[k], _ = strconv.ParseInt(key, 10, 64) // checked by int32Key
	}
	slices.Sort(t.enumInts)
}

// EnumKeys returns the keys of an ENUM's enumDesc in a new slice, sorted.
func (t *Type) EnumKeys() []string { return sortedKeys(t.enumDesc) }

// NumItems returns the number of a STRUCT's items.
func (t *Type) NumItems() int { return len(t.items) }

// Item returns a STRUCT's i-th item, in model order.
func (t *Type) Item(i int) *Item { return t.items[i] }

// ItemIndex returns the index of the STRUCT item named id, or -1.
func (t *Type) ItemIndex(id string) int {
	if i, ok := t.itemIndex[id]; ok {
		return i
	}
	return -1
}

// ItemIndexBytes is ItemIndex for a name held in a byte slice; it does not allocate.
func (t *Type) ItemIndexBytes(id []byte) int {
	if i, ok := t.itemIndex[string(id)]; ok {
		return i
	}
	return -1
}

// NumRequired returns the number of a STRUCT's items marked "required": true.
func (t *Type) NumRequired() int { return t.required }

// Bounded reports whether the type has a lower or an upper bound.
func (t *Type) Bounded() bool { return t.min.Set || t.max.Set }

// Min returns the lower bound of an INT, FLOAT or DOUBLE.
func (t *Type) Min() Bound { return t.min }

// Max returns the upper bound of an INT, FLOAT or DOUBLE.
func (t *Type) Max() Bound { return t.max }

// ExactBounds reports, for the lower and the upper bound, whether the limit as
// the model writes it is its float64 (Bound.Value) exactly: a number then
// compares with the limit as its float64 compares with Value, ties included.
// The limits marked are the integers of at most 2^53 in magnitude, however
// written (45, -1, 1.0, 6e4); others, and absent bounds, are not.
func (t *Type) ExactBounds() (lo, hi bool) { return t.exactMin, t.exactMax }

// Item is one member of a STRUCT. It is immutable once loaded.
type Item struct {
	identifier string
	member     string // `"identifier":`
	head, tail uint64 // as Measurepoint's
	required   bool
	typ        Type
}

// Identifier returns the item's identifier, the key it has in a STRUCT value.
func (it *Item) Identifier() string { return it.identifier }

// Member returns the item's key as a STRUCT value writes it before the
// item's value when it needs no escape and no white space, as
// Measurepoint.Member does for a point.
func (it *Item) Member() string { return it.member }

// MemberWords returns Member's first and last 8 bytes (4 when it is shorter
// than 8) as little-endian words, as Measurepoint.MemberWords does.
func (it *Item) MemberWords() (head, tail uint64) { return it.head, it.tail }

// Required reports whether a STRUCT value must contain the item.
func (it *Item) Required() bool { return it.required }

// Type returns the item's type. It is never STRUCT.
func (it *Item) Type() *Type { return &it.typ }

// Measurepoint is one point of a model. It is immutable once loaded and safe for
// concurrent use.
type Measurepoint struct {
	identifier string
	member     string // `"identifier":`
	head, tail uint64 // member's first and last 8 bytes (4 when shorter), little-endian
	index      int
	hasQuality bool
	typ        Type
}

// Identifier returns the point's identifier, its key in "measurepoints".
func (p *Measurepoint) Identifier() string { return p.identifier }

// Member returns the point's key as a payload writes it before the value
// when it needs no escape and no white space: the identifier in quotes and a
// colon. Identifiers need no escaping (they are letters, digits, '_', '-'
// and '.'), so a reader can compare it with the payload in one step.
func (p *Measurepoint) Member() string { return p.member }

// MemberWords returns Member's first and last 8 bytes as little-endian
// words, or its first and last 4 bytes when it is shorter than 8 (it has at
// least 4). Two words that overlap cover a member of up to 16 bytes, so a
// reader that expects this point's key can compare it with two loads.
func (p *Measurepoint) MemberWords() (head, tail uint64) { return p.head, p.tail }

// memberWords returns the words of member that MemberWords reports.
func memberWords(member string) (head, tail uint64) {
	b, n := []byte(member), len(member)
	if n >= 8 {
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	}
	return uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
}

// Index returns the point's position in its model, from 0 to
// Model.NumMeasurepoints()-1: a dense key for per-point state.
func (p *Measurepoint) Index() int { return p.index }

// HasQuality reports whether values come as {"value": v, "quality": q}.
func (p *Measurepoint) HasQuality() bool { return p.hasQuality }

// Type returns the point's data type and definition.
func (p *Measurepoint) Type() *Type { return &p.typ }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
