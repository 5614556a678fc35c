package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	pahov3 "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// The environment of testdata/envs/sample.json, built here so that these tests
// depend only on the model loader: gateway gwP/gw1 (model Meter) with sub-devices
// product1/device1 and product2/device2 (model Inverter); product1/other1 belongs
// to gateway gwP/gw9; product1/offline1 is an offline sub-device of gwP/gw1.
const (
	inverterModel = `{"modelId": "Inverter", "measurepoints": {
	  "Power":      {"identifier": "Power", "dataType": "INT", "hasQuality": true, "dataDefinition": null},
	  "temp":       {"identifier": "temp", "dataType": "FLOAT"},
	  "branchCurr": {"identifier": "branchCurr", "dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"}}}`
	meterModel = `{"modelId": "Meter", "measurepoints": {
	  "voltage": {"identifier": "voltage", "dataType": "DOUBLE"},
	  "status":  {"identifier": "status", "dataType": "ENUM",
	              "dataDefinition": "{\"enumType\":\"INT\",\"enumDesc\":{\"0\":\"normal\",\"1\":\"warning\",\"2\":\"fault\"}}"}}}`
)

// samplePayload is the request of the seeds' "post batch" page (with both flags).
const samplePayload = `{
    "id":"123",
    "version":"1.0",
    "allowOfflineSubDevice": true,
    "skipInvalidMeasurepoints": true,
    "params":[
        {
            "productKey":"product1",
            "deviceKey":"device1",
            "measurepoints":{
                "Power":{
                    "value":1,
                    "quality":9
                },
                "temp":1.02,
                "branchCurr":[
                    "1.02",
                    "2.02",
                    "7.93"
                ]
            },
            "time":123456
        },
        {
            "productKey":"product1",
            "deviceKey":"device1",
            "measurepoints":{
                "Power":{
                    "value":2,
                    "quality":9
                },
                "temp":2.02,
                "branchCurr":[
                    "2.02",
                    "3.02",
                    "9.93"
                ]
            },
            "time":123567
        },
        {
            "productKey":"product2",
            "deviceKey":"device2",
            "measurepoints":{
                "Power":{
                    "value":1,
                    "quality":9
                },
                "temp":1.02,
                "branchCurr":[
                    "1.02",
                    "2.02",
                    "7.93"
                ]
            },
            "time":123456
        }
    ],
    "method":"thing.measurepoint.post.batch"
}`

const (
	gwTopic      = "/sys/gwP/gw1/thing/measurepoint/post/batch"
	gwReplyTopic = gwTopic + "_reply"
)

// timeout bounds every network operation of these tests.
const timeout = 10 * time.Second

// directory is a device directory held in a map; keys are "pk/dk".
type directory map[string]validate.Device

func (d directory) Device(pk, dk string) (validate.Device, bool) {
	dev, ok := d[pk+"/"+dk]
	return dev, ok
}

func sampleDirectory() directory {
	return directory{
		"gwP/gw1":           {Online: true},
		"product1/device1":  {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true},
		"product2/device2":  {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true},
		"product1/offline1": {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: false},
		"product1/other1":   {GatewayProductKey: "gwP", GatewayDeviceKey: "gw9", Online: true},
	}
}

func sampleCatalog(tb testing.TB) *thingmodel.Catalog {
	tb.Helper()
	inv, err := thingmodel.ParseModel("inverter", []byte(inverterModel))
	if err != nil {
		tb.Fatal(err)
	}
	meter, err := thingmodel.ParseModel("meter", []byte(meterModel))
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := thingmodel.NewCatalog([]*thingmodel.Model{inv, meter},
		map[string]string{"product1": "Inverter", "product2": "Inverter", "gwP": "Meter"})
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

func sampleOptions(tb testing.TB) mqtt.Options {
	return mqtt.Options{
		Validate: validate.Options{Models: sampleCatalog(tb), Directory: sampleDirectory()},
		AllowAll: true,
		Now:      func() int64 { return 1700000000000 },
	}
}

// startBroker starts a broker on a random loopback port and returns its address.
// The broker is closed when the test ends.
func startBroker(tb testing.TB, opts mqtt.Options) string {
	tb.Helper()
	srv, err := mqtt.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return serveBroker(tb, srv)
}

func serveBroker(tb testing.TB, srv *mochi.Server) string {
	tb.Helper()
	l := listeners.NewTCP(listeners.Config{ID: "test", Address: "127.0.0.1:0"})
	if err := srv.AddListener(l); err != nil {
		tb.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { mqtt.Close(srv) })
	return l.Address()
}

// v3Client is an MQTT 3.1.1 client that collects the messages of its
// subscriptions.
type v3Client struct {
	c    pahov3.Client
	msgs chan message
}

type message struct {
	topic   string
	payload []byte
}

func newV3Options(addr, id string) *pahov3.ClientOptions {
	return pahov3.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID(id).
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(timeout).
		SetWriteTimeout(timeout).
		SetCleanSession(true)
}

func newV3(o *pahov3.ClientOptions) pahov3.Client { return pahov3.NewClient(o) }

func dialV3(tb testing.TB, addr, id string) *v3Client {
	tb.Helper()
	vc := &v3Client{msgs: make(chan message, 1024)}
	vc.c = newV3(newV3Options(addr, id))
	if err := wait(vc.c.Connect()); err != nil {
		tb.Fatalf("connect %s: %v", id, err)
	}
	tb.Cleanup(func() { vc.c.Disconnect(100) })
	return vc
}

func wait(t pahov3.Token) error {
	if !t.WaitTimeout(timeout) {
		return errors.New("timed out")
	}
	return t.Error()
}

func (vc *v3Client) subscribe(tb testing.TB, topic string) {
	tb.Helper()
	err := wait(vc.c.Subscribe(topic, 1, func(_ pahov3.Client, m pahov3.Message) {
		select {
		case vc.msgs <- message{m.Topic(), m.Payload()}:
		case <-time.After(timeout):
		}
	}))
	if err != nil {
		tb.Fatalf("subscribe %s: %v", topic, err)
	}
}

func (vc *v3Client) publish(tb testing.TB, topic string, qos byte, payload string) {
	tb.Helper()
	if err := vc.tryPublish(topic, qos, payload); err != nil {
		tb.Fatal(err)
	}
}

// tryPublish publishes and waits for the PUBACK at QoS 1; it may be called from
// any goroutine.
func (vc *v3Client) tryPublish(topic string, qos byte, payload string) error {
	if err := wait(vc.c.Publish(topic, qos, false, payload)); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// v5Client is an MQTT 5 client that collects the messages of its subscriptions.
type v5Client struct {
	c    *paho.Client
	msgs chan message
}

func dialV5(tb testing.TB, addr, id string) *v5Client {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		tb.Fatal(err)
	}
	vc := &v5Client{msgs: make(chan message, 1024)}
	vc.c = paho.NewClient(paho.ClientConfig{
		Conn:          conn,
		PacketTimeout: timeout,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				select {
				case vc.msgs <- message{pr.Packet.Topic, pr.Packet.Payload}:
				case <-time.After(timeout):
				}
				return true, nil
			},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ca, err := vc.c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true})
	if err != nil {
		tb.Fatalf("connect %s: %v", id, err)
	}
	if ca.ReasonCode != 0 {
		tb.Fatalf("connect %s: reason code %#x", id, ca.ReasonCode)
	}
	tb.Cleanup(func() { vc.c.Disconnect(&paho.Disconnect{ReasonCode: 0}) })
	return vc
}

func (vc *v5Client) subscribe(tb testing.TB, topic string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := vc.c.Subscribe(ctx, &paho.Subscribe{
		Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}},
	}); err != nil {
		tb.Fatalf("subscribe %s: %v", topic, err)
	}
}

// publish publishes and returns the PUBACK's reason code and reason string (0 and
// "" at QoS 0). A negative PUBACK is not an error here.
func (vc *v5Client) publish(tb testing.TB, topic string, qos byte, payload string) (byte, string) {
	tb.Helper()
	code, reason, err := vc.tryPublish(topic, qos, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return code, reason
}

// tryPublish is publish for any goroutine: it returns an error only when no
// PUBACK came.
func (vc *v5Client) tryPublish(topic string, qos byte, payload string) (byte, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	pr, err := vc.c.Publish(ctx, &paho.Publish{Topic: topic, QoS: qos, Payload: []byte(payload)})
	if pr == nil {
		return 0, "", fmt.Errorf("publish %s: %w", topic, err)
	}
	reason := ""
	if pr.Properties != nil {
		reason = pr.Properties.ReasonString
	}
	return pr.ReasonCode, reason, nil
}

// next returns the next message on msgs, failing the test after timeout.
func next(tb testing.TB, msgs <-chan message) message {
	tb.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(timeout):
		tb.Fatal("no message within", timeout)
	}
	return message{}
}

// none asserts that no message arrives on msgs within d.
func none(tb testing.TB, msgs <-chan message, d time.Duration) {
	tb.Helper()
	select {
	case m := <-msgs:
		tb.Fatalf("unexpected message on %s: %s", m.topic, m.payload)
	case <-time.After(d):
	}
}

// reply returns the next message, which must be a reply on topic, decoded.
func reply(tb testing.TB, msgs <-chan message, topic string) protocol.Reply {
	tb.Helper()
	m := next(tb, msgs)
	if m.topic != topic {
		tb.Fatalf("message on %q, want a reply on %q: %s", m.topic, topic, m.payload)
	}
	r, err := protocol.ParseReply(m.payload)
	if err != nil {
		tb.Fatalf("reply %s: %v", m.payload, err)
	}
	return r
}

// collector is a Sink that keeps copies of the batches it accepts.
type collector struct {
	mu      sync.Mutex
	batches []batch
}

type batch struct {
	Topic  string
	ID     string
	Points []point
}

type point struct {
	ProductKey, DeviceKey string
	Time                  int64
	Identifier            string
	DataType              string
	Value                 string
	Quality               int
}

func (c *collector) Accept(b *mqtt.Batch) error {
	cb := batch{Topic: b.Topic.String(), ID: string(b.ID)}
	for _, p := range b.Points {
		cb.Points = append(cb.Points, point{p.ProductKey, p.DeviceKey, p.Time, p.Identifier,
			p.DataType.String(), string(p.Value), p.Quality})
	}
	c.mu.Lock()
	c.batches = append(c.batches, cb)
	c.mu.Unlock()
	return nil
}

func (c *collector) get() []batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]batch(nil), c.batches...)
}

// meterRequest returns a single-entry batch request for the topic device with the
// given id and voltage (a valid DOUBLE is a number; a word gets 1204).
func meterRequest(id int, voltage string) string {
	return `{"id":` + strconv.Itoa(id) + `,"version":"1.0","method":"thing.measurepoint.post.batch",` +
		`"params":[{"measurepoints":{"voltage":` + voltage + `},"time":1}]}`
}

// topicOf returns the post-batch topic of gateway gwP/dk.
func topicOf(dk string) string {
	return "/sys/gwP/" + dk + "/thing/measurepoint/post/batch"
}
