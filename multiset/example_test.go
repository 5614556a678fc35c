package multiset_test

import (
	"fmt"

	"github.com/pointguard/pointguard/multiset"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// exampleMultiSetDevices is a device directory of one device, which is also an asset
// directory.
type exampleMultiSetDevices struct{}

func (exampleMultiSetDevices) Device(pk, dk string) (validate.Device, bool) {
	if pk == "product1" && dk == "device1" {
		return validate.Device{AssetID: "asset1", Online: true}, true
	}
	return validate.Device{}, false
}

func (exampleMultiSetDevices) Asset(id string) (string, string, bool) {
	if id == "asset1" {
		return "product1", "device1", true
	}
	return "", "", false
}

// Validate a multiSet request of three items: each gets its own status.
func ExampleValidator_Validate() {
	model, err := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`))
	if err != nil {
		panic(err)
	}
	models, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"product1": "Inverter"})
	if err != nil {
		panic(err)
	}
	v := multiset.New(validate.Options{Models: models, Directory: exampleMultiSetDevices{}})

	body := []byte(`{"data": [
	  {"requestId": "r1", "orgId": "o1", "setMeasurepointChannelId": "DATASVC.SET.ch1",
	   "assetId": "asset1", "measurepointId": "temp", "inputData": {"arg": 21.5}},
	  {"requestId": "r2", "orgId": "o1", "setMeasurepointChannelId": "DATASVC.SET.ch1",
	   "assetId": "asset1", "measurepointId": "temp", "timeout": 0},
	  {"requestId": "r3", "orgId": "o1", "setMeasurepointChannelId": "DATASVC.SET.ch1",
	   "productKey": "product1", "deviceKey": "device1", "measurepointId": "Power"}]}`)
	const now = 1536638267509
	resp := v.Validate(multiset.Query{OrgID: "o1", HasOrgID: true, Assets: exampleMultiSetDevices{}}, body, now)

	fmt.Println(int(resp.Status), resp.Msg)
	for _, r := range resp.Data {
		fmt.Printf("%s %s/%s: %d %s %q\n", r.RequestID, r.ProductKey, r.DeviceKey, int(r.Status), r.Msg, r.Submsg)
	}

	missing := v.Validate(multiset.Query{}, body, now)
	fmt.Printf("%d %s %q\n", int(missing.Status), missing.Msg, missing.Submsg)
	// Output:
	// 0 Success
	// r1 product1/device1: 0 Success ""
	// r2 /: 1000 para error "timeout 0 is outside [1, 300000]"
	// r3 product1/device1: 1000213 can not find device point "model \"Inverter\" has no measurepoint \"Power\""
	// 400 Invalid Argument orgId "orgId is required"
}
