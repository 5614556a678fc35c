package validate

import (
	"strconv"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
)

// Profile selects the value rules of SPEC §3.1.
type Profile uint8

// The two profiles. The zero value is Compat.
const (
	// Compat accepts what the platform accepts, including the leniency real devices
	// rely on: numbers in strings, integral floats for INT, empty productKey and
	// deviceKey taken as absent, "" for the boolean flags, resume entries without time.
	Compat Profile = 0
	// Strict accepts exactly the documented types, for conformance checking.
	Strict Profile = 1
)

// String returns "compat" or "strict".
func (p Profile) String() string {
	switch p {
	case Compat:
		return "compat"
	case Strict:
		return "strict"
	}
	return "Profile(" + strconv.Itoa(int(p)) + ")"
}

// ParseProfile returns the profile named "compat" or "strict".
func ParseProfile(s string) (Profile, bool) {
	switch s {
	case "compat":
		return Compat, true
	case "strict":
		return Strict, true
	}
	return 0, false
}

// Defaults of SPEC §6 and of the hard limits of §4.7.
const (
	DefaultMaxBytes   = 512 << 10 // payload size limit (code 1008)
	DefaultMaxDepth   = 64        // nesting depth of arrays and objects
	DefaultMaxString  = 1 << 20   // hard limit on any JSON string, in raw bytes
	DefaultMaxEntry   = 16 << 20  // bytes of one entry's "measurepoints" held at a time
	DefaultMaxSkipped = 1000      // skipped points kept in a Result
	DefaultMaxItems   = 1000      // multiSet items per request (SPEC §6)
)

// Limits bound the resources a payload may use. The zero value of each field is
// its documented default; a negative value means "no limit" where that is allowed.
type Limits struct {
	// MaxBytes is the payload size limit of SPEC §4.1: a larger payload gets 1008.
	// 0 means DefaultMaxBytes; negative means no limit.
	MaxBytes int64
	// MaxDepth is the deepest nesting of arrays and objects (the top-level object
	// is depth 1); deeper gets 1206. 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxString is the hard limit on the raw length of any JSON string, keys
	// included; longer gets 1206 (SPEC §4.7). 0 means DefaultMaxString.
	MaxString int
	// MaxArray is the hard limit on the items of any JSON array, params included;
	// more gets 1206. 0 or negative means no limit.
	MaxArray int
	// MaxEntry bounds the bytes of one entry's "measurepoints" object, which the
	// validator holds until the entry's keys and time are known; larger gets 1206.
	// 0 means DefaultMaxEntry; negative means no limit.
	MaxEntry int
	// MaxSkipped is how many skipped points a Result keeps (the count is always
	// exact). 0 means DefaultMaxSkipped; negative keeps none.
	MaxSkipped int
	// MaxItems is the most items a multiSet request may hold (SPEC §6); more
	// gets status 400 "Invalid Argument data". Items past the limit are
	// skipped, not kept, so a request costs memory for at most MaxItems items.
	// 0 means DefaultMaxItems; negative means no limit.
	MaxItems int
}

// Device is what a Directory knows of one device.
type Device struct {
	// GatewayProductKey and GatewayDeviceKey name the device's gateway; both are
	// empty for a directly connected device.
	GatewayProductKey, GatewayDeviceKey string
	// Online reports whether the device is online (SPEC §4.4).
	Online bool
	// AssetID is the device's asset id, used by multiSet; it may be empty.
	AssetID string
}

// Directory is the device topology that the caller supplies (SPEC §4.4). It must be
// safe for concurrent use when validators on several goroutines share it.
type Directory interface {
	// Device returns what is known of the device, and false when it is unknown.
	Device(productKey, deviceKey string) (Device, bool)
}

// Options configure a Validator. The zero value is the documented default: the
// compat profile, no models (every point is invalid), no topology check, default
// limits.
type Options struct {
	Profile Profile
	// Models maps each entry's product to its model. With nil, no product has one.
	Models *thingmodel.Catalog
	// Directory, when not nil, enables the sub-device checks of SPEC §4.4.
	Directory Directory
	Limits    Limits
	// NoAcceptPath turns the accept path off: every entry is then read by the
	// checks that word diagnostics, which the accept path falls back to at the
	// first thing it does not expect (see "The accept path" in the package
	// documentation). Results are the same either way, only slower; the
	// option is there to compare the two.
	NoAcceptPath bool
}

// Message is one MQTT message to validate.
type Message struct {
	// Topic is the topic the message was published on.
	Topic string
	// Now is the server time in milliseconds since the epoch, given to entries
	// that carry no "time" (SPEC §4.6). The validator never reads a clock.
	Now int64
}

// Result is the verdict on one message. Slices and byte fields refer to memory
// owned by the Validator and stay valid until its next call.
type Result struct {
	// Code is codes.OK or the first error of SPEC §4.2.
	Code codes.Code
	// Err describes the first error; nil when Code is codes.OK.
	Err *Error
	// Topic is the parsed topic; zero when the topic was refused (1009).
	Topic protocol.Topic
	// ID is the request's id as sent, for the reply, except that each byte of a
	// string id that is not valid UTF-8 is replaced by U+FFFD, so that the reply
	// is valid JSON (SPEC §4.9); empty when absent or not reached.
	ID protocol.ID
	// Accepted counts the points delivered to the callback. They are final only
	// when Code is codes.OK.
	Accepted int
	// Skipped lists points dropped under skipInvalidMeasurepoints (SPEC §4.5), in
	// document order, at most Limits.MaxSkipped of them.
	Skipped []Error
	// SkippedTotal counts every skipped point, including those not kept in Skipped.
	SkippedTotal int
}

// Reply returns the reply of SPEC §4.9 for the result.
func (r *Result) Reply() protocol.Reply { return protocol.Reply{ID: r.ID, Code: r.Code} }

// Point is one accepted measurepoint value (SPEC §4.8). A Point passed to a
// callback, and everything it refers to, is valid only during the call.
type Point struct {
	// Entry is the index of the entry in params (0 for the single methods).
	Entry int
	// ProductKey and DeviceKey name the entry's device.
	ProductKey, DeviceKey string
	// Time is the entry's time, or Message.Now when it had none.
	Time int64
	// Measurepoint is the model's definition of the point.
	Measurepoint *thingmodel.Measurepoint
	// Value is the typed value.
	Value Value
	// Quality is the quality indicator, or -1 for a point without one.
	Quality int
	// Offset is the byte offset of the point's value in the payload.
	Offset int64
}

// Identifier returns the point's identifier.
func (p *Point) Identifier() string { return p.Measurepoint.Identifier() }
