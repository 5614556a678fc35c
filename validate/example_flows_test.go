package validate_test

import (
	"fmt"
	"strings"

	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// exampleCatalog is the models of the examples: product1 is an Inverter.
func exampleCatalog() *thingmodel.Catalog {
	model, err := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"Power": {"identifier": "Power", "dataType": "INT"},
		"temp":  {"identifier": "temp", "dataType": "FLOAT"}}}`))
	if err != nil {
		panic(err)
	}
	catalog, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"product1": "Inverter"})
	if err != nil {
		panic(err)
	}
	return catalog
}

// Validate a payload as it arrives, from an io.Reader, without holding it:
// memory is bounded by one entry, whatever the number of entries.
func ExampleValidator_ValidateReader() {
	v := validate.New(validate.Options{Models: exampleCatalog()})
	var b strings.Builder
	b.WriteString(`{"id":"9","version":"1.0","method":"thing.measurepoint.post.batch","params":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"productKey":"product1","deviceKey":"device1","time":%d,"measurepoints":{"Power":%d}}`, i, i)
	}
	b.WriteString(`]}`)

	sum := int64(0)
	res, err := v.ValidateReader(validate.Message{Topic: "/sys/product1/device1/thing/measurepoint/post/batch"},
		strings.NewReader(b.String()), func(p *validate.Point) error {
			sum += p.Value.Int()
			return nil
		})
	fmt.Println(res.Code, err, res.Accepted, sum)
	// Output:
	// 200 <nil> 1000 499500
}

// Act on points only once the whole message is accepted: Collect hands over
// copies of the points when the verdict is 200, and nothing otherwise, even
// when the error comes after valid entries.
func ExampleValidator_Collect() {
	v := validate.New(validate.Options{Models: exampleCatalog()})
	topic := "/sys/product1/device1/thing/measurepoint/post/batch"
	var batch validate.Batch

	ok := []byte(`{"version":"1.0","method":"thing.measurepoint.post.batch","params":[
		{"measurepoints":{"Power":5,"temp":21.5},"time":1000}]}`)
	res, _ := v.Collect(validate.Message{Topic: topic}, ok, &batch)
	fmt.Println(res.Code, batch.Len())
	for p := range batch.Points() {
		fmt.Printf("  %s=%s\n", p.Identifier(), p.Value.AppendJSON(nil))
	}

	lateError := []byte(`{"version":"1.0","method":"thing.measurepoint.post.batch","params":[
		{"measurepoints":{"Power":5}}, {"measurepoints":{"temp":"warm"}}]}`)
	res, err := v.Collect(validate.Message{Topic: topic}, lateError, &batch)
	fmt.Println(res.Code, batch.Len())
	fmt.Println(err)
	// Output:
	// 200 2
	//   Power=5
	//   temp=21.5
	// 1204 Model validate failed 0
	// validate: 1204 at /params/1/measurepoints/temp (offset 127): want FLOAT, got string "warm" that does not hold a number
}

// exampleDirectory is a device directory: gateway gwP/gw1 with two
// sub-devices, one of them offline.
type exampleDirectory map[string]validate.Device

func (d exampleDirectory) Device(pk, dk string) (validate.Device, bool) {
	dev, ok := d[pk+"/"+dk]
	return dev, ok
}

// Check sub-devices against a directory (SPEC §4.4): a gateway may report for
// the devices it is listed as the gateway of, and for an offline one only with
// allowOfflineSubDevice.
func ExampleDirectory() {
	dir := exampleDirectory{
		"gwP/gw1":           {Online: true},
		"product1/device1":  {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true},
		"product1/offline1": {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: false},
	}
	v := validate.New(validate.Options{Models: exampleCatalog(), Directory: dir})
	msg := validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch"}
	for _, tc := range []struct{ device, flags string }{
		{"device1", ``},
		{"offline1", ``},
		{"offline1", `"allowOfflineSubDevice":true,`},
		{"stranger", ``},
	} {
		payload := `{"version":"1.0","method":"thing.measurepoint.post.batch",` + tc.flags +
			`"params":[{"productKey":"product1","deviceKey":"` + tc.device + `","measurepoints":{"Power":1}}]}`
		res, err := v.Validate(msg, []byte(payload), nil)
		if err != nil {
			fmt.Printf("%s: %v\n", tc.device, err)
			continue
		}
		fmt.Printf("%s: %v\n", tc.device, res.Code)
	}
	// Output:
	// device1: 200
	// offline1: validate: 1212 at /params/0 (offset 68): sub-device "product1/offline1" is offline and allowOfflineSubDevice is not true
	// offline1: 200
	// stranger: validate: 1212 at /params/0 (offset 68): device "product1/stranger" is unknown
}

// The strict profile, for conformance checks, accepts exactly the documented
// types; compat, the default, also what the platform accepts from devices in
// the field, such as numbers sent as strings.
func ExampleProfile() {
	payload := []byte(`{"version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"Power":"42","temp":"1.5"}}}`)
	msg := validate.Message{Topic: "/sys/product1/device1/thing/measurepoint/post"}
	for _, profile := range []validate.Profile{validate.Compat, validate.Strict} {
		v := validate.New(validate.Options{Models: exampleCatalog(), Profile: profile})
		res, err := v.Validate(msg, payload, func(p *validate.Point) error {
			fmt.Printf("  %s=%s\n", p.Identifier(), p.Value.AppendJSON(nil))
			return nil
		})
		fmt.Println(profile, res.Code, err)
	}
	// Output:
	//   Power=42
	//   temp=1.5
	// compat 200 <nil>
	// strict 1204 Model validate failed validate: 1204 at /params/measurepoints/Power (offset 87): want INT, got string "42"
}
