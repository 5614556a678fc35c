package thingmodel

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

// TestMemberWords: the words are the member's first and last 8 bytes, or 4
// below 8, for every member length from the shortest identifier up, of a
// point and of a STRUCT item.
func TestMemberWords(t *testing.T) {
	for n := 1; n <= 20; n++ {
		id := strings.Repeat("a", n-1) + "z"
		m, err := ParseModel("t", []byte(`{"modelId":"M","measurepoints":{"`+id+`":{"dataType":"INT"},`+
			`"st":{"dataType":"STRUCT","dataDefinition":{"items":[{"identifier":"`+id+`","dataType":"INT"}]}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		p, it := m.Measurepoint(id), m.Measurepoint("st").Type().Item(0)
		checkMemberWords(t, "point", id, p.Member(), p.MemberWords)
		checkMemberWords(t, "item", id, it.Member(), it.MemberWords)
	}
}

func checkMemberWords(t *testing.T, what, id, m string, words func() (uint64, uint64)) {
	t.Helper()
	member := []byte(m)
	if string(member) != `"`+id+`":` {
		t.Fatalf("%s: Member() = %q", what, member)
	}
	k := len(member)
	var head, tail uint64
	if k >= 8 {
		head, tail = binary.LittleEndian.Uint64(member), binary.LittleEndian.Uint64(member[k-8:])
	} else {
		head, tail = uint64(binary.LittleEndian.Uint32(member)), uint64(binary.LittleEndian.Uint32(member[k-4:]))
	}
	if h, tl := words(); h != head || tl != tail {
		t.Errorf("%s member of %d bytes: MemberWords() = %#x, %#x; want %#x, %#x", what, k, h, tl, head, tail)
	}
}

// TestEnumLookups: EnumInt and EnumKeyBytes agree with EnumKey, for enums of
// few keys (compared in a loop) and of many (looked up in the map).
func TestEnumLookups(t *testing.T) {
	for _, n := range []int{1, fewEnumKeys, fewEnumKeys + 1, 40} {
		var desc []string
		for k := range n {
			desc = append(desc, `"`+strconv.Itoa(k*7-10)+`":"d"`)
		}
		for _, et := range []string{"INT", "STRING"} {
			src := model(`{"dataType": "ENUM", "dataDefinition": {"enumType": "` + et + `", "enumDesc": {` + strings.Join(desc, ",") + `}}}`)
			m, err := ParseModel("t", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			typ := m.Measurepoint("p").Type()
			for x := int64(-20); x <= int64(n*7); x++ {
				key := strconv.FormatInt(x, 10)
				_, want := typ.EnumKey(key)
				if got := typ.EnumKeyBytes([]byte(key)); got != want {
					t.Errorf("%s enum of %d keys: EnumKeyBytes(%s) = %v, EnumKey says %v", et, n, key, got, want)
				}
				if got := typ.EnumInt(x); got != (want && et == "INT") {
					t.Errorf("%s enum of %d keys: EnumInt(%d) = %v, EnumKey says %v", et, n, x, got, want)
				}
			}
			if typ.EnumKeyBytes([]byte("-10 ")) || typ.EnumKeyBytes(nil) {
				t.Errorf("%s enum of %d keys: found a key that is not there", et, n)
			}
		}
	}
}
