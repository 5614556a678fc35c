package codes

import (
	"errors"
	"fmt"
	"testing"
)

// The messages are compared with the text of SPEC §4.1 and §5, letter by letter:
// clients match on them.
func TestMessages(t *testing.T) {
	tests := []struct {
		code Code
		num  int
		msg  string
	}{
		{OK, 200, ""},
		{MsgTooLarge, 1008, "Msg size is too large, discard the message"},
		{NoWritePermission, 1009, "Publish to topic with no write permission"},
		{ModelInvalid, 1204, "Model validate failed"},
		{FormatError, 1206, "Measurepoint post data format error"},
		{NoSubDevicePerm, 1212, "No sub-device permission"},
		{PayloadEmpty, 1251, "Payload is empty"},
		{MethodMismatch, 1260, "Methods not consistent"},
		{ServerError, 500, "Internal server error"},
	}
	for _, tt := range tests {
		if int(tt.code) != tt.num {
			t.Errorf("code %v has wire value %d, want %d", tt.code, int(tt.code), tt.num)
		}
		if got := tt.code.Message(); got != tt.msg {
			t.Errorf("Code(%d).Message() = %q, want %q", tt.num, got, tt.msg)
		}
		if !tt.code.Known() {
			t.Errorf("Code(%d).Known() = false", tt.num)
		}
	}
}

func TestStatusMessages(t *testing.T) {
	tests := []struct {
		status Status
		num    int
		msg    string
	}{
		{Success, 0, "Success"},
		{InvalidArgument, 400, "Invalid Argument"},
		{ParaError, 1000, "para error"},
		{DataTypeError, 1004, "data type error"},
		{DeviceNotExist, 1000201, "device does not exist"},
		{WriteDataError, 1000205, "write data error"},
		{ModelNotFound, 1000211, "can not find model"},
		{ControlValueNull, 1000212, "control value is null"},
		{PointNotFound, 1000213, "can not find device point"},
	}
	for _, tt := range tests {
		if int(tt.status) != tt.num {
			t.Errorf("status %v has wire value %d, want %d", tt.status, int(tt.status), tt.num)
		}
		if got := tt.status.Message(); got != tt.msg {
			t.Errorf("Status(%d).Message() = %q, want %q", tt.num, got, tt.msg)
		}
		if !tt.status.Known() {
			t.Errorf("Status(%d).Known() = false", tt.num)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"code with a message", ModelInvalid.String(), "1204 Model validate failed"},
		{"OK has no message", OK.String(), "200"},
		{"unknown code", Code(4242).String(), "4242"},
		{"no verdict", NoVerdict.String(), "no verdict"},
		{"Success is a status", Success.String(), "0 Success"},
		{"status with a message", ModelNotFound.String(), "1000211 can not find model"},
		{"unknown status", Status(4242).String(), "4242"},
		{"an HTTP status is no status", Status(405).String(), "405"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: String() = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	for _, c := range []Code{NoVerdict, 4242, 400, 1000} {
		if c.Known() {
			t.Errorf("Code(%d).Known() = true, want false: not an MQTT code", int(c))
		}
	}
	for _, s := range []Status{4242, 200, 1204, 405} {
		if s.Known() {
			t.Errorf("Status(%d).Known() = true, want false: not a multiSet status", int(s))
		}
	}
}

type wrapper struct{ c Code }

func (w wrapper) Error() string { return "wrapped" }
func (w wrapper) Unwrap() error { return w.c }

func TestErrorsIs(t *testing.T) {
	err := fmt.Errorf("context: %w", wrapper{ModelInvalid})
	if !errors.Is(err, ModelInvalid) {
		t.Error("errors.Is(err, ModelInvalid) = false through a wrapper")
	}
	if errors.Is(err, FormatError) {
		t.Error("errors.Is(err, FormatError) = true for a 1204")
	}
}

func ExampleCode_Message() {
	fmt.Println(ModelInvalid.Message())
	fmt.Println(NoSubDevicePerm)
	// Output:
	// Model validate failed
	// 1212 No sub-device permission
}
