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
