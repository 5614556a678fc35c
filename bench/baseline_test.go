package bench

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bytedance/sonic"
	jsontext "github.com/go-json-experiment/json/jsontext"
	goccy "github.com/goccy/go-json"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/valyala/fastjson"

	"github.com/pointguard/pointguard/bench/gen"
	"github.com/pointguard/pointguard/bench/scan"
)

// This file holds the baselines: what a platform engineer would write instead of
// pointguard. Each returns a func that checks the payload once and returns an
// error only when something unexpected happens.

// ---- encoding/json into map[string]any, then hand-written checks ----

// handType is a compiled data type for the hand checks (compat rules of SPEC §3.1,
// on float64: encoding/json decodes every number to float64, so INT and TIMESTAMP
// ranges are checked after a float64 round trip, which SPEC forbids; that is the
// usual shortcut).
type handType struct {
	dataType   string
	hasQuality bool
	elem       *handType
	maxLength  int
	enumInt    map[float64]bool
	enumString map[string]bool
	min, max   float64
	items      map[string]*handType
	required   []string
}

type handModel map[string]*handType

func compileHandModel(model []byte) (handModel, error) {
	var m struct {
		Measurepoints map[string]struct {
			DataType       string             `json:"dataType"`
			HasQuality     bool               `json:"hasQuality"`
			DataDefinition stdjson.RawMessage `json:"dataDefinition"`
		} `json:"measurepoints"`
	}
	if err := stdjson.Unmarshal(model, &m); err != nil {
		return nil, err
	}
	hm := handModel{}
	for id, p := range m.Measurepoints {
		t, err := compileHandType(p.DataType, p.DataDefinition)
		if err != nil {
			return nil, errors.New(id + ": " + err.Error())
		}
		t.hasQuality = p.HasQuality
		hm[id] = t
	}
	return hm, nil
}

func compileHandType(dataType string, raw stdjson.RawMessage) (*handType, error) {
	var d struct {
		ItemType  string            `json:"itemType"`
		EnumType  string            `json:"enumType"`
		EnumDesc  map[string]string `json:"enumDesc"`
		MaxLength int               `json:"maxLength"`
		Minimum   *float64          `json:"minimum"`
		Maximum   *float64          `json:"maximum"`
		Items     []struct {
			Identifier     string             `json:"identifier"`
			DataType       string             `json:"dataType"`
			Required       bool               `json:"required"`
			DataDefinition stdjson.RawMessage `json:"dataDefinition"`
		} `json:"items"`
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := stdjson.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		raw = stdjson.RawMessage(s)
	}
	if len(raw) > 0 && string(raw) != "null" {
		if err := stdjson.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
	}
	t := &handType{dataType: strings.ToUpper(dataType), maxLength: 1024, min: math.Inf(-1), max: math.Inf(1)}
	if d.MaxLength > 0 && d.MaxLength < 1024 {
		t.maxLength = d.MaxLength
	}
	if d.Minimum != nil {
		t.min = *d.Minimum
	}
	if d.Maximum != nil {
		t.max = *d.Maximum
	}
	switch t.dataType {
	case "ARRAY":
		e, err := compileHandType(d.ItemType, nil)
		if err != nil {
			return nil, err
		}
		t.elem = e
	case "ENUM":
		if strings.EqualFold(d.EnumType, "INT") {
			t.enumInt = map[float64]bool{}
			for k := range d.EnumDesc {
				n, err := strconv.ParseInt(k, 10, 32)
				if err != nil {
					return nil, err
				}
				t.enumInt[float64(n)] = true
			}
		} else {
			t.enumString = map[string]bool{}
			for k := range d.EnumDesc {
				t.enumString[k] = true
			}
		}
	case "STRUCT":
		t.items = map[string]*handType{}
		for _, it := range d.Items {
			e, err := compileHandType(it.DataType, it.DataDefinition)
			if err != nil {
				return nil, err
			}
			t.items[it.Identifier] = e
			if it.Required {
				t.required = append(t.required, it.Identifier)
			}
		}
	}
	return t, nil
}

var errHand = errors.New("hand check failed")

// handNumber returns a numeric value, or a number held in a string (compat).
func handNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && !math.IsInf(f, 0)
	}
	return 0, false
}

func (t *handType) check(v any) bool {
	switch t.dataType {
	case "INT":
		f, ok := handNumber(v)
		return ok && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 && f >= t.min && f <= t.max
	case "FLOAT":
		f, ok := handNumber(v)
		return ok && math.Abs(f) <= math.MaxFloat32 && f >= t.min && f <= t.max
	case "DOUBLE":
		f, ok := handNumber(v)
		return ok && f >= t.min && f <= t.max
	case "STRING":
		s, ok := v.(string)
		return ok && len(s) <= t.maxLength
	case "BOOL":
		switch v := v.(type) {
		case bool:
			return true
		case float64:
			return v == 0 || v == 1
		case string:
			return v == "true" || v == "false" || v == "0" || v == "1"
		}
		return false
	case "ENUM":
		if t.enumInt != nil {
			f, ok := handNumber(v)
			return ok && t.enumInt[f]
		}
		s, ok := v.(string)
		return ok && t.enumString[s]
	case "DATE":
		s, ok := v.(string)
		if !ok || len(s) != 19 {
			return false
		}
		_, err := time.Parse(time.DateTime, s)
		return err == nil
	case "TIMESTAMP":
		f, ok := handNumber(v)
		return ok && f == math.Trunc(f) && f >= 0 && f < math.MaxInt64
	case "ARRAY":
		a, ok := v.([]any)
		if !ok || len(a) > 1024 {
			return false
		}
		for _, e := range a {
			if !t.elem.check(e) {
				return false
			}
		}
		return true
	case "STRUCT":
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k, e := range m {
			it := t.items[k]
			if it == nil || !it.check(e) {
				return false
			}
		}
		for _, k := range t.required {
			if _, ok := m[k]; !ok {
				return false
			}
		}
		return true
	case "FILE":
		_, ok := v.(string)
		return ok
	}
	return false
}

func (t *handType) checkPoint(v any) bool {
	if !t.hasQuality {
		return t.check(v)
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 {
		return false
	}
	q, ok := m["quality"].(float64)
	return ok && q == math.Trunc(q) && q >= 0 && q <= 9 && t.check(m["value"])
}

// handChecker decodes with encoding/json into map[string]any and checks the
// envelope, each entry's device (the directory and product map) and each point
// against its model by hand.
type handChecker struct {
	models  map[string]handModel // productKey -> model
	devices map[[2]string]gen.Device
}

func newHandChecker() (*handChecker, error) {
	hm, err := compileHandModel(gen.Model())
	if err != nil {
		return nil, err
	}
	h := &handChecker{models: map[string]handModel{}, devices: map[[2]string]gen.Device{}}
	for pk := range gen.Products() {
		h.models[pk] = hm
	}
	for _, d := range gen.Devices() {
		h.devices[[2]string{d.ProductKey, d.DeviceKey}] = d
	}
	return h, nil
}

func (h *handChecker) check(payload []byte) error {
	var req map[string]any
	if err := stdjson.Unmarshal(payload, &req); err != nil {
		return err
	}
	if v, _ := req["version"].(string); v != "1.0" && v != "1.1" {
		return errHand
	}
	if m, _ := req["method"].(string); m != gen.Method {
		return errHand
	}
	params, ok := req["params"].([]any)
	if !ok {
		return errHand
	}
	for _, pe := range params {
		e, ok := pe.(map[string]any)
		if !ok {
			return errHand
		}
		pk, hasPK := e["productKey"].(string)
		dk, hasDK := e["deviceKey"].(string)
		if hasPK != hasDK {
			return errHand
		}
		if !hasPK {
			pk, dk = gen.GatewayProductKey, gen.GatewayDeviceKey
		} else if pk != gen.GatewayProductKey || dk != gen.GatewayDeviceKey {
			d, ok := h.devices[[2]string{pk, dk}]
			if !ok || d.GatewayProductKey != gen.GatewayProductKey || d.GatewayDeviceKey != gen.GatewayDeviceKey {
				return errHand
			}
		}
		if t, ok := e["time"]; ok {
			f, ok := t.(float64)
			if !ok || f != math.Trunc(f) || f < 0 {
				return errHand
			}
		}
		mps, ok := e["measurepoints"].(map[string]any)
		if !ok {
			return errHand
		}
		model := h.models[pk]
		for id, v := range mps {
			t := model[id]
			if t == nil || !t.checkPoint(v) {
				return errHand
			}
		}
	}
	return nil
}

// ---- goccy/go-json into Go structs, no checks ----

type qInt struct {
	Value   int32 `json:"value"`
	Quality int8  `json:"quality"`
}

type qFloat32 struct {
	Value   float32 `json:"value"`
	Quality int8    `json:"quality"`
}

type qFloat64 struct {
	Value   float64 `json:"value"`
	Quality int8    `json:"quality"`
}

// typedPoints is gen.Model as a Go struct: what a service with one fixed model
// would decode into.
type typedPoints struct {
	Power       qInt      `json:"Power"`
	Temp        float32   `json:"temp"`
	BranchCurr  []float32 `json:"branchCurr"`
	Voltage     float64   `json:"voltage"`
	Current     qFloat32  `json:"current"`
	Energy      qFloat64  `json:"energy"`
	Frequency   float64   `json:"frequency"`
	PowerFactor float32   `json:"powerFactor"`
	State       int32     `json:"state"`
	Mode        string    `json:"mode"`
	Running     bool      `json:"running"`
	Alarm       bool      `json:"alarm"`
	FaultCode   int32     `json:"faultCode"`
	Serial      string    `json:"serial"`
	Message     string    `json:"message"`
	LastMaint   string    `json:"lastMaint"`
	SampleTime  int64     `json:"sampleTime"`
	RunHours    int32     `json:"runHours"`
	Location    struct {
		Lat float64  `json:"lat"`
		Lon float64  `json:"lon"`
		Alt *float32 `json:"alt"`
	} `json:"location"`
	Firmware string `json:"firmware"`
}

type typedEntry[P any] struct {
	ProductKey    string `json:"productKey"`
	DeviceKey     string `json:"deviceKey"`
	Measurepoints P      `json:"measurepoints"`
	Time          int64  `json:"time"`
}

type typedRequest[P any] struct {
	ID                       string          `json:"id"`
	Version                  string          `json:"version"`
	Method                   string          `json:"method"`
	AllowOfflineSubDevice    bool            `json:"allowOfflineSubDevice"`
	SkipInvalidMeasurepoints bool            `json:"skipInvalidMeasurepoints"`
	Params                   []typedEntry[P] `json:"params"`
}

// samplePoints fits the documents' sample, whose branchCurr items are strings.
type samplePoints struct {
	Power      qInt     `json:"Power"`
	Temp       float32  `json:"temp"`
	BranchCurr []string `json:"branchCurr"`
}

// genericPoints is what a service that ingests the products of many models
// decodes measurepoints into: the envelope is typed, the points cannot be, since
// their names and types come from a model chosen at run time.
type genericPoints map[string]any

// goccyTyped decodes into typedRequest with generic points: the reference row.
func goccyTyped(p []byte) error {
	var r typedRequest[genericPoints]
	return goccy.Unmarshal(p, &r)
}

// goccyFixedStruct decodes into a struct written for the one model of the
// benchmark: the fastest decode there is, and one a service with many models
// cannot write.
func goccyFixedStruct(sample bool) func([]byte) error {
	if sample {
		return func(p []byte) error {
			var r typedRequest[samplePoints]
			return goccy.Unmarshal(p, &r)
		}
	}
	return func(p []byte) error {
		var r typedRequest[typedPoints]
		return goccy.Unmarshal(p, &r)
	}
}

// ---- token walks ----

func goccyTokens(p []byte) error {
	dec := goccy.NewDecoder(bytes.NewReader(p))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// jsontextWalker reads every token with a reused jsontext.Decoder. jsontext
// checks UTF-8 and rejects duplicate names by default, as pointguard does.
type jsontextWalker struct {
	r   bytes.Reader
	dec *jsontext.Decoder
}

func newJSONTextWalker() *jsontextWalker {
	w := &jsontextWalker{}
	w.dec = jsontext.NewDecoder(&w.r)
	return w
}

func (w *jsontextWalker) walk(p []byte) error {
	w.r.Reset(p)
	w.dec.Reset(&w.r)
	for {
		_, err := w.dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readValue reads the payload as one whole value with the reused decoder, which
// checks its syntax, UTF-8 and duplicate names without making Go values of its
// tokens, and then demands the end of the input: a decoder reads a stream of
// values, a request is one.
func (w *jsontextWalker) readValue(p []byte) error {
	w.r.Reset(p)
	w.dec.Reset(&w.r)
	if _, err := w.dec.ReadValue(); err != nil {
		return err
	}
	if _, err := w.dec.ReadValue(); err != io.EOF {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("data after the top-level value")

// ---- fastjson: parse into its tree, then walk it ----

// fastjsonWalker parses with a reused fastjson.Parser, whose tree lives in
// buffers the parser keeps, and walks every value: keys and strings are
// unescaped, numbers converted to float64. The sums keep the walk from being
// work without a result; nothing is checked against the model.
type fastjsonWalker struct {
	p      fastjson.Parser
	leaves int
	bytes  int
	sum    float64
	err    error
}

func (w *fastjsonWalker) walk(p []byte) error {
	v, err := w.p.ParseBytes(p)
	if err != nil {
		return err
	}
	w.err = nil
	w.value(v)
	return w.err
}

func (w *fastjsonWalker) value(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(key []byte, e *fastjson.Value) {
			w.bytes += len(key)
			w.value(e)
		})
		return
	case fastjson.TypeArray:
		for _, e := range v.GetArray() {
			w.value(e)
		}
		return
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil && w.err == nil {
			w.err = err
		}
		w.sum += f
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		w.bytes += len(s)
	}
	w.leaves++
}

// ---- syntax checks of other libraries ----

func fastjsonValid(p []byte) error {
	return fastjson.ValidateBytes(p)
}

func goccyValid(p []byte) error {
	if !goccy.Valid(p) {
		return errSyntax
	}
	return nil
}

func sonicValid(p []byte) error {
	if !sonic.Valid(p) {
		return errSyntax
	}
	return nil
}

// ---- JSON Schema ----

func compileSchema(strict bool) (*jsonschema.Schema, error) {
	s, err := gen.Schema(gen.Model(), strict)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("request.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("request.json")
}

func schemaCheck(s *jsonschema.Schema) func([]byte) error {
	return func(p []byte) error {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(p))
		if err != nil {
			return err
		}
		return s.Validate(inst)
	}
}

// ---- the ceiling ----

var errSyntax = errors.New("syntax error")

func scanCheck(p []byte) error {
	if ok, _ := scan.Valid(p); !ok {
		return errSyntax
	}
	return nil
}
