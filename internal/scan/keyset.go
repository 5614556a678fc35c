package scan

import "bytes"

// smallObject is the number of keys up to which an object's keys are compared
// linearly; larger objects are hashed, so that an object with many keys costs
// linear time, not quadratic.
const smallObject = 16

// KeySet detects duplicate keys in nested objects. Objects are opened and closed
// in LIFO order, as they nest. The zero value is ready to use. It does not
// allocate in steady state.
type KeySet struct {
	arena []byte
	ents  []keyEnt
	table []int32 // open addressing over ents, index+1; 0 is empty
	live  int     // entries in table
	seq   uint32
}

type keyEnt struct {
	off, n uint32
	hash   uint32
	obj    uint32
	hashed bool
}

// Obj is an open object of a KeySet.
type Obj struct {
	arena, ents int
	id          uint32
	hashed      bool
}

// Reset forgets everything.
func (s *KeySet) Reset() {
	s.arena = s.arena[:0]
	s.ents = s.ents[:0]
	if s.live > 0 {
		clear(s.table)
		s.live = 0
	}
}

// Open starts an object.
func (s *KeySet) Open() Obj {
	s.seq++
	return Obj{arena: len(s.arena), ents: len(s.ents), id: s.seq}
}

// Close ends the object o, which must be the innermost open one.
func (s *KeySet) Close(o *Obj) {
	if o.hashed {
		for i := len(s.ents) - 1; i >= o.ents; i-- {
			s.remove(i)
		}
	}
	s.ents = s.ents[:o.ents]
	s.arena = s.arena[:o.arena]
}

// Add records key, given raw as it appears between quotes (esc tells whether it
// holds escapes), in object o. It returns the decoded key, valid until o is
// closed, and whether o already had it.
func (s *KeySet) Add(o *Obj, raw []byte, esc bool) (key []byte, dup bool) {
	off := len(s.arena)
	if esc {
		s.arena = AppendUnescaped(s.arena, raw)
	} else {
		s.arena = append(s.arena, raw...)
	}
	key = nonNil(s.arena[off:])
	n := len(s.ents) - o.ents
	if !o.hashed && n < smallObject {
		for i := o.ents; i < len(s.ents); i++ {
			e := s.ents[i]
			if int(e.n) == len(key) && bytes.Equal(s.arena[e.off:e.off+e.n], key) {
				s.arena = s.arena[:off]
				return nonNil(s.arena[e.off : e.off+e.n]), true
			}
		}
		s.ents = append(s.ents, keyEnt{off: uint32(off), n: uint32(len(key)), obj: o.id})
		return key, false
	}
	if !o.hashed {
		o.hashed = true
		for i := o.ents; i < len(s.ents); i++ {
			s.ents[i].hash = hashKey(s.arena[s.ents[i].off:s.ents[i].off+s.ents[i].n], o.id)
			s.insert(i)
		}
	}
	h := hashKey(key, o.id)
	if j := s.find(key, h, o.id); j >= 0 {
		s.arena = s.arena[:off]
		e := s.ents[j]
		return nonNil(s.arena[e.off : e.off+e.n]), true
	}
	s.ents = append(s.ents, keyEnt{off: uint32(off), n: uint32(len(key)), hash: h, obj: o.id})
	s.insert(len(s.ents) - 1)
	return key, false
}

func hashKey(k []byte, obj uint32) uint32 {
	h := uint32(2166136261) ^ obj*0x9E3779B1
	for _, c := range k {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

func (s *KeySet) insert(i int) {
	if 2*(s.live+1) > len(s.table) {
		s.grow()
	}
	mask := uint32(len(s.table) - 1)
	for p := s.ents[i].hash & mask; ; p = (p + 1) & mask {
		if s.table[p] == 0 {
			s.table[p] = int32(i + 1)
			s.ents[i].hashed = true
			s.live++
			return
		}
	}
}

func (s *KeySet) grow() {
	n := 2 * len(s.table)
	if n < 64 {
		n = 64
	}
	s.table = make([]int32, n)
	s.live = 0
	// Reinsert in insertion order: removal in LIFO order stays correct.
	for i := range s.ents {
		if s.ents[i].hashed {
			s.ents[i].hashed = false
			s.insert(i)
		}
	}
}

func (s *KeySet) find(key []byte, h, obj uint32) int {
	if len(s.table) == 0 {
		return -1
	}
	mask := uint32(len(s.table) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		j := s.table[p]
		if j == 0 {
			return -1
		}
		e := s.ents[j-1]
		if e.hash == h && e.obj == obj && int(e.n) == len(key) && bytes.Equal(s.arena[e.off:e.off+e.n], key) {
			return int(j - 1)
		}
	}
}

// remove takes entry i out of the table. Entries are removed newest first, and no
// entry that stays probed past the slot of a newer one, so clearing is enough.
func (s *KeySet) remove(i int) {
	if !s.ents[i].hashed {
		return
	}
	mask := uint32(len(s.table) - 1)
	for p := s.ents[i].hash & mask; ; p = (p + 1) & mask {
		if s.table[p] == int32(i+1) {
			s.table[p] = 0
			s.live--
			return
		}
	}
}

// nonNil returns b, or an empty non-nil slice: a key is never nil, because a nil
// key marks a path frame that names nothing.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
