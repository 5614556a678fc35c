package mqtt

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/protocol"
)

// DispatcherHookID is the ID of the dispatcher's hook, as the broker logs it.
const DispatcherHookID = "pointguard-dispatch"

// The write-result statuses that the multiSet document does not name. They
// are the codes of the platform's single-point set command API for the same
// situations.
const (
	// StatusDeviceOffline (11900, "device offline") is the result of an item
	// whose device cannot receive the command: no connected client subscribes
	// to its command topic (or none that may read it), or, in a registry, a
	// sub-device that is not logged in.
	StatusDeviceOffline codes.Status = 11900
	// StatusResponseTimeout (11915, "response timeout") is the result of an
	// item whose device did not answer within the item's timeout, and of every
	// item still waiting when the dispatcher is closed.
	StatusResponseTimeout codes.Status = 11915
)

// Messages of the write results.
const (
	msgSuccess         = "SUCCESS"
	msgDeviceOffline   = "device offline"
	msgResponseTimeout = "response timeout"
)

// Default bounds on the items waiting for their device's answer: how many,
// and how many bytes they hold (see DispatcherOptions.MaxPendingBytes).
const (
	DefaultMaxPending      = 10000
	DefaultMaxPendingBytes = 64 << 20
)

// PendingOverhead is what a waiting item counts for, in bytes, besides its
// fields (see DispatcherOptions.MaxPendingBytes).
const PendingOverhead = 512

// Topic parts and method of the measurepoint set command.
const (
	setSuffix      = "/thing/service/measurepoint/set"
	setReplySuffix = setSuffix + "_reply"
	setMethod      = "thing.service.measurepoint.set"
)

// SetTopic returns the topic of the measurepoint set command of a device,
// /sys/{productKey}/{deviceKey}/thing/service/measurepoint/set.
func SetTopic(productKey, deviceKey string) string {
	return "/sys/" + productKey + "/" + deviceKey + setSuffix
}

// Errors that Dispatch returns; the HTTP adapter turns each into item status
// 1000205 in the REST response, and no write result follows.
var (
	// ErrNoValue: inputData does not hold exactly one member (see the package
	// documentation for the rule).
	ErrNoValue = errors.New("mqtt: inputData must hold exactly one value to write")
	// ErrNoDevice: the item has no productKey and deviceKey, or one of them
	// cannot be part of a topic.
	ErrNoDevice = errors.New("mqtt: the item names no device keys usable in a topic")
	// ErrNoChannel: the item's setMeasurepointChannelId cannot be a topic.
	ErrNoChannel = errors.New("mqtt: the item's setMeasurepointChannelId is not a topic name")
	// ErrTooManyPending: the item would take the waiting items beyond
	// DispatcherOptions.MaxPending or MaxPendingBytes.
	ErrTooManyPending = errors.New("mqtt: too many writes are waiting for their devices")
	// ErrDispatcherClosed: Close was called.
	ErrDispatcherClosed = errors.New("mqtt: the dispatcher is closed")
)

// DispatcherOptions configure a Dispatcher. The zero value waits for at most
// DefaultMaxPending items, knows no registry, reads the system clock and
// reports nothing.
type DispatcherOptions struct {
	// Devices is the registry the broker uses (Options.Devices), if any: with
	// it, a sub-device must be online (logged in) to be sent a command, and in
	// a secured registry only a client that may read the device's topics
	// counts as connected.
	Devices *Devices
	// MaxPending bounds the items waiting for an answer; 0 means
	// DefaultMaxPending. Dispatch refuses an item beyond it.
	MaxPending int
	// MaxPendingBytes bounds the memory the waiting items hold; 0 means
	// DefaultMaxPendingBytes (64 MiB). An item counts PendingOverhead plus the
	// bytes of its string fields, its inputData and its Verbatim entries (keys
	// and values). Dispatch refuses an item that would go beyond it.
	MaxPendingBytes int64
	// Now returns the time in milliseconds since the epoch, for
	// gmtServiceReply; nil reads time.Now.
	Now func() int64
	// OnResult, when not nil, is called once for each write result, after it
	// was published, for logging. It is called from the goroutine that
	// completed the item (a device's publication, a timer, Dispatch or Close),
	// concurrently for different items; the result is valid only during the
	// call.
	OnResult func(*WriteOutcome)
	// OnStrayReply, when not nil, is called for each set reply that completes
	// no item (not JSON with an id; an id no command of that device waits
	// for: answered already, timed out, or never sent), with the client, the
	// topic and the reason, for logging. It is called on the publishing
	// client's goroutine.
	OnStrayReply func(clientID, topic, reason string)
}

// WriteOutcome reports one write result.
type WriteOutcome struct {
	// CommandID is the id of the set command; empty when none was sent.
	CommandID string
	// Topic is the channel the result was published on.
	Topic string
	// Result is the published item, with its status, msg and submsg.
	Result *protocol.SetMeasurepointReply
	// DeviceCode is the code of the device's answer; 0 when it gave none.
	DeviceCode int
	// Err is the error of publishing the result, if any.
	Err error
}

// Dispatcher sends the accepted items of multiSet requests to their devices as
// measurepoint set commands and publishes each write result on the item's
// channel. It implements httpapi.Dispatcher, and is a mochi-mqtt hook that
// consumes the devices' set replies. Make one with NewDispatcher; it is safe
// for concurrent use. See the package documentation, "Set commands".
type Dispatcher struct {
	mochi.HookBase
	srv  *mochi.Server
	opts DispatcherOptions
	seq  atomic.Uint64

	mu      sync.Mutex
	pending map[pendingKey]*pendingWrite
	bytes   int64 // the sizes of the pending writes
	closed  bool
}

// pendingKey identifies a command: the device it went to and its id, so that
// one device cannot answer another's command.
type pendingKey struct{ pk, dk, id string }

// pendingWrite is an item waiting for its device's answer.
type pendingWrite struct {
	item  protocol.SetMeasurepointReply
	size  int64
	timer *time.Timer
}

// NewDispatcher returns a dispatcher that publishes through srv, whose
// Options.InlineClient must be true (New sets it), and adds its hook to srv.
// Close it before the broker, so that the items still waiting get their result.
func NewDispatcher(srv *mochi.Server, opts DispatcherOptions) (*Dispatcher, error) {
	if !srv.Options.InlineClient {
		return nil, mochi.ErrInlineClientNotEnabled
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	if opts.MaxPendingBytes <= 0 {
		opts.MaxPendingBytes = DefaultMaxPendingBytes
	}
	if opts.Now == nil {
		opts.Now = func() int64 { return time.Now().UnixMilli() }
	}
	d := &Dispatcher{srv: srv, opts: opts, pending: make(map[pendingKey]*pendingWrite)}
	if err := srv.AddHook(d, nil); err != nil {
		return nil, err
	}
	return d, nil
}

// ID returns DispatcherHookID.
func (d *Dispatcher) ID() string { return DispatcherHookID }

// Provides reports that the hook handles OnPublish only.
func (d *Dispatcher) Provides(b byte) bool { return b == mochi.OnPublish }

// Pending returns how many items are waiting for their device's answer.
func (d *Dispatcher) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending)
}

// Dispatch sends one accepted item to its device, or, when the device cannot
// receive it, publishes its StatusDeviceOffline result at once. It returns an
// error, and publishes nothing, for an item it cannot send at all: see the
// Err variables.
func (d *Dispatcher) Dispatch(_ context.Context, item *protocol.SetMeasurepointReply) error {
	pk, dk := item.ProductKey, item.DeviceKey
	if !topicLevel(pk) || !topicLevel(dk) {
		return ErrNoDevice
	}
	if !topicLevel(item.SetMeasurepointChannelID) {
		return ErrNoChannel
	}
	value, err := setValue(item.InputData)
	if err != nil {
		return err
	}
	it := copyReply(item)
	topic := SetTopic(pk, dk)
	if ok, why := d.reachable(pk, dk, topic); !ok {
		d.mu.Lock()
		closed := d.closed
		d.mu.Unlock()
		if closed {
			return ErrDispatcherClosed
		}
		d.publish("", &it, StatusDeviceOffline, msgDeviceOffline, why, 0)
		return nil
	}

	id := strconv.FormatUint(d.seq.Add(1), 10)
	key := pendingKey{pk, dk, id}
	p := &pendingWrite{item: it, size: itemSize(&it)}
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return ErrDispatcherClosed
	case len(d.pending) >= d.opts.MaxPending, d.bytes+p.size > d.opts.MaxPendingBytes:
		d.mu.Unlock()
		return ErrTooManyPending
	}
	d.pending[key] = p
	d.bytes += p.size
	// The timer is made under the lock, so that it exists before any reply or
	// Close can look for it.
	timeout := it.Timeout
	if timeout <= 0 {
		timeout = protocol.DefaultSetTimeout
	}
	p.timer = time.AfterFunc(time.Duration(timeout)*time.Millisecond, func() {
		if d.take(key, p) {
			d.publish(id, &p.item, StatusResponseTimeout, msgResponseTimeout,
				"the device did not answer within "+strconv.FormatInt(timeout, 10)+" ms", 0)
		}
	})
	d.mu.Unlock()

	if err := d.srv.Publish(topic, appendSetCommand(nil, id, item.MeasurepointID, value), false, 1); err != nil {
		if d.take(key, p) {
			p.timer.Stop()
			return err
		}
		// Completed meanwhile (closed): its result is out.
	}
	return nil
}

// take removes the pending write p under key, and reports whether it was
// still there: whoever takes it publishes its result, exactly once.
func (d *Dispatcher) take(key pendingKey, p *pendingWrite) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[key] != p {
		return false
	}
	d.removeLocked(key, p)
	return true
}

// removeLocked removes the pending write p under key; d.mu is held.
func (d *Dispatcher) removeLocked(key pendingKey, p *pendingWrite) {
	delete(d.pending, key)
	d.bytes -= p.size
}

// PendingBytes returns the size of the items waiting for their device's
// answer, as DispatcherOptions.MaxPendingBytes counts it.
func (d *Dispatcher) PendingBytes() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes
}

// Close publishes the result of every item still waiting, with status
// StatusResponseTimeout, and makes Dispatch refuse new items. It returns nil.
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	d.closed = true
	left := d.pending
	d.pending = make(map[pendingKey]*pendingWrite)
	d.bytes = 0
	d.mu.Unlock()
	for key, p := range left {
		p.timer.Stop()
		d.publish(key.id, &p.item, StatusResponseTimeout, msgResponseTimeout,
			"the server stopped before the device answered", 0)
	}
	return nil
}

// publish publishes the write result of item on its channel and reports it.
func (d *Dispatcher) publish(id string, item *protocol.SetMeasurepointReply, status codes.Status, msg, submsg string, deviceCode int) {
	r := item.WithStatus(status, submsg, d.opts.Now())
	r.Msg = msg
	b, err := protocol.WriteResult{Data: []protocol.SetMeasurepointReply{r}}.MarshalJSON()
	if err == nil {
		err = d.srv.Publish(r.SetMeasurepointChannelID, b, false, 1)
	}
	if d.opts.OnResult != nil {
		d.opts.OnResult(&WriteOutcome{CommandID: id, Topic: r.SetMeasurepointChannelID, Result: &r, DeviceCode: deviceCode, Err: err})
	}
}

// OnPublish consumes a device's set reply: it completes the matching item and
// acknowledges the publication without delivering it. Other publications pass.
func (d *Dispatcher) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	dpk, ddk, ok := setReplyDevice(pk.TopicName)
	if !ok {
		return pk, nil
	}
	var r setReply
	id, idOK := "", false
	if json.Unmarshal(pk.Payload, &r) == nil {
		id, idOK = scalarText(r.ID)
	}
	if !idOK {
		d.stray(cl, pk.TopicName, "the answer is not a JSON object with a string or number id")
		return pk, ignore
	}
	key := pendingKey{dpk, ddk, id}
	d.mu.Lock()
	p := d.pending[key]
	if p != nil {
		d.removeLocked(key, p)
	}
	d.mu.Unlock()
	if p == nil {
		d.stray(cl, pk.TopicName, "no command of this device with id "+quote.Diag(id, 64)+
			" waits for an answer (answered already, timed out, or never sent)")
		return pk, ignore
	}
	p.timer.Stop()
	d.complete(id, p, &r)
	return pk, ignore
}

func (d *Dispatcher) stray(cl *mochi.Client, topic, reason string) {
	if d.opts.OnStrayReply != nil {
		d.opts.OnStrayReply(cl.ID, topic, reason)
	}
}

// complete publishes the result of a device's answer: 200 is a success,
// anything else (or no integer code) a write data error.
func (d *Dispatcher) complete(id string, p *pendingWrite, r *setReply) {
	code, err := strconv.Atoi(string(r.Code))
	switch {
	case err != nil:
		d.publish(id, &p.item, codes.WriteDataError, codes.WriteDataError.Message(),
			"the device's answer has no integer code", 0)
	case code == 200:
		d.publish(id, &p.item, codes.Success, msgSuccess, msgSuccess, code)
	default:
		sub := "the device answered code " + strconv.Itoa(code)
		if m, ok := scalarText(r.Message); ok && m != "" {
			sub += ": " + m
		}
		d.publish(id, &p.item, codes.WriteDataError, codes.WriteDataError.Message(), sub, code)
	}
}

// setReply is a device's answer to a set command: {"id", "code", "message"?, "data"}.
type setReply struct {
	ID      json.RawMessage `json:"id"`
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
}

// setReplyDevice returns the device keys of a set reply topic,
// /sys/{pk}/{dk}/thing/service/measurepoint/set_reply.
func setReplyDevice(topic string) (pk, dk string, ok bool) {
	rest, found := strings.CutPrefix(topic, "/sys/")
	if !found {
		return "", "", false
	}
	pk, rest, _ = strings.Cut(rest, "/")
	dk, rest, _ = strings.Cut(rest, "/")
	if !topicLevel(pk) || !topicLevel(dk) || "/"+rest != setReplySuffix {
		return "", "", false
	}
	return pk, dk, true
}

// reachable reports whether a client that may read topic, the command topic of
// device (pk, dk), is connected and subscribed to it, and if not, why.
func (d *Dispatcher) reachable(pk, dk, topic string) (bool, string) {
	devs := d.opts.Devices
	if devs != nil {
		if e := devs.lookup(pk, dk); e != nil && e.GatewayProductKey != "" && !e.online.Load() {
			return false, "the sub-device is not logged in"
		}
	}
	subs := d.srv.Topics.Subscribers(topic)
	can := func(clientID string) bool {
		cl, ok := d.srv.Clients.Get(clientID)
		if !ok || cl.Closed() {
			return false
		}
		if !devs.Secured() {
			return true
		}
		var self *device
		if upk, udk, err := ParseUsername(string(cl.Properties.Username)); err == nil {
			self = devs.lookup(upk, udk)
		}
		return devs.may(self, cl, pk, dk)
	}
	for id := range subs.Subscriptions {
		if can(id) {
			return true, ""
		}
	}
	for _, group := range subs.Shared {
		for id := range group {
			if can(id) {
				return true, ""
			}
		}
	}
	return false, "no connected client subscribes to " + topic
}

// topicLevel reports whether s can be one level of a topic name: not empty,
// no '/', no wildcard.
func topicLevel(s string) bool {
	return s != "" && !strings.ContainsAny(s, "/+#")
}

// setValue returns the value to write: the value of inputData's one member.
func setValue(inputData json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(inputData) == 0 || json.Unmarshal(inputData, &m) != nil || len(m) != 1 {
		return nil, ErrNoValue
	}
	for _, v := range m {
		return v, nil
	}
	return nil, ErrNoValue
}

// appendSetCommand appends the set command
// {"id":ID,"version":"1.0","params":{POINT:VALUE},"method":"thing.service.measurepoint.set"}.
func appendSetCommand(dst []byte, id, point string, value json.RawMessage) []byte {
	dst = append(dst, `{"id":`...)
	dst = quote.JSON(dst, id)
	dst = append(dst, `,"version":"1.0","params":{`...)
	dst = quote.JSON(dst, point)
	dst = append(dst, ':')
	dst = append(dst, value...)
	return append(dst, `},"method":"`+setMethod+`"}`...)
}

// itemSize returns what item counts for against MaxPendingBytes.
func itemSize(item *protocol.SetMeasurepointReply) int64 {
	n := PendingOverhead + len(item.RequestID) + len(item.OrgID) + len(item.CallType) +
		len(item.SetMeasurepointChannelID) + len(item.ProductKey) + len(item.DeviceKey) +
		len(item.AssetID) + len(item.MeasurepointID) + len(item.CallbackURL) + len(item.Msg) +
		len(item.Submsg) + len(item.InputData)
	for k, v := range item.Verbatim {
		n += len(k) + len(v)
	}
	return int64(n)
}

// copyReply returns a copy of item that shares no memory with it.
func copyReply(item *protocol.SetMeasurepointReply) protocol.SetMeasurepointReply {
	c := *item
	for _, s := range []*string{&c.RequestID, &c.OrgID, &c.CallType, &c.SetMeasurepointChannelID,
		&c.ProductKey, &c.DeviceKey, &c.AssetID, &c.MeasurepointID, &c.CallbackURL, &c.Msg, &c.Submsg} {
		*s = strings.Clone(*s)
	}
	if item.InputData != nil {
		c.InputData = append(json.RawMessage(nil), item.InputData...)
	}
	if item.Verbatim != nil {
		c.Verbatim = make(map[string]json.RawMessage, len(item.Verbatim))
		for k, v := range item.Verbatim {
			c.Verbatim[strings.Clone(k)] = append(json.RawMessage(nil), v...)
		}
	}
	return c
}
