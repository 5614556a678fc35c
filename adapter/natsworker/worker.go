package natsworker

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// Defaults of [Config].
const (
	DefaultRawStream       = "POINTGUARD_RAW"
	DefaultPointsStream    = "POINTGUARD_POINTS"
	DefaultRejectedStream  = "POINTGUARD_REJECTED"
	DefaultConsumer        = "pointguard"
	DefaultAckWait         = 30 * time.Second
	DefaultMaxAckPending   = 1024
	DefaultDuplicateWindow = 10 * time.Minute
	DefaultWorkers         = 8
	DefaultPrefetch        = 8
	DefaultStoreTimeout    = 10 * time.Second
)

// Config configures a [Worker]. The zero value of each field is its
// documented default.
type Config struct {
	// Validate configures the validator of each goroutine: profile, models,
	// directory, limits. The models and directory are shared and must be safe
	// for concurrent use (a thingmodel.Catalog is).
	Validate validate.Options

	// RawStream, PointsStream and RejectedStream name the three streams;
	// defaults DefaultRawStream, DefaultPointsStream, DefaultRejectedStream.
	RawStream, PointsStream, RejectedStream string
	// Consumer names the durable pull consumer on the raw stream that all
	// workers share; default DefaultConsumer.
	Consumer string
	// Replicas is the replica count of streams that [Setup] creates: 0 means 3
	// when the connection is to a cluster and 1 on a single server.
	Replicas int
	// AckWait is how long the server waits for a worker's ack before it
	// delivers the message again, to any worker; default DefaultAckWait. It
	// applies when Setup creates the consumer.
	AckWait time.Duration
	// MaxAckPending bounds the messages delivered and not yet acked, over all
	// workers; default DefaultMaxAckPending. It applies when Setup creates the
	// consumer; 1 processes the stream strictly in order (see the package
	// documentation, "Order").
	MaxAckPending int
	// DuplicateWindow is the deduplication window of the points and rejected
	// streams that Setup creates; default DefaultDuplicateWindow.
	DuplicateWindow time.Duration

	// Workers is the number of goroutines that take messages, each with its own
	// validator and its own pull subscription; default DefaultWorkers.
	Workers int
	// Prefetch is how many messages each goroutine's subscription holds ahead;
	// default DefaultPrefetch. Memory is bounded by Workers × Prefetch
	// messages, each at most the server's max_payload.
	Prefetch int
	// StoreTimeout bounds the wait for the server to confirm that a message's
	// points or rejection record are stored; default DefaultStoreTimeout. On
	// timeout the message is neither answered nor acked, and comes again.
	StoreTimeout time.Duration

	// OnVerdict, when not nil, is called after each message has been handled,
	// from the goroutine that handled it (so concurrently). The Verdict and
	// everything it refers to are valid only during the call.
	OnVerdict func(*Verdict)

	// afterStore, set by tests, is called once a message's results are stored
	// and before it is answered and acked; when it returns false the goroutine
	// stops dead, as a killed process would.
	afterStore func() bool
}

func (c Config) withDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.RawStream, DefaultRawStream)
	def(&c.PointsStream, DefaultPointsStream)
	def(&c.RejectedStream, DefaultRejectedStream)
	def(&c.Consumer, DefaultConsumer)
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = DefaultMaxAckPending
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Prefetch <= 0 {
		c.Prefetch = DefaultPrefetch
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = DefaultStoreTimeout
	}
	return c
}

// Verdict is what a worker did with one raw message, for logging.
type Verdict struct {
	// Subject is the raw message's NATS subject; Topic the MQTT topic it maps to.
	Subject, Topic string
	// Sequence is the message's sequence in the raw stream; Delivered how many
	// times it has been delivered, this time included (1 the first time).
	Sequence, Delivered uint64
	// Result is the validator's verdict.
	Result *validate.Result
	// Stored counts the messages published to the points or rejected stream;
	// Duplicates how many of them the server already held (a redelivery, or a
	// device that sent the same request again).
	Stored, Duplicates int
	// Err is an error of the validator that is not a verdict (none is expected).
	Err error
	// StoreErr, when not nil, says why the results could not be stored: the
	// message was neither answered nor acked, and will be delivered again.
	StoreErr error
	// Elapsed is the time from taking the message to acking it.
	Elapsed time.Duration
}

// Setup creates the three streams and the durable consumer when they are
// missing and leaves them as they are when they exist, so that any number of
// workers started anywhere share them. See the package documentation for what
// it creates.
func Setup(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.withDefaults()
	replicas := cfg.Replicas
	if replicas <= 0 {
		replicas = 1
		if js.Conn().ConnectedClusterName() != "" {
			replicas = 3
		}
	}
	streams := []jetstream.StreamConfig{{
		Name:        cfg.RawStream,
		Description: "pointguard: measurepoint requests from MQTT, taken once by the workers",
		Subjects:    RequestSubjects(),
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Discard:     jetstream.DiscardNew,
	}, {
		Name:        cfg.PointsStream,
		Description: "pointguard: accepted points, one message per request and device, JSON lines",
		Subjects:    []string{PointsPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Discard:     jetstream.DiscardNew,
		Duplicates:  cfg.DuplicateWindow,
	}, {
		Name:        cfg.RejectedStream,
		Description: "pointguard: one record per rejected request",
		Subjects:    []string{RejectedPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		Discard:     jetstream.DiscardNew,
		Duplicates:  cfg.DuplicateWindow,
	}}
	for _, sc := range streams {
		if err := ensureStream(ctx, js, sc); err != nil {
			return err
		}
	}
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Consumer,
		Description:   "pointguard workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.MaxAckPending,
		MaxDeliver:    -1, // never give a request up: it is answered or it comes again
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if _, err := js.Consumer(ctx, cfg.RawStream, cfg.Consumer); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return &Error{Op: "consumer " + cfg.Consumer, Err: err}
	}
	if _, err := js.CreateConsumer(ctx, cfg.RawStream, cc); err != nil {
		// Another worker may have created it meanwhile, with other settings.
		if _, err2 := js.Consumer(ctx, cfg.RawStream, cfg.Consumer); err2 == nil {
			return nil
		}
		return &Error{Op: "create consumer " + cfg.Consumer, Err: err}
	}
	return nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) error {
	_, err := js.Stream(ctx, sc.Name)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return &Error{Op: "stream " + sc.Name, Err: err}
	}
	if _, err := js.CreateStream(ctx, sc); err != nil {
		if _, err2 := js.Stream(ctx, sc.Name); err2 == nil {
			return nil // created meanwhile by another worker
		}
		return &Error{Op: "create stream " + sc.Name, Err: err}
	}
	return nil
}

// Error is an error of the worker's own work with the NATS server: setting up
// the streams, or taking messages. Verdicts on requests are never errors.
type Error struct {
	Op  string // what was being done, e.g. "create stream POINTGUARD_RAW"
	Err error  // the cause, from nats.go
}

// Error returns "natsworker: OP: CAUSE".
func (e *Error) Error() string { return "natsworker: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Worker takes requests from the raw stream, validates them, stores their
// results and answers them. Make one with [New]; [Worker.Run] runs it.
type Worker struct {
	cfg  Config
	js   jetstream.JetStream
	nc   *nats.Conn
	cons jetstream.Consumer
}

// New returns a worker on the streams and consumer that [Setup] made; it
// fails when the consumer does not exist. The connection of js is used for
// everything; the caller closes it after Run returns.
func New(ctx context.Context, js jetstream.JetStream, cfg Config) (*Worker, error) {
	cfg = cfg.withDefaults()
	cons, err := js.Consumer(ctx, cfg.RawStream, cfg.Consumer)
	if err != nil {
		return nil, &Error{Op: "consumer " + cfg.Consumer, Err: err}
	}
	return &Worker{cfg: cfg, js: js, nc: js.Conn(), cons: cons}, nil
}

// errKilled is what a goroutine returns when the test hook stops it dead.
var errKilled = errors.New("natsworker: stopped dead")

// Run runs Config.Workers goroutines until ctx is done, then stops them
// gracefully: each stops taking messages, handles and acks those it already
// holds (each within Config.StoreTimeout), and returns; Run then flushes the
// connection so that the last acks reach the server. It returns nil after a
// graceful stop, or the first error that stopped a goroutine (the connection
// closed, for one).
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, w.cfg.Workers)
	for i := range w.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.loop(ctx)
		}()
	}
	wg.Wait()
	err := errors.Join(errs...)
	if err == nil && !w.nc.IsClosed() {
		if ferr := w.nc.FlushTimeout(w.cfg.StoreTimeout); ferr != nil {
			err = &Error{Op: "flush", Err: ferr}
		}
	}
	return err
}

// loop is one goroutine: it takes messages one at a time from its own pull
// subscription until ctx is done, then drains what the subscription holds.
func (w *Worker) loop(ctx context.Context) error {
	// Short pull requests, so that a lost consumer is noticed within seconds
	// (heartbeats come at half the expiry).
	it, err := w.cons.Messages(jetstream.PullMaxMessages(w.cfg.Prefetch), jetstream.PullExpiry(5*time.Second))
	if err != nil {
		return &Error{Op: "pull", Err: err}
	}
	defer it.Stop()
	h := newHandler(w)
	draining := false
	for {
		var m jetstream.Msg
		if draining {
			m, err = it.Next()
		} else {
			m, err = it.Next(jetstream.NextContext(ctx))
		}
		if err != nil {
			switch {
			case errors.Is(err, jetstream.ErrMsgIteratorClosed):
				if draining {
					return nil
				}
				return &Error{Op: "pull", Err: err}
			case ctx.Err() != nil && !draining:
				// Stop taking new messages; hand out those already held.
				it.Drain()
				draining = true
				continue
			case w.nc.IsClosed():
				return &Error{Op: "pull", Err: nats.ErrConnectionClosed}
			case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
				return &Error{Op: "pull", Err: err}
			case errors.Is(err, jetstream.ErrNoHeartbeat) && w.consumerGone(ctx):
				return &Error{Op: "pull", Err: jetstream.ErrConsumerNotFound}
			}
			// A missed heartbeat, a reconnection or the like: the iterator
			// goes on; pause so that a lasting error does not spin.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if !h.handle(m) {
			return errKilled
		}
	}
}

// consumerGone reports whether the server says that the consumer does not
// exist: the heartbeats of a pull stop both when the connection has trouble
// (wait) and when the consumer was deleted (stop).
func (w *Worker) consumerGone(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := w.js.Consumer(ctx, w.cfg.RawStream, w.cfg.Consumer)
	return errors.Is(err, jetstream.ErrConsumerNotFound)
}

// handler is the state of one goroutine: its validator and the buffers of one
// message's results.
type handler struct {
	w      *Worker
	v      *validate.Validator
	yield  func(*validate.Point) error
	groups []group
	index  map[device]int
	reply  []byte
	vd     Verdict
	verr   *validate.Error
	futs   []jetstream.PubAckFuture
}

// device names an entry's device.
type device struct{ pk, dk string }

// group holds the points of one device, as the JSON lines of serve --points.
type group struct {
	dev   device
	lines []byte
}

func newHandler(w *Worker) *handler {
	h := &handler{w: w, v: validate.New(w.cfg.Validate), index: map[device]int{}}
	h.yield = h.collect
	return h
}

// collect appends an accepted point to its device's group.
func (h *handler) collect(p *validate.Point) error {
	key := device{p.ProductKey, p.DeviceKey}
	i, ok := h.index[key]
	if !ok {
		key = device{strings.Clone(p.ProductKey), strings.Clone(p.DeviceKey)}
		i = len(h.groups)
		h.groups = append(h.groups, group{dev: key})
		h.index[key] = i
	}
	g := &h.groups[i]
	g.lines = p.AppendJSON(g.lines)
	g.lines = append(g.lines, '\n')
	return nil
}

// handle validates one message, stores its results, answers it and acks it.
// It returns false when the test hook stopped the goroutine dead.
func (h *handler) handle(m jetstream.Msg) bool {
	start := time.Now()
	h.groups = h.groups[:0]
	clear(h.index)
	h.futs = h.futs[:0]
	subject := m.Subject()
	vd := &h.vd
	*vd = Verdict{Subject: subject, Topic: SubjectToTopic(subject)}
	now := start.UnixMilli()
	if md, err := m.Metadata(); err == nil {
		vd.Sequence, vd.Delivered = md.Sequence.Stream, md.NumDelivered
		// The time the stream received the request, not the time a worker took
		// it: a redelivered request then yields the same points.
		now = md.Timestamp.UnixMilli()
	}
	payload := m.Data()
	res, err := h.v.Validate(validate.Message{Topic: vd.Topic, Now: now}, payload, h.yield)
	vd.Result = &res
	if err != nil && !errors.As(err, &h.verr) {
		vd.Err = err
	}
	if res.Code == 0 {
		// No verdict (not expected): answer nothing, let the message come again.
		vd.StoreErr = errors.New("natsworker: validator returned no verdict")
		h.fail(m, vd, start)
		return true
	}

	// Store the results before the reply: a 200 promises that the points are
	// kept (SPEC's accepted means stored).
	if res.Code == codes.OK {
		for i := range h.groups {
			g := &h.groups[i]
			id := msgID('p', vd.Topic, payload, g.dev.pk, g.dev.dk)
			h.publish(&nats.Msg{Subject: PointsSubject(g.dev.pk, g.dev.dk), Data: g.lines, Header: nats.Header{}}, id, vd)
		}
	} else {
		rec, merr := json.Marshal(rejection(vd.Topic, &res))
		if merr != nil {
			vd.StoreErr = merr
		} else {
			id := msgID('r', vd.Topic, payload, "", "")
			h.publish(&nats.Msg{Subject: RejectedSubject(int(res.Code)), Data: rec, Header: nats.Header{}}, id, vd)
		}
	}
	if vd.StoreErr == nil {
		vd.StoreErr = h.await(vd)
	}
	if vd.StoreErr != nil {
		h.fail(m, vd, start)
		return true
	}
	if h.w.cfg.afterStore != nil && !h.w.cfg.afterStore() {
		return false
	}

	// Answer, then ack. Both go out on the same connection in this order, so a
	// server that has the ack has the reply.
	h.reply = protocol.AppendReply(h.reply[:0], res.Reply())
	if err := h.w.nc.Publish(ReplySubject(subject), h.reply); err != nil {
		vd.StoreErr = err
		h.fail(m, vd, start)
		return true
	}
	if err := m.Ack(); err != nil {
		vd.StoreErr = err // the message comes again; its points are not stored twice
	}
	h.report(vd, start)
	return true
}

// publish sends one result message asynchronously with its deduplication id.
func (h *handler) publish(msg *nats.Msg, id string, vd *Verdict) {
	if vd.StoreErr != nil {
		return
	}
	f, err := h.w.js.PublishMsgAsync(msg, jetstream.WithMsgID(id))
	if err != nil {
		vd.StoreErr = err
		return
	}
	h.futs = append(h.futs, f)
}

// await waits, within Config.StoreTimeout, until the server has confirmed
// every result message of the current request.
func (h *handler) await(vd *Verdict) error {
	timer := time.NewTimer(h.w.cfg.StoreTimeout)
	defer timer.Stop()
	var first error
	for _, f := range h.futs {
		select {
		case ack := <-f.Ok():
			vd.Stored++
			if ack.Duplicate {
				vd.Duplicates++
			}
		case err := <-f.Err():
			if first == nil {
				first = err
			}
		case <-timer.C:
			return errors.New("natsworker: results not confirmed within " + h.w.cfg.StoreTimeout.String())
		}
	}
	return first
}

// fail leaves a message unanswered and asks for it to be delivered again
// after a pause, so that a server that cannot store is not hammered.
func (h *handler) fail(m jetstream.Msg, vd *Verdict, start time.Time) {
	delay := min(h.w.cfg.AckWait/4, 2*time.Second)
	_ = m.NakWithDelay(delay) // if even this fails, AckWait brings it back
	h.report(vd, start)
}

func (h *handler) report(vd *Verdict, start time.Time) {
	if h.w.cfg.OnVerdict == nil {
		return
	}
	vd.Elapsed = time.Since(start)
	h.w.cfg.OnVerdict(vd)
}

// msgID derives a message's Nats-Msg-Id from the request it comes from: the
// kind of result, the topic, the payload and the device. A request that comes
// again, redelivered by the server or re-sent by its device, gets the same
// ids, so its results are not stored twice within the duplicate window.
func msgID(kind byte, topic string, payload []byte, pk, dk string) string {
	d := sha256.New()
	var n [8]byte
	d.Write([]byte{kind})
	for _, s := range [][]byte{[]byte(topic), payload, []byte(pk), []byte(dk)} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		d.Write(n[:])
		d.Write(s)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(d.Sum(sum[:0])[:16])
}

// Rejection is the record published on "rejected.{code}" for a rejected
// request, as JSON.
type Rejection struct {
	Code    codes.Code  `json:"code"`
	Message string      `json:"message"`
	Pointer string      `json:"pointer"`
	Offset  int64       `json:"offset"`
	Detail  string      `json:"detail"`
	Topic   string      `json:"topic"`
	ID      protocol.ID `json:"id"` // as sent; null when absent
}

func rejection(topic string, res *validate.Result) Rejection {
	r := Rejection{Code: res.Code, Message: res.Code.Message(), Topic: topic, Offset: -1, ID: res.ID}
	if e := res.Err; e != nil {
		r.Pointer, r.Offset, r.Detail = e.Pointer, e.Offset, e.Detail
	}
	return r
}
