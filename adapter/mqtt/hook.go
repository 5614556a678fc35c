package mqtt

import (
	"errors"
	"strings"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// HookID is the ID of the validation hook, as the broker logs it.
const HookID = "pointguard-validate"

// Policy says what the broker does with publications on topics that are neither
// request topics of SPEC §1 nor their reply topics.
type Policy uint8

// The policies. The zero value is Forward.
const (
	// Forward delivers them to their subscribers untouched, as any broker does.
	Forward Policy = 0
	// Refuse acknowledges and drops them; an MQTT 5 client publishing at QoS 1
	// gets PUBACK reason code 0x87 (not authorized).
	Refuse Policy = 1
)

// String returns "forward" or "refuse".
func (p Policy) String() string {
	switch p {
	case Forward:
		return "forward"
	case Refuse:
		return "refuse"
	}
	return "Policy(?)"
}

// Hook is the mochi-mqtt hook that validates measurepoint messages and publishes
// their replies. Make one with [NewHook], or let [New] attach one. It is safe for
// concurrent use, as the broker requires.
type Hook struct {
	mochi.HookBase
	srv   *mochi.Server
	opts  Options
	pool  sync.Pool // of *worker
	drain *drain    // set by New, for Shutdown; nil for a hook of NewHook
}

// NewHook returns a validation hook that publishes replies through srv, whose
// Options.InlineClient must be true. Only the fields of opts that concern the hook
// are used: Validate, Sink, OnVerdict, Now and OtherTopics.
func NewHook(srv *mochi.Server, opts Options) *Hook {
	h := &Hook{srv: srv, opts: opts}
	h.pool.New = func() any { return newWorker(h.opts.Validate) }
	return h
}

// ID returns HookID.
func (h *Hook) ID() string { return HookID }

// Provides reports that the hook handles OnPublish only.
func (h *Hook) Provides(b byte) bool { return b == mochi.OnPublish }

// PUBACK reasons for MQTT 5 clients, boxed once as errors so that returning one
// does not allocate. The broker writes the reason string into the PUBACK.
var (
	refusedAck error = packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: "topic is reserved for the broker's replies"}
	otherAck   error = packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: "topic is not a measurepoint request topic"}
	noVerdict  error = packets.ErrUnspecifiedError
	ignore     error = packets.CodeSuccessIgnore
	// rejectAcks holds the PUBACK of each rejection code: 0x99 (payload format
	// invalid) with the platform code and message as the reason string.
	rejectAcks = map[codes.Code]error{}
)

func init() {
	for _, c := range []codes.Code{codes.MsgTooLarge, codes.NoWritePermission, codes.ModelInvalid,
		codes.FormatError, codes.NoSubDevicePerm, codes.PayloadEmpty, codes.MethodMismatch} {
		rejectAcks[c] = packets.Code{Code: packets.ErrPayloadFormatInvalid.Code, Reason: c.String()}
	}
	// A message whose points the Sink could not keep is valid: the failure is
	// the server's, 0x80 (unspecified error).
	rejectAcks[codes.ServerError] = packets.Code{Code: packets.ErrUnspecifiedError.Code, Reason: codes.ServerError.String()}
}

// rejectAck returns the PUBACK reason of a rejected request.
func rejectAck(c codes.Code) error {
	if a, ok := rejectAcks[c]; ok {
		return a
	}
	return packets.ErrPayloadFormatInvalid
}

// drop returns what OnPublish returns to have the broker acknowledge a
// publication without delivering it. mochi sends an MQTT 5 client at QoS 1 a
// PUBACK with the reason code of a packets.Code error; for other clients that
// error would be ignored and the message delivered, so they get
// CodeSuccessIgnore, which acknowledges normally and delivers nothing.
func drop(cl *mochi.Client, pk *packets.Packet, reason error) error {
	if cl.Properties.ProtocolVersion == 5 && pk.FixedHeader.Qos > 0 {
		return reason
	}
	return ignore
}

// OnPublish validates a publication on a request topic, hands accepted points to
// the Sink and publishes the reply. It returns nil for an accepted message, so
// that the broker delivers it, and an error that makes the broker acknowledge
// and drop it otherwise (see the package documentation).
func (h *Hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		// The broker's own replies, and whatever the embedding program publishes.
		return pk, nil
	}
	topic, err := protocol.ParseTopic(pk.TopicName)
	if err != nil {
		switch {
		case protocol.IsReplyTopic(pk.TopicName):
			h.refused(cl, &pk, "reply topic")
			return pk, drop(cl, &pk, refusedAck)
		case h.opts.OtherTopics == Refuse:
			h.refused(cl, &pk, "other topic")
			return pk, drop(cl, &pk, otherAck)
		}
		return pk, nil
	}

	if !h.drain.enter() {
		return h.shuttingDown(cl, pk)
	}
	defer h.drain.leave()
	start := time.Now()
	w := h.pool.Get().(*worker)
	defer h.put(w)
	w.begin(topic)
	now := start.UnixMilli()
	if h.opts.Now != nil {
		now = h.opts.Now()
	}
	w.res, err = w.v.Validate(validate.Message{Topic: pk.TopicName, Now: now}, pk.Payload, w.yield)
	res := &w.res
	vd := &w.vd
	*vd = Verdict{
		ClientID: cl.ID,
		Topic:    pk.TopicName,
		QoS:      pk.FixedHeader.Qos,
		Bytes:    len(pk.Payload),
		Result:   res,
	}
	if err != nil && !errors.As(err, &w.verr) {
		vd.Err = err
	}
	if res.Code == codes.NoVerdict {
		// No verdict at all: nothing to reply. Drop the message rather than
		// deliver something that was not validated.
		if vd.Err == nil {
			vd.Err = errors.New("mqtt: validator returned no verdict")
		}
		h.report(vd, start)
		return pk, drop(cl, &pk, noVerdict)
	}
	vd.Code = res.Code
	if res.Code == codes.OK && len(w.recs) > 0 && h.opts.Sink != nil {
		if vd.SinkErr = h.opts.Sink.Accept(w.batch(cl.ID, topic, res.ID)); vd.SinkErr != nil {
			// Not kept, so not accepted: the device must send it again.
			vd.Code = codes.ServerError
		}
	}
	// The broker keeps the payload of a publication until every subscriber has
	// been sent it, so each reply needs its own buffer.
	reply := protocol.AppendReply(make([]byte, 0, replySize+len(res.ID)), protocol.Reply{ID: res.ID, Code: vd.Code})
	if perr := h.srv.Publish(topic.ReplyTopic(), reply, false, min(pk.FixedHeader.Qos, 1)); perr != nil && vd.Err == nil {
		vd.Err = perr
	}
	h.report(vd, start)
	if vd.Code != codes.OK {
		return pk, drop(cl, &pk, rejectAck(vd.Code))
	}
	// A request is answered once, by the reply; stored, it would be replayed
	// to every later subscriber as if it were new.
	pk.FixedHeader.Retain = false
	return pk, nil
}

// replySize is room for a reply without its id:
// {"id":,"code":1206,"message":"Measurepoint post data format error","data":{}}
const replySize = 80

func (h *Hook) refused(cl *mochi.Client, pk *packets.Packet, why string) {
	if h.opts.OnVerdict == nil {
		return
	}
	h.opts.OnVerdict(&Verdict{
		ClientID: cl.ID,
		Topic:    pk.TopicName,
		QoS:      pk.FixedHeader.Qos,
		Bytes:    len(pk.Payload),
		Refused:  why,
	})
}

func (h *Hook) report(vd *Verdict, start time.Time) {
	if h.opts.OnVerdict == nil {
		return
	}
	vd.Elapsed = time.Since(start)
	h.opts.OnVerdict(vd)
}

// Buffers larger than these are not returned to the pool, so that one huge
// message does not pin its memory for the life of the broker.
const (
	maxPooledArena = 1 << 20
	maxPooledRecs  = 1 << 14
)

func (h *Hook) put(w *worker) {
	w.end()
	if cap(w.arena) > maxPooledArena || cap(w.recs) > maxPooledRecs {
		return
	}
	h.pool.Put(w)
}

// worker is a validator with the buffers that collect one message's points.
// Only one goroutine uses a worker at a time.
type worker struct {
	v     *validate.Validator
	yield func(*validate.Point) error // w.collect, bound once

	topic protocol.Topic    // keys of the topic device: substrings of the packet's topic
	keys  map[string]string // copies of entry keys, reused from message to message
	recs  []rec
	arena []byte // the points' values, in normal-form JSON
	out   []Point
	b     Batch
	res   validate.Result
	vd    Verdict
	verr  *validate.Error
}

// rec is a point collected during validation; its value is arena[start:end].
type rec struct {
	pk, dk     string
	time       int64
	identifier string
	dataType   thingmodel.DataType
	start, end int
	quality    int
}

func newWorker(opts validate.Options) *worker {
	w := &worker{v: validate.New(opts)}
	w.yield = w.collect
	return w
}

func (w *worker) begin(topic protocol.Topic) {
	w.topic = topic
	w.recs = w.recs[:0]
	w.arena = w.arena[:0]
}

// end drops the references into the last message, so that the pool does not keep
// its packet alive.
func (w *worker) end() {
	w.topic = protocol.Topic{}
	clear(w.recs)
	w.recs = w.recs[:0]
	clear(w.out)
	w.out = w.out[:0]
	w.b = Batch{}
	w.res = validate.Result{}
	w.vd = Verdict{}
	w.verr = nil
}

// collect copies a point out of the validator's callback, where it is valid only
// during the call. Keys are copied through the worker's cache; identifiers come
// from the immutable model and need no copy.
func (w *worker) collect(p *validate.Point) error {
	start := len(w.arena)
	w.arena = p.Value.AppendJSON(w.arena)
	w.recs = append(w.recs, rec{
		pk:         w.key(p.ProductKey, w.topic.ProductKey),
		dk:         w.key(p.DeviceKey, w.topic.DeviceKey),
		time:       p.Time,
		identifier: p.Identifier(),
		dataType:   p.Measurepoint.Type().DataType(),
		start:      start,
		end:        len(w.arena),
		quality:    p.Quality,
	})
	return nil
}

// Bounds of a worker's key cache: a gateway reports for the same few devices
// message after message, but the cache must not grow with hostile input.
const (
	maxCachedKeys   = 1024
	maxCachedKeyLen = 64
)

// key returns a string equal to s that outlives the callback: the topic's key, a
// cached copy, or a new copy (cached when small and while the cache has room).
func (w *worker) key(s, topicKey string) string {
	if s == topicKey {
		return topicKey
	}
	if k, ok := w.keys[s]; ok {
		return k
	}
	k := strings.Clone(s)
	if len(k) <= maxCachedKeyLen && len(w.keys) < maxCachedKeys {
		if w.keys == nil {
			w.keys = make(map[string]string)
		}
		w.keys[k] = k
	}
	return k
}

// batch returns the collected points as a Batch, valid until the next message.
func (w *worker) batch(clientID string, topic protocol.Topic, id protocol.ID) *Batch {
	w.out = w.out[:0]
	for i := range w.recs {
		r := &w.recs[i]
		w.out = append(w.out, Point{
			ProductKey: r.pk,
			DeviceKey:  r.dk,
			Time:       r.time,
			Identifier: r.identifier,
			DataType:   r.dataType,
			Value:      w.arena[r.start:r.end:r.end],
			Quality:    r.quality,
		})
	}
	w.b = Batch{ClientID: clientID, Topic: topic, ID: id, Points: w.out}
	return &w.b
}

// shuttingDown refuses a request that arrived during Shutdown: not
// validated, not kept, not delivered and not answered (a reply would keep the
// queues that Shutdown waits for busy); the device sends it again when its
// reply does not come.
func (h *Hook) shuttingDown(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	h.refused(cl, &pk, "shutting down")
	return pk, drop(cl, &pk, shuttingDownAck)
}
