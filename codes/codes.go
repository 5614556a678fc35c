package codes

import "strconv"

// Code is a platform return code. The values are wire values; never renumber them.
//
// The zero value is [Success], the multiSet status of an accepted item. An MQTT
// request that is accepted gets [OK] (200).
type Code int

// Codes of the MQTT measurepoint protocol (SPEC §4.1).
const (
	OK                Code = 200  // the whole request is accepted
	MsgTooLarge       Code = 1008 // "Msg size is too large, discard the message"
	NoWritePermission Code = 1009 // "Publish to topic with no write permission"
	ModelInvalid      Code = 1204 // "Model validate failed"
	FormatError       Code = 1206 // "Measurepoint post data format error"
	NoSubDevicePerm   Code = 1212 // "No sub-device permission"
	PayloadEmpty      Code = 1251 // "Payload is empty"
	MethodMismatch    Code = 1260 // "Methods not consistent"
)

// Statuses of the multiSet REST API (SPEC §5).
const (
	Success          Code = 0       // "Success": accepted for delivery
	InvalidArgument  Code = 400     // "Invalid Argument": the whole request is rejected
	ParaError        Code = 1000    // "para error": an item field breaks a rule of §5.2
	DataTypeError    Code = 1004    // "data type error": an inputData value has the wrong type
	DeviceNotExist   Code = 1000201 // "device does not exist"
	WriteDataError   Code = 1000205 // "write data error": reported later on the channel
	ModelNotFound    Code = 1000211 // "can not find model"
	ControlValueNull Code = 1000212 // "control value is null"
	PointNotFound    Code = 1000213 // "can not find device point"
)

// Message returns the platform's message for c, exactly as it appears on the wire
// (for example "Model validate failed" for [ModelInvalid]). It returns "" for
// [OK], whose reply carries no message, and for codes this package does not define.
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

// Known reports whether c is one of the codes this package defines.
func (c Code) Known() bool { return c == OK || c.Message() != "" }

// String returns the number and, when there is one, the message:
// "1204 Model validate failed", "200".
func (c Code) String() string {
	n := strconv.Itoa(int(c))
	if m := c.Message(); m != "" {
		return n + " " + m
	}
	return n
}

// Error implements error so that errors carrying a code can be matched with
// errors.Is(err, codes.ModelInvalid). It returns the same text as String.
func (c Code) Error() string { return c.String() }
