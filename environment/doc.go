// Package environment loads the platform environment of SPEC §7.2: the thing
// models, the product-to-model map, the device topology and the known
// organisations that requests are validated against. An [Env] provides the
// product catalog ([Env.Models]), the device directory ([Env.Directory]) and
// the asset and organisation lookups of multiSet ([Env.Assets],
// [Env.KnowsOrg]) that package validate, the multiSet checks and the adapters
// consume.
//
// [Load] reads the environment file and the model files it names through an
// fs.FS the caller passes (os.DirFS for a directory, an embed.FS for bundled
// files, fstest.MapFS in tests), so the package itself opens no file. Its JSON
// is read with the scanner of the payload path, which checks syntax and UTF-8.
//
// A program that knows its devices without a file can use [Directory], a
// ready map-backed [validate.Directory].
//
// # Format
//
//	{"models":   ["models/inverter.json", {"modelId": "Meter", "measurepoints": {...}}],
//	 "products": {"product1": "Inverter", "gwP": "Meter"},
//	 "devices":  [{"productKey": "gwP", "deviceKey": "gw1"},
//	              {"productKey": "product1", "deviceKey": "device1",
//	               "gateway": "gwP/gw1", "online": true, "assetId": "a1"}],
//	 "orgs":     ["o1"]}
//
// The rules, in the order they are checked:
//
//  1. The file is one JSON object, with no duplicate key in any object, no
//     invalid UTF-8, no nesting deeper than 64, and no keys but "models",
//     "products", "devices" and "orgs". Every key is optional.
//  2. "models" is an array. A string element names a model file, relative to the
//     directory of the environment file unless it begins with '/'; an object
//     element is an inline model. Either is compiled with thingmodel.ParseModel,
//     whose errors name the model file, or "FILE models[i]" for an inline model.
//     Two models may not share a modelId.
//  3. "products" maps each productKey to the modelId of a model in "models".
//     When neither "models" nor "products" is given, [Env.Models] returns nil: no
//     model checks in multiSet, and no model for any product in MQTT
//     validation (SPEC §7.2). "models": [] is a catalog with no model, against
//     which multiSet answers 1000211.
//  4. "devices" is an array of objects with the keys "productKey" and
//     "deviceKey" (required), "gateway" ("pk/dk", optional: absent means a
//     directly connected device), "online" (boolean, default true), "assetId"
//     (optional) and "secret" (optional, non-empty: the device secret with
//     which it signs its CONNECT and its sub-device logins on the device
//     endpoint of `pointguard serve`; see [Env.Secret]). No two devices share the same keys or the same assetId, and no
//     device is its own gateway.
//     When "devices" is absent, [Env.Directory] and [Env.Assets] are nil and the
//     validator does no topology check (SPEC §4.4); an empty array is a topology
//     in which only topic devices are permitted.
//  5. "orgs" is an array of organisation ids. When absent, [Env.KnowsOrg]
//     reports every orgId as known (SPEC §5.1).
//
// Decisions where SPEC §7.2 is silent, each made so that a mistake in the file
// is reported when it is loaded instead of showing up later as a puzzling
// verdict:
//
//   - unknown keys are errors (a misspelt "device" would otherwise silently turn
//     the topology check off), at the top level and in each device;
//   - null is never taken for an absent key: "devices": null is an error;
//   - product keys, device keys and the parts of "gateway" must be non-empty and
//     free of '/', '+' and '#', since they could never appear in a topic (§1);
//   - a product may map to no model, by being absent from "products": its
//     points then get 1204 (SPEC §4.1), which is a case worth testing;
//   - a device's product need not be in "products", for the same reason;
//   - a gateway need not be listed itself: a device attached to a gateway the
//     file does not list is how a test says "a sub-device of another gateway"
//     (1212 when a listed device reports for it);
//   - orgs may repeat (harmless), but may not be empty strings, since an empty
//     orgId means a missing parameter (SPEC §7.3).
//
// # Errors
//
// Every error is an [*Error] that names the environment file and the field, for
// example
//
//	envfile: testdata/envs/sample.json: devices[3].online: want true or false, got a string
//
// and unwraps to its cause (an *fs.PathError when a file cannot be read, so
// errors.Is(err, fs.ErrNotExist) works). Messages begin with "envfile: ", the
// environment file, which is what they are about.
//
// # Concurrency
//
// An [Env] is immutable once loaded and safe for concurrent use.
package environment
