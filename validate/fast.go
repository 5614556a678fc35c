package validate

import (
	"encoding/binary"

	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/thingmodel"
)

// The accept path. Most entries of real traffic are valid: the keys an entry
// should have, a known device, and points that keep their model. fastEntry
// reads such an entry straight from the reader's window, with its position in
// a local variable and nothing recorded for diagnostics, and hands its points
// over. At the first thing it does not expect (any invalid or unusual value,
// an unknown key, an escape, a limit, white space it cannot see the end of) it
// gives up without having consumed anything, and entry reads the same bytes
// with the checks that word errors. An entry it accepts is one in which entry
// would find nothing, so it leaves the validator exactly as entry would have,
// whatever was found before it (fastReady, fastTry): the two are held to the
// same results by the differential tests, FuzzAcceptPath and
// FuzzAcceptPathDecided.

// fastLookahead is how much of a streamed payload fastEntry wants in the window
// before it reads an entry; an entry that does not end within it is read by
// entry.
const fastLookahead = 16 << 10

// fastDepth is how much deeper than its entry a valid point's value can nest:
// measurepoints, the point, the object with quality, and an ARRAY or STRUCT in
// it.
const fastDepth = 3

// Entry keys as they are written, with their quotes.
const (
	quotedProductKey    = `"productKey"`
	quotedDeviceKey     = `"deviceKey"`
	quotedMeasurepoints = `"measurepoints"`
	quotedTime          = `"time"`
)

// fastReady reports whether fastEntry may read the next entry: a batch method,
// no fatal error, room for a valid entry's nesting, and a string limit that
// lets the keys it knows through.
//
// Whatever was found before it, an entry that fastEntry takes is one in which
// entry would find nothing, so the accept path goes on after any finding that
// leaves the rest readable. Until the verdict is decided it hands the entry's
// points over, as entry does; once it is decided (see findings.decided),
// entry skips the points of the entries it reads, and fastEntry hands none
// over either.
func (v *Validator) fastReady(depth int) bool {
	return v.res.Topic.Method.Batch() && !v.stop && depth+fastDepth <= v.lim.maxDepth &&
		v.lim.maxString >= len(quotedMeasurepoints)-2 && !v.opts.NoAcceptPath
}

// fastMaxRest is the most entries entry reads in a row, once fastEntry has
// given up on several, before fastEntry tries again.
const fastMaxRest = 63

// fastTry reads the next entry with fastEntry when fastReady allows it, and
// reports whether it did. After fastEntry gives up on k entries in a row, the
// next 2^(k+1) - 2 (2, 6, 14, ..., at most fastMaxRest) are left to entry
// without trying: a sender whose every entry breaks a rule, or is spelt in a
// way the accept path does not expect, then costs about log2 of its entries
// in attempts read twice (one in a message of three, as the sample in strict
// is), and one broken entry among valid ones costs two entries more read by
// entry. The count starts again when the verdict was decided meanwhile,
// since fastEntry then takes entries whatever their points hold.
func (v *Validator) fastTry(depth, index int) bool {
	if v.fastRest > 0 {
		if v.fastMissOpen && v.decided() {
			v.fastMisses, v.fastRest = 0, 0
		} else {
			v.fastRest--
			return false
		}
	}
	if !v.fastReady(depth) {
		return false
	}
	if v.fastEntry(index) {
		v.fastMisses = 0
		return true
	}
	v.fastMisses++
	v.fastRest = min(2<<min(v.fastMisses, 6)-2, fastMaxRest)
	v.fastMissOpen = !v.decided()
	return false
}

// fastEntry reads the entry that starts at the reader's position and
// hands its points over, when it is valid and ordinary; it reports false, with
// nothing consumed, when entry must read it.
func (v *Validator) fastEntry(index int) bool {
	r := &v.r
	if !r.InMemory() {
		r.Fill(fastLookahead)
	}
	b, i, base := r.Window()
	if i = scan.SkipSpace(b, i); i >= len(b) || b[i] != '{' {
		return false
	}
	v.resetEntry()
	v.ready = v.ready[:0]
	maxTok := v.lim.maxString
	var (
		seen   uint8
		pk, dk []byte
		t      int64
		dev    device
	)
	i++
	for first := true; ; first = false {
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return false
		}
		if b[i] == '}' {
			i++
			break
		}
		if !first {
			if b[i] != ',' {
				return false
			}
			if i = scan.SkipSpace(b, i+1); i >= len(b) {
				return false
			}
		}
		k, j := entryKey(b, i)
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		if i = scan.SkipSpace(b, j); i >= len(b) {
			return false
		}
		switch k {
		case 0, 1:
			if seen&4 != 0 {
				return false // after the points, which were read as the topic device's
			}
			if b[i] != '"' {
				return false
			}
			s, j, ok := scan.PlainString(b, i, maxTok)
			if !ok {
				return false
			}
			if k == 0 {
				pk = s
			} else {
				dk = s
			}
			i = j
		case 2:
			if seen&3 == 1 || seen&3 == 2 {
				return false // one key without the other
			}
			// Without keys the points are the topic device's, unless a key
			// follows them, which then leaves the entry to entry.
			var ok bool
			if dev, ok = v.fastDevice(pk, dk, seen&3 == 3); !ok {
				return false
			}
			mpOff := i
			if i, ok = v.fastPoints(b, i, base, index, &dev); !ok {
				return false
			}
			if v.lim.maxEntry > 0 && i-mpOff > v.lim.maxEntry {
				return false
			}
		case 3:
			c := b[i]
			if c != '-' && (c < '0' || c > '9') {
				return false
			}
			shape, n, ok := scan.PlainNumber(b[i:])
			if !ok || n > maxTok {
				return false
			}
			if t, ok = shape.Int64(); !ok || t < 0 {
				return false // a fraction, an exponent, 19 digits and more are for the checks
			}
			i += n
		}
	}
	if seen&4 == 0 {
		return false // no measurepoints
	}
	if seen&8 == 0 {
		if v.opts.Profile == Strict && v.res.Topic.Method.Resume() {
			return false
		}
		t = v.msg.Now
	}
	r.SetPos(i)
	v.fastEntries++
	if !v.decided() {
		v.deliver(t)
	}
	return true
}

// The entry keys of 8 to 16 bytes with their quotes, as the two overlapping
// words of their first and last 8 bytes, which entryKey compares in place
// with memberAt (the compiler compares a constant string that long by
// calling memequal).
var (
	productKeyWords    = keyWords(quotedProductKey)
	deviceKeyWords     = keyWords(quotedDeviceKey)
	measurepointsWords = keyWords(quotedMeasurepoints)
)

func keyWords(s string) [2]uint64 {
	return [2]uint64{binary.LittleEndian.Uint64([]byte(s)), binary.LittleEndian.Uint64([]byte(s[len(s)-8:]))}
}

// entryKey reads the key at b[i] and the ':' after it when the key is one of
// an entry's, written without escapes. It returns the key's bit (0 productKey,
// 1 deviceKey, 2 measurepoints, 3 time) and the index after the ':', or -1.
func entryKey(b []byte, i int) (int, int) {
	if i+1 >= len(b) {
		return -1, 0
	}
	switch b[i+1] {
	case 'p':
		if memberAt(b, i, quotedProductKey, productKeyWords[0], productKeyWords[1]) {
			return colon(b, i+len(quotedProductKey), 0)
		}
	case 'd':
		if memberAt(b, i, quotedDeviceKey, deviceKeyWords[0], deviceKeyWords[1]) {
			return colon(b, i+len(quotedDeviceKey), 1)
		}
	case 'm':
		if memberAt(b, i, quotedMeasurepoints, measurepointsWords[0], measurepointsWords[1]) {
			return colon(b, i+len(quotedMeasurepoints), 2)
		}
	case 't':
		if hasAt(b, i, quotedTime) { // compared in place
			return colon(b, i+len(quotedTime), 3)
		}
	}
	return -1, 0
}

// colon returns k and the index after the ':' that must follow b[:i], or -1.
func colon(b []byte, i, k int) (int, int) {
	if i < len(b) && b[i] == ':' {
		return k, i + 1
	}
	if i = scan.SkipSpace(b, i); i < len(b) && b[i] == ':' {
		return k, i + 1
	}
	return -1, 0
}

// hasAt reports whether b holds s at i.
func hasAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// product is a product key and its model.
type product struct {
	pk    string
	model *thingmodel.Model
}

// product returns the product key pk of a sub-device as a string and its
// model, or nil, as internBytes and Models.Model would, for fastDevice and
// resolve. It looks in a small cache of the products with a model seen last
// first: a gateway's sub-devices are mostly of a few products, and a
// validator's catalog does not change.
func (v *Validator) product(pk []byte) (string, *thingmodel.Model) {
	c := &v.products
	for k := range c {
		if c[k].model != nil && string(pk) == c[k].pk {
			return c[k].pk, c[k].model
		}
	}
	s := v.internBytes(pk)
	m := v.opts.Models.Model(s)
	if m != nil {
		copy(c[1:], c[:len(c)-1])
		c[0] = product{pk: s, model: m}
	}
	return s, m
}

// device is an entry's resolved device and its model.
type device struct {
	pk, dk string
	model  *thingmodel.Model
}

// fastDevice resolves an entry's keys, given or not, as resolve does, and
// reports false when resolve would record anything (a malformed pair, a
// refused or offline device) or the product has no model.
func (v *Validator) fastDevice(pk, dk []byte, given bool) (device, bool) {
	if !given {
		// The topic device's points.
	} else if v.opts.Profile == Strict {
		if len(pk) == 0 || len(dk) == 0 {
			return device{}, false
		}
	} else if (len(pk) == 0) != (len(dk) == 0) {
		return device{}, false
	}
	topic := &v.res.Topic
	d := device{pk: topic.ProductKey, dk: topic.DeviceKey}
	if len(pk) > 0 && (string(pk) != topic.ProductKey || string(dk) != topic.DeviceKey) {
		if v.lastDev.model != nil && string(pk) == v.lastDev.pk && string(dk) == v.lastDev.dk {
			return v.lastDev, true
		}
		d.pk, d.model = v.product(pk)
		d.dk = v.internBytes(dk)
		if v.subDeviceFault(d.pk, d.dk) != deviceOK {
			return device{}, false // resolve words and records the refusal
		}
		if d.model == nil {
			return device{}, false
		}
		v.lastDev = d
		return d, true
	}
	d.model = v.opts.Models.Model(d.pk)
	return d, d.model != nil
}

// fastPoints reads the measurepoints object at b[i] of the entry index of
// device dev; each valid point waits in v.ready, with all its fields but
// the time set (deliver sets it). It returns the index after the object.
func (v *Validator) fastPoints(b []byte, i int, base int64, index int, dev *device) (int, bool) {
	model := dev.model
	if b[i] != '{' {
		return 0, false
	}
	v.startMarks(model)
	seq := v.fastSeq(model)
	next := seq.next[:0]
	same := true // every point so far is where the last entry had it
	maxTok := v.lim.maxString
	n := 0 // points read
	i++
	for ; ; n++ {
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		if b[i] == '}' {
			i++
			break
		}
		if n > 0 {
			if b[i] != ',' {
				return 0, false
			}
			if i = scan.SkipSpace(b, i+1); i >= len(b) {
				return 0, false
			}
		}
		if b[i] != '"' {
			return 0, false
		}
		// Entries of one product usually list their points in the same order:
		// compare the member the model's last entry had here in place, as
		// two words when it has at most 16 bytes. Its key was read within the
		// token limit once, so it keeps it.
		var mp *thingmodel.Measurepoint
		if n < len(seq.last) {
			q := seq.last[n]
			m := q.Member()
			var hit bool
			if head, tail := q.MemberWords(); len(m) <= 16 && i <= len(b)-16 {
				hit = memberIn(b[i:i+16:i+16], len(m), head, tail)
			} else {
				hit = memberAt(b, i, m, head, tail)
			}
			if hit {
				mp, i = q, i+len(m)
			}
		}
		if mp != nil && same {
			// Every point so far was where the last entry had it, and that
			// entry had no point twice: neither has this one.
		} else {
			if same {
				// From here on each point is marked, and those before it first.
				same = false
				for _, q := range seq.last[:n] {
					v.seenGen[q.Index()] = v.gen
				}
				next = append(next, seq.last[:n]...)
				seq.next = next
			}
			if mp == nil {
				s, j, ok := scan.PlainString(b, i, maxTok)
				if !ok {
					return 0, false
				}
				if mp = model.MeasurepointBytes(s); mp == nil {
					return 0, false
				}
				if _, i = colon(b, j, 0); i == 0 {
					return 0, false
				}
			}
			if v.seenGen[mp.Index()] == v.gen {
				return 0, false // given twice
			}
			v.seenGen[mp.Index()] = v.gen
			next = append(next, mp)
			seq.next = next // keeps what append grew, should a later point give up
		}
		var ok bool
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		p := v.nextReady()
		p.Measurepoint, p.Quality, p.Offset = mp, -1, base+int64(i)
		p.Entry, p.ProductKey, p.DeviceKey = index, dev.pk, dev.dk
		at := i
		if mp.HasQuality() {
			i, ok = v.fastQuality(mp.Type(), b, i, p)
		} else {
			i, ok = v.fastValue(mp.Type(), b, i, &p.Value)
		}
		if !ok {
			// Once the verdict is decided, the checks skip the points, and
			// so does the accept path: a value they would skip without a
			// finding is taken whatever its model says.
			if !v.decided() {
				return 0, false
			}
			if i, ok = v.fastSkip(b, at); !ok {
				return 0, false
			}
		}
	}
	if same {
		seq.last = seq.last[:n]
	} else {
		seq.last, seq.next = next, seq.last
	}
	return i, true
}

// pointOrder is the order of the points in the last entry of one model.
type pointOrder struct {
	model      *thingmodel.Model
	last, next []*thingmodel.Measurepoint
}

// fastSeq returns the point order of model's last entry in this validator's
// small cache of the models seen last, which replaces the least recent one
// when model is not in it: batches often alternate between a few products.
func (v *Validator) fastSeq(model *thingmodel.Model) *pointOrder {
	c := &v.orders
	for k := range c {
		if c[k].model == model {
			if k > 0 {
				c[0], c[k] = c[k], c[0]
			}
			return &c[0]
		}
	}
	evicted := c[len(c)-1]
	copy(c[1:], c[:len(c)-1])
	c[0] = pointOrder{model: model, last: evicted.last[:0], next: evicted.next[:0]}
	return &c[0]
}

// The usual spelling of a point with quality, {"value":v,"quality":q}, as
// words that fastQuality compares in place: the 8 bytes of `{"value"` (its
// colon is compared alone), and 8 and 4 overlapping ones of `,"quality":`.
var (
	valueOpen   = binary.LittleEndian.Uint64([]byte(`{"value"`))
	qualityHead = binary.LittleEndian.Uint64([]byte(`,"qualit`))
	qualityTail = binary.LittleEndian.Uint32([]byte(`ty":`))
)

// fastQuality reads {"value": v, "quality": q}, in either order, at b[i].
func (v *Validator) fastQuality(t *thingmodel.Type, b []byte, i int, p *Point) (int, bool) {
	if b[i] != '{' {
		return 0, false
	}
	var seen uint8
	first := true
	if len(b)-i > 9 && binary.LittleEndian.Uint64(b[i:]) == valueOpen && b[i+8] == ':' {
		// The usual spelling: read as far as it goes, and from where it
		// departs by the loop below.
		if i = scan.SkipSpace(b, i+9); i >= len(b) {
			return 0, false
		}
		var ok bool
		if unboundedFloat(t) {
			// fastValue's first case, without its dispatch.
			if n := plainDecimal(b[i:], v.lim.maxString); n > 0 {
				p.Value = Value{typ: t.DataType(), text: b[i : i+n]}
				i += n
			} else if i, ok = v.fastValue(t, b, i, &p.Value); !ok {
				return 0, false
			}
		} else if i, ok = v.fastValue(t, b, i, &p.Value); !ok {
			return 0, false
		}
		if len(b)-i >= 13 && binary.LittleEndian.Uint64(b[i:]) == qualityHead &&
			binary.LittleEndian.Uint32(b[i+7:]) == qualityTail && b[i+12] == '}' {
			if c := b[i+11]; c >= '0'+thingmodel.MinQuality && c <= '0'+thingmodel.MaxQuality {
				p.Quality = int(c - '0')
				return i + 13, true
			}
		}
		seen, first = 1, false
	} else {
		i++
	}
	for ; ; first = false {
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		if b[i] == '}' {
			i++
			break
		}
		if !first {
			if b[i] != ',' {
				return 0, false
			}
			if i = scan.SkipSpace(b, i+1); i >= len(b) {
				return 0, false
			}
		}
		var k int
		switch {
		case hasAt(b, i, `"value"`):
			k, i = colon(b, i+len(`"value"`), 0)
		case hasAt(b, i, `"quality"`):
			k, i = colon(b, i+len(`"quality"`), 1)
		default:
			return 0, false
		}
		if k < 0 || seen&(1<<k) != 0 {
			return 0, false
		}
		seen |= 1 << k
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		var ok bool
		if k == 0 {
			if i, ok = v.fastValue(t, b, i, &p.Value); !ok {
				return 0, false
			}
			continue
		}
		// quality: an integer from 0 to 9 written as one digit; any other
		// spelling, such as -0, is left to checkQuality. What follows the
		// digit must be a ',' or a '}', which the loop checks.
		if c := b[i]; c < '0'+thingmodel.MinQuality || c > '0'+thingmodel.MaxQuality {
			return 0, false
		}
		p.Quality = int(b[i] - '0')
		i++
	}
	return i, seen == 3
}

// unboundedFloat reports whether t is a FLOAT or DOUBLE without bounds,
// which takes a plain decimal (plainDecimal) as it stands: fastValue's
// first case, which fastQuality, fastArray and fastStruct take without
// fastValue's dispatch.
func unboundedFloat(t *thingmodel.Type) bool {
	dt := t.DataType()
	return (dt == thingmodel.Float || dt == thingmodel.Double) && !t.Bounded()
}

// fastValue reads one value of type t at b[i] into dst.
func (v *Validator) fastValue(t *thingmodel.Type, b []byte, i int, dst *Value) (int, bool) {
	c := b[i]
	maxTok := v.lim.maxString
	switch dt := t.DataType(); dt {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double, thingmodel.Timestamp:
		// A FLOAT or DOUBLE without bounds is decided by plainDecimal in
		// each case below. (Deciding the type once for all costs the other
		// types 0.4% of the large batch.)
		var num []byte
		var shape scan.Num
		switch {
		case c == '-' || (c >= '0' && c <= '9'):
			if unboundedFloat(t) {
				if n := plainDecimal(b[i:], maxTok); n > 0 {
					dst.setScalar(dt, false, 0, b[i:i+n])
					return i + n, true
				}
			}
			var n int
			var ok bool
			if shape, n, ok = scan.PlainNumber(b[i:]); !ok || n > maxTok {
				return 0, false
			}
			num = b[i : i+n]
			i += n
		case c == '"' && v.opts.Profile == Compat:
			// A number in a string, as the documents' sample writes the
			// items of an ARRAY of FLOAT: the quote ends it.
			if unboundedFloat(t) {
				if n := plainDecimal(b[i+1:], maxTok); n > 0 && b[i+1+n] == '"' {
					dst.setScalar(dt, false, 0, b[i+1:i+1+n])
					return i + n + 2, true
				}
			}
			s, j, ok := v.fastText(b, i)
			if !ok {
				return 0, false
			}
			if shape, ok = scan.IsNumber(s); !ok {
				return 0, false
			}
			num, i = s, j
		default:
			return 0, false
		}
		if dt == thingmodel.Timestamp {
			return i, judgeTimestamp(num, shape, dst) == ""
		}
		// judgeNumber, spelled out: its call costs 3% of the large batch.
		if plainNumber(t, num, shape, dst) {
			return i, true
		}
		return i, judgeOtherNumber(t, num, num, shape, v.opts.Profile == Compat, dst) == ""
	case thingmodel.Bool:
		switch {
		case hasAt(b, i, "true"):
			dst.setScalar(thingmodel.Bool, false, 1, nil)
			i += len("true")
		case hasAt(b, i, "false"):
			dst.setScalar(thingmodel.Bool, false, 0, nil)
			i += len("false")
		case c == '-' || (c >= '0' && c <= '9'):
			_, n, ok := scan.PlainNumber(b[i:])
			if !ok || n > maxTok {
				return 0, false
			}
			x, ok := boolNumber(b[i : i+n])
			if !ok {
				return 0, false
			}
			dst.setScalar(thingmodel.Bool, false, x, nil)
			return i + n, true
		case c == '"' && v.opts.Profile == Compat:
			s, j, ok := v.fastText(b, i)
			if !ok {
				return 0, false
			}
			x, ok := boolString(s)
			if !ok {
				return 0, false
			}
			dst.setScalar(thingmodel.Bool, false, x, nil)
			return j, true
		default:
			return 0, false
		}
		return i, true // what follows must be a ',' or a closing byte, which the caller checks
	case thingmodel.Enum:
		switch {
		case c == '"' && (t.EnumType() == thingmodel.String || v.opts.Profile == Compat):
			s, j, ok := v.fastText(b, i)
			if !ok || !t.EnumKeyBytes(s) {
				return 0, false
			}
			if t.EnumType() == thingmodel.String {
				dst.setScalar(thingmodel.Enum, true, 0, s)
			} else {
				n, _ := scan.ParseInt(s) // keys of an INT enum are canonical integers
				dst.setScalar(thingmodel.Enum, false, n, nil)
			}
			return j, true
		case t.EnumType() != thingmodel.String && (c == '-' || (c >= '0' && c <= '9')):
			shape, n, ok := scan.PlainNumber(b[i:])
			if !ok || n > maxTok {
				return 0, false
			}
			return i + n, v.judgeEnumNumber(t, b[i:i+n], shape, dst) == ""
		}
		return 0, false
	case thingmodel.String, thingmodel.Date, thingmodel.File:
		if c != '"' {
			return 0, false
		}
		s, j, ok := v.fastText(b, i)
		if !ok {
			return 0, false
		}
		return j, judgeText(t, s, dst) == ""
	case thingmodel.Array:
		return v.fastArray(t, b, i, dst)
	case thingmodel.Struct:
		return v.fastStruct(t, b, i, dst)
	}
	return 0, false
}

// fastSkipKeys is the most members of an object that fastSkip takes.
const fastSkipKeys = 4

// fastSkip returns the index after the value at b[i] when the checks would
// skip it without a finding, as they skip the points of a request whose
// verdict is decided: a scalar, an array of scalars, or an object of at most
// fastSkipKeys members with distinct keys written without escapes, whose
// values are scalars or arrays of scalars. Any other value is for entry.
func (v *Validator) fastSkip(b []byte, i int) (int, bool) {
	if b[i] != '{' {
		return v.fastSkipFlat(b, i)
	}
	var keys [fastSkipKeys][]byte
	i++
	for n := 0; ; n++ {
		var done, ok bool
		if i, done, ok = nextItem(b, i, n, '}'); !ok || done {
			return i, ok
		}
		if n == len(keys) || b[i] != '"' {
			return 0, false
		}
		k, j, ok := scan.PlainString(b, i, v.lim.maxString)
		if !ok {
			return 0, false
		}
		for _, q := range keys[:n] {
			if string(q) == string(k) {
				return 0, false // a duplicate
			}
		}
		keys[n] = k
		if _, i = colon(b, j, 0); i == 0 {
			return 0, false
		}
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		if i, ok = v.fastSkipFlat(b, i); !ok {
			return 0, false
		}
	}
}

// fastSkipFlat is fastSkip for a scalar or an array of scalars.
func (v *Validator) fastSkipFlat(b []byte, i int) (int, bool) {
	if b[i] != '[' {
		return v.fastSkipScalar(b, i)
	}
	i++
	for n := 0; ; n++ {
		var done, ok bool
		if i, done, ok = nextItem(b, i, n, ']'); !ok || done {
			return i, ok
		}
		if v.lim.maxArray > 0 && n >= v.lim.maxArray {
			return 0, false
		}
		if i, ok = v.fastSkipScalar(b, i); !ok {
			return 0, false
		}
	}
}

// nextItem moves from b[i] to the next member or item of an object or array
// of which n members or items have been read: past white space and, after
// the first, a ','. At the closing byte close it reports done, with the index
// after it; at anything else that cannot come there, or the end of b, false.
// The loops of the values the accept path decides spell this out: calling it
// there costs 1.6% of the large batch's instructions.
func nextItem(b []byte, i, n int, close byte) (j int, done, ok bool) {
	if i = scan.SkipSpace(b, i); i >= len(b) {
		return 0, false, false
	}
	if b[i] == close {
		return i + 1, true, true
	}
	if n > 0 {
		if b[i] != ',' {
			return 0, false, false
		}
		if i = scan.SkipSpace(b, i+1); i >= len(b) {
			return 0, false, false
		}
	}
	return i, false, true
}

// fastSkipScalar is fastSkip for a string, a number or a literal. What
// follows it must be a ',' or a closing byte, which the caller checks.
func (v *Validator) fastSkipScalar(b []byte, i int) (int, bool) {
	switch c := b[i]; {
	case c == '"':
		_, end, _, ok := scan.StringAt(b, i, v.lim.maxString)
		return end, ok
	case c == '-' || (c >= '0' && c <= '9'):
		_, n, ok := scan.PlainNumber(b[i:])
		return i + n, ok && n <= v.lim.maxString
	case hasAt(b, i, "true"), hasAt(b, i, "null"):
		return i + 4, true
	case hasAt(b, i, "false"):
		return i + 5, true
	}
	return 0, false
}

// plainDecimal returns the length of the plain decimal at b[0]
// (scan.PlainDecimal) when plainNumber's rule takes it for a FLOAT or DOUBLE
// without bounds, within the token limit maxTok, or 0. The number's value is
// not computed: its shape decides.
func plainDecimal(b []byte, maxTok int) int {
	if n, digits := scan.PlainDecimal(b); n <= maxTok && digits <= plainIntDigits {
		return n
	}
	return 0
}

// fastText reads the string at b[i] and returns its decoded bytes, valid
// until the entry's points have been handed over, as stringText does.
func (v *Validator) fastText(b []byte, i int) (s []byte, end int, ok bool) {
	raw, end, esc, ok := scan.StringAt(b, i, v.lim.maxString)
	if !ok || !esc {
		return raw, end, ok
	}
	start := len(v.text)
	v.text = scan.AppendUnescaped(v.text, raw)
	return v.text[start:len(v.text):len(v.text)], end, true
}

// fastArray reads an ARRAY at b[i].
func (v *Validator) fastArray(t *thingmodel.Type, b []byte, i int, dst *Value) (int, bool) {
	if b[i] != '[' {
		return 0, false
	}
	maxItems := thingmodel.MaxArrayItems
	if v.lim.maxArray > 0 && v.lim.maxArray < maxItems {
		maxItems = v.lim.maxArray
	}
	start := len(v.items)
	elem := t.Elem()
	// Items of a FLOAT or DOUBLE without bounds written as plain decimals,
	// the usual ones, are taken here, without fastValue's dispatch.
	dt, plainFloat := elem.DataType(), unboundedFloat(elem)
	maxTok := v.lim.maxString
	i++
	for n := 0; ; n++ {
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		if b[i] == ']' {
			i++
			break
		}
		if n > 0 {
			if b[i] != ',' {
				return 0, false
			}
			if i = scan.SkipSpace(b, i+1); i >= len(b) {
				return 0, false
			}
		}
		if n >= maxItems {
			return 0, false
		}
		if c := b[i]; plainFloat && (c == '-' || c-'0' <= 9) {
			if k := plainDecimal(b[i:], maxTok); k > 0 {
				v.items = append(v.items, Value{typ: dt, text: b[i : i+k]})
				i += k
				continue
			}
		}
		v.items = append(v.items, Value{})
		var ok bool
		if i, ok = v.fastValue(elem, b, i, &v.items[len(v.items)-1]); !ok { // items are scalars: no append meanwhile
			return 0, false
		}
	}
	end := len(v.items)
	*dst = Value{typ: thingmodel.Array, elems: v.items[start:end:end]}
	return i, true
}

// fastStruct reads a STRUCT at b[i]. Items are never STRUCT, so one struct is
// read at a time.
func (v *Validator) fastStruct(t *thingmodel.Type, b []byte, i int, dst *Value) (int, bool) {
	n := t.NumItems()
	if b[i] != '{' || n > 64 {
		return 0, false
	}
	var seen uint64 // the items read, by index
	required := 0
	start := len(v.fields)
	maxTok := v.lim.maxString
	i++
	for m := 0; ; m++ {
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		if b[i] == '}' {
			i++
			break
		}
		if m > 0 {
			if b[i] != ',' {
				return 0, false
			}
			if i = scan.SkipSpace(b, i+1); i >= len(b) {
				return 0, false
			}
		}
		if b[i] != '"' {
			return 0, false
		}
		// Values usually list their items in the model's order: the m-th
		// item's key is compared in place first.
		k := -1
		if m < n {
			it := t.Item(m)
			mb := it.Member()
			var hit bool
			if head, tail := it.MemberWords(); len(it.Identifier()) > maxTok {
				// Its key is over the token limit: the checks say so.
			} else if len(mb) <= 16 && i <= len(b)-16 {
				hit = memberIn(b[i:i+16:i+16], len(mb), head, tail)
			} else {
				hit = memberAt(b, i, mb, head, tail)
			}
			if hit {
				k, i = m, i+len(mb)
			}
		}
		if k < 0 {
			key, j, ok := scan.PlainString(b, i, maxTok)
			if !ok {
				return 0, false
			}
			if k = itemIndex(t, key); k < 0 {
				return 0, false
			}
			if _, i = colon(b, j, 0); i == 0 {
				return 0, false
			}
		}
		if seen&(1<<k) != 0 {
			return 0, false
		}
		seen |= 1 << k
		if i = scan.SkipSpace(b, i); i >= len(b) {
			return 0, false
		}
		it := t.Item(k)
		if it.Required() {
			required++
		}
		v.names = append(v.names, it.Identifier())
		// An item of a FLOAT or DOUBLE without bounds written as a plain
		// decimal is taken here, as fastArray takes one.
		if ty := it.Type(); unboundedFloat(ty) {
			if n := plainDecimal(b[i:], maxTok); n > 0 {
				v.fields = append(v.fields, Value{typ: ty.DataType(), text: b[i : i+n]})
				i += n
				continue
			}
		}
		v.fields = append(v.fields, Value{})
		var ok bool
		if i, ok = v.fastValue(it.Type(), b, i, &v.fields[len(v.fields)-1]); !ok {
			return 0, false
		}
	}
	if required != t.NumRequired() {
		return 0, false
	}
	end := len(v.fields)
	*dst = Value{typ: thingmodel.Struct, elems: v.fields[start:end:end], names: v.names[start:end:end]}
	return i, true
}

// memberAt reports whether b holds the member m (a Member) at i, comparing
// its words head and tail (MemberWords) when it has at most 16 bytes.
func memberAt(b []byte, i int, m string, head, tail uint64) bool {
	k := len(m)
	if len(b)-i < k {
		return false
	}
	w := b[i : i+k]
	switch {
	case k > 16:
		return string(w) == m
	case k >= 8:
		return binary.LittleEndian.Uint64(w) == head && binary.LittleEndian.Uint64(w[k-8:]) == tail
	}
	return binary.LittleEndian.Uint32(w) == uint32(head) && binary.LittleEndian.Uint32(w[k-4:]) == uint32(tail)
}

// memberIn is memberAt for a member of k bytes, at most 16, and the window
// w of the 16 bytes of b at i: the caller checks w's bounds once, where
// memberAt checks those of three slices. The caller chooses between the two
// (one function doing both would be too large to be inlined): for the
// points of the large batch, memberIn takes 2% fewer instructions.
func memberIn(w []byte, k int, head, tail uint64) bool {
	w = w[:16]
	if k >= 8 {
		return binary.LittleEndian.Uint64(w) == head && binary.LittleEndian.Uint64(w[k-8:]) == tail
	}
	return binary.LittleEndian.Uint32(w) == uint32(head) && binary.LittleEndian.Uint32(w[k-4:]) == uint32(tail)
}

// nextReady returns a new slot at the end of v.ready, its fields left as
// they were: fastPoints sets them all, and the value rules write a whole
// value.
func (v *Validator) nextReady() *Point {
	n := len(v.ready)
	if n < cap(v.ready) {
		v.ready = v.ready[:n+1]
	} else {
		v.ready = append(v.ready, Point{})
	}
	return &v.ready[n]
}

// deliver hands the points of an entry that fastEntry accepted over, with
// the entry's time t, as finishEntry does.
func (v *Validator) deliver(t int64) {
	if v.yield == nil {
		v.res.Accepted += len(v.ready)
		return
	}
	for i := range v.ready {
		p := &v.ready[i]
		p.Time = t
		if err := v.yield(p); err != nil {
			v.res.Accepted += i + 1 // the point refused counts, as in finishEntry
			v.yieldErr = err
			v.stop = true
			return
		}
	}
	v.res.Accepted += len(v.ready)
}
