package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pahov3 "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/environment"
)

func main() {
	clients := flag.Int("clients", 50, "well-behaved clients")
	hostile := flag.Int("hostile", 10, "hostile clients")
	duration := flag.Duration("duration", time.Minute, "how long to run")
	envPath := flag.String("env", "testdata/envs/sample.json", "environment file")
	flag.Parse()
	if err := run(*clients, *hostile, *duration, *envPath); err != nil {
		fmt.Fprintln(os.Stderr, "pointguard-soak:", err)
		os.Exit(2)
	}
}

type counts struct{ sent, ok, replied, lost atomic.Int64 }

func run(nClients, nHostile int, d time.Duration, envPath string) error {
	env, err := environment.Load(os.DirFS("."), envPath)
	if err != nil {
		return err
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	var sinkMu sync.Mutex
	opts := mqtt.Options{AllowAll: true, Sink: mqtt.SinkFunc(func(b *mqtt.Batch) error {
		sinkMu.Lock()
		defer sinkMu.Unlock()
		_, err := fmt.Fprintf(devnull, "%s %d\n", b.ClientID, len(b.Points))
		return err
	})}
	opts.Validate.Models, opts.Validate.Directory = env.Models(), env.Directory()
	srv, err := mqtt.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := srv.AddListener(mqtt.NewListener("soak", ln, mqtt.Limits{}, nil)); err != nil {
		return err
	}
	if err := srv.Serve(); err != nil {
		return err
	}
	addr := ln.Addr().String()
	var c counts
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := range nClients {
		wg.Go(func() { goodClient(addr, k, stop, &c) })
	}
	for k := range nHostile {
		wg.Go(func() { hostileClient(addr, k, stop) })
	}
	start := time.Now()
	time.Sleep(d)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	mqtt.Close(srv)
	fmt.Printf("clients %d well-behaved + %d hostile, %v\n", nClients, nHostile, elapsed.Round(time.Second))
	fmt.Printf("requests %d, replies %d (200: %d), replies lost %d\n", c.sent.Load(), c.replied.Load(), c.ok.Load(), c.lost.Load())
	fmt.Printf("throughput %.0f requests/s\n", float64(c.sent.Load())/elapsed.Seconds())
	fmt.Printf("dropped for slow clients %d\n", srv.Info.MessagesDropped)
	fmt.Printf("peak RSS %s\n", peakRSS())
	return nil
}

const topic = "/sys/gwP/gw1/thing/measurepoint/post"

// goodClient publishes a request, waits for its reply, and counts a request
// acknowledged but not answered within 10 s as lost.
func goodClient(addr string, k int, stop <-chan struct{}, c *counts) {
	replies := make(chan []byte, 16)
	cl := pahov3.NewClient(pahov3.NewClientOptions().AddBroker("tcp://" + addr).
		SetClientID("good" + strconv.Itoa(k)).SetProtocolVersion(4).SetAutoReconnect(false).SetKeepAlive(30 * time.Second))
	if t := cl.Connect(); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return
	}
	defer cl.Disconnect(100)
	// Each client has its own reply topic: its own device key.
	reqTopic := "/sys/gwP/soak" + strconv.Itoa(k) + "/thing/measurepoint/post"
	if t := cl.Subscribe(reqTopic+"_reply", 1, func(_ pahov3.Client, m pahov3.Message) { replies <- m.Payload() }); !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		id := strconv.Itoa(k*10_000_000 + i)
		t := cl.Publish(reqTopic, 1, false, `{"id":"`+id+`","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"status":2}}}`)
		if !t.WaitTimeout(10*time.Second) || t.Error() != nil {
			return
		}
		c.sent.Add(1)
		want := []byte(`{"id":"` + id + `",`)
		deadline := time.After(10 * time.Second)
	wait:
		for {
			select {
			case r := <-replies:
				if bytes.HasPrefix(r, want) {
					c.replied.Add(1)
					if bytes.Contains(r, []byte(`"code":200`)) {
						c.ok.Add(1)
					}
					break wait
				}
			case <-deadline:
				c.lost.Add(1)
				break wait
			}
		}
	}
}

// hostileClient takes turns at a slow reader, a stalled PUBLISH and forged
// replies, on fresh connections.
func hostileClient(addr string, k int, stop <-chan struct{}) {
	for round := 0; ; round++ {
		select {
		case <-stop:
			return
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		id := "hostile" + strconv.Itoa(k) + "-" + strconv.Itoa(round)
		conn.Write(encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 4,
			Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: id, Keepalive: 5, Clean: true}}))
		switch (k + round) % 3 {
		case 0: // slow reader of everything
			conn.Write(encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 1,
				Filters: packets.Subscriptions{{Filter: "#", Qos: 1}}}))
		case 1: // most of a PUBLISH, then nothing
			pub := encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: "x/y", Payload: make([]byte, 400<<10)})
			conn.Write(pub[:len(pub)-20])
		case 2: // forged replies
			for i := range 100 {
				conn.Write(encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish}, TopicName: topic + "_reply",
					Payload: []byte(`{"id":"` + strconv.Itoa(i) + `","code":200,"data":{}}`)}))
			}
		}
		select {
		case <-stop:
		case <-time.After(10 * time.Second):
		}
		conn.Close()
	}
}

func encode(pk packets.Packet) []byte {
	var buf bytes.Buffer
	switch pk.FixedHeader.Type {
	case packets.Connect:
		pk.ConnectEncode(&buf)
	case packets.Publish:
		pk.PublishEncode(&buf)
	case packets.Subscribe:
		pk.SubscribeEncode(&buf)
	}
	return buf.Bytes()
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for l := range strings.Lines(string(b)) {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}
