package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Schema returns a JSON Schema (draft 2020-12) of a request of method [Method]
// whose entries all have the given model, as close to the value rules of SPEC §3.1
// as JSON Schema can say. strict selects the strict profile; otherwise the schema
// also accepts what compat accepts: numbers held in strings, "true"/"false"/"0"/"1"
// for BOOL, integer ENUM keys as strings, "" for the boolean flags and for the
// device keys.
//
// What JSON Schema cannot say, and the schema therefore lets through:
//
//  1. "integer" accepts 3.0 and 3e2 in both profiles (strict wants no fraction and
//     no exponent);
//  2. a number held in a string is matched by pattern only, its range unchecked;
//  3. maxLength counts characters, not UTF-8 bytes;
//  4. DATE is checked by pattern, so 2023-02-30 passes;
//  5. DOUBLE accepts 1e400, which is not finite as float64;
//  6. duplicate keys, depth and string limits (SPEC §4.7) are not checked, and a
//     decoder keeps the last of duplicate keys;
//  7. one model for every entry: the schema cannot map productKey to a model, nor
//     check the device topology.
func Schema(model []byte, strict bool) ([]byte, error) {
	var m struct {
		ModelID       string                     `json:"modelId"`
		Measurepoints map[string]json.RawMessage `json:"measurepoints"`
	}
	if err := json.Unmarshal(model, &m); err != nil {
		return nil, errors.New("gen: model: " + err.Error())
	}
	mps := map[string]any{}
	ids := make([]string, 0, len(m.Measurepoints))
	for id := range m.Measurepoints {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		var p struct {
			Identifier     string          `json:"identifier"`
			DataType       string          `json:"dataType"`
			HasQuality     bool            `json:"hasQuality"`
			DataDefinition json.RawMessage `json:"dataDefinition"`
		}
		if err := json.Unmarshal(m.Measurepoints[id], &p); err != nil {
			return nil, errors.New("gen: model point " + id + ": " + err.Error())
		}
		vs, err := valueSchema(p.DataType, p.DataDefinition, strict)
		if err != nil {
			return nil, errors.New("gen: model point " + id + ": " + err.Error())
		}
		if p.HasQuality {
			vs = obj{
				"type":                 "object",
				"properties":           obj{"value": vs, "quality": obj{"type": "integer", "minimum": 0, "maximum": 9}},
				"required":             []string{"value", "quality"},
				"additionalProperties": false,
			}
		}
		mps[id] = vs
	}

	key := obj{"type": "string"}
	flag := obj{"type": "boolean"}
	if strict {
		key["minLength"] = 1
	} else {
		flag = obj{"enum": []any{true, false, ""}}
	}
	entry := obj{
		"type":     "object",
		"required": []string{"measurepoints"},
		"properties": obj{
			"productKey": key,
			"deviceKey":  key,
			"time":       obj{"type": "integer", "minimum": 0, "maximum": json.Number("9223372036854775807")},
			"measurepoints": obj{
				"type":                 "object",
				"properties":           mps,
				"additionalProperties": false,
			},
		},
		"dependentRequired": obj{"productKey": []string{"deviceKey"}, "deviceKey": []string{"productKey"}},
	}
	s := obj{
		"$schema":  "https://json-schema.org/draft/2020-12/schema",
		"title":    "thing.measurepoint.post.batch request, model " + m.ModelID,
		"type":     "object",
		"required": []string{"version", "method", "params"},
		"properties": obj{
			"id":                       obj{"type": []string{"string", "integer"}},
			"version":                  obj{"enum": []string{"1.0", "1.1"}},
			"method":                   obj{"const": Method},
			"allowOfflineSubDevice":    flag,
			"skipInvalidMeasurepoints": flag,
			"params":                   obj{"type": "array", "items": obj{"$ref": "#/$defs/entry"}},
		},
		"$defs": obj{"entry": entry},
	}
	return json.Marshal(s)
}

type obj = map[string]any

// numberPattern is the JSON number grammar of RFC 8259, for numbers held in
// strings in the compat profile.
const numberPattern = `^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`

const datePattern = `^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`

type definition struct {
	ItemType         string            `json:"itemType"`
	EnumType         string            `json:"enumType"`
	EnumDesc         map[string]string `json:"enumDesc"`
	MaxLength        *int              `json:"maxLength"`
	Minimum          *json.Number      `json:"minimum"`
	Maximum          *json.Number      `json:"maximum"`
	ExclusiveMinimum json.RawMessage   `json:"exclusiveMinimum"`
	ExclusiveMaximum json.RawMessage   `json:"exclusiveMaximum"`
	Items            []struct {
		Identifier     string          `json:"identifier"`
		DataType       string          `json:"dataType"`
		Required       bool            `json:"required"`
		DataDefinition json.RawMessage `json:"dataDefinition"`
	} `json:"items"`
}

// parseDefinition reads a dataDefinition: null, an object, or a string holding
// an object (SPEC §3).
func parseDefinition(raw json.RawMessage) (definition, error) {
	var d definition
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return d, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return d, err
		}
		raw = json.RawMessage(s)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := dec.Decode(&d)
	return d, err
}

func valueSchema(dataType string, rawDef json.RawMessage, strict bool) (obj, error) {
	d, err := parseDefinition(rawDef)
	if err != nil {
		return nil, errors.New("dataDefinition: " + err.Error())
	}
	// withString lets a compat value also be a string matching pattern.
	withString := func(s obj, jsonType, pattern string) obj {
		if strict {
			s["type"] = jsonType
			return s
		}
		s["type"] = []string{jsonType, "string"}
		s["pattern"] = pattern
		return s
	}
	switch strings.ToUpper(dataType) {
	case "INT":
		s := obj{"minimum": -2147483648, "maximum": 2147483647}
		bounds(s, d)
		return withString(s, "integer", numberPattern), nil
	case "FLOAT":
		s := obj{"minimum": json.Number("-3.4028234663852886e38"), "maximum": json.Number("3.4028234663852886e38")}
		bounds(s, d)
		return withString(s, "number", numberPattern), nil
	case "DOUBLE":
		s := obj{}
		bounds(s, d)
		return withString(s, "number", numberPattern), nil
	case "STRING":
		n := 1024
		if d.MaxLength != nil && *d.MaxLength < n {
			n = *d.MaxLength
		}
		return obj{"type": "string", "maxLength": n}, nil
	case "BOOL":
		e := []any{true, false, 0, 1}
		if !strict {
			e = append(e, "true", "false", "0", "1")
		}
		return obj{"enum": e}, nil
	case "ENUM":
		keys := make([]string, 0, len(d.EnumDesc))
		for k := range d.EnumDesc {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e := []any{}
		if strings.EqualFold(d.EnumType, "INT") {
			for _, k := range keys {
				if _, err := strconv.ParseInt(k, 10, 64); err != nil {
					return nil, errors.New("enumDesc key " + k + " is not an integer")
				}
				e = append(e, json.Number(k))
			}
			if !strict {
				for _, k := range keys {
					e = append(e, k)
				}
			}
		} else {
			for _, k := range keys {
				e = append(e, k)
			}
		}
		return obj{"enum": e}, nil
	case "DATE":
		return obj{"type": "string", "pattern": datePattern}, nil
	case "TIMESTAMP":
		s := obj{"minimum": 0, "maximum": json.Number("9223372036854775807")}
		return withString(s, "integer", `^[0-9]+$`), nil
	case "ARRAY":
		items, err := valueSchema(d.ItemType, nil, strict)
		if err != nil {
			return nil, err
		}
		return obj{"type": "array", "maxItems": 1024, "items": items}, nil
	case "STRUCT":
		props := obj{}
		required := []string{}
		for _, it := range d.Items {
			s, err := valueSchema(it.DataType, it.DataDefinition, strict)
			if err != nil {
				return nil, errors.New("item " + it.Identifier + ": " + err.Error())
			}
			props[it.Identifier] = s
			if it.Required {
				required = append(required, it.Identifier)
			}
		}
		return obj{"type": "object", "properties": props, "required": required, "additionalProperties": false}, nil
	case "FILE":
		return obj{"type": "string"}, nil
	}
	return nil, errors.New("unknown dataType " + strconv.Quote(dataType))
}

// bounds copies the legacy TSL bounds of a numeric definition. exclusiveMinimum
// may be a boolean (draft 4 style, qualifying minimum) or a number.
func bounds(s obj, d definition) {
	if d.Minimum != nil {
		s["minimum"] = *d.Minimum
	}
	if d.Maximum != nil {
		s["maximum"] = *d.Maximum
	}
	exclusive := func(raw json.RawMessage, key, plain string) {
		switch v := strings.TrimSpace(string(raw)); v {
		case "", "null", "false":
		case "true":
			if b, ok := s[plain]; ok {
				delete(s, plain)
				s[key] = b
			}
		default:
			s[key] = json.Number(v)
		}
	}
	exclusive(d.ExclusiveMinimum, "exclusiveMinimum", "minimum")
	exclusive(d.ExclusiveMaximum, "exclusiveMaximum", "maximum")
}
