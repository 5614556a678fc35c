package protocol_test

import (
	"fmt"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
)

func ExampleParseTopic() {
	t, err := protocol.ParseTopic("/sys/gwP/gw1/thing/measurepoint/resume/batch")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.ProductKey, t.DeviceKey, t.Method, t.Method.Resume())
	fmt.Println(t.ReplyTopic())
	fmt.Printf("%s\n", protocol.AppendReply(nil, protocol.Reply{ID: protocol.ID(`"123"`), Code: codes.OK}))

	_, err = protocol.ParseTopic("/sys/gwP/gw1/thing/event/post")
	fmt.Println(err)
	// Output:
	// gwP gw1 thing.measurepoint.resume.batch true
	// /sys/gwP/gw1/thing/measurepoint/resume/batch_reply
	// {"id":"123","code":200,"data":{}}
	// protocol: 1009 topic "/sys/gwP/gw1/thing/event/post": is not a measurepoint post or resume topic
}

// Build the payload of a gateway's batch for two of its sub-devices.
func ExampleAppendRequest() {
	r := &protocol.Request{
		ID:     protocol.ID(`"42"`),
		Method: protocol.PostBatch,
		Params: []protocol.Entry{
			{ProductKey: "product1", DeviceKey: "device1", HasTime: true, Time: 1700000000000,
				Measurepoints: []protocol.Point{
					{Identifier: "temp", Value: []byte("21.5")},
					{Identifier: "Power", Value: []byte("7"), HasQuality: true, Quality: 9},
				}},
			{ProductKey: "product1", DeviceKey: "device2",
				Measurepoints: []protocol.Point{{Identifier: "temp", Value: []byte("19")}}},
		},
	}
	payload, err := protocol.AppendRequest(nil, r)
	if err != nil {
		panic(err)
	}
	topic := protocol.Topic{ProductKey: "gwP", DeviceKey: "gw1", Method: r.Method}
	fmt.Println(topic)
	fmt.Printf("%s\n", payload)
	// Output:
	// /sys/gwP/gw1/thing/measurepoint/post/batch
	// {"id":"42","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"product1","deviceKey":"device1","time":1700000000000,"measurepoints":{"temp":21.5,"Power":{"value":7,"quality":9}}},{"productKey":"product1","deviceKey":"device2","measurepoints":{"temp":19}}]}
}
