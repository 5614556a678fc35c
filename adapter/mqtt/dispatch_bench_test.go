package mqtt_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	pahov3 "github.com/eclipse/paho.mqtt.golang"

	"github.com/pointguard/pointguard/adapter/mqtt"
)

// BenchmarkDispatchRoundTrip measures one write at a time through a real
// broker: Dispatch, the command to a device, its answer, the result on the
// channel. BenchmarkPingPongRoundTrip is the baseline in the same setting: a
// message from the service to the device and back, with no dispatcher.
func BenchmarkDispatchRoundTrip(b *testing.B) {
	addr, d := startDispatcher(b, sampleOptions(b), mqtt.DispatcherOptions{})
	svc := dialV3(b, addr, "service")
	svc.subscribe(b, "DATASVC.SET.ch1")
	dev := dialV3(b, addr, "dev")
	reply := mqtt.SetTopic("pkA", "x") + "_reply"
	if err := wait(dev.c.Subscribe(mqtt.SetTopic("pkA", "x"), 1, func(c pahov3.Client, m pahov3.Message) {
		var cmd command
		json.Unmarshal(m.Payload(), &cmd)
		c.Publish(reply, 1, false, setReplyPayload(cmd.ID, 200, ""))
	})); err != nil {
		b.Fatal(err)
	}
	item := setItem("r", "DATASVC.SET.ch1", "pkA", "x", "temp", `{"arg":21.5}`, 30000)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		item.RequestID = strconv.Itoa(i)
		if err := d.Dispatch(ctx, item); err != nil {
			b.Fatal(err)
		}
		next(b, svc.msgs)
	}
}

func BenchmarkPingPongRoundTrip(b *testing.B) {
	addr := startBroker(b, sampleOptions(b))
	svc := dialV3(b, addr, "service")
	svc.subscribe(b, "bench/pong")
	dev := dialV3(b, addr, "dev")
	if err := wait(dev.c.Subscribe("bench/ping", 1, func(c pahov3.Client, m pahov3.Message) {
		c.Publish("bench/pong", 1, false, m.Payload())
	})); err != nil {
		b.Fatal(err)
	}
	const payload = `{"id":"1","version":"1.0","params":{"temp":21.5},"method":"thing.service.measurepoint.set"}`
	b.ReportAllocs()
	for b.Loop() {
		svc.c.Publish("bench/ping", 1, false, payload)
		next(b, svc.msgs)
	}
}
