package validate_test

import (
	"errors"
	"fmt"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// Validate a batch from a gateway for its sub-device, and read the accepted points.
func Example() {
	model, err := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"Power": {"identifier": "Power", "dataType": "INT", "hasQuality": true},
		"temp":  {"identifier": "temp", "dataType": "FLOAT"}}}`))
	if err != nil {
		panic(err)
	}
	catalog, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"product1": "Inverter"})
	if err != nil {
		panic(err)
	}
	v := validate.New(validate.Options{Models: catalog})

	payload := []byte(`{"id": "123", "version": "1.0", "method": "thing.measurepoint.post.batch",
		"params": [{"productKey": "product1", "deviceKey": "device1", "time": 123456,
			"measurepoints": {"Power": {"value": 1, "quality": 9}, "temp": "1.02"}}]}`)
	msg := validate.Message{Topic: "/sys/gwP/gw1/thing/measurepoint/post/batch", Now: 1700000000000}
	res, err := v.Validate(msg, payload, func(p *validate.Point) error {
		fmt.Printf("%s/%s %s=%s quality=%d time=%d\n", p.ProductKey, p.DeviceKey, p.Identifier(),
			p.Value.AppendJSON(nil), p.Quality, p.Time)
		return nil
	})
	fmt.Println(res.Code, err)
	fmt.Printf("%s\n", protocol.AppendReply(nil, res.Reply()))
	// Output:
	// product1/device1 Power=1 quality=9 time=123456
	// product1/device1 temp=1.02 quality=-1 time=123456
	// 200 <nil>
	// {"id":"123","code":200,"data":{}}
}

// Inspect why a request was refused: the code, the JSON pointer and byte offset
// of the offending value, and a sentence.
func ExampleError() {
	model, _ := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`))
	catalog, _ := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"product1": "Inverter"})
	v := validate.New(validate.Options{Models: catalog, Profile: validate.Strict})

	payload := []byte(`{"version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"temp":"warm"}}}`)
	_, err := v.Validate(validate.Message{Topic: "/sys/product1/device1/thing/measurepoint/post"}, payload, nil)

	var e *validate.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, codes.ModelInvalid), e.Code)
		fmt.Println(e.Pointer, e.Offset)
		fmt.Println(e.Detail)
	}
	fmt.Println(err)
	// Output:
	// true 1204 Model validate failed
	// /params/measurepoints/temp 86
	// want FLOAT, got string "warm"
	// validate: 1204 at /params/measurepoints/temp (offset 86): want FLOAT, got string "warm"
}

// Hand accepted points on as JSON, normalised: the compat profile's strings
// holding numbers become numbers.
func ExamplePoint_AppendJSON() {
	model, _ := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"Power":      {"dataType": "INT", "hasQuality": true},
		"branchCurr": {"dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"}}}`))
	catalog, _ := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"product1": "Inverter"})
	v := validate.New(validate.Options{Models: catalog})

	payload := []byte(`{"version":"1.0","method":"thing.measurepoint.post","params":{"time":123456,
		"measurepoints":{"Power":{"value":"7","quality":9},"branchCurr":["1.02", 2.5e0, "-0"]}}}`)
	var line []byte
	v.Validate(validate.Message{Topic: "/sys/product1/device1/thing/measurepoint/post"}, payload, func(p *validate.Point) error {
		line = p.AppendJSON(line[:0])
		fmt.Printf("%s\n", line)
		return nil
	})
	// Output:
	// {"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":7,"quality":9}
	// {"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"branchCurr","value":[1.02,2.5,-0]}
}
