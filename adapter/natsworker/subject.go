package natsworker

import (
	"strconv"
	"strings"
)

// RequestSubjects returns the NATS subjects of the four request topics of SPEC
// §1, as the NATS server's MQTT listener maps them (see [TopicToSubject]): the
// raw stream takes exactly these, and never a "_reply" subject. "*" stands for
// the productKey and the deviceKey. Each call returns a new slice, so that no
// caller can change what another one gets.
func RequestSubjects() []string {
	return []string{
		"/.sys.*.*.thing.measurepoint.post.batch",
		"/.sys.*.*.thing.measurepoint.resume.batch",
		"/.sys.*.*.thing.measurepoint.post",
		"/.sys.*.*.thing.measurepoint.resume",
	}
}

// Prefixes of the subjects the worker publishes its results on.
const (
	// PointsPrefix starts the subject of accepted points:
	// "points.{productKey}.{deviceKey}", keys written by [AppendToken].
	PointsPrefix = "points."
	// RejectedPrefix starts the subject of rejection records: "rejected.{code}".
	RejectedPrefix = "rejected."
)

// TopicToSubject returns the NATS subject on which the NATS server's MQTT
// listener publishes a message sent on the MQTT topic, and to which it maps an
// MQTT subscription to the topic:
//
//  1. a "/" that starts the topic, or follows another "/", becomes "/." (the
//     empty level is written "/");
//  2. a "/" that ends the topic, or precedes another "/" (and is not case 1),
//     becomes "./";
//  3. any other "/" becomes "." (the NATS token separator);
//  4. a "." inside a level becomes "//", so that a device key "a.b" stays one
//     token, "a//b";
//  5. every other byte is kept; a subject that would end with "." gets a "/".
//
// So "/sys/pk/dk/thing/measurepoint/post/batch" becomes
// "/.sys.pk.dk.thing.measurepoint.post.batch". The server refuses topics
// holding white space, which have no subject; TopicToSubject does not check.
func TopicToSubject(topic string) string {
	var b strings.Builder
	b.Grow(len(topic) + 4)
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		switch {
		case c == '/' && (i == 0 || lastIsSep(&b)):
			b.WriteString("/.")
		case c == '/' && (i == len(topic)-1 || topic[i+1] == '/'):
			b.WriteString("./")
		case c == '/':
			b.WriteByte('.')
		case c == '.':
			b.WriteString("//")
		default:
			b.WriteByte(c)
		}
	}
	if lastIsSep(&b) {
		b.WriteByte('/') // a subject never ends with a separator
	}
	return b.String()
}

// lastIsSep reports whether the subject written so far ends with a token
// separator, which a "/" written next must not directly follow.
func lastIsSep(b *strings.Builder) bool {
	s := b.String()
	return len(s) > 0 && s[len(s)-1] == '.'
}

// SubjectToTopic is the inverse of [TopicToSubject], as the NATS server applies
// it when it delivers a message published on a NATS subject to its MQTT
// subscribers: "/." is "/", "//" is ".", "." is "/", and a "/" that is part of
// neither pair is dropped.
func SubjectToTopic(subject string) string {
	var b strings.Builder
	b.Grow(len(subject))
	for i := 0; i < len(subject); i++ {
		c := subject[i]
		switch {
		case c == '/' && i+1 < len(subject) && subject[i+1] == '.':
			b.WriteByte('/')
			i++
		case c == '/' && i+1 < len(subject) && subject[i+1] == '/':
			b.WriteByte('.')
			i++
		case c == '/':
			// Not produced by TopicToSubject; the server drops it too.
		case c == '.':
			b.WriteByte('/')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ReplySubject returns the subject of the reply to a request received on
// subject: the subject followed by "_reply", which is the reply topic of SPEC
// §1 (the request topic followed by "_reply") under [TopicToSubject].
func ReplySubject(subject string) string { return subject + "_reply" }

// AppendToken appends key as one NATS subject token: bytes that a token cannot
// hold or that would make it ambiguous (".", "*", ">", "/", "%", white space,
// control bytes and DEL) are written "%XX" with two upper-case hex digits;
// every other byte, UTF-8 included, is kept. A device key "a.b" is "a%2Eb". The
// points' JSON carries the keys exactly; the token only routes.
func AppendToken(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c <= ' ' || c == 0x7f || c == '.' || c == '*' || c == '>' || c == '/' || c == '%' {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

// PointsSubject returns "points.{productKey}.{deviceKey}", the keys written by
// [AppendToken].
func PointsSubject(productKey, deviceKey string) string {
	b := make([]byte, 0, len(PointsPrefix)+len(productKey)+len(deviceKey)+8)
	b = append(b, PointsPrefix...)
	b = AppendToken(b, productKey)
	b = append(b, '.')
	b = AppendToken(b, deviceKey)
	return string(b)
}

// RejectedSubject returns "rejected.{code}", for example "rejected.1204".
func RejectedSubject(code int) string { return RejectedPrefix + strconv.Itoa(code) }
