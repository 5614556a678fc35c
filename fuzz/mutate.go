package fuzz

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Mutation kinds for [Mutate].
const (
	// MutateValue replaces one point's whole value with one that breaks §3.1: the
	// wrong JSON type, out of range or bounds, too long, not an enum key, not a
	// calendar date, null, a bare value for a point with quality and the reverse.
	// The diagnostic is 1204 exactly at that value.
	MutateValue = "value"
	// MutateInside breaks a value inside a point: an ARRAY item, a STRUCT member,
	// an unknown STRUCT key, the quality or value of a {"value","quality"} pair.
	// The diagnostic is 1204 at or below the point.
	MutateInside = "inside"
	// MutateUnknown adds a point whose identifier the model does not define: 1204.
	MutateUnknown = "unknown identifier"
	// MutateDevice makes an entry name a device the gateway may not speak for:
	// unknown, behind another gateway, or offline without allowOfflineSubDevice
	// (1212). Only batch requests of an Env with a directory.
	MutateDevice = "device"
	// MutateNoModel makes an entry name a device whose product has no model: all
	// its points are invalid (1204). Only batch requests.
	MutateNoModel = "no model"
)

// Mutate applies one mutation of the given kind to entry i of the request (or to
// a random entry when i < 0), drawing the details. It returns false when the
// mutation does not apply (no points, a single method, no directory...), leaving
// the request unchanged.
func Mutate(t *rapid.T, r *Request, kind string, i int) bool {
	var cand []int
	for j, e := range r.Entries {
		switch kind {
		case MutateValue, MutateInside:
			if len(e.Points) > 0 && !e.NoModel {
				cand = append(cand, j)
			}
		case MutateUnknown:
			if !e.NoModel {
				cand = append(cand, j)
			}
		case MutateDevice:
			if r.Batch() && r.Env.Directory != nil && !e.NoModel {
				cand = append(cand, j)
			}
		case MutateNoModel:
			if _, ok := r.Env.noModelDevice(); ok && r.Batch() && len(e.Points) > 0 && !e.Forbidden && !e.NoModel {
				cand = append(cand, j)
			}
		}
	}
	if i >= 0 {
		if !slices.Contains(cand, i) {
			return false
		}
	} else {
		if len(cand) == 0 {
			return false
		}
		i = rapid.SampledFrom(cand).Draw(t, kind+" entry")
	}
	e := r.Entries[i]
	compat := r.Profile == validate.Compat
	note := func(s string) { r.notes = append(r.notes, "entry "+strconv.Itoa(i)+": "+s) }
	switch kind {
	case MutateValue, MutateInside:
		// Points already broken are left alone, so that each point breaks once.
		var ok []*PointValue
		for _, p := range e.Points {
			if !p.Invalid && p.spec != nil {
				ok = append(ok, p)
			}
		}
		if len(ok) == 0 {
			return false
		}
		p := rapid.SampledFrom(ok).Draw(t, kind+" point")
		spec := p.spec
		var bad *node
		if kind == MutateValue {
			bad, p.Exact = invalidPoint(t, spec, compat)
		} else {
			if bad = invalidInside(t, spec, p.node, compat); bad == nil {
				return false
			}
		}
		e.mps.set(p.Identifier, bad)
		p.node, p.Invalid = bad, true
		note(kind + " " + p.Identifier)
	case MutateUnknown:
		model := r.Env.Model(e.Device.ProductKey)
		id := unique(identifier(t, "unknown identifier"), func(s string) bool { return model.Point(s) != nil || e.mps.get(s) != nil })
		v := junk(t, 1, "unknown point value")
		e.mps.set(id, v)
		e.Points = append(e.Points, &PointValue{Identifier: id, Quality: -1, Invalid: true, Exact: true, node: v})
		note("unknown identifier " + id)
	case MutateDevice:
		forms := []string{}
		if len(r.Env.Forbidden) > 0 {
			forms = append(forms, "forbidden")
		}
		if len(r.Env.Offline) > 0 && !r.AllowOffline {
			forms = append(forms, "offline")
		}
		if len(forms) == 0 {
			return false
		}
		var d Device
		if rapid.SampledFrom(forms).Draw(t, "device mutation") == "forbidden" {
			d = rapid.SampledFrom(r.Env.Forbidden).Draw(t, "forbidden device")
		} else {
			d = rapid.SampledFrom(r.Env.Offline).Draw(t, "offline device")
		}
		e.setKeys(d)
		e.Forbidden = true
		note("device " + d.ProductKey + "/" + d.DeviceKey)
	case MutateNoModel:
		d, _ := r.Env.noModelDevice()
		e.setKeys(d)
		e.NoModel = true
		note("device without model " + d.ProductKey + "/" + d.DeviceKey)
	default:
		panic("fuzz: unknown mutation " + kind)
	}
	return true
}

// invalidPoint draws a point value that breaks §3.1 for p. exact is false when
// the offending value lies inside the point value (a bad "value" of a pair, item
// 1024 of an ARRAY that is too long), where the diagnostic points at it.
func invalidPoint(t *rapid.T, p *PointSpec, compat bool) (bad *node, exact bool) {
	if p.HasQuality {
		switch rapid.IntRange(0, 2).Draw(t, "quality point break") {
		case 0: // a bare value where {"value","quality"} is required
			v, _ := conformingValue(t, &p.Type, compat, "bare value")
			return v, true
		case 1:
			return rapid.SampledFrom([]*node{literalNode("null"), stringNode("x"), arrayNode(), literalNode("true")}).Draw(t, "not a pair"), true
		}
		v, _ := invalidValue(t, &p.Type, compat)
		return objectNode(member{"value", v}, member{"quality", intNode(0)}), false
	}
	if p.Type.DataType != thingmodel.Struct && rapid.IntRange(0, 5).Draw(t, "pair without quality") == 0 {
		v, _ := conformingValue(t, &p.Type, compat, "paired value")
		return objectNode(member{"value", v}, member{"quality", intNode(0)}), true
	}
	return invalidValue(t, &p.Type, compat)
}

// invalidValue draws a value that ts rejects under the profile. exact is false
// for an ARRAY that is too long, whose diagnostic points at the item past the
// limit.
func invalidValue(t *rapid.T, ts *TypeSpec, compat bool) (*node, bool) {
	cands := []*node{literalNode("null")}
	if ts.DataType != thingmodel.Struct {
		cands = append(cands, objectNode(member{"a", intNode(1)}))
	}
	if ts.DataType != thingmodel.Array {
		cands = append(cands, arrayNode(), arrayNode(intNode(1)))
	}
	if ts.DataType != thingmodel.Bool {
		cands = append(cands, literalNode("true"), literalNode("false"))
	}
	num := func(s string) *node { return rawNode(s) }
	var tooLong *node
	switch ts.DataType {
	case thingmodel.Int:
		lo, hi := intRange(ts, math.MinInt32, math.MaxInt32)
		cands = append(cands, stringNode("abc"), stringNode(""), num("1.5"), num("-0.5e0"),
			intNode(lo-1), intNode(hi+1), num("2147483648"), num("-2147483649"), num("1e10"),
			num("99999999999999999999"), stringNode("2147483648"), stringNode("1.5"), stringNode(" 1"))
		if !compat {
			cands = append(cands, num("3.0"), num("1e2"), stringNode("12"), num("-0.0"))
		}
	case thingmodel.Float, thingmodel.Double:
		cands = append(cands, stringNode("abc"), stringNode(""), num("1e400"), num("-1e400"), stringNode("1e400"), stringNode("NaN"), stringNode("Infinity"))
		if ts.DataType == thingmodel.Float {
			cands = append(cands, num("3.5e38"), num("-3.4028236e38"), stringNode("3.5e38"),
				// 2^128 - 2^103, the midpoint that rounds to even, to infinity
				num("340282356779733661637539395458142568448"), num("-3.4028235677973366163753939545814256844800e38"))
		}
		if b := ts.Min; b.Set {
			v := b.Value - 1
			if b.Exclusive {
				v = b.Value
			}
			cands = append(cands, numberNode(FloatNumber(v)))
		}
		if b := ts.Max; b.Set {
			v := b.Value + 1
			if b.Exclusive {
				v = b.Value
			}
			cands = append(cands, numberNode(FloatNumber(v)))
		}
		if !compat {
			cands = append(cands, stringNode("1.5"), stringNode("0"))
		}
	case thingmodel.String:
		n := ts.MaxLength + 1
		long := strings.Repeat("é", n/2) + strings.Repeat("x", n%2) // n bytes, at most maxLength characters
		cands = append(cands, intNode(5), num("1.5"), stringNode(long))
	case thingmodel.File:
		cands = append(cands, intNode(5), num("1.5"))
	case thingmodel.Enum:
		if ts.EnumType == thingmodel.Int {
			cands = append(cands, intNode(12345), stringNode("zz"), num("1.5"), stringNode(""))
			if compat {
				cands = append(cands, stringNode("12345"))
			} else {
				cands = append(cands, stringNode(ts.EnumKeys[0]))
			}
		} else {
			notKey := "\u0001not a key"
			for slices.Contains(ts.EnumKeys, notKey) {
				notKey += "!"
			}
			cands = append(cands, stringNode(notKey), intNode(5))
		}
	case thingmodel.Bool:
		cands = append(cands, intNode(2), intNode(-1), stringNode("yes"), stringNode("TRUE"), stringNode(""), objectNode())
		if !compat {
			cands = append(cands, stringNode("true"), stringNode("0"))
		}
	case thingmodel.Date:
		cands = append(cands, stringNode("2023-02-29 00:00:00"), stringNode("2024-13-01 00:00:00"),
			stringNode("2024-01-01T00:00:00"), stringNode("2024-01-01 24:00:00"), stringNode("2024-1-01 00:00:00"),
			stringNode("2024-04-31 12:00:00"), stringNode(""), intNode(20240101), stringNode("2024-01-01 00:00:60"))
	case thingmodel.Timestamp:
		cands = append(cands, intNode(-1), num("9223372036854775808"), num("1.5"), stringNode("abc"), stringNode("-1"),
			num("1e3"), stringNode("9223372036854775808"))
		if !compat {
			cands = append(cands, stringNode("5"))
		}
	case thingmodel.Array:
		tooLong = arrayNode()
		for range thingmodel.MaxArrayItems + 1 {
			tooLong.elems = append(tooLong.elems, validItem(ts.Elem))
		}
		cands = append(cands, stringNode("x"), intNode(5), tooLong)
	case thingmodel.Struct:
		cands = append(cands, intNode(5), stringNode("x"))
		for _, it := range ts.Items {
			if it.Required {
				// Every item but this required one, each with a valid value.
				obj := objectNode()
				for _, o := range ts.Items {
					if o.Identifier != it.Identifier {
						obj.set(o.Identifier, validItem(&o.Type))
					}
				}
				cands = append(cands, obj)
			}
		}
	}
	i := rapid.IntRange(0, len(cands)-1).Draw(t, "invalid "+ts.DataType.String())
	return cands[i], cands[i] != tooLong
}

// validItem returns a fixed valid value of ts in both profiles.
func validItem(ts *TypeSpec) *node {
	switch ts.DataType {
	case thingmodel.Int, thingmodel.Float, thingmodel.Double:
		lo, _ := intRange(ts, -1<<20, 1<<20)
		return intNode(lo)
	case thingmodel.String, thingmodel.File:
		return stringNode("")
	case thingmodel.Enum:
		if ts.EnumType == thingmodel.String {
			return stringNode(ts.EnumKeys[0])
		}
		i, _ := strconv.ParseInt(ts.EnumKeys[0], 10, 64)
		return intNode(i)
	case thingmodel.Bool:
		return literalNode("true")
	case thingmodel.Date:
		return stringNode("2024-02-29 23:59:59")
	case thingmodel.Timestamp:
		return intNode(0)
	case thingmodel.Array:
		return arrayNode()
	}
	obj := objectNode()
	for _, it := range ts.Items {
		if it.Required {
			obj.set(it.Identifier, validItem(&it.Type))
		}
	}
	return obj
}

// invalidInside returns a copy of the point value v with one value inside it
// broken, or nil when v has nothing inside.
func invalidInside(t *rapid.T, p *PointSpec, v *node, compat bool) *node {
	v = v.clone()
	if p.HasQuality {
		switch rapid.IntRange(0, 4).Draw(t, "quality pair break") {
		case 0:
			v.set("quality", rapid.SampledFrom([]*node{intNode(10), intNode(-1), stringNode("5"), rawNode("9.5"), literalNode("null")}).Draw(t, "bad quality"))
		case 1:
			v.del("quality")
		case 2:
			v.del("value")
		case 3:
			v.set("extra", intNode(1))
		case 4:
			bad, _ := invalidValue(t, &p.Type, compat)
			v.set("value", bad)
		}
		return v
	}
	switch p.Type.DataType {
	case thingmodel.Array:
		var bad *node
		if p.Type.Elem.DataType == thingmodel.String {
			bad = rapid.SampledFrom([]*node{intNode(5), literalNode("null"), literalNode("true")}).Draw(t, "bad item")
		} else {
			bad = rapid.SampledFrom([]*node{stringNode("x"), literalNode("true"), literalNode("null"), objectNode()}).Draw(t, "bad item")
		}
		at := rapid.IntRange(0, len(v.elems)).Draw(t, "bad item index")
		v.elems = slices.Insert(v.elems, at, bad)
		return v
	case thingmodel.Struct:
		if len(v.members) > 0 && rapid.Bool().Draw(t, "break a member") {
			m := rapid.SampledFrom(v.members).Draw(t, "member")
			for _, it := range p.Type.Items {
				if it.Identifier == m.key {
					bad, _ := invalidValue(t, &it.Type, compat)
					v.set(m.key, bad)
				}
			}
			return v
		}
		k := "unknown"
		for ; slices.ContainsFunc(p.Type.Items, func(it ItemSpec) bool { return it.Identifier == k }); k += "_" {
		}
		v.set(k, intNode(1))
		return v
	}
	return nil
}

// Break kinds for [BreakEnvelope]: rules of §2, §4.3, §4.6 and §4.7 (1206).
var envelopeBreaks = []string{
	"version type", "version value", "version absent", "method type", "method absent",
	"params absent", "params type", "id type", "flag type", "measurepoints absent",
	"measurepoints type", "entry type", "one key", "key type", "time", "empty keys",
	"resume without time", "duplicate envelope key", "duplicate point",
}

// BreakEnvelope breaks one rule of SPEC §2, §4.3, §4.6 or §4.7 that must give
// 1206, drawing which. It returns false when the drawn rule does not apply.
func BreakEnvelope(t *rapid.T, r *Request) bool {
	kind := rapid.SampledFrom(envelopeBreaks).Draw(t, "envelope break")
	set := func(pointer string, parent *node, k string, v *node) {
		parent.set(k, v)
		r.format = &violation{pointer: pointer, exact: v}
	}
	whole := func(pointer string) { r.format = &violation{pointer: pointer} }
	var e *Entry
	ei := -1
	if len(r.Entries) > 0 {
		ei = rapid.IntRange(0, len(r.Entries)-1).Draw(t, "broken entry")
		e = r.Entries[ei]
	}
	switch kind {
	case "version type":
		set("/version", r.root, "version", rapid.SampledFrom([]*node{intNode(1), rawNode("1.0"), literalNode("null")}).Draw(t, "version"))
	case "version value":
		set("/version", r.root, "version", stringNode(rapid.SampledFrom([]string{"2.0", "1", "", "1.0 "}).Draw(t, "version")))
	case "version absent":
		r.root.del("version")
		whole("")
	case "method type":
		set("/method", r.root, "method", rapid.SampledFrom([]*node{intNode(1), literalNode("null"), arrayNode()}).Draw(t, "method"))
	case "method absent":
		r.root.del("method")
		whole("")
	case "params absent":
		r.root.del("params")
		whole("")
	case "params type":
		bad := []*node{stringNode("x"), literalNode("null"), intNode(1)}
		if r.Batch() {
			bad = append(bad, objectNode(member{"measurepoints", objectNode()}))
		} else {
			bad = append(bad, arrayNode())
		}
		set("/params", r.root, "params", rapid.SampledFrom(bad).Draw(t, "params"))
	case "id type":
		set("/id", r.root, "id", rapid.SampledFrom([]*node{rawNode("1.5"), literalNode("true"), objectNode(), arrayNode()}).Draw(t, "id"))
	case "flag type":
		bad := []*node{intNode(1), stringNode("true"), stringNode("false"), arrayNode()}
		if r.Profile == validate.Strict {
			bad = append(bad, stringNode(""))
		}
		k := rapid.SampledFrom([]string{"allowOfflineSubDevice", "skipInvalidMeasurepoints"}).Draw(t, "flag")
		set("/"+k, r.root, k, rapid.SampledFrom(bad).Draw(t, "flag value"))
	case "measurepoints absent":
		if e == nil {
			return false
		}
		e.obj.del("measurepoints")
		whole(r.entryPointer(ei))
	case "measurepoints type":
		if e == nil {
			return false
		}
		set(r.entryPointer(ei)+"/measurepoints", e.obj, "measurepoints", rapid.SampledFrom([]*node{arrayNode(), stringNode("x"), literalNode("null")}).Draw(t, "measurepoints"))
	case "entry type":
		if e == nil || !r.Batch() {
			return false
		}
		bad := rapid.SampledFrom([]*node{intNode(1), arrayNode(), literalNode("null"), stringNode("x")}).Draw(t, "entry")
		r.root.get("params").elems[ei] = bad
		r.format = &violation{pointer: r.entryPointer(ei), exact: bad}
	case "one key":
		if e == nil || !r.Batch() {
			return false
		}
		d := e.Device
		e.obj.del("productKey")
		e.obj.del("deviceKey")
		if rapid.Bool().Draw(t, "which key") {
			e.obj.set("productKey", stringNode(d.ProductKey))
		} else {
			e.obj.set("deviceKey", stringNode(d.DeviceKey))
		}
		whole(r.entryPointer(ei))
	case "key type":
		if e == nil || !r.Batch() {
			return false
		}
		k := rapid.SampledFrom([]string{"productKey", "deviceKey"}).Draw(t, "key")
		other := "deviceKey"
		if k == other {
			other = "productKey"
		}
		if e.obj.get(other) == nil {
			e.obj.set(other, stringNode("k"))
		}
		set(r.entryPointer(ei)+"/"+k, e.obj, k, rapid.SampledFrom([]*node{intNode(1), literalNode("true"), objectNode()}).Draw(t, "key value"))
	case "time":
		if e == nil {
			return false
		}
		set(r.entryPointer(ei)+"/time", e.obj, "time", rapid.SampledFrom([]*node{
			intNode(-1), rawNode("1.5"), stringNode("123"), rawNode("9223372036854775808"),
			literalNode("true"), stringNode(""),
		}).Draw(t, "time"))
	case "empty keys":
		if e == nil || !r.Batch() || r.Profile != validate.Strict {
			return false
		}
		e.obj.set("productKey", stringNode(""))
		e.obj.set("deviceKey", stringNode(""))
		whole(r.entryPointer(ei))
	case "resume without time":
		if e == nil || r.Profile != validate.Strict || !r.Topic.Method.Resume() {
			return false
		}
		e.obj.del("time")
		whole(r.entryPointer(ei))
	case "duplicate envelope key":
		k := rapid.SampledFrom([]string{"version", "method", "id", "sys"}).Draw(t, "duplicate key")
		v := r.root.get(k)
		if v == nil {
			v = stringNode("1.0")
			r.root.members = append(r.root.members, member{k, v})
		}
		r.root.members = append(r.root.members, member{k, v.clone()})
		whole("")
	case "duplicate point":
		if e == nil || len(e.mps.members) == 0 {
			return false
		}
		// The copy goes anywhere after the point: at the end, or where
		// another entry of the model may have had another point.
		k := rapid.IntRange(0, len(e.mps.members)-1).Draw(t, "duplicate point")
		m := e.mps.members[k]
		at := rapid.IntRange(k+1, len(e.mps.members)).Draw(t, "duplicate at")
		e.mps.members = slices.Insert(e.mps.members, at, member{m.key, m.value.clone()})
		whole(r.entryPointer(ei) + "/measurepoints")
	}
	r.notes = append(r.notes, "envelope: "+kind)
	return true
}

// BreakMethod sets "method" to a string other than the topic's method (1260).
func BreakMethod(t *rapid.T, r *Request) {
	var others []string
	for _, m := range protocol.Methods() {
		if m != r.Topic.Method {
			others = append(others, string(m))
		}
	}
	others = append(others, "thing.measurepoint.post.batch ", "THING.MEASUREPOINT.POST", "")
	m := stringNode(rapid.SampledFrom(others).Draw(t, "other method"))
	r.root.set("method", m)
	r.method = m
	r.notes = append(r.notes, "method "+m.str)
}
