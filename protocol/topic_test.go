package protocol

import (
	"errors"
	"testing"

	"github.com/pointguard/pointguard/codes"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		name, topic string
		want        Topic
		ok          bool
	}{
		{"post batch", "/sys/pk/dk/thing/measurepoint/post/batch", Topic{"pk", "dk", PostBatch}, true},
		{"resume batch", "/sys/pk/dk/thing/measurepoint/resume/batch", Topic{"pk", "dk", ResumeBatch}, true},
		{"post", "/sys/pk/dk/thing/measurepoint/post", Topic{"pk", "dk", Post}, true},
		{"resume", "/sys/pk/dk/thing/measurepoint/resume", Topic{"pk", "dk", Resume}, true},
		{"reply topic", "/sys/pk/dk/thing/measurepoint/post/batch_reply", Topic{}, false},
		{"empty product key", "/sys//dk/thing/measurepoint/post", Topic{}, false},
		{"empty device key", "/sys/pk//thing/measurepoint/post", Topic{}, false},
		{"wildcard +", "/sys/p+/dk/thing/measurepoint/post", Topic{}, false},
		{"wildcard #", "/sys/pk/#/thing/measurepoint/post", Topic{}, false},
		{"no leading slash", "sys/pk/dk/thing/measurepoint/post", Topic{}, false},
		{"extra segment", "/sys/pk/dk/x/thing/measurepoint/post", Topic{}, false},
		{"other method", "/sys/pk/dk/thing/event/post", Topic{}, false},
		{"trailing slash", "/sys/pk/dk/thing/measurepoint/post/", Topic{}, false},
		{"empty", "", Topic{}, false},
		{"prefix only", "/sys/", Topic{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTopic(tt.topic)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseTopic(%q) = %+v, %v; want %+v, ok=%v", tt.topic, got, err, tt.want, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, codes.NoWritePermission) {
					t.Errorf("error %v does not match codes.NoWritePermission", err)
				}
				return
			}
			if s := got.String(); s != tt.topic {
				t.Errorf("String() = %q, want %q", s, tt.topic)
			}
			if r := got.ReplyTopic(); r != tt.topic+"_reply" || !IsReplyTopic(r) {
				t.Errorf("ReplyTopic() = %q (IsReplyTopic %v)", r, IsReplyTopic(r))
			}
			if IsReplyTopic(tt.topic) {
				t.Errorf("IsReplyTopic(%q) = true for a request topic", tt.topic)
			}
		})
	}
}

func TestParseTopicAllocs(t *testing.T) {
	if a := testing.AllocsPerRun(100, func() { ParseTopic("/sys/pk/dk/thing/measurepoint/post/batch") }); a != 0 {
		t.Errorf("ParseTopic allocates %.0f times, want 0", a)
	}
}

func TestMethods(t *testing.T) {
	for _, m := range Methods() {
		if !m.Valid() {
			t.Errorf("%s not Valid", m)
		}
	}
	if Method("thing.measurepoint.post.Batch").Valid() {
		t.Error("methods are case-sensitive")
	}
	if !PostBatch.Batch() || !ResumeBatch.Batch() || Post.Batch() || Resume.Batch() {
		t.Error("Batch() wrong")
	}
	if PostBatch.Resume() || !ResumeBatch.Resume() || Post.Resume() || !Resume.Resume() {
		t.Error("Resume() wrong")
	}
}

func TestAppendReply(t *testing.T) {
	tests := []struct {
		name string
		r    Reply
		want string
	}{
		{"string id", Reply{ID: ID(`"123"`), Code: codes.OK}, `{"id":"123","code":200,"data":{}}`},
		{"integer id", Reply{ID: ID(`123`), Code: codes.ModelInvalid}, `{"id":123,"code":1204,"message":"Model validate failed","data":{}}`},
		{"escaped id echoed verbatim", Reply{ID: ID(`"a\u0062"`), Code: codes.OK}, `{"id":"a\u0062","code":200,"data":{}}`},
		{"no id", Reply{Code: codes.FormatError}, `{"code":1206,"message":"Measurepoint post data format error","data":{}}`},
	}
	for _, tt := range tests {
		if got := string(AppendReply(nil, tt.r)); got != tt.want {
			t.Errorf("%s: AppendReply = %s, want %s", tt.name, got, tt.want)
		}
		back, err := ParseReply([]byte(tt.want))
		if err != nil || string(back.ID) != string(tt.r.ID) || back.Code != tt.r.Code {
			t.Errorf("%s: ParseReply = %+v, %v", tt.name, back, err)
		}
	}
	if ID(`"a\u0062"`).Text() != "ab" || ID(`123`).Text() != "123" || !ID(`"x"`).IsString() {
		t.Error("ID.Text/IsString wrong")
	}
	if _, err := ParseReply([]byte(`{"id":1}`)); err == nil {
		t.Error("ParseReply accepted a reply without code")
	}
}
