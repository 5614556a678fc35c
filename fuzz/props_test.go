package fuzz

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// style draws a Style: compact and canonical (Seed 0) or random.
func style(t *rapid.T, label string) Style {
	if rapid.IntRange(0, 4).Draw(t, label+" compact") == 0 {
		return Style{}
	}
	return Style{Seed: rapid.Uint64Min(1).Draw(t, label)}
}

// TestModelRoundTrip: a generated model loads (SPEC §3) to exactly the points,
// types and definitions it was generated from, so that the other properties
// test the validator and not the generator's idea of the model.
func TestModelRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := Models("M").Draw(t, "model")
		tm, err := thingmodel.ParseModel("gen.json", m.JSON)
		if err != nil {
			t.Fatalf("ParseModel: %v\n%s", err, m.JSON)
		}
		if tm.ID() != m.ID {
			t.Fatalf("ID() = %q, want %q", tm.ID(), m.ID)
		}
		// The loader keeps the file's order, which the generated spelling shuffles.
		byID := cmpopts.SortSlices(func(a, b PointSpec) bool { return a.Identifier < b.Identifier })
		if diff := gocmp.Diff(m.Points, SpecOf(tm), cmpopts.EquateEmpty(), byID); diff != "" {
			t.Fatalf("loaded model (-generated +loaded):\n%s\n%s", diff, m.JSON)
		}
	})
}

// TestConformingAccepted is property 1: a request that conforms to SPEC §2 and
// §3.1 is accepted (200) with exactly its points, in document order, each with
// its entry, device, time (§4.6), identifier, value and quality (§4.8), and
// nothing skipped.
func TestConformingAccepted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := Requests(env, profile).Draw(t, "request")
		x := r.Encode(style(t, "style"))
		o := validateRequest(newValidator(t, env, profile), r, x.Payload)
		checkVerdict(t, r, x, o)
		checkDiagnostics(t, x.Payload, o)
	})
}

// TestAppendRequestConforming: a conforming request written by
// protocol.AppendRequest gets the verdict and exactly the points of the same
// request as the generator writes it, so a sender that builds its payloads
// with package protocol sends what it means.
func TestAppendRequestConforming(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := Requests(env, profile).Draw(t, "request")
		payload, err := protocol.AppendRequest(nil, r.Protocol())
		if err != nil {
			t.Fatalf("AppendRequest: %v", err)
		}
		v := newValidator(t, env, profile)
		x := r.Encode(Style{})
		want, got := validateRequest(v, r, x.Payload), validateRequest(v, r, payload)
		if got.Code != codes.OK || want.Code != codes.OK {
			t.Fatalf("codes %v (AppendRequest) and %v (generator), want 200\n%s\n%s", got.Code, want.Code, payload, x.Payload)
		}
		ignoreOffsets := cmpopts.IgnoreFields(gotPoint{}, "Offset")
		if diff := gocmp.Diff(want.Points, got.Points, ignoreOffsets, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("points (-generator +AppendRequest):\n%s\n%s\n%s", diff, x.Payload, payload)
		}
	})
}

// pointMutations are the mutations of one point that give 1204 (SPEC §3.1).
var pointMutations = []string{MutateValue, MutateValue, MutateInside, MutateUnknown}

// TestMutationPinpointed is property 2: one mutation of one point (a value of the
// wrong type, out of range, an unknown identifier...) gives exactly 1204 at that
// point's pointer and offset (SPEC §4.2); with skipInvalidMeasurepoints the
// request is accepted with exactly that point skipped (§4.5).
func TestMutationPinpointed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := rapid.Custom(func(t *rapid.T) *Request {
			return newRequest(t, env, profile, protocol.Methods(), 1)
		}).Draw(t, "request")
		kind := rapid.SampledFrom(pointMutations).Draw(t, "mutation")
		if !Mutate(t, r, kind, -1) && !Mutate(t, r, MutateValue, -1) {
			t.Fatalf("no mutation applies")
		}
		v := newValidator(t, env, profile)
		s := style(t, "style")
		for _, skip := range []bool{false, true} {
			r.SetSkip(skip)
			x := r.Encode(s)
			if want := codes.ModelInvalid; !skip && x.Want.Code != want || skip && len(x.Skipped) != 1 {
				t.Fatalf("generator: want %d and %d skipped", x.Want.Code, len(x.Skipped))
			}
			o := validateRequest(v, r, x.Payload)
			checkVerdict(t, r, x, o)
			checkDiagnostics(t, x.Payload, o)
		}
	})
}

// TestFirstError is property 3 for the codes after parsing (SPEC §4.2): with
// mutations in two entries the earlier entry's error wins; within one entry 1212
// comes before 1204; 1260 outranks every entry error, and a broken envelope or
// entry rule (1206) outranks everything.
func TestFirstError(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := rapid.Custom(func(t *rapid.T) *Request {
			return newRequest(t, env, profile, protocol.Methods(), 2)
		}).Draw(t, "request")
		kinds := []string{MutateValue, MutateInside, MutateUnknown, MutateDevice, MutateNoModel}
		n := len(r.Entries)
		i := rapid.IntRange(0, n-2).Draw(t, "first entry")
		j := rapid.IntRange(i+1, n-1).Draw(t, "second entry")
		Mutate(t, r, rapid.SampledFrom(kinds).Draw(t, "first mutation"), i)
		Mutate(t, r, rapid.SampledFrom(kinds).Draw(t, "second mutation"), j)
		if rapid.Bool().Draw(t, "both in one entry") {
			// 1212 and 1204 in the same entry: 1212 first.
			k := rapid.SampledFrom([]int{i, j}).Draw(t, "entry")
			Mutate(t, r, MutateDevice, k)
			Mutate(t, r, MutateValue, k)
		}
		r.SetSkip(rapid.Bool().Draw(t, "skip"))
		if rapid.IntRange(0, 3).Draw(t, "method mismatch") == 0 {
			BreakMethod(t, r)
		}
		if rapid.IntRange(0, 3).Draw(t, "envelope break") == 0 {
			BreakEnvelope(t, r)
		}
		x := r.Encode(style(t, "style"))
		o := validateRequest(newValidator(t, env, profile), r, x.Payload)
		checkVerdict(t, r, x, o)
		checkDiagnostics(t, x.Payload, o)
	})
}

// anyRequest draws a request that conforms or has a few mutations of any kind,
// for the properties that must hold whatever the verdict.
func anyRequest(t *rapid.T, env *Env, profile validate.Profile) *Request {
	return mutated(t, Requests(env, profile).Draw(t, "request"))
}

// mutationKinds are the kinds of Mutate.
var mutationKinds = []string{MutateValue, MutateInside, MutateUnknown, MutateDevice, MutateNoModel}

// mutated applies a few drawn mutations of any kind to r and returns it.
func mutated(t *rapid.T, r *Request) *Request {
	for range rapid.IntRange(0, 2).Draw(t, "mutations") {
		kind := rapid.SampledFrom(mutationKinds).Draw(t, "mutation")
		Mutate(t, r, kind, -1)
	}
	if rapid.IntRange(0, 5).Draw(t, "method mismatch") == 0 {
		BreakMethod(t, r)
	}
	if rapid.IntRange(0, 4).Draw(t, "envelope break") == 0 {
		BreakEnvelope(t, r)
	}
	return r
}

// breakSyntax returns payload with one syntax error (RFC 8259) at a drawn place:
// cut short, a ',' inserted between two tokens (never valid: after '{', '[', ':'
// or ',', before '}', ']' or ',', or outside the value), or text after the value.
func breakSyntax(t *rapid.T, x *Encoded) []byte {
	p := x.Payload
	switch rapid.IntRange(0, 2).Draw(t, "syntax error") {
	case 0:
		first := bytes.IndexAny(p, "{[")
		return slices.Clone(p[:rapid.IntRange(first+1, len(p)-1-trailingSpace(p)).Draw(t, "cut")])
	case 1:
		at := rapid.SampledFrom(x.enc.gaps).Draw(t, "gap")
		return slices.Concat(p[:at], []byte(","), p[at:])
	}
	junk := rapid.SampledFrom([]string{"}", "]", ",", "{}", `"x"`, "1", "nul", "\x00"}).Draw(t, "trailing")
	return slices.Concat(p, []byte(junk))
}

func trailingSpace(p []byte) int {
	n := 0
	for n < len(p) && bytes.IndexByte([]byte(" \t\r\n"), p[len(p)-1-n]) >= 0 {
		n++
	}
	return n
}

// TestSyntaxErrorWins is property 3 for syntax (SPEC §4.2 rule 2): a syntax error
// anywhere gives 1206 whatever else is wrong with the request, also when the
// error comes after an entry error (a streaming validator reads on to the end).
func TestSyntaxErrorWins(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := anyRequest(t, env, profile)
		x := r.Encode(style(t, "style"))
		p := breakSyntax(t, x)
		o := validateRequest(newValidator(t, env, profile), r, p)
		if o.Code != codes.FormatError {
			t.Fatalf("payload with a syntax error got %d at %q (%v); want 1206 (mutations %q)\n%q", o.Code, errPointer(o.Err), o.Err, r.Notes(), p)
		}
		checkDiagnostics(t, p, o)
	})
}

// normal is an outcome without what depends on spelling: offsets, details, the
// raw id, and the order of the points within an entry, which is document order.
// The points of a rejected request are dropped: SPEC §4.8 makes them final only
// on 200, and how many were delivered before the error depends on key order.
func normal(o outcome) outcome {
	if o.Code != codes.OK {
		o.Points, o.Accepted = nil, 0
	}
	o.ID = protocol.ID(o.ID).Text()
	o.Returned = ""
	if o.Err != nil {
		e := *o.Err
		e.Offset, e.Detail = 0, ""
		o.Err = &e
	}
	o.Skipped = slices.Clone(o.Skipped)
	for i := range o.Skipped {
		o.Skipped[i].Offset, o.Skipped[i].Detail = 0, ""
	}
	o.Points = slices.Clone(o.Points)
	for i := range o.Points {
		o.Points[i].Offset = 0
	}
	slices.SortStableFunc(o.Points, func(a, b gotPoint) int {
		return cmp.Or(a.Entry-b.Entry, strings.Compare(a.Identifier, b.Identifier))
	})
	slices.SortStableFunc(o.Skipped, func(a, b validate.Error) int { return strings.Compare(a.Pointer, b.Pointer) })
	o.PointJSON = nil // the points say the same, and their order follows the keys'
	return o
}

// TestReencoding is property 4: writing the same request with other white space,
// key order, string escapes and number spellings (RFC 8259 equivalents) changes
// neither the verdict, nor its pointer, nor the points. Requests have at most one
// error, so that key order cannot change which error comes first.
func TestReencoding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := Requests(env, profile).Draw(t, "request")
		r.SetSkip(rapid.Bool().Draw(t, "skip"))
		switch rapid.IntRange(0, 4).Draw(t, "error") {
		case 1:
			kinds := []string{MutateValue, MutateInside, MutateUnknown, MutateDevice}
			if r.Skip {
				// Without skipping, the first point of an entry without a model,
				// in document order, is the error: key order would change it.
				kinds = append(kinds, MutateNoModel)
			}
			Mutate(t, r, rapid.SampledFrom(kinds).Draw(t, "mutation"), -1)
		case 2:
			BreakEnvelope(t, r)
		case 3:
			BreakMethod(t, r)
		}
		v := newValidator(t, env, profile)
		x1 := r.Encode(style(t, "first style"))
		x2 := r.Encode(Style{Seed: rapid.Uint64Min(1).Draw(t, "second style")})
		o1, o2 := validateRequest(v, r, x1.Payload), validateRequest(v, r, x2.Payload)
		if diff := gocmp.Diff(normal(o1), normal(o2)); diff != "" {
			t.Fatalf("re-encoding changed the outcome (-first +second):\n%s\nfirst:  %q\nsecond: %q", diff, x1.Payload, x2.Payload)
		}
		checkVerdict(t, r, x2, o2)
		checkDiagnostics(t, x2.Payload, o2)
	})
}

// TestStreamingEqualsWhole is property 5: Validate on the whole buffer and
// ValidateReader through a one-byte reader, a half reader and readers that split
// the payload at random points give identical Results (code, diagnostic with
// pointer, offset and detail, topic, id, counts, skipped points), returned errors
// and points. Payloads conform, carry mutations, or are cut or garbled.
func TestStreamingEqualsWhole(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := anyRequest(t, env, profile)
		if rapid.Bool().Draw(t, "skip") {
			r.SetSkip(true)
		}
		x := r.Encode(style(t, "style"))
		p := x.Payload
		switch rapid.IntRange(0, 3).Draw(t, "syntax") {
		case 0:
			p = breakSyntax(t, x)
		case 1:
			p = garble(t, p)
		}
		v := newValidator(t, env, profile)
		msg := validate.Message{Topic: r.Topic.String(), Now: r.Now}
		whole := run(v, msg, p, nil)
		for name, rd := range readers(t) {
			got := run(v, msg, p, rd)
			if diff := gocmp.Diff(streamed(whole), streamed(got)); diff != "" {
				t.Fatalf("%s reader differs from Validate (-whole +streamed):\n%s\npayload: %q", name, diff, p)
			}
		}
		checkDiagnostics(t, p, whole)
	})
}

// garble changes a few bytes of p: deletes, duplicates or replaces a span.
func garble(t *rapid.T, p []byte) []byte {
	p = slices.Clone(p)
	for range rapid.IntRange(1, 3).Draw(t, "garbles") {
		if len(p) == 0 {
			break
		}
		i := rapid.IntRange(0, len(p)-1).Draw(t, "at")
		j := min(len(p), i+rapid.IntRange(0, 8).Draw(t, "span"))
		switch rapid.IntRange(0, 2).Draw(t, "garble") {
		case 0:
			p = slices.Delete(p, i, j)
		case 1:
			p = slices.Insert(p, i, p[i:j]...)
		default:
			p[i] = rapid.SampledFrom([]byte(`{}[],:"\0 1-e.tnx`+"\xff\xc3")).Draw(t, "byte")
		}
	}
	return p
}

// TestSplitBatch is property 6: splitting an accepted batch into two batches with
// the same envelope yields the same accepted points in the same order (entry
// indexes renumbered), and the same skipped points.
func TestSplitBatch(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := BatchRequests(env, profile).Draw(t, "request")
		if rapid.Bool().Draw(t, "with skipped points") {
			r.SetSkip(true)
			Mutate(t, r, rapid.SampledFrom(pointMutations).Draw(t, "mutation"), -1)
		}
		k := rapid.IntRange(0, len(r.Entries)).Draw(t, "split at")
		a, b := r.Split(k)
		v := newValidator(t, env, profile)
		s := style(t, "style")
		whole := validateRequest(v, r, r.Encode(s).Payload)
		if whole.Code != codes.OK {
			t.Fatalf("batch rejected: %d %v (mutations %q)", whole.Code, whole.Err, r.Notes())
		}
		oa, ob := validateRequest(v, a, a.Encode(s).Payload), validateRequest(v, b, b.Encode(s).Payload)
		if oa.Code != codes.OK || ob.Code != codes.OK {
			t.Fatalf("halves got %d (%v) and %d (%v)", oa.Code, oa.Err, ob.Code, ob.Err)
		}
		for i := range ob.Points {
			ob.Points[i].Entry += k
		}
		// Within an entry, document order depends on the key order each
		// encoding draws; P1 checks it. Here the entries' points are compared.
		strip := func(ps []gotPoint) []gotPoint {
			ps = slices.Clone(ps)
			for i := range ps {
				ps[i].Offset = 0
			}
			slices.SortStableFunc(ps, func(a, b gotPoint) int {
				return cmp.Or(a.Entry-b.Entry, strings.Compare(a.Identifier, b.Identifier))
			})
			return ps
		}
		if diff := gocmp.Diff(strip(whole.Points), strip(append(oa.Points, ob.Points...))); diff != "" {
			t.Fatalf("points of the halves differ from the whole (-whole +halves):\n%s", diff)
		}
		if whole.SkippedTotal != oa.SkippedTotal+ob.SkippedTotal {
			t.Fatalf("skipped %d, halves %d + %d", whole.SkippedTotal, oa.SkippedTotal, ob.SkippedTotal)
		}
	})
}

// TestDiagnosticsResolve is property 8 on requests of every kind, garbled or not:
// every diagnostic's offset lies inside the input, and when the input is valid
// JSON its pointer resolves to a value whose first byte is at that offset.
func TestDiagnosticsResolve(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := anyRequest(t, env, profile)
		r.SetSkip(rapid.Bool().Draw(t, "skip"))
		x := r.Encode(style(t, "style"))
		p := x.Payload
		if rapid.Bool().Draw(t, "garble") {
			p = garble(t, p)
		}
		o := validateRequest(newValidator(t, env, profile), r, p)
		if !slices.Contains(mqttCodes, o.Code) {
			t.Fatalf("unknown code %d", o.Code)
		}
		checkDiagnostics(t, p, o)
	})
}
