// Package gen makes the deterministic payloads, model and environment that the
// benchmarks of pointguard run on.
//
// # What it makes
//
//   - [Model]: one thing model in the platform's model JSON shape (SPEC §3), modelId
//     [ModelID], with twenty measurepoints covering INT, FLOAT, DOUBLE, STRING, BOOL,
//     ENUM (integer and string keys), DATE, TIMESTAMP, ARRAY of FLOAT and STRUCT,
//     three of them with hasQuality. Every dataDefinition is a JSON string holding an
//     object, as the platform's model API returns it.
//   - [Batch] and [Large]: a thing.measurepoint.post.batch request whose entries come
//     from sub-devices of the gateway of [Topic], each entry with all twenty points
//     and a time. [Large] is 2000 entries, about 1.15 MB.
//   - [WriteSized]: a request of exactly a requested size, written to an io.Writer
//     through a small buffer, so that a 300 MB payload never sits in memory.
//   - [Sample]: the post/batch sample request of the protocol documents, minified
//     (621 bytes), which the same model and directory accept in the compat profile.
//   - [Products], [Devices] and [Env]: the product-to-model map, the device
//     topology (every sub-device online, behind the topic's gateway) and both
//     together as a `pointguard check --env` file (SPEC §7.2).
//   - [Schema]: a JSON Schema (draft 2020-12) of the request, written from the model,
//     for the JSON Schema baseline.
//
// # Determinism
//
// Every function is a pure function of its arguments: the same [Options] give the
// same bytes on every machine and Go version, because values are drawn from a
// seeded PCG generator (math/rand/v2) and formatted with strconv.
//
// # Validity
//
// Every generated request is valid in both profiles, strict and compat: numbers are
// JSON numbers, booleans are true/false, all strings are within their maxLength and
// every sub-device is known and online. The only exception is [Sample], whose
// branchCurr items are numbers held in strings, as in the documents: compat accepts
// them, strict rejects them (1204).
package gen
