package envfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// DefaultPath is the bundled sample environment, relative to the working
// directory, which the command-line tool expects to be the repository root.
const DefaultPath = "testdata/envs/sample.json"

// Env is a loaded platform environment (SPEC §7.2). It is immutable once loaded
// and safe for concurrent use.
type Env struct {
	// Models maps products to their models. It is nil when the file has
	// neither "models" nor "products" (SPEC §7.2): multiSet then does no model
	// checks, and for MQTT no product has a model. With either key present,
	// even empty, it is a catalog and multiSet checks against it.
	Models *thingmodel.Catalog
	// Directory is the device topology for the validator's sub-device checks
	// (SPEC §4.4). It is nil when the file has no "devices" key, which means no
	// topology check.
	Directory validate.Directory

	devices map[deviceID]validate.Device // nil when "devices" is absent
	assets  map[string]deviceID          // assetId -> device
	orgs    map[string]bool              // nil when "orgs" is absent: any org
}

// deviceID names a device by its product key and device key.
type deviceID struct{ pk, dk string }

// directory implements validate.Directory over the devices of the file.
type directory map[deviceID]validate.Device

// Device returns what the file says of the device.
func (d directory) Device(productKey, deviceKey string) (validate.Device, bool) {
	dev, ok := d[deviceID{productKey, deviceKey}]
	return dev, ok
}

// KnowsOrg reports whether orgID is listed in "orgs". It is true for any orgID
// when the file has no "orgs" key (SPEC §5.1).
func (e *Env) KnowsOrg(orgID string) bool {
	if e.orgs == nil {
		return true
	}
	return e.orgs[orgID]
}

// Asset returns the keys of the device whose "assetId" is assetID, and false when
// no device has it.
func (e *Env) Asset(assetID string) (productKey, deviceKey string, ok bool) {
	id, ok := e.assets[assetID]
	return id.pk, id.dk, ok
}

// Device returns what the file says of the device, and false when the file does
// not list it. It answers from "devices" whether or not Directory is nil, so that
// multiSet can look devices up; with no "devices" key it always returns false.
func (e *Env) Device(productKey, deviceKey string) (validate.Device, bool) {
	dev, ok := e.devices[deviceID{productKey, deviceKey}]
	return dev, ok
}

// Error is an error in an environment file, or in a model file it names.
type Error struct {
	// File is the environment file as given to Load; "" for Parse.
	File string
	// Field locates the offending value, for example "devices[3].gateway" or
	// `products["p1"]`; "" for the file as a whole.
	Field string
	// Err says what is wrong; it may wrap a cause such as an *fs.PathError or a
	// model load error.
	Err error
}

// Error returns "envfile: FILE: FIELD: what is wrong", leaving out the parts
// that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("envfile: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Load reads the environment file at path and the model files it names, which
// are relative to the directory of path. Errors are *Error values naming path.
func Load(path string) (*Env, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Err: err} // the *fs.PathError names the file
	}
	return parse(path, filepath.Dir(path), data, os.ReadFile)
}

// Parse builds an environment from the contents of an environment file. dir is
// the directory of the file: model file names are joined to it unless absolute.
// readFile reads a model file by that joined name (os.ReadFile does); it may be
// nil when the file names no model files.
func Parse(dir string, data []byte, readFile func(name string) ([]byte, error)) (*Env, error) {
	return parse("", dir, data, readFile)
}

// topKeys are the keys of an environment file, in the order they are processed.
var topKeys = []string{"models", "products", "devices", "orgs"}

// deviceKeys are the keys of a device object.
var deviceKeys = []string{"productKey", "deviceKey", "gateway", "online", "assetId"}

type parser struct {
	file     string
	dir      string
	readFile func(string) ([]byte, error)
}

func (p *parser) errorf(field, msg string) error {
	return &Error{File: p.file, Field: field, Err: errors.New(msg)}
}

func parse(file, dir string, data []byte, readFile func(string) ([]byte, error)) (*Env, error) {
	p := &parser{file: file, dir: dir, readFile: readFile}
	if err := checkSyntax(data); err != nil {
		return nil, &Error{File: file, Err: err}
	}
	if kind(data) != '{' {
		return nil, p.errorf("", "want a JSON object, got "+describe(data))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, &Error{File: file, Err: err}
	}
	for _, k := range sortedKeys(top) {
		if !slices.Contains(topKeys, k) {
			return nil, p.errorf(quote(k), "unknown key; want one of models, products, devices, orgs")
		}
	}

	env := &Env{}
	models, err := p.models(top)
	if err != nil {
		return nil, err
	}
	products, err := p.products(top, models)
	if err != nil {
		return nil, err
	}
	_, hasModels := top["models"]
	_, hasProducts := top["products"]
	if hasModels || hasProducts {
		env.Models, err = thingmodel.NewCatalog(models, products)
		if err != nil {
			return nil, &Error{File: file, Field: "products", Err: err}
		}
	}
	if err := p.devices(top, env); err != nil {
		return nil, err
	}
	if err := p.orgs(top, env); err != nil {
		return nil, err
	}
	return env, nil
}

func (p *parser) models(top map[string]json.RawMessage) ([]*thingmodel.Model, error) {
	raw, ok := top["models"]
	if !ok {
		return nil, nil
	}
	elems, err := p.array("models", raw)
	if err != nil {
		return nil, err
	}
	models := make([]*thingmodel.Model, 0, len(elems))
	where := make(map[string]int, len(elems)) // modelId -> index in models
	for i, elem := range elems {
		field := "models[" + strconv.Itoa(i) + "]"
		var m *thingmodel.Model
		switch kind(elem) {
		case '"':
			name, _ := stringValue(elem)
			if name == "" {
				return nil, p.errorf(field, "empty model file name")
			}
			path := filepath.FromSlash(name)
			if !filepath.IsAbs(path) {
				path = filepath.Join(p.dir, path)
			}
			if p.readFile == nil {
				return nil, p.errorf(field, "cannot read model file "+quote(path)+": no file reader")
			}
			data, err := p.readFile(path)
			if err != nil {
				return nil, &Error{File: p.file, Field: field, Err: err}
			}
			if m, err = thingmodel.ParseModel(path, data); err != nil {
				return nil, &Error{File: p.file, Field: field, Err: err}
			}
		case '{':
			source := field
			if p.file != "" {
				source = p.file + " " + field
			}
			var err error
			if m, err = thingmodel.ParseModel(source, elem); err != nil {
				return nil, &Error{File: p.file, Field: field, Err: err}
			}
		default:
			return nil, p.errorf(field, "want a model file name or a model object, got "+describe(elem))
		}
		if m == nil {
			return nil, p.errorf(field, "model did not load")
		}
		if j, dup := where[m.ID()]; dup {
			return nil, p.errorf(field, "modelId "+quote(m.ID())+" is also the modelId of models["+strconv.Itoa(j)+"]")
		}
		where[m.ID()] = i
		models = append(models, m)
	}
	return models, nil
}

func (p *parser) products(top map[string]json.RawMessage, models []*thingmodel.Model) (map[string]string, error) {
	raw, ok := top["products"]
	if !ok {
		return nil, nil
	}
	obj, err := p.object("products", raw)
	if err != nil {
		return nil, err
	}
	products := make(map[string]string, len(obj))
	for _, pk := range sortedKeys(obj) {
		field := "products[" + quote(pk) + "]"
		if msg := checkKey(pk); msg != "" {
			return nil, p.errorf(field, "product key "+msg)
		}
		id, ok := stringValue(obj[pk])
		if !ok {
			return nil, p.errorf(field, "want a modelId string, got "+describe(obj[pk]))
		}
		if !slices.ContainsFunc(models, func(m *thingmodel.Model) bool { return m.ID() == id }) {
			return nil, p.errorf(field, "modelId "+quote(id)+" is not the modelId of any model in models")
		}
		products[pk] = id
	}
	return products, nil
}

func (p *parser) devices(top map[string]json.RawMessage, env *Env) error {
	raw, ok := top["devices"]
	if !ok {
		return nil
	}
	elems, err := p.array("devices", raw)
	if err != nil {
		return err
	}
	devices := make(map[deviceID]validate.Device, len(elems))
	assets := make(map[string]deviceID)
	where := make(map[deviceID]int, len(elems))
	assetWhere := make(map[string]int)
	for i, elem := range elems {
		field := "devices[" + strconv.Itoa(i) + "]"
		obj, err := p.object(field, elem)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(obj) {
			if !slices.Contains(deviceKeys, k) {
				return p.errorf(field+"."+k, "unknown key; want one of productKey, deviceKey, gateway, online, assetId")
			}
		}
		var id deviceID
		for _, f := range []struct {
			key string
			dst *string
		}{{"productKey", &id.pk}, {"deviceKey", &id.dk}} {
			v, present := obj[f.key]
			if !present {
				return p.errorf(field, "missing "+f.key)
			}
			s, ok := stringValue(v)
			if !ok {
				return p.errorf(field+"."+f.key, "want a string, got "+describe(v))
			}
			if msg := checkKey(s); msg != "" {
				return p.errorf(field+"."+f.key, msg)
			}
			*f.dst = s
		}
		if j, dup := where[id]; dup {
			return p.errorf(field, "device "+quote(id.pk+"/"+id.dk)+" is also devices["+strconv.Itoa(j)+"]")
		}
		where[id] = i

		dev := validate.Device{Online: true}
		if v, present := obj["gateway"]; present {
			s, ok := stringValue(v)
			if !ok {
				return p.errorf(field+".gateway", `want a "productKey/deviceKey" string, got `+describe(v))
			}
			gpk, gdk, found := strings.Cut(s, "/")
			if !found {
				return p.errorf(field+".gateway", quote(s)+` is not "productKey/deviceKey"`)
			}
			if msg := checkKey(gpk); msg != "" {
				return p.errorf(field+".gateway", quote(s)+": product key "+msg)
			}
			if msg := checkKey(gdk); msg != "" {
				return p.errorf(field+".gateway", quote(s)+": device key "+msg)
			}
			if (deviceID{gpk, gdk}) == id {
				return p.errorf(field+".gateway", "a device cannot be its own gateway")
			}
			dev.GatewayProductKey, dev.GatewayDeviceKey = gpk, gdk
		}
		if v, present := obj["online"]; present {
			switch string(bytes.TrimSpace(v)) {
			case "true":
				dev.Online = true
			case "false":
				dev.Online = false
			default:
				return p.errorf(field+".online", "want true or false, got "+describe(v))
			}
		}
		if v, present := obj["assetId"]; present {
			s, ok := stringValue(v)
			if !ok {
				return p.errorf(field+".assetId", "want a string, got "+describe(v))
			}
			if s == "" {
				return p.errorf(field+".assetId", "empty assetId")
			}
			if j, dup := assetWhere[s]; dup {
				return p.errorf(field+".assetId", "assetId "+quote(s)+" is also the assetId of devices["+strconv.Itoa(j)+"]")
			}
			assetWhere[s] = i
			assets[s] = id
			dev.AssetID = s
		}
		devices[id] = dev
	}
	env.devices = devices
	env.assets = assets
	env.Directory = directory(devices)
	return nil
}

func (p *parser) orgs(top map[string]json.RawMessage, env *Env) error {
	raw, ok := top["orgs"]
	if !ok {
		return nil
	}
	elems, err := p.array("orgs", raw)
	if err != nil {
		return err
	}
	orgs := make(map[string]bool, len(elems))
	for i, elem := range elems {
		field := "orgs[" + strconv.Itoa(i) + "]"
		s, ok := stringValue(elem)
		if !ok {
			return p.errorf(field, "want an orgId string, got "+describe(elem))
		}
		if s == "" {
			return p.errorf(field, "empty orgId")
		}
		orgs[s] = true
	}
	env.orgs = orgs
	return nil
}

// array decodes a JSON array into its raw elements.
func (p *parser) array(field string, raw json.RawMessage) ([]json.RawMessage, error) {
	if kind(raw) != '[' {
		return nil, p.errorf(field, "want an array, got "+describe(raw))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, &Error{File: p.file, Field: field, Err: err}
	}
	return elems, nil
}

// object decodes a JSON object into its raw members.
func (p *parser) object(field string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	if kind(raw) != '{' {
		return nil, p.errorf(field, "want an object, got "+describe(raw))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, &Error{File: p.file, Field: field, Err: err}
	}
	return obj, nil
}

// checkKey returns why s cannot be a product or device key (SPEC §1), or "".
func checkKey(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsAny(s, "/+#"):
		return quote(s) + " contains '/', '+' or '#'"
	}
	return ""
}

// kind returns the first byte of a JSON value, after white space, or 0.
func kind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// describe names the JSON type of raw for error messages.
func describe(raw []byte) string {
	switch kind(raw) {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "nothing"
	}
	return "a number"
}

// stringValue decodes raw if it is a JSON string.
func stringValue(raw []byte) (string, bool) {
	if kind(raw) != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quote(s string) string { return strconv.Quote(s) }
