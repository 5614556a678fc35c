package thingmodel

import (
	"slices"

	json "github.com/goccy/go-json"
)

// Model is a compiled thing model: the measurepoints of one modelId. It is
// immutable once loaded and safe for concurrent use by any number of validators.
type Model struct {
	id       string
	points   map[string]*Measurepoint
	order    []*Measurepoint            // model order
	sections map[string]json.RawMessage // attributes, services, events...: kept, not validated
	source   string                     // where the model was loaded from, for errors
}

// ID returns the modelId.
func (m *Model) ID() string { return m.id }

// Measurepoint returns the point named id, or nil when the model does not define it.
func (m *Model) Measurepoint(id string) *Measurepoint { return m.points[id] }

// MeasurepointBytes is Measurepoint for a name held in a byte slice; it does not
// allocate.
func (m *Model) MeasurepointBytes(id []byte) *Measurepoint { return m.points[string(id)] }

// NumMeasurepoints returns the number of the model's points.
func (m *Model) NumMeasurepoints() int { return len(m.order) }

// Measurepoints returns the model's points in the order of the model file, in a new
// slice.
func (m *Model) Measurepoints() []*Measurepoint { return slices.Clone(m.order) }

// Section returns the raw JSON of another top-level section of the model file
// ("attributes", "services", "events", ...), or nil. SPEC §3: they are kept but not
// validated. The result is a new copy.
func (m *Model) Section(name string) json.RawMessage { return slices.Clone(m.sections[name]) }

// Catalog maps product keys to models. It is immutable once built and safe for
// concurrent use.
type Catalog struct {
	byID      map[string]*Model
	byProduct map[string]*Model
}

// Model returns the model of the product, or nil when the product has none.
func (c *Catalog) Model(productKey string) *Model {
	if c == nil {
		return nil
	}
	return c.byProduct[productKey]
}

// ModelBytes is Model for a product key held in a byte slice; it does not allocate.
func (c *Catalog) ModelBytes(productKey []byte) *Model {
	if c == nil {
		return nil
	}
	return c.byProduct[string(productKey)]
}

// ModelByID returns the model with the given modelId, or nil.
func (c *Catalog) ModelByID(modelID string) *Model {
	if c == nil {
		return nil
	}
	return c.byID[modelID]
}
