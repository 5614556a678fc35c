package scan

import (
	"strconv"
	"testing"
)

func keyN(k int) []byte { return strconv.AppendInt([]byte("k"), int64(k), 10) }

// usedSlots counts the occupied slots of the hash table of s.
func usedSlots(s *KeySet) int {
	n := 0
	for _, j := range s.table {
		if j != 0 {
			n++
		}
	}
	return n
}

// TestKeySetTableStaysSmall checks that the hash table of a KeySet holds only
// the keys of open objects: closing a hashed object takes every one of its keys
// out, first one included, so a long run of large objects one after another
// never grows the table past the size the first one needed, and once all are
// closed the table is empty.
func TestKeySetTableStaysSmall(t *testing.T) {
	var s KeySet
	outer := s.Open()
	size := 0
	for round := range 300 {
		o := s.Open()
		for k := range 2 * smallObject {
			if _, dup := s.Add(&o, keyN(k), false); dup {
				t.Fatalf("round %d: key %d reported as a duplicate", round, k)
			}
		}
		for k := range 2 * smallObject {
			if _, dup := s.Add(&o, keyN(k), false); !dup {
				t.Fatalf("round %d: key %d added twice, not reported", round, k)
			}
		}
		s.Close(&o)
		if n := usedSlots(&s); n != 0 {
			t.Fatalf("round %d: %d table slots still used after the object closed", round, n)
		}
		if round == 0 {
			size = len(s.table)
		} else if len(s.table) != size {
			t.Fatalf("round %d: table grew from %d to %d slots with at most %d keys open", round, size, len(s.table), 2*smallObject)
		}
	}
	s.Close(&outer)
}

// TestKeySetResetForgetsOpenObjects checks that Reset forgets the keys of
// objects still open, as a fatal error leaves them: the table is empty after
// it, and a new object sees none of the old keys.
func TestKeySetResetForgetsOpenObjects(t *testing.T) {
	var s KeySet
	o := s.Open()
	for k := range 40 {
		s.Add(&o, keyN(k), false)
	}
	s.Reset() // o is never closed
	if n := usedSlots(&s); n != 0 {
		t.Fatalf("%d table slots still used after Reset", n)
	}
	p := s.Open()
	for k := range 23 {
		if _, dup := s.Add(&p, keyN(k), false); dup {
			t.Errorf("key %d of a new object after Reset reported as a duplicate", k)
		}
	}
	for k := range 23 {
		if _, dup := s.Add(&p, keyN(k), false); !dup {
			t.Errorf("key %d added twice after Reset, not reported", k)
		}
	}
	s.Close(&p)
}
