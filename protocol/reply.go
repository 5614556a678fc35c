package protocol

import (
	"bytes"
	"errors"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
)

// ID is the raw JSON text of a request's "id": a JSON string with its quotes and
// escapes exactly as sent ("\"123\""), or an integer literal ("123"). A nil or empty
// ID means the request had none. Replies echo it byte for byte (SPEC §4.9).
type ID []byte

// IsString reports whether the id was sent as a JSON string.
func (id ID) IsString() bool { return len(id) > 0 && id[0] == '"' }

// Text returns the id as text: the decoded string, or the integer's digits.
// It returns "" for an absent id.
func (id ID) Text() string {
	if !id.IsString() {
		return string(id)
	}
	var s string
	if err := json.Unmarshal(id, &s); err != nil {
		return string(id)
	}
	return s
}

// MarshalJSON returns the raw text, or null for an absent id.
func (id ID) MarshalJSON() ([]byte, error) {
	if len(id) == 0 {
		return []byte("null"), nil
	}
	return id, nil
}

// UnmarshalJSON keeps the raw text of a string or integer id; null leaves it absent.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*id = nil
		return nil
	}
	if len(b) == 0 || !(b[0] == '"' || b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return errors.New("protocol: id must be a JSON string or integer")
	}
	*id = append((*id)[:0], b...)
	return nil
}

// Reply is the answer to one request (SPEC §4.9).
type Reply struct {
	ID   ID         // echoed from the request; empty when the request had none
	Code codes.Code // codes.OK or the first error
}

// AppendReply appends the JSON reply to dst:
//
//	{"id":"123","code":200,"data":{}}
//	{"id":"123","code":1204,"message":"Model validate failed","data":{}}
//
// It does not allocate beyond growing dst.
func AppendReply(dst []byte, r Reply) []byte {
	dst = append(dst, '{')
	if len(r.ID) > 0 {
		dst = append(dst, `"id":`...)
		dst = append(dst, r.ID...)
		dst = append(dst, ',')
	}
	dst = append(dst, `"code":`...)
	dst = strconv.AppendInt(dst, int64(r.Code), 10)
	if r.Code != codes.OK {
		if m := r.Code.Message(); m != "" {
			dst = append(dst, `,"message":"`...)
			dst = append(dst, m...) // messages are plain ASCII without quotes or backslashes
			dst = append(dst, '"')
		}
	}
	return append(dst, `,"data":{}}`...)
}

// MarshalJSON encodes r as AppendReply does.
func (r Reply) MarshalJSON() ([]byte, error) { return AppendReply(nil, r), nil }

// ParseReply decodes a reply such as AppendReply writes. Clients and tests use it
// to read what a broker answered.
func ParseReply(b []byte) (Reply, error) {
	var w struct {
		ID      ID              `json:"id"`
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return Reply{}, errors.New("protocol: reply is not JSON: " + err.Error())
	}
	if w.Code == nil {
		return Reply{}, errors.New(`protocol: reply has no "code"`)
	}
	return Reply{ID: w.ID, Code: codes.Code(*w.Code)}, nil
}
