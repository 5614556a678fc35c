// Package fuzz generates thing models, platforms and measurepoint requests with
// the verdict each must get, and holds the property tests and fuzz targets that
// check the validator against SPEC with them.
//
// # Generators
//
// The generators are pgregory.net/rapid generators with labelled draws, so a
// failing case shrinks to a small one and its log reads as a story. They are
// exported for anyone who property-tests a sender of their own:
//
//   - [Models] draws a thing model in the platform's JSON (SPEC §3): every data
//     type of §3.1, hasQuality on numeric points, STRUCTs with required and
//     optional items of every other type, ARRAYs of each item type, ENUMs of both
//     kinds, STRINGs with and without maxLength (over the cap too), numeric
//     bounds in all their forms; dataType in any letter case, dataDefinition as
//     an object, a string holding one, null or absent.
//   - [Envs] draws a platform: models, products, the topic device (a gateway),
//     and no directory or one with online and offline sub-devices, devices behind
//     another gateway, unknown devices and a product without a model.
//   - [Requests] and [BatchRequests] draw conforming requests (SPEC §2): all four
//     methods, ids of both kinds, both flags in every accepted form, entries with
//     and without keys and time, ignored members anywhere.
//   - [Mutate], [BreakEnvelope] and [BreakMethod] break one rule at a time and
//     record the verdict the break must get: 1204 at a point, 1212 for an entry,
//     1206 for an envelope or entry rule, 1260.
//   - [Request.Encode] writes a request in a [Style]: compact and canonical, or
//     with random white space, key order, string escapes (\uXXXX, surrogate
//     pairs, short escapes) and number spellings (1.5, 15e-1, 0.15E1, 1.50). The
//     [Encoded] result holds the payload, the verdict, and the accepted points as
//     validate.Value.Interface returns them, each with the pointer and byte offset
//     of its value, so a test can aim at any of them.
//
// # Properties
//
// Each is a Test function that runs rapid.Check (100 cases by default; more with
// -rapid.checks=N):
//
//  1. TestConformingAccepted: a conforming request is accepted with exactly its
//     points, in document order, with their entry, device, time, identifier,
//     value and quality (SPEC §2, §3.1, §4.6, §4.8).
//  2. TestMutationPinpointed: one broken point gives exactly 1204 at that point's
//     pointer and offset; with skipInvalidMeasurepoints the request is accepted
//     with exactly that point skipped (§3.1, §4.2, §4.5).
//  3. TestFirstError and TestSyntaxErrorWins: the first error of §4.2. Of two
//     entries the earlier one's error wins; within an entry 1212 precedes 1204;
//     1260 outranks entry errors; an envelope or entry rule (1206) outranks all
//     of them, and a syntax error anywhere gives 1206 whatever else is wrong.
//  4. TestReencoding: writing a request another way (white space, key order,
//     escapes, number spellings) changes neither the verdict, nor its pointer,
//     nor the points (RFC 8259 equivalence).
//  5. TestStreamingEqualsWhole: Validate, and ValidateReader through a one-byte
//     reader, a half reader and readers split at random points, give identical
//     results, diagnostics, returned errors and points.
//  6. TestSplitBatch: splitting an accepted batch in two gives the same points
//     and the same skipped points (§4.8).
//  7. TestDifferentialSyntax: arbitrary bytes, wrapped as an ignored member, make
//     the request 1206 exactly when encoding/json's json.Valid says the payload
//     is not JSON, but for the deliberate differences of §4.7 (duplicate keys,
//     invalid UTF-8 and lone surrogates, depth, string and array limits), which
//     TestDeliberateDifferences tests one by one, each limit at N and N+1.
//  8. TestDiagnosticsResolve, and every property above: every diagnostic's
//     offset lies in the input, and when the input is JSON its RFC 6901 pointer
//     resolves, by a resolver over the raw bytes written for these tests, to a
//     value whose first byte is at that offset (§4.2).
//
// TestModelRoundTrip guards the generators themselves: a generated model loads
// (thingmodel.ParseModel) to exactly the definitions it was generated from.
// TestRegressions lists every case the properties and fuzzers found, minimised,
// with the verdict SPEC gives it, validated whole and streamed.
//
// # Fuzz targets
//
//   - FuzzValidate: arbitrary topic, payload and flags (profile, small limits,
//     where a reader splits) against the sample environment of testdata/envs:
//     no panic, a code of §4.1, property 5 with a one-byte and a split reader,
//     property 8, 1206 for anything that is not JSON, and an accepted payload is
//     JSON that breaks no rule of §4.7.
//   - FuzzModel: arbitrary model files: thingmodel.ParseModel never panics and
//     returns a *thingmodel.Error, or a model for which a generated conforming
//     request is accepted with exactly its points in both profiles.
//   - FuzzTopic: protocol.ParseTopic succeeds exactly on the topics of §1, String
//     gives the topic back, ReplyTopic adds "_reply", and IsReplyTopic accepts
//     exactly the reply topics.
//   - FuzzRequests: rapid.MakeFuzz over generated requests with mutations: the
//     fuzzing engine steers the generators; properties 1 to 3, 5 and 8.
//
// Run one with, for example:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzValidate$' -fuzztime 20m -parallel 1
//
// The seed corpora in testdata/fuzz come from testdata/payloads (each case of
// cases.json with its topic and profile), the sample requests of the seed
// documents, testdata/models and a few generated models; rewrite them with
// go test ./fuzz -run TestSeedCorpus -update-seeds, which keeps the findings
// of the fuzzers (files named regress-*). A failing rapid check leaves a fail file
// under testdata/rapid to replay it; those are not committed.
//
// # Decisions where SPEC is silent
//
//  1. FLOAT values are generated exact in float32, so that a point's value does
//     not depend on whether a validator rounds FLOAT to single precision.
//  2. Mutations use only values that SPEC clearly rejects. They leave out what it
//     leaves open: 1e3 for "time" and for a quality, 1.0 for BOOL or an ENUM
//     key, null for optional envelope and entry members.
//  3. A break inside a compound value (an ARRAY item, a STRUCT member, the value
//     or quality of a pair, the item past 1024) may be reported at the point or
//     below it, and 1212 at the entry or below it; the pointer must still
//     resolve to a value at the reported offset.
//  4. A syntax error at the end of the payload has the offset len(payload):
//     offsets lie in [0, len(payload)]. Errors decided before parsing (1008,
//     1009, 1251) have offset -1 and no pointer.
//  5. Property 4 compares the points of each entry as a set and drops the
//     points of rejected requests: document order follows key order, and the
//     points delivered before an error are not final (§4.8).
//  6. Property 5 leaves out the delivered points of 1008: Validate knows the
//     size before parsing, a stream only at its end, after delivering the
//     points it read, which are not final (§4.8).
//  7. Property 7 takes encoding/json's offset of a syntax error as the truth,
//     but lets an invalid escape be reported at its backslash. Syntax errors are
//     told from hygiene errors by the details of internal/scan's error kinds.
package fuzz
