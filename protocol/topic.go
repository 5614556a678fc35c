package protocol

import (
	"strings"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
)

// Method is a request method, spelled as on the wire.
type Method string

// The four methods of SPEC §1.
const (
	PostBatch   Method = "thing.measurepoint.post.batch"
	ResumeBatch Method = "thing.measurepoint.resume.batch"
	Post        Method = "thing.measurepoint.post"
	Resume      Method = "thing.measurepoint.resume"
)

// methods are the four methods in the order of SPEC §1.
var methods = [...]Method{PostBatch, ResumeBatch, Post, Resume}

// Methods returns the four methods in the order of SPEC §1, in a new slice
// that the caller may keep and change.
func Methods() []Method { return append([]Method(nil), methods[:]...) }

// Valid reports whether m is one of the four methods.
func (m Method) Valid() bool {
	switch m {
	case PostBatch, ResumeBatch, Post, Resume:
		return true
	}
	return false
}

// Batch reports whether m carries an array of entries in params.
func (m Method) Batch() bool { return m == PostBatch || m == ResumeBatch }

// Resume reports whether m carries offline (back-filled) data, for which SPEC §4.6
// makes the strict profile require a time on every entry.
func (m Method) Resume() bool { return m == ResumeBatch || m == Resume }

// String returns the wire spelling.
func (m Method) String() string { return string(m) }

// topicSuffix returns the part of the topic after "/sys/{pk}/{dk}".
func (m Method) topicSuffix() string {
	switch m {
	case PostBatch:
		return "/thing/measurepoint/post/batch"
	case ResumeBatch:
		return "/thing/measurepoint/resume/batch"
	case Post:
		return "/thing/measurepoint/post"
	case Resume:
		return "/thing/measurepoint/resume"
	}
	return ""
}

// Topic is a parsed request topic. The zero value is not a valid topic.
type Topic struct {
	ProductKey string // the topic device's product key
	DeviceKey  string // the topic device's device key
	Method     Method // the method the topic stands for
}

// TopicError reports a topic that is not one of SPEC §1. It matches
// codes.NoWritePermission with errors.Is.
type TopicError struct {
	Topic  string // the topic as given
	Reason string // why it was refused, a phrase
}

// Error returns "protocol: 1009 topic \"...\": reason".
func (e *TopicError) Error() string {
	return "protocol: 1009 topic " + quote.Diag(e.Topic, 200) + ": " + e.Reason
}

// Is reports whether target is codes.NoWritePermission.
func (e *TopicError) Is(target error) bool { return target == codes.NoWritePermission }

// ParseTopic parses a request topic of SPEC §1. It does not allocate when it
// succeeds; the keys of the result are substrings of s.
func ParseTopic(s string) (Topic, error) {
	rest, ok := strings.CutPrefix(s, "/sys/")
	if !ok {
		return Topic{}, &TopicError{s, `does not start with "/sys/"`}
	}
	pk, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return Topic{}, &TopicError{s, "has no device key"}
	}
	dk, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return Topic{}, &TopicError{s, "has no method part"}
	}
	if err := checkKey(s, "product key", pk); err != nil {
		return Topic{}, err
	}
	if err := checkKey(s, "device key", dk); err != nil {
		return Topic{}, err
	}
	suffix := s[len(s)-len(rest)-1:] // "/thing/...", a substring: no allocation
	for _, m := range methods {
		if suffix == m.topicSuffix() {
			return Topic{ProductKey: pk, DeviceKey: dk, Method: m}, nil
		}
	}
	return Topic{}, &TopicError{s, "is not a measurepoint post or resume topic"}
}

func checkKey(topic, what, k string) error {
	if k == "" {
		return &TopicError{topic, "has an empty " + what}
	}
	if strings.ContainsAny(k, "+#") {
		return &TopicError{topic, "has a wildcard in its " + what}
	}
	return nil
}

// String returns the request topic.
func (t Topic) String() string { return string(t.AppendTo(nil)) }

// AppendTo appends the request topic to dst.
func (t Topic) AppendTo(dst []byte) []byte {
	dst = append(dst, "/sys/"...)
	dst = append(dst, t.ProductKey...)
	dst = append(dst, '/')
	dst = append(dst, t.DeviceKey...)
	return append(dst, t.Method.topicSuffix()...)
}

// ReplyTopic returns the topic the reply is published on: the request topic
// followed by "_reply".
func (t Topic) ReplyTopic() string { return string(t.AppendReplyTo(nil)) }

// AppendReplyTo appends the reply topic to dst.
func (t Topic) AppendReplyTo(dst []byte) []byte {
	return append(t.AppendTo(dst), "_reply"...)
}

// IsReplyTopic reports whether s is the reply topic of a request topic of §1.
// Brokers use it to recognise the replies they publish themselves.
func IsReplyTopic(s string) bool {
	req, ok := strings.CutSuffix(s, "_reply")
	if !ok {
		return false
	}
	_, err := ParseTopic(req)
	return err == nil
}
