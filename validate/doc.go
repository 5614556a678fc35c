// Package validate decides what the platform answers to a measurepoint message,
// streaming, and hands over the accepted points.
//
// # Overview
//
// A [Validator] is made once from [Options] (profile, models, device directory,
// limits) and reused for many messages, one goroutine at a time:
//
//	v := validate.New(validate.Options{Models: catalog, Directory: dir})
//	res, err := v.Validate(validate.Message{Topic: topic, Now: nowMillis}, payload, func(p *validate.Point) error {
//		// p is valid during the call only; it is final only if res.Code is 200.
//		return nil
//	})
//
// [Validator.ValidateReader] does the same from an io.Reader without holding the
// payload: memory is bounded by the longest token and one entry's "measurepoints"
// (Limits.MaxEntry), whatever the number of entries.
//
// The points a callback receives are final only when the verdict is 200: a
// later entry may still refuse the message. [Validator.Collect] and
// [Validator.CollectReader] collect copies of the points in a [Batch] and hand
// them over only on 200, so that a caller cannot act on the points of a
// rejected message by mistake; they hold the whole message's points at once.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
//
// The package implements SPEC §1 (through package protocol), §2 (the envelope and
// entries), §3.1 (value rules, in the [Compat] and [Strict] profiles), §4 (the
// verdict: codes, first-error order, sub-devices, skipInvalidMeasurepoints, time,
// hygiene, accepted points) and the limits of §6. [Validator.CheckValue] exposes
// the §3.1 rules for one value, for multiSet (§5).
//
// # Verdict
//
// One message gets one code (SPEC §4.2):
//
//  1. 1009 (topic), then 1008 (size), then 1251 (empty): before parsing. A
//     streaming payload is read up to the size limit to decide 1008, even after
//     another error.
//  2. 1206: of any syntax error, envelope or entry rule (§2, §4.3, §4.6) or
//     hygiene rule (§4.7), the one with the smallest offset, whatever the order
//     of the keys; a missing member is located at the first byte of its object.
//  3. 1260: "method" differs from the topic's method.
//  4. Entries in array order; within one entry 1212 before 1204.
//
// The diagnostic ([Error]) carries the code, the RFC 6901 pointer of the
// offending value, the byte offset of its first byte, and a sentence. A 1206
// also carries its cause in Error.Err, one of [ErrSyntax], [ErrDuplicateKey],
// [ErrInvalidUTF8], [ErrDepth], [ErrLength], [ErrEnvelope], [ErrEntry] and
// [ErrTime], so that errors.Is(err, validate.ErrDuplicateKey) works; the
// sentinels are package values, so an accepted request still allocates nothing.
//
// # Decisions where SPEC is silent
//
// These are the rules this package applies where SPEC leaves a choice:
//
//  1. The flags may come after "params" (the seeds put "method" last, too). The
//     validator does not wait for them: it checks every entry, delivers the
//     points that are valid, and lets the flags decide at the end. Points are only
//     final on 200, as SPEC §4.8 says.
//  2. Whether params must be an array or an object is decided by the topic's
//     method, not the payload's, so a payload whose method differs still gets its
//     shape checked (1206 outranks 1260).
//  3. "id": null, a fraction or an exponent is 1206; any integer literal is
//     echoed as sent, however long (within the token limit).
//  4. A string that "holds a number" (compat) holds exactly a JSON number: no
//     white space, no '+', no hexadecimal.
//  5. ENUM of enumType INT accepts integer literals (and, in compat, a string
//     equal to a key); the integer is compared with the keys by value, so -0 is
//     key "0". TIMESTAMP takes integer literals only in both profiles (compat
//     adds strings holding one). The quality indicator is an integer literal 0
//     to 9 in both profiles.
//  6. DATE years run from 0001 to 9999 on the proleptic Gregorian calendar;
//     seconds run 00 to 59 (no leap second).
//  7. The STRING length limit counts the bytes of the decoded string.
//  8. An error inside a compound value points at the innermost offending value:
//     "/params/0/measurepoints/branchCurr/1", ".../Power/quality". An ARRAY
//     longer than 1024 items points at item 1024. A missing required STRUCT item,
//     or a missing "value" or "quality", points at the object.
//  9. An entry whose product has no model: each point is 1204 (and skipped under
//     skipInvalidMeasurepoints); an entry with no points and no model is 1204 at
//     its "measurepoints", and is simply dropped under skipInvalidMeasurepoints.
//  10. 1212 points at the entry (/params/N): the entry's device is what is refused.
//     productKey without deviceKey (or the reverse) points at the key that is
//     there. A key given with a value that is not a string is 1206 at that value
//     and is not judged absent, so the other key is not "alone"; likewise a
//     "measurepoints" that is not an object is not missing, nor is a "time"
//     that is not a valid time (1206 at the time, in a strict resume entry
//     too).
//  11. Hygiene (§4.7): a \u escape that leaves a lone UTF-16 surrogate counts as
//     invalid UTF-8. Errors about a string point at the string's first byte;
//     errors about a key (duplicate, invalid UTF-8) point at the member's value,
//     except a key over the token limit, whose member cannot be named: that
//     error points at the object holding it, at the object's first byte.
//  12. After a syntax error or a hard limit (depth, token length, entry size, array
//     length) nothing more can be read; the verdict is the earliest 1206 found up
//     to there. After other errors the validator reads on, to be sure no earlier
//     1206 or a syntax error follows.
//  13. Result.Skipped is empty (and SkippedTotal 0) unless the request is
//     accepted with skipInvalidMeasurepoints true: a rejected request is
//     refused whole, and which of its points were checked before its verdict
//     was fixed depends on where its flags stand in the payload, which must not
//     change the result.
//  14. A syntax error's pointer names the deepest member or item the error lies
//     within, and its offset is the offending byte.
//  15. An object that lacks several required members is reported for the
//     first that SPEC §2 lists ("version", "method", "params"; in an entry
//     "measurepoints", then the time of a strict resume entry): all are located
//     at the object's first byte.
//  16. An id is echoed with each byte that is not part of valid UTF-8 replaced
//     by one U+FFFD (a three-byte sequence cut after two bytes gives two);
//     escapes, \u escapes of lone surrogates included, are echoed as written.
//  17. A FLOAT is compared with its bounds as the decimal sent, not as the
//     float32 it rounds to: with maximum 1000, 1000.00001 is refused although
//     its float32 is 1000.
//
// # multiSet
//
// Package multiset implements the asynchronous multi-point set API of SPEC §5 on
// top of this package: its inputData values are checked by the same code as
// measurepoints ([Validator.CheckValue]).
//
// # Limits
//
// [Limits] bound what a payload can cost: size (1008), depth, token length,
// array length (1206), the bytes held for one entry, and the skipped points kept.
// The window of a streaming read grows only to the longest token, which the
// token limit bounds; no buffer is ever sized from a length the input declares.
//
// # The accept path
//
// Most entries of real traffic are valid and written plainly, so a batch
// entry is first read by an accept path: straight from the payload (or the
// read window), keeping no path for diagnostics, deciding each point with the
// same value rules, and handing the points over as the entry ends. At the
// first thing it does not expect, it gives up on the entry without having
// consumed it, and the checks that word errors read the entry again from its
// first byte. It does not expect, among others: any invalid value or entry;
// an unknown, escaped or repeated key; keys in another order than both device
// keys before "measurepoints"; a quality written other than as one digit; an
// entry time of 19 digits or more; a device the directory refuses or reports
// offline; a limit reached; an entry that does not end within 16 KiB of the
// read window.
//
// A finding does not stop the accept path: an entry it takes is one in which
// the checks would find nothing. Until the verdict is decided, such an
// entry's points are handed over, as the checks hand them over; once it is
// decided (a 1206, an unknown device or one behind another gateway, or a 1204
// or an offline device that a flag read before params no longer excuses), no
// more points are handed over either way, and the checks only look for a
// 1206 in the points: the accept path then takes a point whatever its model
// says, when its value is a scalar, an array of scalars or a small object
// that the checks would skip without a finding. After it has given up on k
// entries in a row, the accept path leaves the next 2^(k+1)-2 (2, 6, 14, ...,
// at most 63) to the checks without trying, so that a sender whose every
// entry is broken pays for few attempts; an entry that decides the verdict
// starts the count again.
//
// The results are the same either way: code, diagnostic, id, skipped points,
// and the points with their values and offsets. [Options].NoAcceptPath turns
// the accept path off, to compare. The sub-device check asks the Directory
// once per run of entries that name the same device, rather than once per
// entry.
//
// Entries of one product usually list the same points in the same order. The
// accept path keeps the order of the last entry of each of the last four
// models it read: a point where that entry had it is recognised by comparing
// its key in place (two machine words for keys of up to 16 bytes), and while
// an entry keeps to that order it cannot repeat a point, so duplicates are
// tracked only from the first point that departs from it. The items of a
// STRUCT are compared in place in the model's order in the same way. A
// Validator also keeps the last topic it parsed, and, with the accept path or
// without, compares the envelope's own keys in place.
//
// The usual spellings of values are compared in place: a point with quality
// written {"value":v,"quality":q}, and a FLOAT or DOUBLE written as a plain
// decimal, alone or in a string (compat), whose shape decides it without its
// value being computed. A bounded one is decided that way when its integer
// part puts it inside the bounds; one near a bound is compared on the digits.
//
// # Concurrency and memory
//
// A Validator is not safe for concurrent use; make one per goroutine (they are
// cheap) or pool them. Models, catalogs and directories are shared read-only.
// Slices in a [Result], and everything a [Point] refers to, are owned by the
// Validator: a Result is valid until the next call, a Point during its callback.
// After warm-up, validating an accepted request does not allocate; a rejected
// one allocates for the error it reports (a few times: the Error, its pointer
// and its sentence), not for each wrong value, and a skipped point likewise.
//
// What a Validator holds between calls is bounded. Its scratch buffers keep the
// size the largest message so far needed, which the [Limits] bound: the read
// window of ValidateReader (64 KiB, doubled while a token does not fit, so under
// 2×MaxString plus 128 KiB), one entry's captured "measurepoints" (MaxEntry), the skipped
// points of a Result (MaxSkipped) and one entry's value scratch (within the
// payload). Its cache of sub-device keys, which spares an allocation per entry
// on a steady stream, holds at most 64 KiB: keys of up to 128 bytes, each
// counted with 64 bytes of overhead, emptied whole when the next key would not
// fit; longer keys are not cached. A Validator that validated thousands of
// messages naming unknown sub-devices with 40-byte to 60 KiB keys holds under
// 1 MiB (TestRetainedMemoryBounded).
package validate
