// Package codes defines the two code spaces of the platform, each with its
// exact wire messages: [Code], the return codes of the MQTT measurepoint
// protocol (SPEC §4.1), and [Status], the statuses of the multiSet REST API
// (SPEC §5). They are separate types because they are separate spaces: 0 is
// [Success] as a Status and [NoVerdict] (nothing decided) as a Code, and a
// value of one has no meaning in the other. HTTP statuses are neither; they
// belong to the HTTP adapter.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
//
// The values are those of SPEC §4.1 (MQTT replies) and §5 (multiSet statuses). They
// are wire values: they are written out as numbers and must never be renumbered.
//
// # Errors
//
// [Code] implements the error interface, so that richer error types elsewhere in the
// module (for example validate.Error) can report their code through errors.Is:
//
//	if errors.Is(err, codes.ModelInvalid) { ... }
//
// A Code on its own is a valid error value too; its Error method returns the same
// text as String. A Status is a field of a response, never an error.
package codes
