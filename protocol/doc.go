// Package protocol holds the wire types of the measurepoint protocol: topics and
// methods (SPEC §1), the request envelope (§2), the reply (§4.9) and the messages
// of the multiSet REST API (§5).
//
// The package only describes and encodes; deciding whether a request is valid is
// the job of package validate.
//
// # Topics
//
// [ParseTopic] accepts exactly the four request topics of SPEC §1:
//
//	/sys/{pk}/{dk}/thing/measurepoint/post/batch
//	/sys/{pk}/{dk}/thing/measurepoint/resume/batch
//	/sys/{pk}/{dk}/thing/measurepoint/post
//	/sys/{pk}/{dk}/thing/measurepoint/resume
//
// where pk and dk are non-empty and contain none of '/', '+', '#'. Any other topic,
// reply topics included, is an error that matches codes.NoWritePermission (1009).
// Parsing does not allocate: the keys of the returned [Topic] are substrings of
// the input.
//
// # Requests
//
// [Request], [Entry] and [Point] describe the request envelope of SPEC §2 as a
// sender builds it, and [AppendRequest] writes its payload, compact and with
// JSON strings escaped, refusing what could not be a payload (an unknown
// method, a second entry for a single-entry method, a bad id, an empty or
// repeated identifier, a value that is not one JSON value). Point values are
// given as JSON text, so a sender keeps control of their spelling; whether they
// fit the thing model is the validator's question, not the encoder's.
//
// # Replies
//
// [AppendReply] writes the reply of SPEC §4.9. The id is echoed byte for byte as it
// came, string or integer ([ID] holds its raw JSON text); a request without an id
// gets a reply without an "id" key. A 200 reply carries no "message".
package protocol
