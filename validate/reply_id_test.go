package validate_test

import (
	"bytes"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// TestReplyIDInvalidUTF8 checks SPEC §4.9: a reply is always valid JSON in
// UTF-8, so each byte of an id string that is not valid UTF-8 is echoed as
// U+FFFD; valid text and escapes are echoed as they came. The request itself is
// 1206 (§4.7). Whole and streamed one byte at a time give the same id.
func TestReplyIDInvalidUTF8(t *testing.T) {
	tests := []struct {
		name   string
		id     string // the raw bytes between the quotes
		want   string // the echoed id, quotes included
		reason string
	}{
		{"one bad byte", "\xfe", "\"\uFFFD\"", ""},
		{"bytes around text", "a\xffb\xc0", "\"a\uFFFDb\uFFFD\"", "each invalid byte is replaced where it stands"},
		{"truncated sequence", "x\xe2\x82", "\"x\uFFFD\uFFFD\"", "one U+FFFD per byte, as utf8.DecodeRune reads them"},
		{"overlong", "\xc0\xaf", "\"\uFFFD\uFFFD\"", ""},
		{"valid multibyte kept", "é\xff€", "\"é\uFFFD€\"", ""},
		{"escape kept", `\u00e9\"` + "\xff", "\"\\u00e9\\\"\uFFFD\"", "escapes are echoed as written"},
		{"lone surrogate escape kept", `\ud800`, `"\ud800"`, "an escape is echoed as written, though the request is 1206 for it"},
	}
	v := validate.New(validate.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte(`{"id":"` + tt.id + `","version":"1.0","method":"thing.measurepoint.post.batch","params":[]}`)
			msg := validate.Message{Topic: topic}
			for _, streamed := range []bool{false, true} {
				var res validate.Result
				if streamed {
					res, _ = v.ValidateReader(msg, iotest.OneByteReader(bytes.NewReader(payload)), nil)
				} else {
					res, _ = v.Validate(msg, payload, nil)
				}
				if res.Code != codes.FormatError {
					t.Errorf("streamed %v: code %v, want 1206 (SPEC §4.7)", streamed, res.Code)
				}
				if string(res.ID) != tt.want {
					t.Errorf("streamed %v: id %q, want %q (%s)", streamed, res.ID, tt.want, tt.reason)
				}
				reply := protocol.AppendReply(nil, res.Reply())
				if !utf8.Valid(reply) || !json.Valid(reply) {
					t.Errorf("streamed %v: reply %q is not valid JSON in UTF-8", streamed, reply)
				}
			}
		})
	}
}
