package fuzz

import (
	"math"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// Request is a generated MQTT request for an Env, with what a validator should make
// of it. Requests from [Requests] conform to SPEC §2 and §3.1; mutations (see
// [Mutate]) break one rule at a time and record the verdict the break must get.
type Request struct {
	Env     *Env
	Profile validate.Profile
	Topic   protocol.Topic
	// Now is the server time for entries without "time".
	Now int64
	// AllowOffline and Skip are allowOfflineSubDevice and
	// skipInvalidMeasurepoints as the validator must read them.
	AllowOffline, Skip bool
	Entries            []*Entry

	root   *node
	every  bool       // each entry gives every usable point of its model, in model order
	format *violation // a rule of §2 or §4.7 broken: 1206
	method *node      // "method" differs from the topic's method: 1260
	notes  []string   // what was mutated, for failure messages
}

// Entry is one entry of a request.
type Entry struct {
	// Device is the entry's device: its keys, or the topic device.
	Device Device
	// Time is the entry's time, or the request's Now when it has none.
	Time   int64
	Points []*PointValue
	// Forbidden marks an entry whose device the gateway may not speak for (1212).
	Forbidden bool
	// NoModel marks an entry whose product has no model: every point is invalid.
	NoModel bool

	obj, mps *node
}

// PointValue is one point of an entry.
type PointValue struct {
	Identifier string
	// Value is what validate.Value.Interface should return for the point.
	Value any
	// Quality is the quality indicator, or -1.
	Quality int
	// Invalid marks a point that breaks §3.1 (1204). Exact says the diagnostic
	// must point at the point's value itself; otherwise it may point inside it.
	Invalid, Exact bool

	node *node
	spec *PointSpec // nil for an identifier the model does not define
}

// violation is a broken rule of §2 or §4.7. With exact set the diagnostic must be
// at that value; otherwise anywhere at or below pointer.
type violation struct {
	pointer string
	exact   *node
}

// GoString shows the request as its topic and canonical payload, for test logs.
func (r *Request) GoString() string {
	return "fuzz.Request(" + r.Topic.String() + " " + r.Profile.String() + " now=" + strconv.FormatInt(r.Now, 10) + " " + string(encode(r.root, Style{}).b) + ")"
}

// Batch reports whether the request carries an array of entries.
func (r *Request) Batch() bool { return r.Topic.Method.Batch() }

// Notes returns a description of the mutations applied, for failure messages.
func (r *Request) Notes() []string { return r.notes }

func (r *Request) entryPointer(i int) string {
	if r.Batch() {
		return "/params/" + strconv.Itoa(i)
	}
	return "/params"
}

func (r *Request) pointPointer(i int, id string) string {
	return r.entryPointer(i) + "/measurepoints/" + pointerToken(id)
}

// Requests returns a generator of requests for env that conform to SPEC under the
// profile, with any of the four methods.
func Requests(env *Env, profile validate.Profile) *rapid.Generator[*Request] {
	return rapid.Custom(func(t *rapid.T) *Request {
		return newRequest(t, env, profile, protocol.Methods(), 0)
	})
}

// BatchRequests is Requests for the two batch methods only.
func BatchRequests(env *Env, profile validate.Profile) *rapid.Generator[*Request] {
	return rapid.Custom(func(t *rapid.T) *Request {
		return newRequest(t, env, profile, []protocol.Method{protocol.PostBatch, protocol.ResumeBatch}, 0)
	})
}

// envFlag draws an optional boolean flag of the envelope and returns its node (nil
// for absent) and the value the validator must read.
func envFlag(t *rapid.T, compat bool, label string) (*node, bool) {
	forms := []string{"absent", "true", "false"}
	if compat {
		forms = append(forms, `""`)
	}
	switch rapid.SampledFrom(forms).Draw(t, label) {
	case "true":
		return literalNode("true"), true
	case "false":
		return literalNode("false"), false
	case `""`:
		return stringNode(""), false
	}
	return nil, false
}

// newRequest draws a conforming request with one of the methods whose first
// minEntries entries have at least one point each. minEntries above 1 implies a
// batch method.
func newRequest(t *rapid.T, env *Env, profile validate.Profile, methods []protocol.Method, minEntries int) *Request {
	if minEntries > 1 {
		methods = slices.DeleteFunc(slices.Clone(methods), func(m protocol.Method) bool { return !m.Batch() })
	}
	compat := profile == validate.Compat
	m := rapid.SampledFrom(methods).Draw(t, "method")
	r := &Request{
		Env:     env,
		Profile: profile,
		Topic:   protocol.Topic{ProductKey: env.Gateway.ProductKey, DeviceKey: env.Gateway.DeviceKey, Method: m},
		Now:     rapid.Int64Range(0, 1<<45).Draw(t, "now"),
		root:    objectNode(),
	}
	switch rapid.IntRange(0, 3).Draw(t, "id form") {
	case 1:
		r.root.set("id", stringNode(rapid.StringOfN(textRune, 0, 8, -1).Draw(t, "id")))
	case 2:
		r.root.set("id", intNode(rapid.Int64().Draw(t, "id")))
	case 3:
		r.root.set("id", stringNode(strconv.Itoa(rapid.IntRange(0, 1000).Draw(t, "id"))))
	}
	r.root.set("version", stringNode(rapid.SampledFrom([]string{"1.0", "1.1"}).Draw(t, "version")))
	r.root.set("method", stringNode(string(m)))
	var f *node
	if f, r.AllowOffline = envFlag(t, compat, "allowOfflineSubDevice"); f != nil {
		r.root.set("allowOfflineSubDevice", f)
	}
	if f, r.Skip = envFlag(t, compat, "skipInvalidMeasurepoints"); f != nil {
		r.root.set("skipInvalidMeasurepoints", f)
	}
	n := 1
	if m.Batch() {
		n = max(rapid.IntRange(0, 5).Draw(t, "entries"), minEntries)
		// Real traffic repeats itself: the entries of one model then list the
		// same points in the same order.
		r.every = rapid.IntRange(0, 3).Draw(t, "every point") == 0
	}
	for i := range n {
		e := r.newEntry(t, i)
		if i < minEntries && len(e.Points) == 0 {
			var usable []*PointSpec
			for pi, p := range env.Model(e.Device.ProductKey).Points {
				if Usable(&p.Type) {
					usable = append(usable, &env.Model(e.Device.ProductKey).Points[pi])
				}
			}
			r.addPoint(t, e, rapid.SampledFrom(usable).Draw(t, "added point"))
		}
		r.Entries = append(r.Entries, e)
	}
	if m.Batch() {
		params := arrayNode()
		for _, e := range r.Entries {
			params.elems = append(params.elems, e.obj)
		}
		r.root.set("params", params)
	} else {
		r.root.set("params", r.Entries[0].obj)
	}
	for range rapid.IntRange(0, 2).Draw(t, "ignored members") {
		k := rapid.SampledFrom([]string{"sys", "Params", "METHOD", "timestamp", "ack", "", "id\u0000"}).Draw(t, "ignored member")
		if r.root.get(k) == nil {
			r.root.set(k, junk(t, 1, "ignored value"))
		}
	}
	return r
}

// newEntry draws a conforming entry.
func (r *Request) newEntry(t *rapid.T, i int) *Entry {
	env, compat := r.Env, r.Profile == validate.Compat
	e := &Entry{Device: env.Gateway, Time: r.Now, obj: objectNode(), mps: objectNode()}
	label := "entry " + strconv.Itoa(i)
	if r.Batch() {
		forms := []string{"topic device", "topic device by its keys"}
		if compat {
			forms = append(forms, "topic device by empty keys")
		}
		if len(env.Permitted) > 0 {
			forms = append(forms, "other device", "other device")
		}
		if len(env.Offline) > 0 && r.AllowOffline {
			forms = append(forms, "offline device")
		}
		switch rapid.SampledFrom(forms).Draw(t, label+" device") {
		case "topic device by its keys":
			e.setKeys(env.Gateway)
		case "topic device by empty keys":
			e.obj.set("productKey", stringNode(""))
			e.obj.set("deviceKey", stringNode(""))
		case "other device":
			e.setKeys(rapid.SampledFrom(env.Permitted).Draw(t, label+" permitted device"))
		case "offline device":
			e.setKeys(rapid.SampledFrom(env.Offline).Draw(t, label+" offline device"))
		}
	}
	e.obj.set("measurepoints", e.mps)
	if (r.Profile == validate.Strict && r.Topic.Method.Resume()) || rapid.Bool().Draw(t, label+" time given") {
		e.Time = edge(t, 0, math.MaxInt64, label+" time")
		e.obj.set("time", intNode(e.Time))
	}
	model := env.Model(e.Device.ProductKey)
	for pi := range model.Points {
		if Usable(&model.Points[pi].Type) && (r.every || rapid.Bool().Draw(t, label+" "+model.Points[pi].Identifier+" given")) {
			r.addPoint(t, e, &model.Points[pi])
		}
	}
	if rapid.IntRange(0, 4).Draw(t, label+" ignored member") == 0 {
		e.obj.set(rapid.SampledFrom([]string{"note", "ProductKey", "times", "assetId"}).Draw(t, label+" ignored key"), junk(t, 2, label+" ignored value"))
	}
	return e
}

func (e *Entry) setKeys(d Device) {
	e.Device = d
	e.obj.set("productKey", stringNode(d.ProductKey))
	e.obj.set("deviceKey", stringNode(d.DeviceKey))
}

func (r *Request) addPoint(t *rapid.T, e *Entry, p *PointSpec) {
	v, want, q := pointValue(t, p, r.Profile == validate.Compat, p.Identifier)
	e.mps.set(p.Identifier, v)
	e.Points = append(e.Points, &PointValue{Identifier: p.Identifier, Value: want, Quality: q, node: v, spec: p})
}

// SetSkip sets skipInvalidMeasurepoints.
func (r *Request) SetSkip(skip bool) {
	r.Skip = skip
	if skip {
		r.root.set("skipInvalidMeasurepoints", literalNode("true"))
	} else {
		r.root.del("skipInvalidMeasurepoints")
	}
}

// Split returns two batch requests with the same envelope: one with the entries
// before k, one with the rest. It panics for a request that is not a batch.
func (r *Request) Split(k int) (*Request, *Request) {
	part := func(entries []*Entry) *Request {
		c := *r
		c.Entries = slices.Clone(entries)
		c.root = objectNode(slices.Clone(r.root.members)...)
		params := arrayNode()
		for _, e := range entries {
			params.elems = append(params.elems, e.obj)
		}
		c.root.set("params", params)
		return &c
	}
	if !r.Batch() {
		panic("fuzz: Split of a request that is not a batch")
	}
	return part(r.Entries[:k]), part(r.Entries[k:])
}

// Protocol returns the request as a sender would build it with package
// protocol, for protocol.AppendRequest: the same id, version, method, flags,
// entries, device keys, times and points, each value in the canonical spelling
// of Encode(Style{}). Members the validator ignores are left out. It is for
// requests that conform, before any mutation; a mutated request may have no
// such form, and Protocol then describes what is left of it.
func (r *Request) Protocol() *protocol.Request {
	p := &protocol.Request{Method: r.Topic.Method, AllowOfflineSubDevice: r.AllowOffline, SkipInvalidMeasurepoints: r.Skip}
	if id := r.root.get("id"); id != nil {
		p.ID = protocol.ID(encode(id, Style{}).b)
	}
	if v := r.root.get("version"); v != nil && v.kind == kString {
		p.Version = v.str
	}
	for _, e := range r.Entries {
		pe := protocol.Entry{Time: e.Time, HasTime: e.obj.get("time") != nil}
		if pk, dk := e.obj.get("productKey"), e.obj.get("deviceKey"); pk != nil && dk != nil {
			pe.ProductKey, pe.DeviceKey = pk.str, dk.str
		}
		for _, m := range e.mps.members {
			pe.Measurepoints = append(pe.Measurepoints, protocol.Point{Identifier: m.key, Value: encode(m.value, Style{}).b})
		}
		p.Params = append(p.Params, pe)
	}
	return p
}

// WantPoint is a point that a validator should yield, as plain data.
type WantPoint struct {
	Entry                 int
	ProductKey, DeviceKey string
	Time                  int64
	Identifier            string
	Value                 any // as validate.Value.Interface returns it
	Quality               int // -1 for none
	Pointer               string
	Offset                int64 // of the point's value
}

// Diag is an expected diagnostic. When Exact, Pointer and Offset are exactly the
// offending value's; otherwise the diagnostic lies at or below Pointer and
// Offset is -1.
type Diag struct {
	Code    codes.Code
	Pointer string
	Offset  int64
	Exact   bool
}

// Encoded is a request written out in one Style, with everything a validator
// should report for it.
type Encoded struct {
	Payload []byte
	// Want is the verdict. For 200, Points are the points to be yielded and
	// Skipped the points to be skipped, each in document order.
	Want    Diag
	Points  []WantPoint
	Skipped []Diag
	// ID is the raw text of the request's id, or nil.
	ID []byte

	enc *encoding
}

// Encode writes the request in style s and works out the verdict.
func (r *Request) Encode(s Style) *Encoded {
	enc := encode(r.root, s)
	x := &Encoded{Payload: enc.b, enc: enc, Want: Diag{Code: codes.OK, Offset: -1}}
	if id := r.root.get("id"); id != nil {
		x.ID = enc.b[enc.start[id]:enc.end[id]]
	}
	at := func(c codes.Code, pointer string, n *node) Diag {
		if n == nil {
			return Diag{Code: c, Pointer: pointer, Offset: -1}
		}
		return Diag{Code: c, Pointer: pointer, Offset: int64(enc.start[n]), Exact: true}
	}
	if r.format != nil {
		x.Want = at(codes.FormatError, r.format.pointer, r.format.exact)
		return x
	}
	if r.method != nil {
		x.Want = at(codes.MethodMismatch, "/method", r.method)
		return x
	}
	for i, e := range r.Entries {
		if e.Forbidden {
			x.Want = at(codes.NoSubDevicePerm, r.entryPointer(i), nil)
			x.Points, x.Skipped = nil, nil
			return x
		}
		points := slices.Clone(e.Points)
		slices.SortFunc(points, func(a, b *PointValue) int { return enc.start[a.node] - enc.start[b.node] })
		for _, p := range points {
			ptr := r.pointPointer(i, p.Identifier)
			if !p.Invalid && !e.NoModel {
				x.Points = append(x.Points, WantPoint{
					Entry: i, ProductKey: e.Device.ProductKey, DeviceKey: e.Device.DeviceKey, Time: e.Time,
					Identifier: p.Identifier, Value: p.Value, Quality: p.Quality,
					Pointer: ptr, Offset: int64(enc.start[p.node]),
				})
				continue
			}
			d := at(codes.ModelInvalid, ptr, p.node)
			if e.NoModel {
				d = Diag{Code: codes.ModelInvalid, Pointer: r.entryPointer(i), Offset: -1}
			} else if !p.Exact {
				d = Diag{Code: codes.ModelInvalid, Pointer: ptr, Offset: -1}
			}
			if !r.Skip {
				x.Want = d
				x.Points, x.Skipped = nil, nil
				return x
			}
			x.Skipped = append(x.Skipped, d)
		}
	}
	return x
}
