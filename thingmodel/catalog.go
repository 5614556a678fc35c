package thingmodel

import (
	"maps"
	"slices"
	"strconv"

	"github.com/pointguard/pointguard/internal/quote"
)

// NewCatalog builds a catalog: models by modelId, and products (productKey ->
// modelId). It copies what it keeps; the caller may change models' slice and
// the products map afterwards.
//
// Errors, as *Error:
//  1. a nil model (Field "models[i]");
//  2. two models with one modelId (Source is the second model's source);
//  3. a product naming a modelId that no model has (Field "products"); with
//     several, the smallest productKey is reported.
//
// A model that no product names is kept and found by ModelByID.
func NewCatalog(models []*Model, products map[string]string) (*Catalog, error) {
	c := &Catalog{
		byID:      make(map[string]*Model, len(models)),
		byProduct: make(map[string]*Model, len(products)),
	}
	for i, m := range models {
		if m == nil {
			return nil, &Error{Field: "models[" + strconv.Itoa(i) + "]", Detail: "nil model"}
		}
		if prev, dup := c.byID[m.id]; dup {
			detail := "duplicate modelId"
			if prev.source != "" {
				detail += ": " + prev.source + " has it too"
			}
			return nil, &Error{Source: m.source, ModelID: m.id, Detail: detail}
		}
		c.byID[m.id] = m
	}
	for _, pk := range slices.Sorted(maps.Keys(products)) {
		id := products[pk]
		m, ok := c.byID[id]
		if !ok {
			return nil, &Error{ModelID: id, Field: "products", Detail: "product " + quote.Diag(pk, 128) + " names modelId " + quote.Diag(id, 128) + ", which no model has"}
		}
		c.byProduct[pk] = m
	}
	return c, nil
}
