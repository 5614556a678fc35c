// Package thingmodel holds the thing models that measurepoint values are checked
// against: data types, measurepoints, models, and the catalog that maps product
// keys to models. It loads models from the JSON of the platform's model API, so
// users can feed the files they export.
//
// Load each model once with [ParseModel], gather them with [NewCatalog], and hand
// the catalog to any number of validators.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
//
// The package implements SPEC §3 (thing models: shape, identifiers, data types,
// numeric bounds) and the definitions that the value rules of SPEC §3.1 rely on
// (STRING maxLength, ENUM enumType and enumDesc, ARRAY itemType, STRUCT items).
// Checking values against a model is the validate package's job.
//
// # Accepted model shape
//
// A model is one JSON object in the shape of model-service v2.1:
//
//	{"modelId": "Inverter",
//	 "measurepoints": {
//	   "Power":      {"identifier": "Power", "dataType": "INT", "hasQuality": true, "dataDefinition": null},
//	   "temp":       {"identifier": "temp", "dataType": "FLOAT",
//	                  "dataDefinition": {"minimum": -40, "maximum": 125}},
//	   "branchCurr": {"identifier": "branchCurr", "dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"},
//	   "mode":       {"identifier": "mode", "dataType": "ENUM",
//	                  "dataDefinition": {"enumType": "INT", "enumDesc": {"0": "off", "1": "on"}}},
//	   "fault":      {"identifier": "fault", "dataType": "STRUCT",
//	                  "dataDefinition": {"items": [
//	                    {"identifier": "code", "dataType": "INT", "required": true},
//	                    {"identifier": "text", "dataType": "STRING", "dataDefinition": {"maxLength": 64}}]}}},
//	 "attributes": {}, "services": {}, "events": {}}
//
// Top level:
//   - "modelId": required, a non-empty string.
//   - "measurepoints": an object, identifier -> point. Absent or null means a
//     model without points.
//   - Every other member ("attributes", "services", "events", "desc", ...) is
//     kept as raw JSON, returned by [Model.Section], and not validated (SPEC §3).
//
// A point:
//   - its key is an identifier: 1 to 128 characters of A-Z a-z 0-9 _ - .
//     ([ValidIdentifier]).
//   - "identifier": optional; when given it must equal the key.
//   - "dataType": required, one of INT FLOAT DOUBLE STRING ENUM BOOL DATE
//     TIMESTAMP ARRAY STRUCT FILE, in any ASCII letter case.
//   - "hasQuality": optional boolean, default false; true only for INT, FLOAT
//     and DOUBLE.
//   - "dataDefinition": an object, a JSON string holding an object (as the model
//     API returns it), null, or absent.
//   - other members are ignored.
//
// The dataDefinition, by dataType:
//   - INT, FLOAT, DOUBLE: optional "minimum" and "maximum" (numbers finite as
//     float64), "exclusiveMinimum" and "exclusiveMaximum". An exclusive bound is
//     either a boolean (JSON Schema draft 4: true makes minimum or maximum
//     exclusive, and needs it) or a number (draft 6: an exclusive bound of its
//     own). See [Type.Min] and [Type.Max].
//   - STRING: optional "maxLength", a positive integer; default 1024
//     ([MaxStringLength]).
//   - ENUM: required "enumType", INT or STRING in any letter case; required
//     "enumDesc", a non-empty object from key to description.
//   - ARRAY: required "itemType", one of INT, FLOAT, DOUBLE, STRING in any letter
//     case. The items take the defaults of their type (a STRING item may be 1024
//     bytes long).
//   - STRUCT: required "items", an array of {"identifier", "dataType",
//     "dataDefinition", "required"} objects. An item's identifier follows the
//     rule above and is unique within the STRUCT; its dataType is anything but
//     STRUCT; its dataDefinition follows these same rules; "required" is an
//     optional boolean, default false. Other members of an item are ignored.
//   - BOOL, DATE, TIMESTAMP, FILE: no members are read.
//
// Members a type does not read are ignored. A definition that is neither an
// object nor a string holding one, or a string that is not valid JSON, is an
// error for every type.
//
// # Decisions where SPEC is silent
//
//  1. STRING maxLength above 1024 is capped to 1024 ("default and cap 1024",
//     SPEC §3.1) rather than refused, so that a model written for a looser limit
//     still loads; [Type.MaxLength] returns the capped value. 0, a negative
//     number, a fraction or an exponent (64.0, 6.4e1) is an error: maxLength must
//     be written as a JSON integer.
//  2. ENUM keys of enumType INT must be written canonically, as strconv.Itoa
//     writes them: "-5", "0", "17"; not "+5", "007", "-0", "1e1"; and lie in
//     [-2^31, 2^31-1]. So each integer has one key, and a value can be looked up
//     by its canonical text. A description that is not a JSON string (a number,
//     an object, null) is kept as its JSON text.
//  3. An exclusive bound given both ways on one side (minimum 5 with
//     exclusiveMinimum 7) keeps the tighter bound, compared exactly as
//     decimals like every bound (SPEC §3); [Bound.Text] keeps the limit as
//     written. exclusiveMinimum: true without
//     minimum (likewise for maximum) is an error. Bounds that admit no number
//     (minimum above maximum, or equal with either exclusive) are an error.
//     Bounds of an INT are not limited to the int32 range: any finite number is
//     kept as given.
//  4. null stands for "not given" in every member the loader reads (modelId,
//     measurepoints, identifier, hasQuality, dataDefinition, maxLength,
//     minimum, required, ...), as exports write absent values as null; a
//     required member that is null is reported as missing.
//  5. Duplicate member names in the model JSON are accepted: the last value wins,
//     as with goccy/go-json's Unmarshal. A measurepoint given twice keeps the
//     position of its first occurrence in [Model.Measurepoints].
//  6. The model must be valid UTF-8 JSON; invalid UTF-8 anywhere is an error.
//  7. dataType and the other type names are matched in ASCII letter case only:
//     "float" and "Float" are FLOAT, but "ſtring" (with U+017F) is no STRING.
//  8. A STRUCT with an empty items array is accepted (its values are {}); an ENUM
//     with an empty enumDesc is not, since no value could match it.
//  9. modelId may be any non-empty string; it is not held to the identifier rule.
//
// # Errors
//
// ParseModel and NewCatalog report every malformed input as an [*Error], never a
// panic. Its fields name the source, modelId, measurepoint identifier and field
// path ("dataDefinition.items[1].dataType"); branch on them with errors.As, not on
// the message:
//
//	var e *thingmodel.Error
//	if errors.As(err, &e) && e.Identifier != "" { ... }
//
// Loading stops at the first error: a JSON syntax error anywhere first, then
// modelId, then measurepoints in document order; within a point its key,
// identifier, dataType, hasQuality and dataDefinition, in that order. Values
// quoted in messages are cut to 128 bytes.
//
// [NewCatalog] reports, as *Error too, a nil model, two models with one modelId,
// and a product naming a modelId that no model has.
//
// # Immutability and concurrency
//
// A loaded [Model], its [Measurepoint] and [Type] values, and a [Catalog] never
// change and are safe for concurrent use by any number of goroutines. Accessors
// that return slices or bytes return new copies; lookups by byte slice
// ([Model.MeasurepointBytes], [Type.EnumKeyBytes], ...) do not allocate. A model
// shares no memory with the bytes it was parsed from.
//
// The package does no I/O: callers read files and pass the bytes, naming their
// source for error messages.
package thingmodel
