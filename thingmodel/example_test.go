package thingmodel_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/pointguard/pointguard/thingmodel"
)

// ExampleParseModel loads the Inverter model of SPEC §3 and lists its points.
func ExampleParseModel() {
	const path = "../testdata/models/inverter.json"
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := thingmodel.ParseModel(path, data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("model", m.ID())
	for _, p := range m.Measurepoints() {
		t := p.Type()
		fmt.Print(p.Identifier(), ": ", t.DataType())
		if e := t.Elem(); e != nil {
			fmt.Print(" of ", e.DataType())
		}
		if p.HasQuality() {
			fmt.Print(", with quality")
		}
		fmt.Println()
	}
	// Output:
	// model Inverter
	// Power: INT, with quality
	// temp: FLOAT
	// branchCurr: ARRAY of FLOAT
}

// ExampleParseModel_error shows a load error and how to inspect it.
func ExampleParseModel_error() {
	_, err := thingmodel.ParseModel("models/inverter.json", []byte(`{"modelId": "Inverter", "measurepoints": {
		"temp": {"dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOT\"}"}}}`))
	fmt.Println(err)
	var e *thingmodel.Error
	if errors.As(err, &e) {
		fmt.Println(e.Identifier, e.Field)
	}
	// Output:
	// thingmodel: models/inverter.json: model "Inverter": measurepoint "temp": dataDefinition.itemType: unknown data type "FLOT"
	// temp dataDefinition.itemType
}

// ExampleNewCatalog maps two products to one model and a gateway product to
// another.
func ExampleNewCatalog() {
	inverter, err := thingmodel.ParseModel("inverter.json", []byte(`{"modelId": "Inverter",
		"measurepoints": {"temp": {"identifier": "temp", "dataType": "FLOAT"}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	meter, err := thingmodel.ParseModel("meter.json", []byte(`{"modelId": "Meter",
		"measurepoints": {"voltage": {"identifier": "voltage", "dataType": "DOUBLE"}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := thingmodel.NewCatalog([]*thingmodel.Model{inverter, meter},
		map[string]string{"product1": "Inverter", "product2": "Inverter", "gwP": "Meter"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pk := range []string{"product1", "gwP", "unknownP"} {
		if m := c.Model(pk); m != nil {
			fmt.Println(pk, "->", m.ID())
		} else {
			fmt.Println(pk, "-> no model")
		}
	}

	_, err = thingmodel.NewCatalog([]*thingmodel.Model{inverter}, map[string]string{"gwP": "Meter"})
	fmt.Println(err)
	// Output:
	// product1 -> Inverter
	// gwP -> Meter
	// unknownP -> no model
	// thingmodel: model "Meter": products: product "gwP" names modelId "Meter", which no model has
}
