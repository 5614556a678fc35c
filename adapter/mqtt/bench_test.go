package mqtt_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// Benchmark shape: benchClients MQTT 5 clients, each a gateway with its own two
// sub-devices, publish the seeds' sample at QoS 0 with at most benchWindow
// requests awaiting their reply.
const (
	benchClients = 4
	benchWindow  = 16
)

// BenchmarkBroker measures messages validated and replied per second through the
// broker on loopback, beside a baseline broker whose hook replies 200 to every
// request without validating it: the difference is the cost of validation. A
// third line, for scale, validates the same payload without any broker.
func BenchmarkBroker(b *testing.B) {
	b.Run("validate", func(b *testing.B) {
		dir := directory{}
		for c := range benchClients {
			gw := fmt.Sprintf("b%d", c)
			dir["product1/d1-"+gw] = validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: gw, Online: true}
			dir["product2/d2-"+gw] = validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: gw, Online: true}
		}
		addr := startBroker(b, mqtt.Options{
			Validate: validate.Options{Models: sampleCatalog(b), Directory: dir},
			AllowAll: true,
		})
		runBench(b, addr, false)
	})
	b.Run("validate-secured", func(b *testing.B) {
		// Every gateway authenticates, may use only its own topics and those
		// of the sub-devices logged in through it, and logs in its first
		// sub-device before the run; the directory the validator reads is
		// the session registry.
		devs := []mqtt.Device{}
		for c := range benchClients {
			gw := fmt.Sprintf("b%d", c)
			devs = append(devs,
				mqtt.Device{ProductKey: "gwP", DeviceKey: gw, Secret: "secret-" + gw, Device: validate.Device{Online: true}},
				mqtt.Device{ProductKey: "product1", DeviceKey: "d1-" + gw, Secret: "secret-d1-" + gw,
					Device: validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: gw, Online: false}},
				mqtt.Device{ProductKey: "product2", DeviceKey: "d2-" + gw,
					Device: validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: gw, Online: true}})
		}
		reg, err := mqtt.NewDevices(devs)
		if err != nil {
			b.Fatal(err)
		}
		addr := startBroker(b, mqtt.Options{
			Validate: validate.Options{Models: sampleCatalog(b)},
			Devices:  reg,
		})
		runBench(b, addr, true)
		if !reg.LoggedIn("product1", "d1-b0") {
			b.Fatal("the sub-device is not logged in")
		}
	})
	b.Run("baseline", func(b *testing.B) {
		srv := mochi.New(&mochi.Options{
			Capabilities: mqtt.Capabilities(0),
			InlineClient: true,
			Logger:       discard(),
		})
		if err := srv.AddHook(new(mqtt.AllowAll), nil); err != nil {
			b.Fatal(err)
		}
		if err := srv.AddHook(&replyOK{srv: srv}, nil); err != nil {
			b.Fatal(err)
		}
		runBench(b, serveBroker(b, srv), false)
	})
	b.Run("validator-alone", func(b *testing.B) {
		v := validate.New(validate.Options{Models: sampleCatalog(b), Directory: sampleDirectory()})
		payload := []byte(samplePayload)
		noop := func(*validate.Point) error { return nil }
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if res, _ := v.Validate(validate.Message{Topic: gwTopic}, payload, noop); res.Code != codes.OK {
				b.Fatal(res.Code)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	b.Run("validator-registry", func(b *testing.B) {
		// The same, with the session registry of the same devices as the
		// directory: the bookkeeping the validation path reads.
		var devs []mqtt.Device
		for key, d := range sampleDirectory() {
			pk, dk, _ := strings.Cut(key, "/")
			devs = append(devs, mqtt.Device{ProductKey: pk, DeviceKey: dk, Device: d, Secret: "s"})
		}
		reg, err := mqtt.NewDevices(devs)
		if err != nil {
			b.Fatal(err)
		}
		v := validate.New(validate.Options{Models: sampleCatalog(b), Directory: reg})
		payload := []byte(samplePayload)
		noop := func(*validate.Point) error { return nil }
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if res, _ := v.Validate(validate.Message{Topic: gwTopic}, payload, noop); res.Code != codes.OK {
				b.Fatal(res.Code)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	})
}

func runBench(b *testing.B, addr string, secured bool) {
	clients := make([]*benchClient, benchClients)
	for c := range clients {
		n := b.N / benchClients
		if c < b.N%benchClients {
			n++
		}
		clients[c] = dialBench(b, addr, c, n, secured)
	}
	b.SetBytes(int64(len(samplePayload)))
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, bc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bc.run()
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	for _, bc := range clients {
		if bc.err != nil {
			b.Fatal(bc.err)
		}
	}
}

type benchClient struct {
	c              *paho.Client
	topic, payload string
	window         chan struct{} // one token per request awaiting its reply
	replies        atomic.Int64
	bad            atomic.Int64  // replies other than 200
	done           chan struct{} // closed at the last reply
	want           int64         // requests to publish
	err            error
}

// dialBench connects client number c, which is to publish n requests. A
// secured client signs its CONNECT and logs in its sub-device d1 first.
func dialBench(b *testing.B, addr string, c, n int, secured bool) *benchClient {
	gw := fmt.Sprintf("b%d", c)
	bc := &benchClient{
		want:  int64(n),
		done:  make(chan struct{}),
		topic: "/sys/gwP/" + gw + "/thing/measurepoint/post/batch",
		payload: strings.NewReplacer(`"deviceKey":"device1"`, `"deviceKey":"d1-`+gw+`"`,
			`"deviceKey":"device2"`, `"deviceKey":"d2-`+gw+`"`).Replace(samplePayload),
		window: make(chan struct{}, benchWindow),
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		b.Fatal(err)
	}
	ok := []byte(`"code":200,`)
	bc.c = paho.NewClient(paho.ClientConfig{
		Conn:          conn,
		PacketTimeout: timeout,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				if !bytes.Contains(pr.Packet.Payload, ok) {
					bc.bad.Add(1)
				}
				select {
				case <-bc.window:
				default:
				}
				if bc.replies.Add(1) == bc.want {
					close(bc.done)
				}
				return true, nil
			},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	connect := &paho.Connect{ClientID: gw, KeepAlive: 30, CleanStart: true}
	if secured {
		user, id, pass := mqtt.Credentials(mqtt.SHA256, "gwP", gw, "secret-"+gw, "1", "")
		connect = &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true,
			Username: user, UsernameFlag: true, Password: []byte(pass), PasswordFlag: true}
	}
	if ca, err := bc.c.Connect(ctx, connect); err != nil || ca.ReasonCode != 0 {
		b.Fatal(err)
	}
	if secured {
		// Log in d1 (offline until then); the reply is not awaited here, the
		// run's first replies would be 1212 otherwise, which run reports.
		login := loginRequest("1", "product1", "d1-"+gw, "secret-d1-"+gw, mqtt.SHA256)
		if _, err := bc.c.Publish(ctx, &paho.Publish{Topic: "/ext/session/gwP/" + gw + "/combine/login", QoS: 1, Payload: []byte(login)}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := bc.c.Subscribe(ctx, &paho.Subscribe{
		Subscriptions: []paho.SubscribeOptions{{Topic: bc.topic + "_reply", QoS: 0}},
	}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bc.c.Disconnect(&paho.Disconnect{}) })
	return bc
}

// run publishes the client's requests and waits for their replies.
func (bc *benchClient) run() {
	n := int(bc.want)
	if n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	payload := []byte(bc.payload)
	for range n {
		select {
		case bc.window <- struct{}{}:
		case <-ctx.Done():
			bc.err = fmt.Errorf("%s: %d of %d replies: %w", bc.topic, bc.replies.Load(), n, ctx.Err())
			return
		}
		if _, err := bc.c.Publish(ctx, &paho.Publish{Topic: bc.topic, QoS: 0, Payload: payload}); err != nil {
			bc.err = err
			return
		}
	}
	select {
	case <-bc.done:
	case <-ctx.Done():
		bc.err = fmt.Errorf("%s: %d of %d replies: %w", bc.topic, bc.replies.Load(), n, ctx.Err())
		return
	}
	if bad := bc.bad.Load(); bad > 0 {
		bc.err = fmt.Errorf("%s: %d replies were not 200", bc.topic, bad)
	}
}

// replyOK is the baseline hook: it replies 200 to every request without reading
// its payload.
type replyOK struct {
	mochi.HookBase
	srv *mochi.Server
}

func (h *replyOK) ID() string           { return "reply-ok" }
func (h *replyOK) Provides(b byte) bool { return b == mochi.OnPublish }

func (h *replyOK) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	topic, err := protocol.ParseTopic(pk.TopicName)
	if err != nil {
		return pk, nil
	}
	reply := protocol.AppendReply(make([]byte, 0, 32), protocol.Reply{Code: codes.OK})
	return pk, h.srv.Publish(topic.ReplyTopic(), reply, false, pk.FixedHeader.Qos)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
