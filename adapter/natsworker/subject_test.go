package natsworker

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

var topicCases = []struct {
	name, topic, subject string
}{
	{"request", "/sys/pk/dk/thing/measurepoint/post/batch", "/.sys.pk.dk.thing.measurepoint.post.batch"},
	{"reply", "/sys/pk/dk/thing/measurepoint/post/batch_reply", "/.sys.pk.dk.thing.measurepoint.post.batch_reply"},
	{"dot in a key", "/sys/p.k/d.k/thing/measurepoint/post", "/.sys.p//k.d//k.thing.measurepoint.post"},
	{"no leading slash", "a/b", "a.b"},
	{"empty level", "a//b", "a./.b"},
	{"trailing slash", "a/", "a./"},
	{"two leading slashes", "//a", "/./.a"},
	{"slash alone", "/", "/./"},
	{"plain", "abc", "abc"},
}

// TestTopicToSubject checks the mapping of the NATS server's MQTT listener
// and its inverse on the cases its documentation names.
func TestTopicToSubject(t *testing.T) {
	for _, tc := range topicCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := TopicToSubject(tc.topic); got != tc.subject {
				t.Errorf("TopicToSubject(%q) = %q, want %q", tc.topic, got, tc.subject)
			}
			if got := SubjectToTopic(tc.subject); got != tc.topic {
				t.Errorf("SubjectToTopic(%q) = %q, want %q", tc.subject, got, tc.topic)
			}
		})
	}
}

// TestRequestSubjects checks that the raw stream's subjects are the request
// topics of SPEC §1 with both keys a wildcard, and never a reply.
func TestRequestSubjects(t *testing.T) {
	for i, m := range []string{"post/batch", "resume/batch", "post", "resume"} {
		want := TopicToSubject("/sys/*/*/thing/measurepoint/" + m)
		if RequestSubjects()[i] != want {
			t.Errorf("RequestSubjects()[%d] = %q, want %q", i, RequestSubjects()[i], want)
		}
	}
}

func TestPointsSubject(t *testing.T) {
	for _, tc := range []struct{ pk, dk, want string }{
		{"product1", "device1", "points.product1.device1"},
		{"p", "a.b", "points.p.a%2Eb"},
		{"p", "a b\t*>/%\x7f", "points.p.a%20b%09%2A%3E%2F%25%7F"},
		{"p", "ünï", "points.p.ünï"},
	} {
		if got := PointsSubject(tc.pk, tc.dk); got != tc.want {
			t.Errorf("PointsSubject(%q, %q) = %q, want %q", tc.pk, tc.dk, got, tc.want)
		}
	}
	if got := RejectedSubject(1204); got != "rejected.1204" {
		t.Errorf("RejectedSubject(1204) = %q", got)
	}
}

// TestTopicMappingOnServer checks TopicToSubject against a real server: an
// MQTT publication arrives on the subject it names, and a NATS publication
// on that subject reaches the MQTT subscribers of the topic.
func TestTopicMappingOnServer(t *testing.T) {
	nd := startServer(t)
	nc, _ := connect(t, nd.srv.ClientURL())
	opts := paho.NewClientOptions().AddBroker("tcp://" + nd.mqtt).SetClientID("mapper")
	cl := paho.NewClient(opts)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer cl.Disconnect(100)
	for _, tc := range topicCases {
		sub, err := nc.SubscribeSync(tc.subject)
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		if tok := cl.Publish(tc.topic, 1, false, "x"); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Errorf("%s: MQTT publication on %q not received on %q: %v", tc.name, tc.topic, tc.subject, err)
		} else if string(m.Data) != "x" {
			t.Errorf("%s: payload %q", tc.name, m.Data)
		}
		sub.Unsubscribe()

		got := make(chan string, 1)
		if tok := cl.Subscribe(tc.topic, 1, func(_ paho.Client, m paho.Message) { got <- m.Topic() }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe: %v", tok.Error())
		}
		if err := nc.Publish(tc.subject, []byte("y")); err != nil {
			t.Fatal(err)
		}
		select {
		case topic := <-got:
			if topic != tc.topic {
				t.Errorf("%s: NATS publication on %q reached MQTT as %q, want %q", tc.name, tc.subject, topic, tc.topic)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: NATS publication on %q did not reach the MQTT subscriber of %q", tc.name, tc.subject, tc.topic)
		}
		cl.Unsubscribe(tc.topic).WaitTimeout(10 * time.Second)
	}
}
