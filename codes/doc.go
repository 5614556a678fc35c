// Package codes defines the return codes of the measurepoint protocol and of the
// multiSet REST API, with their exact wire messages.
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
// text as String.
package codes
