package thingmodel

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, source, src string) *Model {
	t.Helper()
	m, err := ParseModel(source, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewCatalog(t *testing.T) {
	inv := mustParse(t, "inverter.json", `{"modelId": "Inverter", "measurepoints": {"temp": {"dataType": "FLOAT"}}}`)
	meter := mustParse(t, "meter.json", `{"modelId": "Meter"}`)
	spare := mustParse(t, "spare.json", `{"modelId": "Spare"}`)
	products := map[string]string{"product1": "Inverter", "product2": "Inverter", "gwP": "Meter"}
	models := []*Model{inv, meter, spare}
	c, err := NewCatalog(models, products)
	if err != nil {
		t.Fatal(err)
	}

	// The catalog keeps its own copies.
	products["product1"] = "Meter"
	delete(products, "gwP")
	models[0] = meter

	lookups := []struct {
		product string
		want    *Model
		reason  string
	}{
		{"product1", inv, "changing the caller's map later has no effect"},
		{"product2", inv, "two products may share a model"},
		{"gwP", meter, ""},
		{"Spare", nil, "a modelId is not a productKey"},
		{"nope", nil, ""},
		{"", nil, ""},
	}
	for _, l := range lookups {
		if got := c.Model(l.product); got != l.want {
			t.Errorf("Model(%q) = %v, want %v (%s)", l.product, got, l.want, l.reason)
		}
		if got := c.ModelBytes([]byte(l.product)); got != l.want {
			t.Errorf("ModelBytes(%q) = %v, want %v", l.product, got, l.want)
		}
	}
	for id, want := range map[string]*Model{"Inverter": inv, "Meter": meter, "Spare": spare, "product1": nil} {
		if got := c.ModelByID(id); got != want {
			t.Errorf("ModelByID(%q) = %v, want %v", id, got, want)
		}
	}

	var nilCatalog *Catalog
	if nilCatalog.Model("product1") != nil || nilCatalog.ModelBytes([]byte("x")) != nil || nilCatalog.ModelByID("Inverter") != nil {
		t.Error("a nil catalog has models")
	}

	empty, err := NewCatalog(nil, nil)
	if err != nil || empty.Model("product1") != nil {
		t.Errorf("NewCatalog(nil, nil) = %v, %v", empty, err)
	}
}

func TestNewCatalogErrors(t *testing.T) {
	a := mustParse(t, "a.json", `{"modelId": "A"}`)
	a2 := mustParse(t, "models/a2.json", `{"modelId": "A", "measurepoints": {"x": {"dataType": "INT"}}}`)
	b := mustParse(t, "b.json", `{"modelId": "B"}`)
	tests := []struct {
		name     string
		models   []*Model
		products map[string]string
		want     Error // Detail is only checked to be non-empty
		reason   string
	}{
		{name: "duplicate modelId", models: []*Model{a, b, a2},
			want: Error{Source: "models/a2.json", ModelID: "A"}, reason: "the second model with the id is named"},
		{name: "same model twice", models: []*Model{a, a}, want: Error{Source: "a.json", ModelID: "A"}},
		{name: "unknown modelId", models: []*Model{a, b}, products: map[string]string{"p1": "A", "p2": "Meter"},
			want: Error{ModelID: "Meter", Field: "products"}},
		{name: "empty modelId", models: []*Model{a}, products: map[string]string{"p1": ""},
			want: Error{Field: "products"}},
		{name: "several unknown", models: []*Model{a}, products: map[string]string{"z": "Z", "m": "M", "q": "Q"},
			want: Error{ModelID: "M", Field: "products"}, reason: "the smallest productKey is reported, whatever the map order"},
		{name: "no models", products: map[string]string{"p": "A"}, want: Error{ModelID: "A", Field: "products"}},
		{name: "nil model", models: []*Model{a, nil}, want: Error{Field: "models[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 { // map order varies between runs; the error must not
				c, err := NewCatalog(tt.models, tt.products)
				if c != nil {
					t.Errorf("NewCatalog returned a catalog with error %v", err)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				got := *e
				got.Detail = ""
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("error %q fields mismatch (-want +got) %s:\n%s", e, tt.reason, diff)
				}
				if e.Detail == "" {
					t.Errorf("error %q has no Detail", e)
				}
			}
		})
	}
}
