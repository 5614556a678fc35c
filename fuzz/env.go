package fuzz

import (
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Device names a device by product key and device key.
type Device struct {
	ProductKey, DeviceKey string
}

// Directory is a device directory held in a map. It implements
// validate.Directory.
type Directory map[Device]validate.Device

// Device returns what the directory knows of the device.
func (d Directory) Device(productKey, deviceKey string) (validate.Device, bool) {
	dev, ok := d[Device{productKey, deviceKey}]
	return dev, ok
}

// Env is a generated platform: models, the products that use them, the device the
// messages are published as (the topic device, a gateway), and a device directory.
type Env struct {
	Models []*Model
	// Products maps product keys to modelIds. Every product but NoModel has one.
	Products map[string]string
	// NoModel is a product key without a model.
	NoModel string
	// Gateway is the topic device. Its product has a model.
	Gateway Device
	// Directory is nil for "no topology check" (SPEC §4.4).
	Directory Directory
	// Permitted are devices an entry may name: with a directory, the gateway's
	// online sub-devices; without one, any devices.
	Permitted []Device
	// Offline are sub-devices of the gateway that are offline: permitted only with
	// allowOfflineSubDevice.
	Offline []Device
	// Forbidden are devices an entry may not name (SPEC §4.4, 1212): unknown to
	// the directory, or sub-devices of another gateway. Empty without a directory.
	Forbidden []Device
}

// GoString shows the platform compactly, for test logs.
func (e *Env) GoString() string {
	var b strings.Builder
	b.WriteString("fuzz.Env{gateway " + e.Gateway.ProductKey + "/" + e.Gateway.DeviceKey)
	for pk, id := range e.Products {
		b.WriteString(", product " + pk + "=" + id)
	}
	if e.Directory == nil {
		b.WriteString(", no directory")
	}
	for d, dev := range e.Directory {
		b.WriteString(", device " + d.ProductKey + "/" + d.DeviceKey + " behind " + dev.GatewayProductKey + "/" + dev.GatewayDeviceKey + " online=" + strconv.FormatBool(dev.Online))
	}
	for _, m := range e.Models {
		b.WriteString(", model " + string(m.JSON))
	}
	return b.String() + "}"
}

// Model returns the model of the product, or nil.
func (e *Env) Model(productKey string) *Model {
	id, ok := e.Products[productKey]
	if !ok {
		return nil
	}
	for _, m := range e.Models {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// noModelDevice returns a device the gateway may speak for whose product has no
// model.
func (e *Env) noModelDevice() (Device, bool) {
	if e.Directory == nil {
		return Device{e.NoModel, "nm"}, true
	}
	for d, dev := range e.Directory {
		if d.ProductKey == e.NoModel && dev.Online && dev.GatewayProductKey == e.Gateway.ProductKey && dev.GatewayDeviceKey == e.Gateway.DeviceKey {
			return d, true
		}
	}
	return Device{}, false
}

// Catalog loads the models and returns their catalog.
func (e *Env) Catalog() (*thingmodel.Catalog, error) {
	var ms []*thingmodel.Model
	for _, m := range e.Models {
		tm, err := thingmodel.ParseModel(m.ID+".json", m.JSON)
		if err != nil {
			return nil, err
		}
		ms = append(ms, tm)
	}
	return thingmodel.NewCatalog(ms, e.Products)
}

// ValidateDirectory returns the directory as a validate.Directory: nil (no
// topology check) when the Env has none.
func (e *Env) ValidateDirectory() validate.Directory {
	if e.Directory == nil {
		return nil
	}
	return e.Directory
}

// key draws a product or device key: non-empty, without '/', '+' or '#' (SPEC §1),
// sometimes with characters a JSON encoder escapes.
func key(t *rapid.T, label string) string {
	if rapid.IntRange(0, 9).Draw(t, label+" unusual") == 0 {
		return rapid.StringOfN(rapid.RuneFrom([]rune{'k', '"', '\\', 'é', '中', '\U0001F600', ' ', '.', '~'}), 1, 6, -1).Draw(t, label)
	}
	return rapid.StringMatching(`[a-zA-Z][a-zA-Z0-9_\-]{0,7}`).Draw(t, label)
}

// Envs returns a generator of platforms: one to three models, one or two products
// each, a gateway, and either no directory or one with online and offline
// sub-devices, devices of another gateway and unknown devices.
func Envs() *rapid.Generator[*Env] {
	return rapid.Custom(func(t *rapid.T) *Env {
		e := &Env{Products: map[string]string{}}
		nm := rapid.IntRange(1, 3).Draw(t, "models")
		for i := range nm {
			e.Models = append(e.Models, Models("Model"+strconv.Itoa(i)).Draw(t, "model"))
		}
		var pks []string
		product := func(s string) bool { _, ok := e.Products[s]; return ok }
		for n := nm + rapid.IntRange(0, nm).Draw(t, "extra products"); len(pks) < n; {
			pk := unique(key(t, "productKey"), product)
			e.Products[pk] = e.Models[len(pks)%nm].ID
			pks = append(pks, pk)
		}
		e.NoModel = unique(key(t, "productKey without a model"), product)
		used := map[Device]bool{}
		device := func(pks []string, label string) Device {
			pk := rapid.SampledFrom(pks).Draw(t, label+" productKey")
			d := Device{pk, unique(key(t, label+" deviceKey"), func(dk string) bool { return used[Device{pk, dk}] })}
			used[d] = true
			return d
		}
		e.Gateway = device(pks, "gateway")
		if !rapid.Bool().Draw(t, "directory") {
			for range rapid.IntRange(0, 3).Draw(t, "devices") {
				e.Permitted = append(e.Permitted, device(pks, "device"))
			}
			return e
		}
		e.Directory = Directory{e.Gateway: {Online: rapid.Bool().Draw(t, "gateway online")}}
		sub := func(online bool) validate.Device {
			return validate.Device{GatewayProductKey: e.Gateway.ProductKey, GatewayDeviceKey: e.Gateway.DeviceKey, Online: online}
		}
		for range rapid.IntRange(0, 3).Draw(t, "online sub-devices") {
			d := device(pks, "online sub-device")
			e.Directory[d] = sub(true)
			e.Permitted = append(e.Permitted, d)
		}
		for range rapid.IntRange(0, 2).Draw(t, "offline sub-devices") {
			d := device(pks, "offline sub-device")
			e.Directory[d] = sub(false)
			e.Offline = append(e.Offline, d)
		}
		other := device(pks, "other gateway")
		e.Directory[other] = validate.Device{Online: true}
		for range rapid.IntRange(0, 2).Draw(t, "foreign devices") {
			d := device(pks, "foreign device")
			e.Directory[d] = validate.Device{GatewayProductKey: other.ProductKey, GatewayDeviceKey: other.DeviceKey, Online: true}
			e.Forbidden = append(e.Forbidden, d)
		}
		e.Forbidden = append(e.Forbidden, other, device(pks, "unknown device"))
		// A sub-device of the gateway without a model, for "no model" mutations.
		nmd := Device{e.NoModel, key(t, "no-model deviceKey")}
		e.Directory[nmd] = sub(true)
		return e
	})
}
