package validate_test

import (
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// TestTopicAfterTopic: a validator keeps the last topic it parsed, and each
// message still gets its own: the same topic again, another, a refused one in
// between, and the one before it again.
func TestTopicAfterTopic(t *testing.T) {
	v := validate.New(sampleOptions(t, validate.Compat))
	const payload = `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[]}`
	for _, topic := range []string{
		"/sys/gwP/gw1/thing/measurepoint/post/batch",
		"/sys/gwP/gw1/thing/measurepoint/post/batch",
		"/sys/allP/all1/thing/measurepoint/post/batch",
		"/sys/gwP/gw1/thing/measurepoint/post",
		"/sys/gwP/gw1/thing/measurepoint/nope",
		"",
		"/sys/allP/all1/thing/measurepoint/post/batch",
		"/sys/gwP/gw1/thing/measurepoint/post/batch",
	} {
		res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, []byte(payload), nil)
		want, err := protocol.ParseTopic(topic)
		if err != nil {
			if res.Code != codes.NoWritePermission || res.Topic != (protocol.Topic{}) {
				t.Errorf("topic %q: code %d, topic %+v; want %d and no topic", topic, res.Code, res.Topic, codes.NoWritePermission)
			}
			continue
		}
		if res.Topic != want {
			t.Errorf("topic %q: result topic %+v, want %+v", topic, res.Topic, want)
		}
		if res.Code == codes.NoWritePermission {
			t.Errorf("topic %q: refused (%v)", topic, res.Err)
		}
	}
}
