package environment

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/validate"
)

const (
	inverterModel = `{"modelId": "Inverter", "measurepoints": {
		"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`
	meterModel = `{"modelId": "Meter", "measurepoints": {
		"energy": {"identifier": "energy", "dataType": "DOUBLE"}}}`
)

// parse loads env as the file dir/env.json of an in-memory file system that
// also holds files.
func parse(dir, env string, files map[string]string) (*Env, error) {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	name := path.Join(dir, "env.json")
	fsys[name] = &fstest.MapFile{Data: []byte(env)}
	return Load(fsys, name)
}

// The example of SPEC §7.2, with an assetId and an offline device added.
const fullEnv = `{
 "models":   ["models/inverter.json", ` + meterModel + `],
 "products": {"product1": "Inverter", "gwP": "Meter"},
 "devices":  [{"productKey": "gwP", "deviceKey": "gw1"},
              {"productKey": "product1", "deviceKey": "device1", "gateway": "gwP/gw1", "online": true, "assetId": "a1"},
              {"productKey": "product1", "deviceKey": "device2", "gateway": "gwP/gw1", "online": false}],
 "orgs":     ["o1", "o2"]}`

func TestParseFull(t *testing.T) {
	env, err := parse("envs", fullEnv, map[string]string{"envs/models/inverter.json": inverterModel})
	if err != nil {
		t.Fatal(err)
	}
	if m := env.Models().Model("product1"); m == nil || m.ID() != "Inverter" {
		t.Errorf("Models.Model(product1) = %v, want the Inverter model from the model file", m)
	}
	if m := env.Models().Model("gwP"); m == nil || m.ID() != "Meter" {
		t.Errorf("Models.Model(gwP) = %v, want the inline Meter model", m)
	}
	if m := env.Models().Model("product2"); m != nil {
		t.Errorf("Models.Model(product2) = %v, want nil: product2 is not in products", m)
	}
	if env.Directory() == nil {
		t.Fatal("Directory is nil although the file has devices")
	}
	tests := []struct {
		name   string
		pk, dk string
		want   validate.Device
		ok     bool
	}{
		{"gateway: direct, online by default", "gwP", "gw1", validate.Device{Online: true}, true},
		{"sub-device with asset", "product1", "device1",
			validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true, AssetID: "a1"}, true},
		{"offline sub-device", "product1", "device2",
			validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw1"}, true},
		{"unknown device", "product1", "device3", validate.Device{}, false},
		{"keys are not swapped", "gw1", "gwP", validate.Device{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lookup := range []struct {
				name string
				f    func(string, string) (validate.Device, bool)
			}{{"Directory.Device", env.Directory().Device}, {"Env.Device", env.Device}} {
				got, ok := lookup.f(tt.pk, tt.dk)
				if ok != tt.ok {
					t.Errorf("%s(%q, %q) ok = %v, want %v", lookup.name, tt.pk, tt.dk, ok, tt.ok)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s(%q, %q) mismatch (-want +got):\n%s", lookup.name, tt.pk, tt.dk, diff)
				}
			}
		})
	}
	if pk, dk, ok := env.Asset("a1"); !ok || pk != "product1" || dk != "device1" {
		t.Errorf(`Asset("a1") = %q, %q, %v; want "product1", "device1", true`, pk, dk, ok)
	}
	if _, _, ok := env.Asset("a2"); ok {
		t.Error(`Asset("a2") ok = true for an assetId no device has`)
	}
	for org, want := range map[string]bool{"o1": true, "o2": true, "o3": false, "": false} {
		if got := env.KnowsOrg(org); got != want {
			t.Errorf("KnowsOrg(%q) = %v, want %v", org, got, want)
		}
	}
}

// Every key is optional; absent devices mean no topology check and absent orgs
// mean every org is known (SPEC §7.2).
func TestParseEmpty(t *testing.T) {
	env, err := parse(".", " {} \n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if env.Models() != nil {
		t.Errorf("Models = %v, want nil: neither models nor products means no model checks in multiSet", env.Models())
	}
	if env.Directory() != nil {
		t.Errorf("Directory = %v, want nil (no topology check)", env.Directory())
	}
	if env.Assets() != nil {
		t.Errorf("Assets = %v, want nil (no devices, no assets)", env.Assets())
	}
	if _, ok := env.Device("gwP", "gw1"); ok {
		t.Error("Device ok = true with no devices key")
	}
	if _, _, ok := env.Asset("a1"); ok {
		t.Error("Asset ok = true with no devices key")
	}
	for _, org := range []string{"o1", "anything"} {
		if !env.KnowsOrg(org) {
			t.Errorf("KnowsOrg(%q) = false with no orgs key; want true", org)
		}
	}
}

// An empty devices array is a topology check in which no device is known; it
// differs from an absent key.
func TestParseEmptyDevices(t *testing.T) {
	env, err := parse(".", `{"devices": [], "orgs": []}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if env.Directory() == nil {
		t.Fatal("Directory is nil for an empty devices array; want a directory that knows nothing")
	}
	if env.Assets() == nil {
		t.Fatal("Assets is nil for an empty devices array; want a directory that knows no asset")
	}
	if _, ok := env.Directory().Device("gwP", "gw1"); ok {
		t.Error("Directory.Device ok = true for an empty devices array")
	}
	if env.KnowsOrg("o1") {
		t.Error("KnowsOrg(o1) = true for an empty orgs array")
	}
}

func TestParseErrors(t *testing.T) {
	model := func(id string) string {
		return `{"modelId": "` + id + `", "measurepoints": {"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`
	}
	tests := []struct {
		name   string
		env    string
		field  string // Error.Field
		detail string // in the message
		is     error  // errors.Is target, if any
	}{
		{"empty file", "", "", "empty file", nil},
		{"white space only", " \n\t", "", "empty file", nil},
		{"not JSON", `{"models": [}`, "", "", nil},
		{"truncated", `{"models": [`, "", "", nil},
		{"top level array", `[]`, "", "want a JSON object, got an array", nil},
		{"top level null", `null`, "", "want a JSON object, got null", nil},
		{"data after the object", `{} {}`, "", "data after the top-level value", nil},
		{"duplicate top-level key", `{"orgs": [], "orgs": ["o1"]}`, "", `duplicate key "orgs" in the top-level object`, nil},
		{"duplicate nested key", `{"products": {"p": "M", "p": "N"}}`, "", `duplicate key "p" in products`, nil},
		{"duplicate key in a device", `{"devices": [{"productKey": "p", "deviceKey": "d", "online": true, "online": false}]}`,
			"", `duplicate key "online" in devices[0]`, nil},
		{"too deep", `{"x": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, "", "nesting deeper than 64", nil},
		{"unknown top-level key", `{"device": []}`, `"device"`, "unknown key", nil},
		{"nesting at the limit of 64", `{"models": ` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`,
			"models[0]", "want a model file name or a model object, got an array", nil},
		{"nesting one over the limit", `{"models": ` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`,
			"", "nesting deeper than 64", nil},
		{"invalid UTF-8 in a string", "{\"orgs\": [\"o\xff\"]}", "", "invalid UTF-8", nil},
		{"invalid UTF-8 in a key", "{\"orgs\xff\": []}", "", "invalid UTF-8", nil},
		{"lone surrogate", `{"orgs": ["\ud800"]}`, "", "surrogate", nil},
		{"escaped duplicate key", `{"orgs": [], "\u006frgs": []}`, "", `duplicate key "orgs" in the top-level object`, nil},
		{"syntax error offset", `{"orgs": [1 2]}`, "", "offset 12: invalid character '2'", nil},

		{"models not an array", `{"models": {}}`, "models", "want an array, got an object", nil},
		{"models null", `{"models": null}`, "models", "want an array, got null", nil},
		{"model number", `{"models": [1]}`, "models[0]", "want a model file name or a model object, got a number", nil},
		{"empty model file name", `{"models": [""]}`, "models[0]", "empty model file name", nil},
		{"missing model file", `{"models": ["nope.json"]}`, "models[0]", "nope.json", fs.ErrNotExist},
		{"bad inline model", `{"models": [` + model("A") + `, {"modelId": "B", "measurepoints": {"t": {"identifier": "t", "dataType": "COMPLEX"}}}]}`,
			"models[1]", "COMPLEX", nil},
		{"duplicate modelId", `{"models": [` + model("A") + `, ` + model("A") + `]}`, "models[1]", `modelId "A" is also the modelId of models[0]`, nil},

		{"products not an object", `{"products": ["p"]}`, "products", "want an object, got an array", nil},
		{"product modelId not a string", `{"models": [` + model("A") + `], "products": {"p": 1}}`, `products["p"]`, "want a modelId string, got a number", nil},
		{"product with unknown model", `{"models": [` + model("A") + `], "products": {"p": "B"}}`, `products["p"]`, `modelId "B" is not the modelId of any model`, nil},
		{"product key with a slash", `{"models": [` + model("A") + `], "products": {"p/q": "A"}}`, `products["p/q"]`, "contains '/'", nil},
		{"empty product key", `{"models": [` + model("A") + `], "products": {"": "A"}}`, `products[""]`, "product key is empty", nil},

		{"devices not an array", `{"devices": {}}`, "devices", "want an array, got an object", nil},
		{"devices null", `{"devices": null}`, "devices", "want an array, got null", nil},
		{"device not an object", `{"devices": ["p/d"]}`, "devices[0]", "want an object, got a string", nil},
		{"device without productKey", `{"devices": [{"deviceKey": "d"}]}`, "devices[0]", "missing productKey", nil},
		{"device without deviceKey", `{"devices": [{"productKey": "p"}]}`, "devices[0]", "missing deviceKey", nil},
		{"deviceKey a number", `{"devices": [{"productKey": "p", "deviceKey": 7}]}`, "devices[0].deviceKey", "want a string, got a number", nil},
		{"empty deviceKey", `{"devices": [{"productKey": "p", "deviceKey": ""}]}`, "devices[0].deviceKey", "is empty", nil},
		{"wildcard in productKey", `{"devices": [{"productKey": "p+", "deviceKey": "d"}]}`, "devices[0].productKey", "contains", nil},
		{"unknown device key", `{"devices": [{"productKey": "p", "deviceKey": "d", "gatewy": "g/w"}]}`, "devices[0].gatewy", "unknown key", nil},
		{"duplicate device", `{"devices": [{"productKey": "p", "deviceKey": "d"}, {"productKey": "q", "deviceKey": "d"}, {"productKey": "p", "deviceKey": "d"}]}`,
			"devices[2]", `device "p/d" is also devices[0]`, nil},
		{"gateway not a string", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": {"productKey": "g"}}]}`, "devices[0].gateway", "got an object", nil},
		{"gateway without slash", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "gw1"}]}`, "devices[0].gateway", `is not "productKey/deviceKey"`, nil},
		{"gateway with empty device key", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "g/"}]}`, "devices[0].gateway", "device key is empty", nil},
		{"gateway with three parts", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "g/w/x"}]}`, "devices[0].gateway", "contains '/'", nil},
		{"own gateway", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "p/d"}]}`, "devices[0].gateway", "its own gateway", nil},
		{"online a string", `{"devices": [{"productKey": "p", "deviceKey": "d", "online": "yes"}]}`, "devices[0].online", "want true or false, got a string", nil},
		{"online null", `{"devices": [{"productKey": "p", "deviceKey": "d", "online": null}]}`, "devices[0].online", "got null", nil},
		{"empty secret", `{"devices": [{"productKey": "p", "deviceKey": "d", "secret": ""}]}`, "devices[0].secret", "empty secret", nil},
		{"secret a number", `{"devices": [{"productKey": "p", "deviceKey": "d", "secret": 7}]}`, "devices[0].secret", "want a string", nil},
		{"empty assetId", `{"devices": [{"productKey": "p", "deviceKey": "d", "assetId": ""}]}`, "devices[0].assetId", "empty assetId", nil},
		{"assetId a number", `{"devices": [{"productKey": "p", "deviceKey": "d", "assetId": 3}]}`, "devices[0].assetId", "want a string", nil},
		{"duplicate assetId", `{"devices": [{"productKey": "p", "deviceKey": "d", "assetId": "a"}, {"productKey": "p", "deviceKey": "e", "assetId": "a"}]}`,
			"devices[1].assetId", `assetId "a" is also the assetId of devices[0]`, nil},

		{"orgs not an array", `{"orgs": "o1"}`, "orgs", "want an array, got a string", nil},
		{"org a number", `{"orgs": ["o1", 2]}`, "orgs[1]", "want an orgId string, got a number", nil},
		{"empty org", `{"orgs": [""]}`, "orgs[0]", "empty orgId", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := parse("dir", tt.env, nil)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, nil; want an error", tt.env, env)
			}
			if env != nil {
				t.Errorf("Load returned an Env with the error %v", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if e.File != "dir/env.json" {
				t.Errorf("Error.File = %q, want the name given to Load", e.File)
			}
			if e.Field != tt.field {
				t.Errorf("Error.Field = %q, want %q (error: %v)", e.Field, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), "envfile: ") {
				t.Errorf("error %q does not start with \"envfile: \"", err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q does not contain %q", err, tt.detail)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

// recordFS is a file system in which every file but env.json holds
// inverterModel; it records the names opened.
type recordFS struct {
	env   string
	asked []string
}

func (r *recordFS) Open(name string) (fs.File, error) {
	if path.Base(name) == "env.json" {
		return fstest.MapFS{"f": {Data: []byte(r.env)}}.Open("f")
	}
	r.asked = append(r.asked, name)
	return fstest.MapFS{"f": {Data: []byte(inverterModel)}}.Open("f")
}

// A model file is opened by its name joined to the directory of the
// environment file; names that begin with '/' are kept.
func TestLoadModelPaths(t *testing.T) {
	const abs = "/abs/m.json"
	fsys := &recordFS{env: `{"models": ["sub/../sub/inverter.json", ` + strconvQuote(abs) + `]}`}
	_, err := Load(fsys, "envs/env.json")
	// Both files hold the same modelId, so the second is refused; the point is
	// which names were asked for.
	if err == nil || !strings.Contains(err.Error(), `modelId "Inverter" is also`) {
		t.Errorf("err = %v, want a duplicate modelId error", err)
	}
	want := []string{"envs/sub/inverter.json", abs}
	if diff := cmp.Diff(want, fsys.asked); diff != "" {
		t.Errorf("files read (-want +got):\n%s", diff)
	}
}

// A gateway the file does not list is allowed: it stands for "a sub-device of
// another gateway".
func TestParseUnlistedGateway(t *testing.T) {
	env, err := parse(".", `{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "gwP/gw9"}]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw9", Online: true}
	got, ok := env.Directory().Device("p", "d")
	if !ok || got != want {
		t.Errorf("Directory.Device(p, d) = %+v, %v; want %+v, true", got, ok, want)
	}
}

// The bundled environments load, and say what SPEC §7.2 makes of them.
func TestLoadBundled(t *testing.T) {
	root := os.DirFS("..")
	env, err := Load(root, "testdata/envs/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	if env.Directory() == nil {
		t.Error("sample.json: Directory is nil; want a topology")
	}
	if m := env.Models().Model("product1"); m == nil || m.ID() != "Inverter" {
		t.Errorf("sample.json: Models.Model(product1) = %v, want Inverter", m)
	}
	if d, ok := env.Device("product1", "offline1"); !ok || d.Online {
		t.Errorf("sample.json: Device(product1, offline1) = %+v, %v; want an offline device", d, ok)
	}
	if pk, dk, ok := env.Asset("asset1"); !ok || pk != "product1" || dk != "device1" {
		t.Errorf("sample.json: Asset(asset1) = %q, %q, %v", pk, dk, ok)
	}
	if env.KnowsOrg("o2") || !env.KnowsOrg("o1") {
		t.Error("sample.json: orgs are [\"o1\"]; KnowsOrg disagrees")
	}

	env, err = Load(root, "testdata/envs/nodevices.json")
	if err != nil {
		t.Fatal(err)
	}
	if env.Directory() != nil {
		t.Error("nodevices.json: Directory is not nil; want no topology check")
	}
	if !env.KnowsOrg("o2") {
		t.Error("nodevices.json: KnowsOrg(o2) = false with no orgs key")
	}
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// writeFiles writes name -> content under dir.
func writeFiles(t *testing.T, dir string, m map[string]string) {
	t.Helper()
	for name, content := range m {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"envs/env.json":             fullEnv,
		"envs/models/inverter.json": inverterModel,
	})
	env, err := Load(os.DirFS(dir), "envs/env.json")
	if err != nil {
		t.Fatal(err)
	}
	if m := env.Models().Model("product1"); m == nil || m.ID() != "Inverter" {
		t.Errorf("Models.Model(product1) = %v, want Inverter read relative to the env file", m)
	}
	if _, ok := env.Device("product1", "device2"); !ok {
		t.Error("Device(product1, device2) not found")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bad-json.json":      `{"orgs": [`,
		"missing-model.json": `{"models": ["models/none.json"]}`,
		"bad-model.json":     `{"models": ["models/bad.json"]}`,
		"bad-inline.json":    `{"models": [{"modelId": "B", "measurepoints": {"t": {"identifier": "t", "dataType": "COMPLEX"}}}]}`,
		"models/bad.json":    `{"modelId": "B", "measurepoints": {"t": {"identifier": "t", "dataType": "COMPLEX"}}}`,
	})
	tests := []struct {
		name     string
		file     string
		contains []string
		is       error
	}{
		{"missing env file", "none.json", []string{"envfile: open none.json: "}, fs.ErrNotExist},
		{"syntax error names the file", "bad-json.json", []string{"bad-json.json: "}, nil},
		{"missing model file names both files", "missing-model.json",
			[]string{"missing-model.json: models[0]: ", "models/none.json"}, fs.ErrNotExist},
		{"bad model file names both files and the field", "bad-model.json",
			[]string{"bad-model.json: models[0]: ", "models/bad.json", "COMPLEX"}, nil},
		{"inline model names the env file and index", "bad-inline.json",
			[]string{"bad-inline.json: models[0]: ", "bad-inline.json models[0]", "COMPLEX"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(os.DirFS(dir), tt.file)
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

// An Env is read-only once loaded; run with -race to check the claim that it is
// safe for concurrent use.
func TestConcurrentUse(t *testing.T) {
	env, err := parse("envs", fullEnv, map[string]string{"envs/models/inverter.json": inverterModel})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 100 {
				_, found := env.Directory().Device("product1", "device1")
				_, _, asset := env.Asset("a1")
				ok = ok && found && asset && env.KnowsOrg("o1") && env.Models().Model("product1") != nil
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent lookup failed")
		}
	}
}

// SPEC §7.2: only an environment with neither "models" nor "products" turns
// the model checks off; either key, even empty, gives a catalog.
func TestParseModelsPresence(t *testing.T) {
	for _, tt := range []struct {
		env     string
		catalog bool
	}{
		{`{}`, false},
		{`{"devices": [], "orgs": ["o1"]}`, false},
		{`{"models": []}`, true},
		{`{"products": {}}`, true},
		{`{"models": [], "products": {}}`, true},
	} {
		env, err := parse(".", tt.env, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.env, err)
		}
		if got := env.Models() != nil; got != tt.catalog {
			t.Errorf("%s: catalog = %v, want %v", tt.env, got, tt.catalog)
		}
		if env.Models().Model("p") != nil {
			t.Errorf("%s: a model for p", tt.env)
		}
	}
}

// A Directory built by a program answers as the one loaded from a file.
func TestDirectory(t *testing.T) {
	d := Directory{
		{ProductKey: "gwP", DeviceKey: "gw1"}:     {Online: true},
		{ProductKey: "product1", DeviceKey: "d1"}: {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1"},
	}
	var dir validate.Directory = d
	if got, ok := dir.Device("product1", "d1"); !ok || got.GatewayDeviceKey != "gw1" || got.Online {
		t.Errorf("Device(product1, d1) = %+v, %v; want the offline sub-device of gwP/gw1", got, ok)
	}
	if _, ok := dir.Device("d1", "product1"); ok {
		t.Error("Device(d1, product1) ok = true: keys swapped")
	}
	if _, ok := Directory(nil).Device("gwP", "gw1"); ok {
		t.Error("a nil Directory knows a device")
	}
}

func TestSecrets(t *testing.T) {
	fsys := fstest.MapFS{"env.json": {Data: []byte(`{"devices": [{"productKey": "gwP", "deviceKey": "gw1", "secret": "s1"},
		{"productKey": "p", "deviceKey": "d", "gateway": "gwP/gw1"}]}`)}}
	env, err := Load(fsys, "env.json")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := env.Secret("gwP", "gw1"); !ok || s != "s1" {
		t.Errorf("Secret(gwP, gw1) = %q, %v", s, ok)
	}
	if s, ok := env.Secret("p", "d"); ok {
		t.Errorf("Secret(p, d) = %q, want none", s)
	}
	want := []DeviceID{{ProductKey: "gwP", DeviceKey: "gw1"}, {ProductKey: "p", DeviceKey: "d"}}
	if got := env.Devices(); !slices.Equal(got, want) {
		t.Errorf("Devices() = %v, want %v", got, want)
	}
}
