package fuzz

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Bits of FuzzValidate's flags byte.
const (
	flagStrict      = 1 << 0 // the strict profile
	flagSmallLimits = 1 << 1 // small depth, string, array and entry limits
	flagSplit       = 0xF0   // where the split reader cuts
)

// smallLimits are limits small enough for fuzzed payloads to reach them.
var smallLimits = validate.Limits{MaxBytes: 4096, MaxDepth: 6, MaxString: 40, MaxArray: 5, MaxEntry: 300, MaxSkipped: 2}

// FuzzValidate feeds arbitrary topics, payloads and flags to a validator with the
// sample environment and checks: no panic; the code is one of SPEC §4.1; Validate
// and ValidateReader through a one-byte reader and a split reader give identical
// results and points (property 5); every diagnostic's offset lies in the input
// and, for JSON input, its pointer resolves to a value at that offset
// (property 8); a payload that is not JSON gets 1206 or a code decided before
// parsing (§4.2); an accepted payload is JSON that breaks no hygiene rule (§4.7);
// Accepted counts the points yielded; the results are the same without the
// accept path (Options.NoAcceptPath).
func FuzzValidate(f *testing.F) {
	// The bundled sample environment (SPEC §7.2): the fixed models, products and
	// devices to validate against.
	env, err := environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("/sys/gwP/gw1/thing/measurepoint/post/batch",
		[]byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"measurepoints":{"voltage":1.5}}]}`), byte(0))
	f.Fuzz(func(t *testing.T, topic string, payload []byte, flags byte) {
		opts := validate.Options{Models: env.Models(), Directory: env.Directory()}
		if flags&flagStrict != 0 {
			opts.Profile = validate.Strict
		}
		if flags&flagSmallLimits != 0 {
			opts.Limits = smallLimits
		}
		v := validate.New(opts)
		msg := validate.Message{Topic: topic, Now: 1700000000000}
		whole := run(v, msg, payload, nil)
		if !slices.Contains(mqttCodes, whole.Code) {
			t.Fatalf("code %d is not one of SPEC §4.1", whole.Code)
		}
		cut := int(flags>>4) * len(payload) / 16
		streams := map[string]func([]byte) io.Reader{
			"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
			"split":    func(b []byte) io.Reader { return &splitReader{b: b, cuts: []int{cut, cut + 1, 2 * cut}} },
		}
		for name, rd := range streams {
			if diff := cmp.Diff(streamed(whole), streamed(run(v, msg, payload, rd))); diff != "" {
				t.Fatalf("%s reader differs from Validate (-whole +streamed):\n%s", name, diff)
			}
		}
		// The accept path changes nothing but the speed.
		exactOpts := opts
		exactOpts.NoAcceptPath = true
		if diff := cmp.Diff(run(validate.New(exactOpts), msg, payload, nil), whole); diff != "" {
			t.Fatalf("Validate with the accept path differs (-without +with):\n%s", diff)
		}
		checkDiagnostics(t, payload, whole)
		if whole.Accepted != len(whole.Points) {
			t.Fatalf("Accepted = %d, %d points yielded", whole.Accepted, len(whole.Points))
		}
		if !json.Valid(payload) && !preParse(whole.Code) && whole.Code != codes.FormatError {
			t.Fatalf("payload that is not JSON got %d (%v)", whole.Code, whole.Err)
		}
		if whole.Code == codes.OK {
			depth := validate.DefaultMaxDepth
			if opts.Limits.MaxDepth != 0 {
				depth = opts.Limits.MaxDepth
			}
			if !json.Valid(payload) {
				t.Fatalf("accepted a payload that is not JSON")
			}
			if msg := hygiene(payload, depth); msg != "" {
				t.Fatalf("accepted a payload with %s", msg)
			}
			for _, p := range whole.Points {
				if p.Offset < 0 || p.Offset >= int64(len(payload)) {
					t.Fatalf("point %s at offset %d outside the payload", p.Identifier, p.Offset)
				}
			}
		}
	})
}

// FuzzModel feeds arbitrary model files to thingmodel.ParseModel: it must not
// panic, and either return a *thingmodel.Error, or a model for which a generated
// conforming request (SPEC §2, §3.1), in both profiles, is accepted with exactly
// its points.
func FuzzModel(f *testing.F) {
	f.Add([]byte(regressModel))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := thingmodel.ParseModel("fuzz.json", data)
		if err != nil {
			var me *thingmodel.Error
			if !errors.As(err, &me) {
				t.Fatalf("ParseModel error %T is not a *thingmodel.Error: %v", err, err)
			}
			if m != nil {
				t.Fatalf("ParseModel returned a model and an error")
			}
			return
		}
		if m == nil {
			t.Fatalf("ParseModel returned neither a model nor an error")
		}
		env := &Env{
			Models:   []*Model{{ID: m.ID(), Points: SpecOf(m), JSON: data}},
			Products: map[string]string{"p": m.ID()},
			NoModel:  "q",
			Gateway:  Device{"p", "gw"},
		}
		cat, err := thingmodel.NewCatalog([]*thingmodel.Model{m}, env.Products)
		if err != nil {
			t.Fatalf("NewCatalog of a loaded model: %v", err)
		}
		seed := int(crc32.ChecksumIEEE(data))
		for _, profile := range []validate.Profile{validate.Compat, validate.Strict} {
			r := Requests(env, profile).Example(seed)
			x := r.Encode(Style{Seed: uint64(seed)})
			v := validate.New(validate.Options{Profile: profile, Models: cat})
			checkVerdict(t, r, x, validateRequest(v, r, x.Payload))
		}
	})
}

// topicMatches says, independently of protocol.ParseTopic, whether s is a
// request topic of SPEC §1.
func topicMatches(s string) bool {
	parts := strings.Split(s, "/")
	if len(parts) != 7 && len(parts) != 8 {
		return false
	}
	if parts[0] != "" || parts[1] != "sys" || parts[4] != "thing" || parts[5] != "measurepoint" {
		return false
	}
	if parts[6] != "post" && parts[6] != "resume" || len(parts) == 8 && parts[7] != "batch" {
		return false
	}
	for _, k := range parts[2:4] {
		if k == "" || strings.ContainsAny(k, "+#") {
			return false
		}
	}
	return true
}

// FuzzTopic checks protocol.ParseTopic on arbitrary strings: no panic; success
// exactly when the topic matches SPEC §1 (errors match 1009); String
// reconstructs the topic; the keys and method are the topic's; ReplyTopic is the
// topic and "_reply", and IsReplyTopic recognises exactly the reply topics.
func FuzzTopic(f *testing.F) {
	f.Add("/sys/gwP/gw1/thing/measurepoint/post/batch")
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := protocol.ParseTopic(s)
		want := topicMatches(s)
		if (err == nil) != want {
			t.Fatalf("ParseTopic(%q) error %v, SPEC §1 says valid=%v", s, err, want)
		}
		reply, isReply := strings.CutSuffix(s, "_reply")
		if got := protocol.IsReplyTopic(s); got != (isReply && topicMatches(reply)) {
			t.Fatalf("IsReplyTopic(%q) = %v", s, got)
		}
		if err != nil {
			if !errors.Is(err, codes.NoWritePermission) {
				t.Fatalf("ParseTopic(%q) error %v does not match 1009", s, err)
			}
			return
		}
		parts := strings.Split(s, "/")
		if tp.ProductKey != parts[2] || tp.DeviceKey != parts[3] {
			t.Fatalf("ParseTopic(%q) keys %q %q", s, tp.ProductKey, tp.DeviceKey)
		}
		if !tp.Method.Valid() || tp.Method.Batch() != (len(parts) == 8) || tp.Method.Resume() != (parts[6] == "resume") {
			t.Fatalf("ParseTopic(%q) method %q", s, tp.Method)
		}
		if tp.String() != s {
			t.Fatalf("String() = %q, want %q", tp.String(), s)
		}
		if tp.ReplyTopic() != s+"_reply" || !protocol.IsReplyTopic(tp.ReplyTopic()) {
			t.Fatalf("ReplyTopic() = %q, IsReplyTopic %v", tp.ReplyTopic(), protocol.IsReplyTopic(tp.ReplyTopic()))
		}
		if protocol.IsReplyTopic(s) {
			t.Fatalf("IsReplyTopic(%q) of a request topic", s)
		}
	})
}

// FuzzRequests is rapid.MakeFuzz over generated requests: the fuzzing engine
// steers the generators, and each request must get the verdict its mutations
// call for (properties 1 to 3), the same streamed one byte at a time (property 5),
// with diagnostics that resolve (property 8).
func FuzzRequests(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		env := Envs().Draw(t, "env")
		profile := profiles.Draw(t, "profile")
		r := anyRequest(t, env, profile)
		r.SetSkip(rapid.Bool().Draw(t, "skip"))
		x := r.Encode(style(t, "style"))
		v := newValidator(t, env, profile)
		o := validateRequest(v, r, x.Payload)
		checkVerdict(t, r, x, o)
		checkDiagnostics(t, x.Payload, o)
		oneByte := run(v, validate.Message{Topic: r.Topic.String(), Now: r.Now}, x.Payload,
			func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) })
		if diff := cmp.Diff(o, oneByte); diff != "" {
			t.Fatalf("one-byte reader differs from Validate (-whole +streamed):\n%s", diff)
		}
	}))
}
