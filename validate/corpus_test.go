package validate_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// payloadDir holds the payload corpus: valid/ and invalid/ and the manifest
// cases.json, described in its README.md.
const payloadDir = "../testdata/payloads"

// corpusCase is one entry of testdata/payloads/cases.json.
type corpusCase struct {
	File     string   `json:"file"`
	Topic    string   `json:"topic"`
	Profile  string   `json:"profile"` // "compat", "strict" or "both"
	Env      string   `json:"env"`     // relative to payloadDir
	Now      int64    `json:"now"`
	Code     int      `json:"code"`
	Pointer  *string  `json:"pointer"` // absent when code is 200
	Offset   *int64   `json:"offset"`  // absent when code is 200
	Accepted int      `json:"accepted"`
	Skipped  []string `json:"skipped"`
	Reason   string   `json:"reason"`
}

// outcome is what the corpus pins down of a verdict.
type outcome struct {
	Code     codes.Code
	Err      *errorAt // nil when the request is accepted
	Accepted int      // compared only when the request is accepted
	Skipped  []string // likewise
}

type errorAt struct {
	Pointer string
	Offset  int64
}

func (c *corpusCase) want() outcome {
	o := outcome{Code: codes.Code(c.Code)}
	if o.Code != codes.OK {
		o.Err = &errorAt{Pointer: *c.Pointer, Offset: *c.Offset}
		return o
	}
	o.Accepted = c.Accepted
	o.Skipped = append([]string{}, c.Skipped...)
	return o
}

func (c *corpusCase) profiles(t *testing.T) []validate.Profile {
	if c.Profile == "both" {
		return []validate.Profile{validate.Compat, validate.Strict}
	}
	p, ok := validate.ParseProfile(c.Profile)
	if !ok {
		t.Fatalf("%s: unknown profile %q", c.File, c.Profile)
	}
	return []validate.Profile{p}
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(payloadDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("cases.json: no cases")
	}
	return cases
}

// TestCorpusManifest checks the manifest against the payload files, so that a
// broken corpus fails on its own rather than as a wrong verdict.
func TestCorpusManifest(t *testing.T) {
	cases := loadCorpus(t)
	accepted := map[string]bool{} // file -> some case expects 200
	seen := map[string]bool{}     // file+profile
	for _, c := range cases {
		key := c.File + "/" + c.Profile
		if seen[key] {
			t.Errorf("%s: listed twice for profile %s", c.File, c.Profile)
		}
		seen[key] = true
		payload, err := os.ReadFile(filepath.Join(payloadDir, c.File))
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if _, ok := accepted[c.File]; !ok {
			accepted[c.File] = false
		}
		if c.Code == 200 {
			accepted[c.File] = true
			if c.Pointer != nil || c.Offset != nil {
				t.Errorf("%s: an accepted case has a pointer or offset", c.File)
			}
			continue
		}
		if !codes.Code(c.Code).Known() {
			t.Errorf("%s: unknown code %d", c.File, c.Code)
		}
		if c.Pointer == nil || c.Offset == nil {
			t.Errorf("%s: a rejected case needs pointer and offset", c.File)
			continue
		}
		switch c.Code {
		case 1008, 1009, 1251: // decided before parsing
			if *c.Pointer != "" || *c.Offset != -1 {
				t.Errorf("%s: code %d wants pointer \"\" and offset -1", c.File, c.Code)
			}
		default:
			if *c.Offset < 0 || *c.Offset > int64(len(payload)) {
				t.Errorf("%s: offset %d outside the payload (%d bytes)", c.File, *c.Offset, len(payload))
			}
			if *c.Pointer != "" && !strings.HasPrefix(*c.Pointer, "/") {
				t.Errorf("%s: pointer %q is not RFC 6901", c.File, *c.Pointer)
			}
		}
	}
	for file, ok := range accepted {
		if dir, _, _ := strings.Cut(file, "/"); (dir == "valid") != ok {
			t.Errorf("%s: in %s/, but accepted by some case = %v", file, dir, ok)
		}
	}
	for _, dir := range []string{"valid", "invalid"} {
		entries, err := os.ReadDir(filepath.Join(payloadDir, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := accepted[dir+"/"+e.Name()]; !ok {
				t.Errorf("%s/%s: not in cases.json", dir, e.Name())
			}
		}
	}
}

// TestCorpus runs every case of the payload corpus as runCorpus does.
func TestCorpus(t *testing.T) {
	runCorpus(t, loadCorpus(t))
}

// runCorpus runs each case through Validate, and through ValidateReader one
// byte at a time, with the accept path and without it (Options.NoAcceptPath),
// and demands the verdict of the manifest from all four.
func runCorpus(t *testing.T, cases []corpusCase) {
	envs := map[string]validate.Options{}
	for _, c := range cases {
		opts, ok := envs[c.Env]
		if !ok {
			var err error
			opts, err = loadEnv(filepath.Join(payloadDir, c.Env))
			if err != nil {
				t.Fatalf("%s: %v", c.Env, err)
			}
			envs[c.Env] = opts
		}
		payload, err := os.ReadFile(filepath.Join(payloadDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		want := c.want()
		for _, profile := range c.profiles(t) {
			t.Run(c.File+"/"+profile.String(), func(t *testing.T) {
				for _, noAccept := range []bool{false, true} {
					opts := opts
					opts.Profile = profile
					opts.NoAcceptPath = noAccept
					v := validate.New(opts)
					msg := validate.Message{Topic: c.Topic, Now: c.Now}
					mode := ""
					if noAccept {
						mode = ", NoAcceptPath"
					}

					yielded := 0
					count := func(*validate.Point) error { yielded++; return nil }
					res, err := v.Validate(msg, payload, count)
					got := summarize(t, "Validate", res, err, yielded)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("Validate%s: verdict mismatch (-want +got):\n%s\nreason: %s", mode, diff, c.Reason)
					}

					yielded = 0
					res, err = v.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader(payload)), count)
					gotReader := summarize(t, "ValidateReader", res, err, yielded)
					if diff := cmp.Diff(want, gotReader); diff != "" {
						t.Errorf("ValidateReader(OneByteReader)%s: verdict mismatch (-want +got):\n%s\nreason: %s", mode, diff, c.Reason)
					}
				}
			})
		}
	}
}

// summarize reduces a verdict to what the corpus pins down, and checks that
// the returned error, Result.Err and the callback agree with Result.Code.
func summarize(t *testing.T, call string, res validate.Result, err error, yielded int) outcome {
	t.Helper()
	o := outcome{Code: res.Code}
	if res.Code == codes.OK {
		if err != nil || res.Err != nil {
			t.Errorf("%s: code 200 with error %v (Result.Err %v)", call, err, res.Err)
		}
		if yielded != res.Accepted {
			t.Errorf("%s: %d points yielded, Result.Accepted = %d", call, yielded, res.Accepted)
		}
		if res.SkippedTotal != len(res.Skipped) {
			t.Errorf("%s: SkippedTotal = %d, len(Skipped) = %d", call, res.SkippedTotal, len(res.Skipped))
		}
		o.Accepted = res.Accepted
		o.Skipped = []string{}
		for _, s := range res.Skipped {
			if s.Code != codes.ModelInvalid {
				t.Errorf("%s: skipped point %s has code %v, want 1204", call, s.Pointer, s.Code)
			}
			o.Skipped = append(o.Skipped, s.Pointer)
		}
		return o
	}
	if res.Err == nil {
		t.Errorf("%s: code %v without Result.Err (error %v)", call, res.Code, err)
		return o
	}
	var verr *validate.Error
	switch {
	case err == nil:
		t.Errorf("%s: code %v but no error returned", call, res.Code)
	case !errors.As(err, &verr) || verr != res.Err:
		t.Errorf("%s: returned error %v is not Result.Err %v", call, err, res.Err)
	case !errors.Is(err, res.Code):
		t.Errorf("%s: errors.Is(%v, %v) is false", call, err, res.Code)
	}
	if res.Err.Code != res.Code {
		t.Errorf("%s: Result.Err.Code = %v, Result.Code = %v", call, res.Err.Code, res.Code)
	}
	o.Err = &errorAt{Pointer: res.Err.Pointer, Offset: res.Err.Offset}
	return o
}

// envFile is the environment file of SPEC §7.2.
type envFile struct {
	Models   []json.RawMessage `json:"models"`
	Products map[string]string `json:"products"`
	Devices  []struct {
		ProductKey string `json:"productKey"`
		DeviceKey  string `json:"deviceKey"`
		Gateway    string `json:"gateway"`
		Online     *bool  `json:"online"`
		AssetID    string `json:"assetId"`
	} `json:"devices"`
}

// loadEnv reads an environment file into validator options: the catalog of
// its models and products and, when it lists devices, a directory of them.
func loadEnv(path string) (validate.Options, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return validate.Options{}, err
	}
	var env envFile
	if err := json.Unmarshal(data, &env); err != nil {
		return validate.Options{}, err
	}
	models := make([]*thingmodel.Model, 0, len(env.Models))
	for i, raw := range env.Models {
		source, body := path+" models["+strconv.Itoa(i)+"]", []byte(raw)
		var name string
		if json.Unmarshal(raw, &name) == nil {
			source = filepath.Join(filepath.Dir(path), filepath.FromSlash(name))
			if body, err = os.ReadFile(source); err != nil {
				return validate.Options{}, err
			}
		}
		m, err := thingmodel.ParseModel(source, body)
		if err != nil {
			return validate.Options{}, err
		}
		models = append(models, m)
	}
	catalog, err := thingmodel.NewCatalog(models, env.Products)
	if err != nil {
		return validate.Options{}, err
	}
	opts := validate.Options{Models: catalog}
	if env.Devices != nil {
		dir := mapDirectory{}
		for _, d := range env.Devices {
			dev := validate.Device{Online: d.Online == nil || *d.Online, AssetID: d.AssetID}
			if d.Gateway != "" {
				pk, dk, ok := strings.Cut(d.Gateway, "/")
				if !ok {
					return validate.Options{}, errors.New(path + ": gateway " + d.Gateway + " is not pk/dk")
				}
				dev.GatewayProductKey, dev.GatewayDeviceKey = pk, dk
			}
			dir[[2]string{d.ProductKey, d.DeviceKey}] = dev
		}
		opts.Directory = dir
	}
	return opts, nil
}

// mapDirectory is a validate.Directory held in a map keyed by productKey and
// deviceKey.
type mapDirectory map[[2]string]validate.Device

func (m mapDirectory) Device(productKey, deviceKey string) (validate.Device, bool) {
	d, ok := m[[2]string{productKey, deviceKey}]
	return d, ok
}

// capture is one line of a JSON Lines capture (SPEC §7.1).
type capture struct {
	Topic         string  `json:"topic"`
	Payload       *string `json:"payload"`
	PayloadBase64 *string `json:"payload_base64"`
	Received      *int64  `json:"received"`
}

// TestCaptures checks the bundled captures against verdicts written by hand from
// SPEC, in the compat profile with the sample environment. The offsets are the
// payload corpus's business; here the code, pointer, count and skips suffice.
func TestCaptures(t *testing.T) {
	type verdict struct {
		Code     codes.Code
		Pointer  string
		Accepted int
		Skipped  []string
	}
	tests := []struct {
		file string
		want []verdict
	}{
		{"seed.jsonl", []verdict{
			{Code: 200, Accepted: 9, Skipped: []string{}}, // seed 002: both flags true, branchCurr strings are compat
			{Code: 200, Accepted: 9, Skipped: []string{}}, // seed 000, resume/batch
			{Code: 200, Accepted: 9, Skipped: []string{}}, // seed 003: Power value 1.0 is compat
		}},
		{"mixed.jsonl", []verdict{
			{Code: 200, Accepted: 4, Skipped: []string{}},
			{Code: 1008}, // 524289 bytes
			{Code: 1009}, // an event topic
			{Code: 1251}, // empty
			{Code: 1251}, // white space only
			{Code: 1206, Pointer: "/params/0/measurepoints/voltage"}, // a } where the value should be
			{Code: 1206, Pointer: "/note"},                           // Latin-1 bytes in an ignored key
			{Code: 1260, Pointer: "/method"},                         // resume method on a post topic
			{Code: 1212, Pointer: "/params/0"},                       // unknown sub-device
			{Code: 1204, Pointer: "/params/0/measurepoints/temp"},
			{Code: 200, Accepted: 1, Skipped: []string{"/params/0/measurepoints/temp"}},
			{Code: 200, Accepted: 2, Skipped: []string{}}, // single post
			{Code: 1212, Pointer: "/params/0"},            // offline sub-device, flag absent
		}},
	}
	opts, err := loadEnv("../testdata/envs/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	v := validate.New(opts)
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("../testdata/captures", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != len(tt.want) {
			t.Fatalf("%s: %d lines, want %d", tt.file, len(lines), len(tt.want))
		}
		for i, line := range lines {
			var c capture
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				t.Fatalf("%s:%d: %v", tt.file, i+1, err)
			}
			var payload []byte
			switch {
			case c.Payload != nil && c.PayloadBase64 == nil:
				payload = []byte(*c.Payload)
			case c.PayloadBase64 != nil && c.Payload == nil:
				if payload, err = base64.StdEncoding.DecodeString(*c.PayloadBase64); err != nil {
					t.Fatalf("%s:%d: %v", tt.file, i+1, err)
				}
			default:
				t.Fatalf("%s:%d: want exactly one of payload and payload_base64", tt.file, i+1)
			}
			now := int64(1700000000000)
			if c.Received != nil {
				now = *c.Received
			}
			res, _ := v.Validate(validate.Message{Topic: c.Topic, Now: now}, payload, nil)
			got := verdict{Code: res.Code}
			if res.Err != nil {
				got.Pointer = res.Err.Pointer
			}
			if res.Code == codes.OK {
				got.Accepted = res.Accepted
				got.Skipped = []string{}
				for _, s := range res.Skipped {
					got.Skipped = append(got.Skipped, s.Pointer)
				}
			}
			if diff := cmp.Diff(tt.want[i], got); diff != "" {
				t.Errorf("%s:%d: verdict mismatch (-want +got):\n%s", tt.file, i+1, diff)
			}
		}
	}
}
