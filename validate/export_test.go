package validate

// InternCacheSize reports the bytes the Validator's cache of device keys holds,
// counted as the bound in the package documentation counts them: each key's
// length plus a fixed overhead per key.
func (v *Validator) InternCacheSize() int {
	n := 0
	for k := range v.intern {
		n += len(k) + internOverhead
	}
	return n
}

// InternCacheLen reports the number of keys in the cache.
func (v *Validator) InternCacheLen() int { return len(v.intern) }

// The bounds of the key cache, for tests.
const (
	InternMaxKey   = internMaxKey
	InternMaxBytes = internMaxBytes
	InternOverhead = internOverhead
)

// AcceptPathEntries reports how many entries of the last message the accept
// path took.
func (v *Validator) AcceptPathEntries() int { return v.fastEntries }

// ReadWindowCap reports the capacity of the read window.
func (v *Validator) ReadWindowCap() int {
	b, _, _ := v.r.Window()
	return cap(b)
}
