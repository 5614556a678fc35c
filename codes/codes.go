package codes

import "strconv"

// Code is a return code of the MQTT measurepoint protocol (SPEC §4.1). The
// values are wire values; never renumber them.
//
// The zero value is [NoVerdict]: no code has been decided. It is never written
// on the wire.
type Code int

// Codes of the MQTT measurepoint protocol (SPEC §4.1).
const (
	NoVerdict         Code = 0    // no code decided yet; never on the wire
	OK                Code = 200  // the whole request is accepted
	MsgTooLarge       Code = 1008 // "Msg size is too large, discard the message"
	NoWritePermission Code = 1009 // "Publish to topic with no write permission"
	ModelInvalid      Code = 1204 // "Model validate failed"
	FormatError       Code = 1206 // "Measurepoint post data format error"
	NoSubDevicePerm   Code = 1212 // "No sub-device permission"
	PayloadEmpty      Code = 1251 // "Payload is empty"
	MethodMismatch    Code = 1260 // "Methods not consistent"
)

// ServerError is pointguard's own reply code, not one of SPEC §4.1: the
// message was valid but the server could not keep its points (a local
// endpoint's points sink failed), so it is not accepted and should be sent
// again. The value is the HTTP status of a server-side failure, which no
// platform code uses.
const ServerError Code = 500 // "Internal server error"

// Message returns the platform's message for c, exactly as it appears on the wire
// (for example "Model validate failed" for [ModelInvalid]). It returns "" for
// [OK], whose reply carries no message, for [NoVerdict], and for codes this
// package does not define.
func (c Code) Message() string {
	switch c {
	case MsgTooLarge:
		return "Msg size is too large, discard the message"
	case NoWritePermission:
		return "Publish to topic with no write permission"
	case ModelInvalid:
		return "Model validate failed"
	case FormatError:
		return "Measurepoint post data format error"
	case NoSubDevicePerm:
		return "No sub-device permission"
	case PayloadEmpty:
		return "Payload is empty"
	case MethodMismatch:
		return "Methods not consistent"
	case ServerError:
		return "Internal server error"
	}
	return ""
}

// Known reports whether c is one of the wire codes this package defines
// ([NoVerdict] is not one).
func (c Code) Known() bool { return c == OK || c.Message() != "" }

// String returns the number and, when there is one, the message:
// "1204 Model validate failed", "200"; "no verdict" for [NoVerdict].
func (c Code) String() string {
	if c == NoVerdict {
		return "no verdict"
	}
	return withMessage(int(c), c.Message())
}

// Error implements error so that errors carrying a code can be matched with
// errors.Is(err, codes.ModelInvalid). It returns the same text as String.
func (c Code) Error() string { return c.String() }

// Status is a status of the multiSet REST API (SPEC §5): of a whole request and
// of each of its items. The values are wire values; never renumber them.
//
// The zero value is [Success], a wire value: an accepted request or item. It
// is a different space from [Code], and from the HTTP status of the answer.
type Status int

// Statuses of the multiSet REST API (SPEC §5).
const (
	Success          Status = 0       // "Success": accepted for delivery
	InvalidArgument  Status = 400     // "Invalid Argument": the whole request is rejected
	ParaError        Status = 1000    // "para error": an item field breaks a rule of §5.2
	DataTypeError    Status = 1004    // "data type error": an inputData value has the wrong type
	DeviceNotExist   Status = 1000201 // "device does not exist"
	WriteDataError   Status = 1000205 // "write data error": reported later on the channel
	ModelNotFound    Status = 1000211 // "can not find model"
	ControlValueNull Status = 1000212 // "control value is null"
	PointNotFound    Status = 1000213 // "can not find device point"
)

// Message returns the platform's message for s, exactly as it appears in the
// "msg" of a response or an item ("Success" for [Success]), and "" for statuses
// this package does not define.
func (s Status) Message() string {
	switch s {
	case Success:
		return "Success"
	case InvalidArgument:
		return "Invalid Argument"
	case ParaError:
		return "para error"
	case DataTypeError:
		return "data type error"
	case DeviceNotExist:
		return "device does not exist"
	case WriteDataError:
		return "write data error"
	case ModelNotFound:
		return "can not find model"
	case ControlValueNull:
		return "control value is null"
	case PointNotFound:
		return "can not find device point"
	}
	return ""
}

// Known reports whether s is one of the statuses this package defines.
func (s Status) Known() bool { return s.Message() != "" }

// String returns the number and, when there is one, the message:
// "0 Success", "1000211 can not find model".
func (s Status) String() string { return withMessage(int(s), s.Message()) }

// withMessage returns "N MESSAGE", or "N" when msg is empty.
func withMessage(n int, msg string) string {
	s := strconv.Itoa(n)
	if msg != "" {
		return s + " " + msg
	}
	return s
}
