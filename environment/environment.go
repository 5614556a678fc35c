package environment

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/pointguard/pointguard/multiset"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Env is a loaded platform environment (SPEC §7.2). It is immutable once loaded
// and safe for concurrent use. It implements [validate.Directory],
// [multiset.AssetDirectory] and [multiset.OrgDirectory].
type Env struct {
	models  *thingmodel.Catalog
	devices Directory           // nil when "devices" is absent
	assets  map[string]DeviceID // assetId -> device
	orgs    map[string]bool     // nil when "orgs" is absent: any org
	secrets map[DeviceID]string // the devices' "secret"s
	ids     []DeviceID          // the devices in file order
}

// Models returns the product catalog. It is nil when the file has neither
// "models" nor "products" (SPEC §7.2): multiSet then does no model checks, and
// for MQTT no product has a model. With either key present, even empty, it is
// a catalog and multiSet checks against it.
func (e *Env) Models() *thingmodel.Catalog { return e.models }

// Directory returns the device topology for the validator's sub-device checks
// (SPEC §4.4), or nil (the nil interface, which turns the check off) when the
// file has no "devices" key.
func (e *Env) Directory() validate.Directory {
	if e.devices == nil {
		return nil
	}
	return e.devices
}

// Assets returns the asset directory for multiSet (SPEC §5.2): e itself when
// the file has "devices", and nil when it has none. Without "devices" the file
// names no assets and the keys of an item are taken as they are (no topology
// check); an item named by assetId alone then cannot be placed.
func (e *Env) Assets() multiset.AssetDirectory {
	if e.devices == nil {
		return nil
	}
	return e
}

// Device returns what the file says of the device, and false when the file does
// not list it; with no "devices" key it always returns false.
func (e *Env) Device(productKey, deviceKey string) (validate.Device, bool) {
	return e.devices.Device(productKey, deviceKey)
}

// Asset returns the keys of the device whose "assetId" is assetID, and false when
// no device has it.
func (e *Env) Asset(assetID string) (productKey, deviceKey string, ok bool) {
	id, ok := e.assets[assetID]
	return id.ProductKey, id.DeviceKey, ok
}

// Secret returns the device secret of the device ("secret", for the device
// endpoint's authentication), and false when the device has none. The
// validator, check and multiset never read it.
func (e *Env) Secret(productKey, deviceKey string) (string, bool) {
	s, ok := e.secrets[DeviceID{productKey, deviceKey}]
	return s, ok
}

// Devices returns the keys of the devices of "devices", in file order; nil
// when the file has none. The caller may modify the slice.
func (e *Env) Devices() []DeviceID { return slices.Clone(e.ids) }

// KnowsOrg reports whether orgID is listed in "orgs". It is true for any orgID
// when the file has no "orgs" key (SPEC §5.1).
func (e *Env) KnowsOrg(orgID string) bool {
	if e.orgs == nil {
		return true
	}
	return e.orgs[orgID]
}

// DeviceID names a device by its product key and device key.
type DeviceID struct{ ProductKey, DeviceKey string }

// Directory is a [validate.Directory] held in a map, ready for programs that
// know their devices without an environment file. A nil Directory knows no
// device. It is safe for concurrent use as long as nobody writes the map.
type Directory map[DeviceID]validate.Device

// Device returns the entry of the device, and false when the map has none.
func (d Directory) Device(productKey, deviceKey string) (validate.Device, bool) {
	dev, ok := d[DeviceID{productKey, deviceKey}]
	return dev, ok
}

// Error is an error in an environment file, or in a model file it names.
type Error struct {
	// File is the name of the environment file as given to Load; "" when the
	// file itself cannot be read (Err then names it).
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

// Load reads the environment file name from fsys, and the model files it names,
// which are relative to the directory of name unless they begin with '/'.
// Names are slash-separated, as fs.FS wants them. Errors are *Error values
// naming name.
func Load(fsys fs.FS, name string) (*Env, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, &Error{Err: err} // the *fs.PathError names the file
	}
	p := &parser{file: name, dir: path.Dir(name), fsys: fsys}
	return p.parse(data)
}

// topKeys are the keys of an environment file, in the order they are processed.
var topKeys = []string{"models", "products", "devices", "orgs"}

// deviceKeys are the keys of a device object.
var deviceKeys = []string{"productKey", "deviceKey", "gateway", "online", "assetId", "secret"}

type parser struct {
	file string
	dir  string
	fsys fs.FS
}

func (p *parser) errorf(field, msg string) error {
	return &Error{File: p.file, Field: field, Err: errors.New(msg)}
}

func (p *parser) parse(data []byte) (*Env, error) {
	top, err := decode(data)
	if err != nil {
		return nil, &Error{File: p.file, Err: err}
	}
	if top.kind != kindObject {
		return nil, p.errorf("", "want a JSON object, got "+top.describe())
	}
	for _, k := range sortedKeys(top.keys) {
		if !slices.Contains(topKeys, k) {
			return nil, p.errorf(strconv.Quote(k), "unknown key; want one of models, products, devices, orgs")
		}
	}

	env := &Env{}
	models, err := p.models(top.member("models"))
	if err != nil {
		return nil, err
	}
	products, err := p.products(top.member("products"), models)
	if err != nil {
		return nil, err
	}
	if top.member("models") != nil || top.member("products") != nil {
		env.models, err = thingmodel.NewCatalog(models, products)
		if err != nil {
			return nil, &Error{File: p.file, Field: "products", Err: err}
		}
	}
	if err := p.devices(top.member("devices"), env); err != nil {
		return nil, err
	}
	if err := p.orgs(top.member("orgs"), env); err != nil {
		return nil, err
	}
	return env, nil
}

func (p *parser) models(raw *value) ([]*thingmodel.Model, error) {
	if raw == nil {
		return nil, nil
	}
	if err := p.want("models", raw, kindArray); err != nil {
		return nil, err
	}
	models := make([]*thingmodel.Model, 0, len(raw.elems))
	where := make(map[string]int, len(raw.elems)) // modelId -> index in models
	for i, elem := range raw.elems {
		field := "models[" + strconv.Itoa(i) + "]"
		m, err := p.model(field, elem)
		if err != nil {
			return nil, err
		}
		if j, dup := where[m.ID()]; dup {
			return nil, p.errorf(field, "modelId "+strconv.Quote(m.ID())+" is also the modelId of models["+strconv.Itoa(j)+"]")
		}
		where[m.ID()] = i
		models = append(models, m)
	}
	return models, nil
}

// model compiles one element of "models": a model file name or an inline model.
func (p *parser) model(field string, elem *value) (*thingmodel.Model, error) {
	var m *thingmodel.Model
	switch elem.kind {
	case kindString:
		if elem.str == "" {
			return nil, p.errorf(field, "empty model file name")
		}
		name := elem.str
		if !path.IsAbs(name) {
			name = path.Join(p.dir, name)
		}
		data, err := fs.ReadFile(p.fsys, name)
		if err != nil {
			return nil, &Error{File: p.file, Field: field, Err: err}
		}
		if m, err = thingmodel.ParseModel(name, data); err != nil {
			return nil, &Error{File: p.file, Field: field, Err: err}
		}
	case kindObject:
		var err error
		if m, err = thingmodel.ParseModel(p.file+" "+field, elem.raw); err != nil {
			return nil, &Error{File: p.file, Field: field, Err: err}
		}
	default:
		return nil, p.errorf(field, "want a model file name or a model object, got "+elem.describe())
	}
	if m == nil {
		return nil, p.errorf(field, "model did not load")
	}
	return m, nil
}

func (p *parser) products(raw *value, models []*thingmodel.Model) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
	if err := p.want("products", raw, kindObject); err != nil {
		return nil, err
	}
	products := make(map[string]string, len(raw.keys))
	for _, pk := range sortedKeys(raw.keys) {
		field := "products[" + strconv.Quote(pk) + "]"
		if msg := checkKey(pk); msg != "" {
			return nil, p.errorf(field, "product key "+msg)
		}
		v := raw.member(pk)
		if v.kind != kindString {
			return nil, p.errorf(field, "want a modelId string, got "+v.describe())
		}
		id := v.str
		if !slices.ContainsFunc(models, func(m *thingmodel.Model) bool { return m.ID() == id }) {
			return nil, p.errorf(field, "modelId "+strconv.Quote(id)+" is not the modelId of any model in models")
		}
		products[pk] = id
	}
	return products, nil
}

func (p *parser) devices(raw *value, env *Env) error {
	if raw == nil {
		return nil
	}
	if err := p.want("devices", raw, kindArray); err != nil {
		return err
	}
	devices := make(Directory, len(raw.elems))
	assets := make(map[string]DeviceID)
	where := make(map[DeviceID]int, len(raw.elems))
	assetWhere := make(map[string]int)
	for i, elem := range raw.elems {
		field := "devices[" + strconv.Itoa(i) + "]"
		id, err := p.deviceID(field, elem)
		if err != nil {
			return err
		}
		if j, dup := where[id]; dup {
			return p.errorf(field, "device "+strconv.Quote(id.ProductKey+"/"+id.DeviceKey)+" is also devices["+strconv.Itoa(j)+"]")
		}
		where[id] = i
		dev, err := p.device(field, elem, id)
		if err != nil {
			return err
		}
		if v := elem.member("secret"); v != nil {
			if v.kind != kindString {
				return p.errorf(field+".secret", "want a string, got "+v.describe())
			}
			if v.str == "" {
				return p.errorf(field+".secret", "empty secret")
			}
			if env.secrets == nil {
				env.secrets = make(map[DeviceID]string)
			}
			env.secrets[id] = v.str
		}
		env.ids = append(env.ids, id)
		if dev.AssetID != "" {
			if j, dup := assetWhere[dev.AssetID]; dup {
				return p.errorf(field+".assetId", "assetId "+strconv.Quote(dev.AssetID)+" is also the assetId of devices["+strconv.Itoa(j)+"]")
			}
			assetWhere[dev.AssetID] = i
			assets[dev.AssetID] = id
		}
		devices[id] = dev
	}
	env.devices = devices
	env.assets = assets
	return nil
}

// deviceID checks the keys of an element of "devices" and returns its
// productKey and deviceKey.
func (p *parser) deviceID(field string, obj *value) (DeviceID, error) {
	var id DeviceID
	if err := p.want(field, obj, kindObject); err != nil {
		return id, err
	}
	for _, k := range sortedKeys(obj.keys) {
		if !slices.Contains(deviceKeys, k) {
			return id, p.errorf(field+"."+k, "unknown key; want one of productKey, deviceKey, gateway, online, assetId, secret")
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"productKey", &id.ProductKey}, {"deviceKey", &id.DeviceKey}} {
		v := obj.member(f.key)
		if v == nil {
			return id, p.errorf(field, "missing "+f.key)
		}
		if v.kind != kindString {
			return id, p.errorf(field+"."+f.key, "want a string, got "+v.describe())
		}
		if msg := checkKey(v.str); msg != "" {
			return id, p.errorf(field+"."+f.key, msg)
		}
		*f.dst = v.str
	}
	return id, nil
}

// device reads the rest of the element of "devices" that deviceID accepted.
func (p *parser) device(field string, obj *value, id DeviceID) (validate.Device, error) {
	dev := validate.Device{Online: true}
	if v := obj.member("gateway"); v != nil {
		if v.kind != kindString {
			return dev, p.errorf(field+".gateway", `want a "productKey/deviceKey" string, got `+v.describe())
		}
		s := v.str
		gpk, gdk, found := strings.Cut(s, "/")
		if !found {
			return dev, p.errorf(field+".gateway", strconv.Quote(s)+` is not "productKey/deviceKey"`)
		}
		if msg := checkKey(gpk); msg != "" {
			return dev, p.errorf(field+".gateway", strconv.Quote(s)+": product key "+msg)
		}
		if msg := checkKey(gdk); msg != "" {
			return dev, p.errorf(field+".gateway", strconv.Quote(s)+": device key "+msg)
		}
		if (DeviceID{gpk, gdk}) == id {
			return dev, p.errorf(field+".gateway", "a device cannot be its own gateway")
		}
		dev.GatewayProductKey, dev.GatewayDeviceKey = gpk, gdk
	}
	if v := obj.member("online"); v != nil {
		if v.kind != kindBool {
			return dev, p.errorf(field+".online", "want true or false, got "+v.describe())
		}
		dev.Online = v.truth
	}
	if v := obj.member("assetId"); v != nil {
		if v.kind != kindString {
			return dev, p.errorf(field+".assetId", "want a string, got "+v.describe())
		}
		if v.str == "" {
			return dev, p.errorf(field+".assetId", "empty assetId")
		}
		dev.AssetID = v.str
	}
	return dev, nil
}

func (p *parser) orgs(raw *value, env *Env) error {
	if raw == nil {
		return nil
	}
	if err := p.want("orgs", raw, kindArray); err != nil {
		return err
	}
	orgs := make(map[string]bool, len(raw.elems))
	for i, elem := range raw.elems {
		field := "orgs[" + strconv.Itoa(i) + "]"
		if elem.kind != kindString {
			return p.errorf(field, "want an orgId string, got "+elem.describe())
		}
		if elem.str == "" {
			return p.errorf(field, "empty orgId")
		}
		orgs[elem.str] = true
	}
	env.orgs = orgs
	return nil
}

// want reports an error unless v is of kind k, an array or an object.
func (p *parser) want(field string, v *value, k kind) error {
	if v.kind == k {
		return nil
	}
	if k == kindArray {
		return p.errorf(field, "want an array, got "+v.describe())
	}
	return p.errorf(field, "want an object, got "+v.describe())
}

// checkKey returns why s cannot be a product or device key (SPEC §1), or "".
func checkKey(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsAny(s, "/+#"):
		return strconv.Quote(s) + " contains '/', '+' or '#'"
	}
	return ""
}

// sortedKeys returns a sorted copy of keys, so that the first error reported
// does not depend on the order of the file.
func sortedKeys(keys []string) []string {
	return slices.Sorted(slices.Values(keys))
}
