package thingmodel

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkParseModel loads the fixture model with every data type.
func BenchmarkParseModel(b *testing.B) {
	data, err := os.ReadFile("../testdata/models/thingmodel/everything.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseModel("everything.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseModelLarge loads a model of 10,000 points, a large export.
func BenchmarkParseModelLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"modelId": "Large", "measurepoints": {`)
	for i := range 10000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		id := "p" + itoa(i)
		switch i % 4 {
		case 0:
			sb.WriteString(`"` + id + `": {"identifier": "` + id + `", "dataType": "INT", "hasQuality": true, "dataDefinition": null}`)
		case 1:
			sb.WriteString(`"` + id + `": {"identifier": "` + id + `", "dataType": "FLOAT", "dataDefinition": "{\"minimum\":0,\"maximum\":100}"}`)
		case 2:
			sb.WriteString(`"` + id + `": {"identifier": "` + id + `", "dataType": "ENUM", "dataDefinition": "{\"enumType\":\"INT\",\"enumDesc\":{\"0\":\"off\",\"1\":\"on\"}}"}`)
		case 3:
			sb.WriteString(`"` + id + `": {"identifier": "` + id + `", "dataType": "STRUCT", "dataDefinition": {"items": [{"identifier": "a", "dataType": "INT", "required": true}, {"identifier": "b", "dataType": "STRING"}]}}`)
		}
	}
	sb.WriteString(`}}`)
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseModel("large.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
