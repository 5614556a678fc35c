package mqtt

import (
	"testing"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/validate"
)

// BenchmarkAccessPerMessage measures what the access hook adds to one
// measurepoint request of an authenticated gateway with a logged-in
// sub-device: the publish permission check, the read check of the reply's
// delivery, and the codec check when the reply is encoded. (The validator's
// look-ups in the registry replace those in any directory; see
// BenchmarkBroker/validator-registry.) Compare with
// BenchmarkBroker/validator-alone, the validation of the same request.
func BenchmarkAccessPerMessage(b *testing.B) {
	devs, err := NewDevices([]Device{
		{ProductKey: "gwP", DeviceKey: "gw1", Secret: "s", Device: validate.Device{Online: true}},
		{ProductKey: "product1", DeviceKey: "device1", Secret: "s1", Device: validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw1"}},
		{ProductKey: "product2", DeviceKey: "device2", Device: validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true}},
	})
	if err != nil {
		b.Fatal(err)
	}
	h := newAccessHook(nil, &Options{Devices: devs})
	cl := &mochi.Client{ID: "gw1|securemode=2,signmethod=sha256,timestamp=1|"}
	cl.Properties.Username = []byte("gw1&gwP")
	h.OnSessionEstablished(cl, packets.Packet{})
	devs.login(devs.lookup("product1", "device1"), cl)
	pk := packets.Packet{TopicName: "/sys/gwP/gw1/thing/measurepoint/post/batch", Payload: []byte("{}")}
	reply := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: pk.TopicName + "_reply"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.OnPublish(cl, pk); err != nil {
			b.Fatal(err)
		}
		if !h.OnACLCheck(cl, reply.TopicName, false) {
			b.Fatal("reply not readable")
		}
		h.OnPacketEncode(cl, reply)
	}
}
