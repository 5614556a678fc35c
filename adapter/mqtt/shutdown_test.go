package mqtt_test

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/adapter/mqtt"
)

// TestCloseWhileClientsLeave closes brokers while their client list is being
// written to, as it is when clients come and go. The broker's own Close
// method deadlocks when a removal waits between its two read locks; Close
// must return every time, and must disconnect the client that is connected.
func TestCloseWhileClientsLeave(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for round := range rounds {
		srv, addr, _ := serveLimited(t, mqtt.Limits{})
		c := rawDial(t, addr)
		connect(t, c, "stays", 4, 0)

		// Writers to the client list: sessions added and removed without a
		// connection, as the broker does when clients attach and leave.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i%8)
					srv.Clients.Add(srv.NewClient(nil, "elsewhere", id, true))
					srv.Clients.Delete(id)
				}
			})
		}
		time.Sleep(time.Millisecond)
		if !closeReturns(srv) {
			// The writers are stuck behind the deadlock too: not waited for.
			t.Fatalf("round %d: Close has not returned after 10 s while clients were being removed", round)
		}
		close(stop)
		wg.Wait()
		if !closedBy(c, timeout) {
			t.Fatalf("round %d: the connected client was not disconnected by Close", round)
		}
		if d, err := net.DialTimeout("tcp", addr, timeout); err == nil {
			d.Close()
			t.Fatalf("round %d: the listener still accepts connections after Close", round)
		}
	}
}

// TestCloseLateClient adds a client after Close has disconnected the
// others, the way a CONNECT completed just before the listener closed is
// added: it must be disconnected too, or Close would wait for it for ever.
func TestCloseLateClient(t *testing.T) {
	srv, addr, _ := serveLimited(t, mqtt.Limits{})
	c := rawDial(t, addr)
	connect(t, c, "early", 4, 0)
	late, far := net.Pipe()
	defer far.Close()
	go func() { // what the broker writes to the late client
		buf := make([]byte, 64)
		for {
			if _, err := far.Read(buf); err != nil {
				return
			}
		}
	}()
	cl := srv.NewClient(late, "t", "late", false)
	// The late client's connection counts as open until the broker stops
	// it, as a session's read loop does.
	srv.Listeners.ClientsWg.Add(1)
	go func() {
		defer srv.Listeners.ClientsWg.Done()
		if !closedBy(c, timeout) {
			return // reported below
		}
		srv.Clients.Add(cl)
		for !cl.Closed() {
			time.Sleep(time.Millisecond)
		}
	}()
	if !closeReturns(srv) {
		t.Fatal("Close has not returned after 10 s: a client added after the others were disconnected was not disconnected")
	}
	if !cl.Closed() {
		t.Fatal("Close returned with the late client still connected")
	}
}

// closeReturns reports whether mqtt.Close(srv) returns within 10 s.
func closeReturns(srv *mochi.Server) bool {
	closed := make(chan struct{})
	go func() { mqtt.Close(srv); close(closed) }()
	select {
	case <-closed:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

// stalledReader connects a client that subscribes to everything, then reads
// nothing while it keeps its session alive with PINGREQ, and fills the
// broker's socket to it with publications from another client. It returns
// the stalled connection, and a function that stops the pings.
func stalledReader(t *testing.T, srv *mochi.Server, addr string) (net.Conn, func()) {
	t.Helper()
	slow := rawDial(t, addr)
	connect(t, slow, "stalled", 4, 600)
	slow.Write(encode(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 1,
		Filters: packets.Subscriptions{{Filter: "#", Qos: 0}}}))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				slow.SetWriteDeadline(time.Now().Add(time.Second))
				slow.Write([]byte{0xc0, 0}) // PINGREQ
			}
		}
	})
	time.Sleep(100 * time.Millisecond) // the SUBSCRIBE is processed
	pub := dialV3(t, addr, "flood")
	payload := strings.Repeat("x", 64<<10)
	const n = 512 // 32 MiB: more than the socket buffers hold
	for range n {
		if err := pub.tryPublish("other/topic", 0, payload); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if sent := atomic.LoadInt64(&srv.Info.BytesSent); sent >= n*int64(len(payload)) {
		t.Fatalf("the broker wrote %d bytes to its clients, all it was given: the stalled client's socket never filled", sent)
	}
	return slow, func() { close(stop); wg.Wait() }
}

// TestStalledReaderDisconnected checks that a client that stops reading is
// disconnected once its queue passes MaxQueuedBytes, even while it keeps its
// session alive: the broker's write to it is blocked, and must not keep the
// disconnection waiting.
func TestStalledReaderDisconnected(t *testing.T) {
	srv, addr, log := startLimited(t, mqtt.Limits{})
	_, stop := stalledReader(t, srv, addr)
	defer stop()
	if !eventually(func() bool { return strings.Contains(log.String(), "outbound queue full") }) {
		t.Fatalf("log %q: want the stalled client's queue found full", log.String())
	}
	// Read nothing from it: reading would unblock the broker's write.
	if !eventually(func() bool { cl, ok := srv.Clients.Get("stalled"); return !ok || cl.Closed() }) {
		t.Fatal("the stalled client is still connected 10 s after its queue was found full")
	}
}

// TestCloseStalledReader checks that Close returns while a client that reads
// nothing has a write to it blocked.
func TestCloseStalledReader(t *testing.T) {
	srv, addr, _ := serveLimited(t, mqtt.Limits{MaxQueuedBytes: -1})
	slow, stop := stalledReader(t, srv, addr)
	defer stop()
	if !closeReturns(srv) {
		t.Fatal("Close has not returned after 10 s with a write to a stalled client blocked")
	}
	if !closedBy(slow, timeout) {
		t.Fatal("the stalled client is still connected after Close")
	}
}
