package natsworker

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// Sizes of the cluster tests: gateways × requests each, 3000 requests (1200
// accepted, 600 each of 1204, 1212, 1206), or 1000 under the race detector.
const testGateways = 10

var testPer = map[bool]int{false: 300, true: 100}[raceEnabled]

// TestClusterMixedTwoWorkers sends several thousand requests of every kind
// through a three-node cluster to two workers: every request gets the right
// code, and the streams hold exactly the accepted points and the rejections.
func TestClusterMixedTwoWorkers(t *testing.T) {
	c := startCluster(t, 3)
	_, js := connect(t, c.urls())
	cfg := testConfig(t, 0)
	a := startWorker(t, c.urls(), cfg)
	b := startWorker(t, c.urls(), cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, name := range []string{DefaultRawStream, DefaultPointsStream, DefaultRejectedStream} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r := s.CachedInfo().Config.Replicas; r != 3 {
			t.Errorf("stream %s has %d replicas, want 3 on a cluster", name, r)
		}
	}

	// Both workers must be pulling before the traffic starts, or the first
	// one up may take it all (seen under the race detector).
	waitPulling(t, js, cfg, 2)
	f := newFleet(t, c.nodes[0].mqtt, testGateways, testPer, 20*time.Second)
	// A gateway whose key holds ".", to check the topic mapping both ways.
	f = append(f, newDevice(t, c.nodes[1].mqtt, "gateway-dot", makeRequests(10, 10), 20*time.Second))
	f.run(60 * time.Second)
	f.check(t)
	waitRawEmpty(t, js)
	checkStored(t, js, f.requests())
	if a.handled.Load() == 0 || b.handled.Load() == 0 {
		t.Errorf("work not shared: worker a handled %d, b %d", a.handled.Load(), b.handled.Load())
	}
	t.Logf("handled: a %d, b %d; resent by devices %d", a.handled.Load(), b.handled.Load(), f.resent())
}

// TestClusterWorkerKilled kills a worker mid-run right after it has stored a
// request's results and before it answers and acks: the other worker gets its
// unacked requests again, and nothing is lost or stored twice.
func TestClusterWorkerKilled(t *testing.T) {
	c := startCluster(t, 3)
	_, js := connect(t, c.urls())
	cfg := testConfig(t, 0)
	b := startWorker(t, c.urls(), cfg)

	var calls atomic.Int64
	var victim *runningWorker
	killed := make(chan struct{})
	cfgA := cfg
	cfgA.afterStore = func() bool {
		if calls.Add(1) == 300 {
			victim.nc.Close() // the process is gone: no ack, no reply, no cleanup
			close(killed)
		}
		select {
		case <-killed:
			return false
		default:
			return true
		}
	}
	victim = startWorker(t, c.urls(), cfgA)
	// The victim must be pulling before the traffic starts, or b, up first,
	// may take all of it and the victim never reach its 300th request.
	waitPulling(t, js, cfg, 2)

	f := newFleet(t, c.nodes[0].mqtt, testGateways, testPer, 20*time.Second)
	f.run(60 * time.Second)
	f.check(t)
	select {
	case <-killed:
	default:
		t.Fatal("the worker was never killed")
	}
	if err := victim.stop(t); err == nil {
		t.Error("killed worker's Run returned nil")
	}
	waitRawEmpty(t, js)
	checkStored(t, js, f.requests())
	if b.redelivered.Load() == 0 {
		t.Error("the surviving worker got no redelivered request")
	}
	if b.duplicates.Load() == 0 {
		t.Error("no result was found already stored: the killed request's redelivery was not deduplicated")
	}
	t.Logf("killed worker handled %d; survivor handled %d, %d redelivered, %d duplicates",
		victim.handled.Load(), b.handled.Load(), b.redelivered.Load(), b.duplicates.Load())
}

// TestClusterNodeDown shuts down the node that leads the raw stream mid-run
// (R3 streams): every request is still answered, its points stored once.
func TestClusterNodeDown(t *testing.T) {
	c := startCluster(t, 3)
	cfg := testConfig(t, 3)
	a := startWorker(t, c.urls(), cfg)
	b := startWorker(t, c.urls(), cfg)
	_, js := connect(t, c.urls())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, DefaultRawStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	victim := c.byName(info.Cluster.Leader)
	if victim == nil {
		t.Fatalf("no node named %q leads the raw stream", info.Cluster.Leader)
	}
	var devNode *node
	for _, nd := range c.nodes {
		if nd != victim {
			devNode = nd
			break
		}
	}

	f := newFleet(t, devNode.mqtt, testGateways, testPer, 5*time.Second)
	go func() {
		deadline := time.Now().Add(60 * time.Second)
		for f.answered() < len(f.requests())/3 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		victim.srv.Shutdown()
	}()
	f.run(90 * time.Second)
	f.check(t)
	if victim.srv.Running() {
		t.Fatal("the node was never shut down")
	}
	_, js2 := connect(t, c.urls())
	waitRawEmpty(t, js2)
	checkStored(t, js2, f.requests())
	t.Logf("handled: a %d, b %d; redelivered %d; duplicates %d; resent by devices %d; MQTT connections lost %d",
		a.handled.Load(), b.handled.Load(), a.redelivered.Load()+b.redelivered.Load(),
		a.duplicates.Load()+b.duplicates.Load(), f.resent(), f.lost())
}

// TestClusterLateWorkerDrains queues requests while no worker runs; a worker
// started afterwards answers them all.
func TestClusterLateWorkerDrains(t *testing.T) {
	c := startCluster(t, 3)
	_, js := connect(t, c.urls())
	cfg := testConfig(t, 0)
	setup(t, js, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f := newFleet(t, c.nodes[2].mqtt, 4, 100, time.Minute)
	for _, d := range f {
		d.publish(d.reqs)
	}
	waitFor(t, 30*time.Second, "400 requests queued", func() bool {
		s, err := js.Stream(ctx, DefaultRawStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == 400
	})
	if n := f.answered(); n != 0 {
		t.Fatalf("%d requests answered with no worker running", n)
	}
	startWorker(t, c.urls(), cfg)
	f.run(60 * time.Second) // nothing unanswered is sent again within the minute
	f.check(t)
	if n := f.resent(); n != 0 {
		t.Errorf("devices sent %d requests again", n)
	}
	waitRawEmpty(t, js)
	checkStored(t, js, f.requests())
}

// TestDeviceResendStoredOnce has a device send every request a second time
// after its reply, as an SDK does when its reply timed out: both are answered,
// and nothing is stored twice although the second is a new message of the raw
// stream.
func TestDeviceResendStoredOnce(t *testing.T) {
	nd := startServer(t)
	_, js := connect(t, nd.srv.ClientURL())
	w := startWorker(t, nd.srv.ClientURL(), testConfig(t, 0))
	d := newDevice(t, nd.mqtt, "gateway-0", makeRequests(0, 50), time.Minute)
	d.run(time.Now().Add(30 * time.Second))
	d.check(t)
	d.publish(d.reqs)
	waitFor(t, 30*time.Second, "second replies", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.replies >= 2*len(d.reqs)
	})
	for _, r := range d.reqs {
		if n := d.count[r.id]; n != 2 {
			t.Errorf("request %s answered %d times, want 2", r.id, n)
		}
	}
	waitRawEmpty(t, js)
	checkStored(t, js, d.reqs)
	// 20 accepted requests with two devices each, 30 rejected: 70 results sent again.
	if n := w.duplicates.Load(); n != 70 {
		t.Errorf("%d results found already stored, want 70", n)
	}
}

// TestSingleServerReplicas checks that Setup creates one replica on a server
// that is not in a cluster, sets the documented duplicate window and consumer,
// and reuses what exists.
func TestSingleServerReplicas(t *testing.T) {
	nd := startServer(t)
	_, js := connect(t, nd.srv.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := testConfig(t, 0)
	for range 2 {
		if err := Setup(ctx, js, cfg); err != nil {
			t.Fatal(err)
		}
	}
	st, err := js.Stream(ctx, DefaultPointsStream)
	if err != nil {
		t.Fatal(err)
	}
	if r := st.CachedInfo().Config.Replicas; r != 1 {
		t.Errorf("replicas %d, want 1 on a single server", r)
	}
	if d := st.CachedInfo().Config.Duplicates; d != DefaultDuplicateWindow {
		t.Errorf("duplicate window %v, want %v", d, DefaultDuplicateWindow)
	}
	raw, err := js.Stream(ctx, DefaultRawStream)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(RequestSubjects(), raw.CachedInfo().Config.Subjects); diff != "" {
		t.Errorf("raw stream subjects (-want +got):\n%s", diff)
	}
	cons, err := js.Consumer(ctx, DefaultRawStream, DefaultConsumer)
	if err != nil {
		t.Fatal(err)
	}
	ci := cons.CachedInfo().Config
	if ci.AckPolicy != jetstream.AckExplicitPolicy || ci.AckWait != cfg.AckWait || ci.MaxDeliver != -1 {
		t.Errorf("consumer config %+v", ci)
	}
}

// TestOrderKept runs the documented recipe for per-device order, one
// goroutine on a consumer with MaxAckPending 1: the points of a device are
// stored in the order the device sent its requests.
func TestOrderKept(t *testing.T) {
	nd := startServer(t)
	_, js := connect(t, nd.srv.ClientURL())
	cfg := testConfig(t, 0)
	cfg.Workers, cfg.MaxAckPending = 1, 1
	startWorker(t, nd.srv.ClientURL(), cfg)
	d := newDevice(t, nd.mqtt, "gateway-0", makeRequests(0, 200), time.Minute)
	d.run(time.Now().Add(60 * time.Second))
	d.check(t)
	waitRawEmpty(t, js)
	checkStored(t, js, d.reqs)
	last := map[string]int64{}
	for _, m := range readStream(t, js, DefaultPointsStream) {
		var p storedPoint
		line, _, _ := strings.Cut(string(m.Data()), "\n")
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		if p.Time < last[m.Subject()] {
			t.Errorf("%s: a point of time %d stored after one of time %d", m.Subject(), p.Time, last[m.Subject()])
		}
		last[m.Subject()] = p.Time
	}
}

// TestConsumerDeleted checks that a worker whose consumer is deleted under it
// stops with an error instead of waiting forever.
func TestConsumerDeleted(t *testing.T) {
	nd := startServer(t)
	_, js := connect(t, nd.srv.ClientURL())
	w := startWorker(t, nd.srv.ClientURL(), testConfig(t, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteConsumer(ctx, DefaultRawStream, DefaultConsumer); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if err == nil {
			t.Error("Run returned nil after its consumer was deleted")
		}
		close(w.done)
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop after its consumer was deleted")
	}
}
