package capture_test

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/pointguard/pointguard/adapter/capture"
)

// Read the PUBLISH packets of a capture recorded with tcpdump.
func Example() {
	data, err := os.ReadFile("../../testdata/captures/loopback.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(capture.Detect(data))
	r, err := capture.NewReader(bytes.NewReader(data), capture.Options{
		Problem: func(p capture.Problem) { fmt.Println("problem:", p.Reason) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		if m.FromClient && m.Stream.Server.Port() == 18830 {
			fmt.Printf("packet %d: MQTT %d, QoS %d, %s (%d bytes)\n", m.Frame, m.Version, m.QoS, m.Topic, len(m.Payload))
		}
	}
	// Output:
	// pcap
	// packet 20: MQTT 5, QoS 1, /sys/gwP/gw1/thing/measurepoint/post/batch (1478 bytes)
	// packet 39: MQTT 5, QoS 1, /sys/gwP/gw1/thing/measurepoint/post/batch (160 bytes)
	// packet 55: MQTT 5, QoS 0, /sys/gwP/gw1/thing/measurepoint/post/batch (156 bytes)
	// packet 71: MQTT 5, QoS 1, /sys/gwP/gw1/thing/measurepoint/post/batch (818 bytes)
	// packet 88: MQTT 4, QoS 2, /sys/gwP/gw1/thing/measurepoint/post/batch (1478 bytes)
}
