package validate_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// hostileDevices is a payload of n entries, each naming a sub-device the
// directory does not know, with keys of keyLen bytes that differ from message
// to message.
func hostileDevices(msg, n, keyLen int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		tag := fmt.Sprintf("m%de%d-", msg, i)
		pad := strings.Repeat("k", max(keyLen-len(tag)-1, 0))
		fmt.Fprintf(&b, `{"productKey":"p%s%s","deviceKey":"d%s%s","measurepoints":{"temp":1.5}}`, tag, pad, tag, pad)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// TestRetainedMemoryBounded validates thousands of messages naming unknown
// sub-devices, with short and with long keys, through one Validator, and checks
// that what the Validator keeps between messages stays within the bound of the
// package documentation ("Concurrency and memory").
func TestRetainedMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("validates thousands of messages")
	}
	v := validate.New(validate.Options{Models: catalog(t), Directory: dir{}})
	shapes := []struct {
		name                string
		msgs, entries, keys int
	}{
		{"short keys", 2000, 50, 40}, // many small cache entries
		{"keys at the cached limit", 1000, 20, validate.InternMaxKey},
		{"keys one byte over the cached limit", 200, 20, validate.InternMaxKey + 1},
		{"long keys", 200, 3, 60 << 10}, // ~360 KiB of keys per message
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msgs := 0
	for _, s := range shapes {
		for range s.msgs {
			payload := hostileDevices(msgs, s.entries, s.keys)
			msgs++
			res, _ := v.Validate(validate.Message{Topic: topic, Now: 42}, payload, nil)
			if res.Code != codes.NoSubDevicePerm {
				t.Fatalf("%s: message %d: code %v, want 1212 (%v)", s.name, msgs, res.Code, res.Err)
			}
			if n := v.InternCacheSize(); n > validate.InternMaxBytes {
				t.Fatalf("%s: after %d messages the key cache holds %d bytes (%d keys), over the bound of %d",
					s.name, msgs, n, v.InternCacheLen(), validate.InternMaxBytes)
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// The scratch buffers grow to the largest message seen (each under 512 KiB
	// here); the bound allows the read window, the result and the key cache,
	// with room for the runtime's own bookkeeping.
	const bound = 4 << 20
	t.Logf("%d messages: key cache %d bytes in %d keys; heap retained %d bytes", msgs, v.InternCacheSize(), v.InternCacheLen(), retained)
	if retained > bound {
		t.Errorf("after %d messages the heap holds %d bytes more than before, over %d", msgs, retained, bound)
	}
	runtime.KeepAlive(v)
}

// TestInternCacheKeyLimit checks which device keys the cache keeps: keys up to
// the cached limit, each once however often it is seen; longer keys not at all.
func TestInternCacheKeyLimit(t *testing.T) {
	for _, c := range []struct {
		keyLen, want int
	}{
		{validate.InternMaxKey, 2},
		{validate.InternMaxKey + 1, 0},
	} {
		v := validate.New(validate.Options{Models: catalog(t), Directory: dir{}})
		payload := hostileDevices(0, 1, c.keyLen)
		for range 3 {
			if res, _ := v.Validate(validate.Message{Topic: topic, Now: 42}, payload, nil); res.Code != codes.NoSubDevicePerm {
				t.Fatalf("keys of %d bytes: code %v, want 1212", c.keyLen, res.Code)
			}
		}
		if n := v.InternCacheLen(); n != c.want {
			t.Errorf("keys of %d bytes: the cache holds %d keys, want %d", c.keyLen, n, c.want)
		}
		if n, want := v.InternCacheSize(), c.want*(c.keyLen+validate.InternOverhead); n != want {
			t.Errorf("keys of %d bytes: the cache holds %d bytes, want %d", c.keyLen, n, want)
		}
	}
}
