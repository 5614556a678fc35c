package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// distinctDevices is a payload of one entry naming the sub-device of keys
// product and device, which no directory knows.
func distinctDevices(product, device string) []byte {
	return []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"` + product + `","deviceKey":"` + device + `","measurepoints":{"temp":1}}]}`)
}

// keyOf returns a key of n bytes, distinct for each i.
func keyOf(tag byte, i, n int) string {
	s := fmt.Sprintf("%c%d-", tag, i)
	return s + strings.Repeat("k", n-len(s))
}

// TestInternCacheBoundFast validates messages with new device keys of one
// length each, short and at the cached limit, and checks after every message
// that the key cache stays within its bound and is not emptied before it must
// be.
func TestInternCacheBoundFast(t *testing.T) {
	for _, keyLen := range []int{8, 40, validate.InternMaxKey} {
		bothPaths(t, validate.Options{Models: catalog(t), Directory: dir{}}, func(t *testing.T, v *validate.Validator) {
			per := keyLen + validate.InternOverhead
			fit := validate.InternMaxBytes / per // keys the cache holds at most
			for i := range fit + 20 {
				msg := distinctDevices(keyOf('p', i, keyLen), keyOf('d', i, keyLen))
				if res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, msg, nil); res.Code != codes.NoSubDevicePerm {
					t.Fatalf("message %d: code %v, want 1212", i, res.Code)
				}
				n := v.InternCacheSize()
				if n > validate.InternMaxBytes {
					t.Fatalf("keys of %d bytes: after %d messages the cache holds %d bytes, over the bound %d", keyLen, i+1, n, validate.InternMaxBytes)
				}
				if keys := 2 * (i + 1); keys <= fit && (v.InternCacheLen() != keys || n != keys*per) {
					t.Fatalf("keys of %d bytes: after %d keys the cache holds %d keys in %d bytes, want all", keyLen, keys, v.InternCacheLen(), n)
				}
			}
		})
	}
}

// TestInternCacheExactFill checks the edge of the cache bound: keys that sum
// up to the bound exactly are all kept, and the next key empties the cache.
func TestInternCacheExactFill(t *testing.T) {
	const keyLen = 64 // 64 + 64 bytes a key, 512 keys to the bound
	per := keyLen + validate.InternOverhead
	if validate.InternMaxBytes%(2*per) != 0 {
		t.Fatalf("the bound %d is no multiple of %d", validate.InternMaxBytes, 2*per)
	}
	bothPaths(t, validate.Options{Models: catalog(t), Directory: dir{}}, func(t *testing.T, v *validate.Validator) {
		msgs := validate.InternMaxBytes / (2 * per)
		for i := range msgs + 1 {
			msg := distinctDevices(keyOf('p', i, keyLen), keyOf('d', i, keyLen))
			if res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, msg, nil); res.Code != codes.NoSubDevicePerm {
				t.Fatalf("message %d: code %v, want 1212", i, res.Code)
			}
			want := 2 * (i + 1)
			if i == msgs {
				want = 2 // the first key over the bound empties the cache
			}
			if n := v.InternCacheLen(); n != want {
				t.Fatalf("after %d messages the cache holds %d keys (%d bytes), want %d", i+1, n, v.InternCacheSize(), want)
			}
		}
	})
}
