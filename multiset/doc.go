// Package multiset validates the asynchronous multi-point set REST API of SPEC
// §5 exactly as the platform answers it: a [Validator] reads one request body
// with the scanner of the MQTT path, checks each item on its own, and returns
// the response (a protocol.MultiSetResponse) with one status per item. It is
// built on package validate: inputData values are checked with
// validate.Validator.CheckValue, the code that checks MQTT point values, and
// the product catalog and device directory are those of validate.Options.
// The package does no I/O; the HTTP adapter (adapter/httpapi) and the
// command-line tool put it on the wire.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
// The statuses are codes.Status values (SPEC §5).
//
// # Whole request
//
// These checks come first, in this order; the first that fails gives status 400
// (codes.InvalidArgument), msg "Invalid Argument <field>", a submsg that says
// why, and no data:
//
//  1. orgId missing or empty: field orgId.
//  2. body empty, not UTF-8, or not one JSON value nested at most
//     Limits.MaxDepth deep (default 64): field body. The body is read by the
//     scanner of the MQTT path, which does not recurse; of a nesting and a
//     syntax error, the one nearer the start of the body is reported. The
//     submsg gives the byte offset of the fault.
//  3. body not an object; "data" absent, null, not an array, given twice,
//     empty, or holding more than Limits.MaxItems items (default 1000, SPEC
//     §6): field data. Other top-level keys are ignored. Items past the limit
//     are only checked for syntax, so a large body costs memory for at most
//     MaxItems items.
//  4. q.Orgs does not know orgId: field orgId, submsg "orgId does not exist".
//     The body is read first because it costs nothing to ask about.
//
// Otherwise the status is 0, msg "Success", submsg null, and data holds one
// reply per item, in request order.
//
// # Items
//
// Each item is checked on its own: one bad item does not fail the others. The
// first rule an item breaks gives its status; the rules are checked in this
// order, which is that of the table of SPEC §5.2. Each 1000 "para error" has a
// submsg that starts with the name of the field at fault.
//
//  1. The item must be a JSON object (submsg "data[i] must be ..."), with no
//     known key given twice (two parsers would read it differently). Keys are
//     matched exactly, case included, after unescaping. Keys that SPEC does
//     not name, such as the "requestMethod" of the platform's own replies, are
//     ignored and not echoed.
//  2. requestId: a non-empty string, not used by an earlier item of the
//     request. Every item with a usable requestId claims it, even one that
//     fails for another reason; the later items with the same id get 1000.
//  3. orgId: a non-empty string equal to the query's orgId.
//  4. callType: any value, or absent; whatever it says, the reply says "ASYNC".
//  5. setMeasurepointChannelId: "DATASVC.SET." (case-sensitive) followed by
//     one or more of A-Z a-z 0-9 _ . -, at most 64 bytes in all.
//  6. productKey, deviceKey, assetId: strings; a non-empty assetId, or both
//     keys non-empty. An empty string counts as absent when naming the device.
//  7. measurepointId: an identifier (SPEC §3: 1 to 128 of A-Z a-z 0-9 _ - .).
//  8. inputData: an object (or absent), with no key given twice.
//  9. timeout: a JSON integer literal (no fraction, no exponent, no string) in
//     [1, 300000]; absent: 30000.
//  10. gmtServiceRequest: a JSON integer literal in [0, 2^63-1]; absent: now.
//  11. callbackUrl: any value, or absent; it is ignored.
//
// A field given as JSON null counts as absent, for every field. A field of the
// wrong JSON type is a 1000 that names the field. These field rules do not
// depend on the Profile: the profile applies to inputData values only.
//
// Then the lookups, in this order:
//
//  12. Device. When both keys are given they name the device. When q.Assets
//     is not nil, a given assetId must be known to it (else 1000201 "device
//     does not exist") and name the same device as any key given with it
//     (else 1000 naming assetId, or the lone key); an assetId alone then names
//     the device. When q.Assets is nil, an item named by assetId alone cannot
//     be placed: if Directory or Models is set, it gets 1000201 with submsg
//     "assetId ... cannot be resolved: no asset directory"; otherwise nothing
//     needs its device and it is accepted.
//  13. With a Directory, the device must be known to it, else 1000201.
//  14. With Models, the device's product must have a model, else 1000211 "can
//     not find model", and the model must define measurepointId, else 1000213
//     "can not find device point". A nil Models turns these checks off; this
//     differs from MQTT validation, where a nil catalog means that no product
//     has a model, because a multiSet caller without models wants the field
//     rules alone.
//  15. inputData values, in document order: null gives 1000212 "control value
//     is null" (with or without Models: a null can never be written); with
//     Models, a value that CheckValue refuses for the point's type gives 1004
//     "data type error", submsg "inputData.<key>: <detail>".
//
// # What inputData means
//
// inputData maps argument names to values to write to the one point that
// measurepointId names; SPEC §5.2 says each value is checked against the
// point's dataType. The names are not checked (the platform's examples use
// "arg" and "testArg"). An absent or empty inputData is accepted: there is
// then no value to check. Values are checked with CheckValue, the code that
// checks MQTT point values, under the Validator's Profile. A control value is
// bare: a point with hasQuality takes a plain number, and a {"value", "quality"}
// object is a 1004, since quality describes measured data, not commands.
//
// # Replies
//
// An item's reply echoes each of its fields with the JSON type and value it
// came with (SPEC §5.2): a non-empty string in the reply's string field; an
// empty string, a number or any other value in Verbatim as its compacted text,
// so "" stays "" and 5 stays 5, also in a field that failed its rule; null for
// a field that was absent or null. Strings are re-encoded (the same value,
// escapes written plainly) and inputData is compacted. The reply adds status,
// msg ("Success" or the error's message), submsg (null on success), callType
// "ASYNC", the effective timeout and gmtServiceRequest (the default when absent
// or not an integer, the value as sent when it is an integer out of range), and
// gmtServiceReply = now. When the lookups resolve the device, the reply is
// completed with what the request left out or sent as "": productKey and
// deviceKey from the asset directory, assetId from the Directory; a service
// dispatching the accepted items can then rely on productKey and deviceKey.
package multiset
