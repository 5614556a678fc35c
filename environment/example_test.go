package environment_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Load an environment, validate a gateway's batch against it, answer with the
// platform's reply, and say why a request was refused. The files come from an
// in-memory file system here; a program passes os.DirFS or an embed.FS.
func Example() {
	files := fstest.MapFS{
		"envs/env.json": {Data: []byte(`{
			"models":   ["../models/inverter.json"],
			"products": {"product1": "Inverter"},
			"devices":  [{"productKey": "gwP", "deviceKey": "gw1"},
			             {"productKey": "product1", "deviceKey": "device1", "gateway": "gwP/gw1"}]}`)},
		"models/inverter.json": {Data: []byte(`{"modelId": "Inverter", "measurepoints": {
			"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`)},
	}
	env, err := environment.Load(files, "envs/env.json")
	if err != nil {
		fmt.Println(err) // envfile: envs/env.json: devices[1].gateway: ...
		return
	}

	v := validate.New(validate.Options{Models: env.Models(), Directory: env.Directory()}) // one per goroutine
	topic := "/sys/gwP/gw1/thing/measurepoint/post/batch"
	for _, payload := range []string{
		`{"id":"123","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":21.5}}]}`,
		`{"id":"124","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":"warm"}}]}`,
	} {
		res, err := v.Validate(validate.Message{Topic: topic, Now: 1700000000000}, []byte(payload), func(p *validate.Point) error {
			fmt.Printf("point %s/%s %s=%s\n", p.ProductKey, p.DeviceKey, p.Identifier(), p.Value.AppendJSON(nil))
			return nil // points are final only if res.Code == codes.OK
		})
		fmt.Printf("reply %s\n", protocol.AppendReply(nil, res.Reply()))

		var e *validate.Error
		if errors.As(err, &e) { // or errors.Is(err, codes.ModelInvalid)
			fmt.Println(e.Code, e.Pointer, e.Offset, e.Detail)
		}
	}
	// Output:
	// point product1/device1 temp=21.5
	// reply {"id":"123","code":200,"data":{}}
	// reply {"id":"124","code":1204,"message":"Model validate failed","data":{}}
	// 1204 Model validate failed /params/0/measurepoints/temp 150 want FLOAT, got string "warm" that does not hold a number
}

// A program that knows its devices without an environment file gives the
// validator a Directory.
func ExampleDirectory() {
	model, err := thingmodel.ParseModel("meter.json", []byte(`{"modelId": "Meter", "measurepoints": {
		"energy": {"identifier": "energy", "dataType": "DOUBLE"}}}`))
	if err != nil {
		panic(err)
	}
	catalog, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"meterP": "Meter"})
	if err != nil {
		panic(err)
	}
	devices := environment.Directory{
		{ProductKey: "gwP", DeviceKey: "gw1"}:   {Online: true},
		{ProductKey: "meterP", DeviceKey: "m1"}: {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true},
		{ProductKey: "meterP", DeviceKey: "m2"}: {GatewayProductKey: "gwP", GatewayDeviceKey: "gw2", Online: true},
	}
	v := validate.New(validate.Options{Models: catalog, Directory: devices})
	for _, dk := range []string{"m1", "m2"} {
		payload := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"meterP","deviceKey":"` + dk + `","measurepoints":{"energy":1.5}}]}`
		res, _ := v.Validate(validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch", Now: 1700000000000}, []byte(payload), nil)
		fmt.Println(dk, res.Code)
	}
	// Output:
	// m1 200
	// m2 1212 No sub-device permission
}
