package natsworker

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readmeConfig returns the nats-server configuration of the README's
// "Scale out" section.
func readmeConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "## Scale out")
	if i < 0 {
		t.Fatal("README has no Scale out section")
	}
	s = s[i:]
	start := strings.Index(s, "```conf\n")
	if start < 0 {
		t.Fatal("Scale out section has no conf block")
	}
	s = s[start+len("```conf\n"):]
	return s[:strings.Index(s, "```")]
}

// TestReadmeConfig loads the README's cluster configuration into a real
// server (on loopback ports, alone, its store in a temporary directory) and
// checks what it promises: a worker with its user answers a device with its
// user, and the device can forge neither points nor replies.
func TestReadmeConfig(t *testing.T) {
	t.Setenv("DEVICE_PASSWORD", "dev-secret")
	t.Setenv("WORKER_PASSWORD", "worker-secret")
	file := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(file, []byte(readmeConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := server.ProcessConfigFile(file)
	if err != nil {
		t.Fatalf("README config: %v", err)
	}
	if !o.JetStream || o.MQTT.Port != 1883 || len(o.Routes) != 3 || o.Cluster.Name == "" {
		t.Fatalf("README config: JetStream %v, MQTT port %d, %d routes, cluster %q", o.JetStream, o.MQTT.Port, len(o.Routes), o.Cluster.Name)
	}
	// Alone on loopback: no cluster, free ports, a temporary store.
	o.Host, o.Port = "127.0.0.1", -1
	o.Cluster, o.Routes = server.ClusterOpts{}, nil
	o.MQTT.Host, o.MQTT.Port = "127.0.0.1", freePorts(t, 1)[0]
	o.StoreDir = t.TempDir()
	o.NoLog, o.NoSigs = true, true
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	mqttAddr := "127.0.0.1:" + strconv.Itoa(o.MQTT.Port)

	url := s.ClientURL()
	if _, err := nats.Connect(url); err == nil {
		t.Error("a client without credentials was let in")
	}
	nc, err := nats.Connect(url, nats.UserInfo("worker", "worker-secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Setup(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	w, err := New(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	device := func(id string, onMsg paho.MessageHandler) paho.Client {
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID(id).
			SetUsername("device").SetPassword("dev-secret"))
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("device %s: connect: %v", id, tok.Error())
		}
		t.Cleanup(func() { c.Disconnect(100) })
		if onMsg != nil {
			if tok := c.Subscribe("/sys/gwP/gw0/thing/measurepoint/post/batch_reply", 1, onMsg); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("device %s: subscribe: %v", id, tok.Error())
			}
		}
		return c
	}
	var mu sync.Mutex
	var got []string
	device("listener", func(_ paho.Client, m paho.Message) {
		mu.Lock()
		got = append(got, string(m.Payload()))
		mu.Unlock()
	})
	forger := device("forger", nil)
	forger.Publish("points/gwP/gw0", 1, false, `{"productKey":"gwP","deviceKey":"gw0","time":1,"identifier":"voltage","value":1}`+"\n").WaitTimeout(10 * time.Second)
	forger.Publish("/sys/gwP/gw0/thing/measurepoint/post/batch_reply", 1, false, `forged`).WaitTimeout(10 * time.Second)

	req := makeRequests(0, 1)[0] // accepted: two devices
	sender := device("sender", nil)
	if tok := sender.Publish(req.topic, 1, false, req.payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	waitFor(t, 20*time.Second, "the reply", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range got {
			if strings.Contains(g, `"code":200`) {
				return true
			}
		}
		return false
	})
	mu.Lock()
	for _, g := range got {
		if g == "forged" {
			t.Error("a device's forged reply reached another device")
		}
	}
	mu.Unlock()
	st, err := js.Stream(ctx, DefaultPointsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("points stream holds %d messages, want the request's 2 (a forged one got in?)", info.State.Msgs)
	}
}
