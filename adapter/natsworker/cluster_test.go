package natsworker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	json "github.com/goccy/go-json"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// The helpers of this file run a real NATS JetStream cluster in the test
// process (each node with its own store directory, on loopback ports), real
// MQTT clients as devices, and real workers.

// node is one server of a test cluster.
type node struct {
	srv  *server.Server
	mqtt string // host:port of its MQTT listener
}

// cluster is a test cluster of NATS servers with JetStream and MQTT.
type cluster struct {
	nodes []*node
}

// freePorts returns k distinct loopback ports that were free a moment ago.
// They are held open together while chosen, so that the kernel does not hand
// out one of them twice.
func freePorts(t testing.TB, k int) []int {
	t.Helper()
	ports := make([]int, k)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// nodeOptions returns the options of node i: client, cluster and MQTT
// listeners on loopback, JetStream in its own directory, and routes to the
// cluster ports of every node.
func nodeOptions(t testing.TB, i, mqttPort int, clusterPorts []int) *server.Options {
	o := &server.Options{
		ServerName:         "n" + strconv.Itoa(i),
		Host:               "127.0.0.1",
		Port:               -1,
		NoLog:              true,
		NoSigs:             true,
		JetStream:          true,
		StoreDir:           t.TempDir(),
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  1 << 30,
		MQTT:               server.MQTTOpts{Host: "127.0.0.1", Port: mqttPort},
	}
	if len(clusterPorts) > 0 {
		o.Cluster.Name = "pg"
		o.Cluster.Host = "127.0.0.1"
		o.Cluster.Port = clusterPorts[i]
		for _, p := range clusterPorts {
			o.Routes = append(o.Routes, &url.URL{Scheme: "nats", Host: "127.0.0.1:" + strconv.Itoa(p)})
		}
	}
	return o
}

// startServer starts a single server with JetStream and MQTT.
func startServer(t testing.TB) *node {
	t.Helper()
	o := nodeOptions(t, 0, freePorts(t, 1)[0], nil)
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	return &node{srv: s, mqtt: net.JoinHostPort("127.0.0.1", strconv.Itoa(o.MQTT.Port))}
}

// startCluster starts n servers routed to each other and waits until
// JetStream has a meta leader that every server follows. Ports are chosen
// free but may be taken by another process before a server binds them; then
// the cluster is started again on other ports, up to three times.
func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	var err error
	for range 3 {
		var c *cluster
		if c, err = tryCluster(t, n); err == nil {
			return c
		}
		t.Logf("cluster did not start, trying other ports: %v", err)
	}
	t.Fatal(err)
	return nil
}

func tryCluster(t testing.TB, n int) (*cluster, error) {
	c := &cluster{}
	ports := freePorts(t, 2*n) // cluster ports, then MQTT ports
	for i := range n {
		o := nodeOptions(t, i, ports[n+i], ports[:n])
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(s.Shutdown)
		c.nodes = append(c.nodes, &node{srv: s, mqtt: net.JoinHostPort("127.0.0.1", strconv.Itoa(o.MQTT.Port))})
	}
	shutdown := func() {
		for _, nd := range c.nodes {
			nd.srv.Shutdown()
		}
	}
	for i, nd := range c.nodes {
		if !nd.srv.ReadyForConnections(30 * time.Second) {
			shutdown()
			return nil, fmt.Errorf("server %d not ready", i)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		leader, current := false, true
		for _, nd := range c.nodes {
			current = current && nd.srv.JetStreamIsCurrent()
			// Only the meta leader lists the peers.
			leader = leader || nd.srv.JetStreamIsLeader() && len(nd.srv.JetStreamClusterPeers()) == n
		}
		if leader && current {
			return c, nil
		}
		if time.Now().After(deadline) {
			shutdown()
			return nil, errors.New("JetStream cluster not ready within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// urls returns the client URLs of the running servers, comma-separated.
func (c *cluster) urls() string {
	var u []string
	for _, nd := range c.nodes {
		if nd.srv.Running() {
			u = append(u, nd.srv.ClientURL())
		}
	}
	return strings.Join(u, ",")
}

// byName returns the node whose server name is name.
func (c *cluster) byName(name string) *node {
	for _, nd := range c.nodes {
		if nd.srv.Name() == name {
			return nd
		}
	}
	return nil
}

// waitFor polls cond until it holds, and fails the test at the deadline.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// connect returns a JetStream context on a new connection to urls that
// reconnects forever, closed at the end of the test.
func connect(t testing.TB, urls string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// testDirectory is the device topology of the tests: gateways gwP/gw0..gw9 and
// gwP/gw.d (a key holding "."; number 10), each with its sub-device
// product1/dev{N};
// product1/other1 belongs to a gateway that is not one of them.
type testDirectory struct{}

func (testDirectory) Device(pk, dk string) (validate.Device, bool) {
	switch {
	case pk == "gwP" && strings.HasPrefix(dk, "gw"):
		return validate.Device{Online: true}, true
	case pk == "product1" && dk == "other1":
		return validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: "gw99", Online: true}, true
	case pk == "product1" && strings.HasPrefix(dk, "dev"):
		n, err := strconv.Atoi(dk[3:])
		if err != nil {
			return validate.Device{}, false
		}
		return validate.Device{GatewayProductKey: "gwP", GatewayDeviceKey: gateway(n), Online: true}, true
	}
	return validate.Device{}, false
}

// testValidate returns the validator options of the tests: the bundled
// Inverter and Meter models, the test directory.
func testValidate(t testing.TB) validate.Options {
	t.Helper()
	var models []*thingmodel.Model
	for _, f := range []string{"inverter.json", "meter.json"} {
		path := filepath.Join("..", "..", "testdata", "models", f)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := thingmodel.ParseModel(path, data)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	cat, err := thingmodel.NewCatalog(models, map[string]string{"product1": "Inverter", "product2": "Inverter", "gwP": "Meter"})
	if err != nil {
		t.Fatal(err)
	}
	return validate.Options{Models: cat, Directory: testDirectory{}}
}

// testConfig is the worker configuration of the tests: short AckWait and
// StoreTimeout so that redeliveries come within seconds.
func testConfig(t testing.TB, replicas int) Config {
	return Config{
		Validate:     testValidate(t),
		Replicas:     replicas,
		AckWait:      2 * time.Second,
		StoreTimeout: 3 * time.Second,
		Workers:      4,
	}
}

// runningWorker is a worker running in the test process on its own connection.
type runningWorker struct {
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
	// delivered counts messages handled that had been delivered before;
	// duplicates counts result messages the server already held.
	redelivered, duplicates, handled atomic.Int64
}

// setup runs Setup, trying again for up to three times 30 s: on a loaded
// two-core machine a cluster that has just elected its leader has once taken
// longer than 30 s to create a replicated stream. Setup reuses what a timed-out
// try created.
func setup(t testing.TB, js jetstream.JetStream, cfg Config) {
	t.Helper()
	var err error
	for try := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = Setup(ctx, js, cfg)
		cancel()
		if err == nil {
			return
		}
		t.Logf("setup, try %d: %v", try+1, err)
	}
	t.Fatal(err)
}

// startWorker sets up the streams (idempotently) and runs a worker with cfg.
func startWorker(t testing.TB, urls string, cfg Config) *runningWorker {
	t.Helper()
	nc, js := connect(t, urls)
	rw := &runningWorker{nc: nc, done: make(chan error, 1)}
	next := cfg.OnVerdict
	cfg.OnVerdict = func(v *Verdict) {
		if v.StoreErr == nil {
			rw.handled.Add(1)
		}
		if v.Delivered > 1 {
			rw.redelivered.Add(1)
		}
		rw.duplicates.Add(int64(v.Duplicates))
		if next != nil {
			next(v)
		}
	}
	setup(t, js, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	w, err := New(ctx, js, cfg)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	ctx, rw.cancel = context.WithCancel(context.Background())
	go func() { rw.done <- w.Run(ctx) }()
	t.Cleanup(func() { rw.stop(t) })
	return rw
}

// stop stops the worker gracefully and waits for it (idempotent).
func (rw *runningWorker) stop(t testing.TB) error {
	rw.cancel()
	select {
	case err, ok := <-rw.done:
		if ok {
			close(rw.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Error("worker did not stop within 30s")
		return nil
	}
}

// request is one request a test gateway sends, with the verdict it must get.
type request struct {
	topic   string
	id      string
	payload []byte
	want    codes.Code
	points  []pointKey // the points it must store when accepted
}

// pointKey identifies a stored point.
type pointKey struct {
	PK, DK     string
	Time       int64
	Identifier string
}

// gateway returns the device key of test gateway g: gw0..gw9, and gw.d for 10.
func gateway(g int) string {
	if g == 10 {
		return "gw.d"
	}
	return "gw" + strconv.Itoa(g)
}

// makeRequests returns n requests from gateway g, mixing the codes: two in
// five accepted, then 1204, 1212, 1206. Each has a unique id and time, so
// that different requests never share a payload.
func makeRequests(g, n int) []*request {
	gw := gateway(g)
	topic := "/sys/gwP/" + gw + "/thing/measurepoint/post/batch"
	sub := "dev" + strconv.Itoa(g)
	reqs := make([]*request, n)
	for i := range n {
		id := gw + "-" + strconv.Itoa(i)
		tm := int64(1_700_000_000_000 + g*1_000_000 + i)
		r := &request{topic: topic, id: id}
		head := `{"id":"` + id + `","version":"1.0","method":"thing.measurepoint.post.batch","params":[`
		switch i % 5 {
		case 0, 1:
			r.want = codes.OK
			r.payload = fmt.Appendf(nil, `%s{"productKey":"product1","deviceKey":"%s","measurepoints":{"Power":{"value":%d,"quality":9},"temp":1.5},"time":%d},`+
				`{"measurepoints":{"voltage":230.5},"time":%d}]}`, head, sub, i, tm, tm)
			r.points = []pointKey{
				{"product1", sub, tm, "Power"}, {"product1", sub, tm, "temp"},
				{"gwP", gw, tm, "voltage"},
			}
		case 2:
			r.want = codes.ModelInvalid
			r.payload = fmt.Appendf(nil, `%s{"productKey":"product1","deviceKey":"%s","measurepoints":{"temp":"warm"},"time":%d}]}`, head, sub, tm)
		case 3:
			r.want = codes.NoSubDevicePerm
			r.payload = fmt.Appendf(nil, `%s{"productKey":"product1","deviceKey":"other1","measurepoints":{"temp":1.5},"time":%d}]}`, head, tm)
		case 4:
			r.want = codes.FormatError
			r.payload = fmt.Appendf(nil, `%s{"measurepoints":{"voltage":1},"time":%d}`, head, tm) // unterminated
		}
		reqs[i] = r
	}
	return reqs
}

// gatewayClient is a gateway connected over MQTT: it publishes its requests at QoS 1,
// subscribes to its reply topic, and sends again every request not answered
// within resend, as the vendor SDKs do after their reply timeout.
type gatewayClient struct {
	t      testing.TB
	client paho.Client
	reqs   []*request
	byID   map[string]*request
	resend time.Duration

	mu      sync.Mutex
	got     map[string]codes.Code // first reply per id
	replies int                   // all replies, repeats included
	count   map[string]int        // replies per id
	wrong   []string              // replies that contradict the expectation
	resent  int
	lost    int // connections lost
}

// newDevice connects a gateway to the MQTT listener at addr and subscribes it
// to the reply topic of its requests (all on one topic).
func newDevice(t testing.TB, addr, clientID string, reqs []*request, resend time.Duration) *gatewayClient {
	t.Helper()
	d := &gatewayClient{t: t, reqs: reqs, byID: map[string]*request{}, got: map[string]codes.Code{}, count: map[string]int{}, resend: resend}
	for _, r := range reqs {
		d.byID[r.id] = r
	}
	subscribed := make(chan error, 1)
	// Subscribe on every connection, as the SDKs do: a clean session that
	// reconnects has lost its subscriptions. A subscription refused while the
	// cluster elects a leader (SUBACK 0x80, or none) is asked for again.
	onConnect := func(c paho.Client) {
		go func() {
			topic := reqs[0].topic + "_reply"
			var err error
			for range 20 {
				tok := c.Subscribe(topic, 1, d.onReply)
				switch {
				case !tok.WaitTimeout(10 * time.Second):
					err = errors.New("no SUBACK")
				case tok.Error() != nil:
					err = tok.Error()
				case tok.(*paho.SubscribeToken).Result()[topic] == 0x80:
					err = errors.New("subscription refused")
				default:
					err = nil
				}
				if err == nil || !c.IsConnectionOpen() {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			select {
			case subscribed <- err:
			default:
			}
		}()
	}
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(clientID).
		SetCleanSession(true).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectTimeout(10 * time.Second).SetMaxReconnectInterval(200 * time.Millisecond).
		SetOrderMatters(false).SetOnConnectHandler(onConnect).
		SetConnectionLostHandler(func(paho.Client, error) { d.mu.Lock(); d.lost++; d.mu.Unlock() })
	d.client = paho.NewClient(opts)
	// The first MQTT connection to a cluster creates the listener's own
	// replicated session streams; under the race detector on two cores that
	// alone has taken over 20 s.
	if tok := d.client.Connect(); !tok.WaitTimeout(90*time.Second) || tok.Error() != nil {
		t.Fatalf("gateway %s: connect: not connected within 90 s (error %v)", clientID, tok.Error())
	}
	t.Cleanup(func() { d.client.Disconnect(100) })
	select {
	case err := <-subscribed:
		if err != nil {
			t.Fatalf("gateway %s: subscribe: %v", clientID, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("gateway %s: not subscribed", clientID)
	}
	return d
}

func (d *gatewayClient) onReply(_ paho.Client, m paho.Message) {
	var rep struct {
		ID   string     `json:"id"`
		Code codes.Code `json:"code"`
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.replies++
	if err := json.Unmarshal(m.Payload(), &rep); err != nil {
		d.wrong = append(d.wrong, "unreadable reply "+string(m.Payload()))
		return
	}
	r, ok := d.byID[rep.ID]
	switch {
	case !ok:
		d.wrong = append(d.wrong, "reply to unknown id "+string(m.Payload()))
	case rep.Code != r.want:
		d.wrong = append(d.wrong, fmt.Sprintf("request %s: got %d, want %d", rep.ID, rep.Code, r.want))
	}
	d.count[rep.ID]++
	if _, seen := d.got[rep.ID]; !seen {
		d.got[rep.ID] = rep.Code
	}
}

// publish sends requests at QoS 1, a window of them at a time.
func (d *gatewayClient) publish(reqs []*request) {
	const window = 64
	toks := make([]paho.Token, 0, window)
	flush := func() {
		for _, tok := range toks {
			if !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
				// Not fatal: a request without PUBACK is sent again unanswered.
				d.t.Logf("publish: no PUBACK: %v", tok.Error())
			}
		}
		toks = toks[:0]
	}
	for _, r := range reqs {
		toks = append(toks, d.client.Publish(r.topic, 1, false, r.payload))
		if len(toks) == window {
			flush()
		}
	}
	flush()
}

// unanswered returns the requests without a reply yet.
func (d *gatewayClient) unanswered() []*request {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*request
	for _, r := range d.reqs {
		if _, ok := d.got[r.id]; !ok {
			out = append(out, r)
		}
	}
	return out
}

// run publishes every request, then sends again those still unanswered every
// resend, until all are answered or the deadline passes.
func (d *gatewayClient) run(deadline time.Time) {
	d.publish(d.reqs)
	last := time.Now()
	for time.Now().Before(deadline) {
		left := d.unanswered()
		if len(left) == 0 {
			return
		}
		if time.Since(last) >= d.resend {
			d.mu.Lock()
			d.resent += len(left)
			d.mu.Unlock()
			d.publish(left)
			last = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// check fails the test for every request unanswered or answered wrongly.
func (d *gatewayClient) check(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.wrong {
		t.Error(w)
	}
	missing := 0
	for _, r := range d.reqs {
		if _, ok := d.got[r.id]; !ok {
			if missing < 5 {
				t.Errorf("request %s: no reply", r.id)
			}
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d requests not answered", missing, len(d.reqs))
	}
}

// fleet is a set of devices run together.
type fleet []*gatewayClient

// newFleet connects n gateways to the MQTT listener at addr, each with per
// requests.
func newFleet(t testing.TB, addr string, n, per int, resend time.Duration) fleet {
	f := make(fleet, n)
	for g := range n {
		f[g] = newDevice(t, addr, "gateway-"+strconv.Itoa(g), makeRequests(g, per), resend)
	}
	return f
}

// run runs every gatewayClient until all requests are answered or d has passed.
func (f fleet) run(d time.Duration) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, dev := range f {
		wg.Add(1)
		go func() { defer wg.Done(); dev.run(deadline) }()
	}
	wg.Wait()
}

// answered counts the requests answered so far.
func (f fleet) answered() int {
	n := 0
	for _, d := range f {
		d.mu.Lock()
		n += len(d.got)
		d.mu.Unlock()
	}
	return n
}

func (f fleet) requests() []*request {
	var out []*request
	for _, d := range f {
		out = append(out, d.reqs...)
	}
	return out
}

func (f fleet) check(t testing.TB) {
	t.Helper()
	for _, d := range f {
		d.check(t)
	}
}

// lost counts the MQTT connections the devices lost.
func (f fleet) lost() int {
	n := 0
	for _, d := range f {
		d.mu.Lock()
		n += d.lost
		d.mu.Unlock()
	}
	return n
}

func (f fleet) resent() int {
	n := 0
	for _, d := range f {
		d.mu.Lock()
		n += d.resent
		d.mu.Unlock()
	}
	return n
}

// storedPoint is one JSON line of a points message.
type storedPoint struct {
	ProductKey string          `json:"productKey"`
	DeviceKey  string          `json:"deviceKey"`
	Time       int64           `json:"time"`
	Identifier string          `json:"identifier"`
	Value      json.RawMessage `json:"value"`
	Quality    *int            `json:"quality"`
}

// readStream returns every message of a stream, in order.
func readStream(t testing.TB, js jetstream.JetStream, name string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := int(info.State.Msgs)
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	failures := 0
	for len(out) < want {
		// Small batches: a large one overflows the client's pending limits
		// on a loaded machine ("slow consumer").
		batch, err := cons.Fetch(min(want-len(out), 256), jetstream.FetchMaxWait(5*time.Second))
		n := 0
		if err == nil {
			for m := range batch.Messages() {
				out = append(out, m)
				n++
			}
			err = batch.Error()
		}
		if n == 0 {
			if failures++; failures == 5 {
				t.Fatalf("stream %s: read %d of %d messages: %v", name, len(out), want, err)
			}
		}
	}
	return out
}

// checkStored checks the points and rejected streams against the requests:
// every accepted point stored exactly once, in one message per request and
// gatewayClient on its subject, and one rejection record per rejected request.
func checkStored(t testing.TB, js jetstream.JetStream, reqs []*request) {
	t.Helper()
	want := map[pointKey]int{}
	wantMsgs, wantRejected := 0, map[string]codes.Code{}
	for _, r := range reqs {
		if r.want != codes.OK {
			wantRejected[r.id] = r.want
			continue
		}
		devs := map[[2]string]bool{}
		for _, p := range r.points {
			want[p]++
			devs[[2]string{p.PK, p.DK}] = true
		}
		wantMsgs += len(devs)
	}
	got := map[pointKey]int{}
	msgs := readStream(t, js, DefaultPointsStream)
	for _, m := range msgs {
		lines := strings.Split(strings.TrimSuffix(string(m.Data()), "\n"), "\n")
		for _, line := range lines {
			var p storedPoint
			if err := json.Unmarshal([]byte(line), &p); err != nil {
				t.Fatalf("points message on %s: line %q: %v", m.Subject(), line, err)
			}
			if s := PointsSubject(p.ProductKey, p.DeviceKey); s != m.Subject() {
				t.Errorf("point of %s/%s on subject %s, want %s", p.ProductKey, p.DeviceKey, m.Subject(), s)
			}
			got[pointKey{p.ProductKey, p.DeviceKey, p.Time, p.Identifier}]++
		}
	}
	if len(msgs) != wantMsgs {
		t.Errorf("points stream holds %d messages, want %d (one per accepted request and gatewayClient)", len(msgs), wantMsgs)
	}
	bad := 0
	for k, n := range want {
		if got[k] != n && bad < 10 {
			t.Errorf("point %+v stored %d times, want %d", k, got[k], n)
			bad++
		}
	}
	for k, n := range got {
		if want[k] == 0 && bad < 10 {
			t.Errorf("point %+v stored %d times, want none", k, n)
			bad++
		}
	}
	gotRejected := map[string]int{}
	for _, m := range readStream(t, js, DefaultRejectedStream) {
		var rec struct {
			Code codes.Code `json:"code"`
			ID   string     `json:"id"`
		}
		if err := json.Unmarshal(m.Data(), &rec); err != nil {
			t.Fatalf("rejection record %q: %v", m.Data(), err)
		}
		if m.Subject() != RejectedSubject(int(rec.Code)) {
			t.Errorf("rejection record %s on subject %s", m.Data(), m.Subject())
		}
		if wantRejected[rec.ID] != rec.Code {
			t.Errorf("rejection record %s: want code %d", m.Data(), wantRejected[rec.ID])
		}
		gotRejected[rec.ID]++
	}
	for id := range wantRejected {
		if gotRejected[id] != 1 && bad < 20 {
			t.Errorf("request %s: %d rejection records, want 1", id, gotRejected[id])
			bad++
		}
	}
}

// waitPulling waits until workers workers of cfg pull from the raw stream's
// consumer. Each goroutine of each worker keeps a pull request waiting; a
// test that starts its traffic before then may see the first worker up take
// all of it.
func waitPulling(t testing.TB, js jetstream.JetStream, cfg Config, workers int) {
	t.Helper()
	waitFor(t, 60*time.Second, "the workers pulling", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		cons, err := js.Consumer(ctx, DefaultRawStream, DefaultConsumer)
		if err != nil {
			return false
		}
		info, err := cons.Info(ctx)
		return err == nil && info.NumWaiting >= workers*cfg.Workers
	})
}

// waitRawEmpty waits until every request of the raw stream has been acked.
func waitRawEmpty(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	waitFor(t, 30*time.Second, "raw stream emptied by acks", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, DefaultRawStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == 0
	})
}
