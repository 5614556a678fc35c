package mqtt

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Limits bound what clients can make the broker hold and for how long. Each
// field's zero value is its default (the Default* constants); a negative value
// turns the limit off. See the package documentation for what happens at each.
type Limits struct {
	// MaxConnections bounds the open client connections, counted from TCP
	// accept (before CONNECT). A connection beyond it is closed at once.
	MaxConnections int
	// ConnectTimeout is how long a new connection may take to send its
	// CONNECT; it is then closed.
	ConnectTimeout time.Duration
	// ServerKeepalive is the keepalive given to clients that ask for none
	// (keepalive 0): a connection silent for 1.5 times it is closed. MQTT 5
	// clients are told it in CONNACK.
	ServerKeepalive time.Duration
	// MaxQueuedMessages and MaxQueuedBytes bound the messages waiting to be
	// written to one client. A client that reaches either is disconnected and
	// the message it could not take is dropped.
	MaxQueuedMessages int
	MaxQueuedBytes    int64
	// MaxInflight bounds the unacknowledged QoS 1 and 2 messages a client may
	// send (the Receive Maximum announced to MQTT 5 clients). Those sent to
	// it and not yet acknowledged are bounded by the larger of MaxInflight
	// and MaxQueuedMessages.
	MaxInflight int
	// MaxSessionExpiry caps how long the session of a client that went away
	// (clean session false, or an MQTT 5 session expiry) is kept.
	MaxSessionExpiry time.Duration
	// MaxMessageExpiry caps how long a message is kept for a client: in its
	// session while it is away, in the inflight store, and as a retained
	// message.
	MaxMessageExpiry time.Duration
	// MaxRetained and MaxRetainedBytes bound the retained messages (never on
	// request topics, see the package documentation). A retained publication
	// that would go beyond either is delivered but not retained.
	MaxRetained      int
	MaxRetainedBytes int64
	// MaxTopicAliases is the Topic Alias Maximum announced to MQTT 5 clients;
	// a larger alias is a protocol error. Negative: no aliases.
	MaxTopicAliases int
}

// Defaults of the Limits.
const (
	DefaultMaxConnections    = 1000
	DefaultConnectTimeout    = 10 * time.Second
	DefaultServerKeepalive   = 60 * time.Second
	DefaultMaxQueuedMessages = 1000
	DefaultMaxQueuedBytes    = 16 << 20
	DefaultMaxInflight       = 100
	DefaultMaxSessionExpiry  = time.Hour
	DefaultMaxMessageExpiry  = time.Hour
	DefaultMaxRetained       = 1000
	DefaultMaxRetainedBytes  = 16 << 20
	DefaultMaxTopicAliases   = 16
)

func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}

// resolved returns l with each zero field set to its default.
func (l Limits) resolved() Limits {
	l.MaxConnections = orDefault(l.MaxConnections, DefaultMaxConnections)
	l.ConnectTimeout = orDefault(l.ConnectTimeout, DefaultConnectTimeout)
	l.ServerKeepalive = orDefault(l.ServerKeepalive, DefaultServerKeepalive)
	l.MaxQueuedMessages = orDefault(l.MaxQueuedMessages, DefaultMaxQueuedMessages)
	l.MaxQueuedBytes = orDefault(l.MaxQueuedBytes, DefaultMaxQueuedBytes)
	l.MaxInflight = orDefault(l.MaxInflight, DefaultMaxInflight)
	l.MaxSessionExpiry = orDefault(l.MaxSessionExpiry, DefaultMaxSessionExpiry)
	l.MaxMessageExpiry = orDefault(l.MaxMessageExpiry, DefaultMaxMessageExpiry)
	l.MaxRetained = orDefault(l.MaxRetained, DefaultMaxRetained)
	l.MaxRetainedBytes = orDefault(l.MaxRetainedBytes, DefaultMaxRetainedBytes)
	l.MaxTopicAliases = orDefault(l.MaxTopicAliases, DefaultMaxTopicAliases)
	return l
}

// seconds converts a limit to whole seconds, at least 1; a negative limit is
// none.
func seconds(d time.Duration, none int64) int64 {
	if d < 0 {
		return none
	}
	return max(int64((d+time.Second-1)/time.Second), 1)
}

// apply sets the capabilities mochi enforces itself. l must be resolved.
func (l Limits) apply(c *mochi.Capabilities) {
	if l.MaxConnections > 0 {
		c.MaximumClients = int64(l.MaxConnections)
	}
	if l.MaxQueuedMessages > 0 {
		c.MaximumClientWritesPending = int32(min(l.MaxQueuedMessages, 1<<30))
	}
	if l.MaxInflight > 0 {
		// ReceiveMaximum bounds what a client may send unacknowledged. The
		// store of messages sent to it and not yet acknowledged is as large
		// as its queue: mochi drops a message beyond it, which for a reply
		// would be a verdict lost.
		c.ReceiveMaximum = uint16(min(l.MaxInflight, 65535))
		c.MaximumInflight = uint16(min(max(l.MaxInflight, l.MaxQueuedMessages), 65535))
	}
	c.MaximumSessionExpiryInterval = uint32(min(seconds(l.MaxSessionExpiry, 1<<32-1), 1<<32-1))
	c.MaximumMessageExpiryInterval = seconds(l.MaxMessageExpiry, 0)
	c.TopicAliasMaximum = uint16(max(min(l.MaxTopicAliases, 65535), 0))
}

// LimitsHookID is the ID of the limits hook, as the broker logs it.
const LimitsHookID = "pointguard-limits"

// limitsHook enforces the Limits that mochi does not: the server keepalive,
// the queued bytes per client, the retained store, what is announced in
// CONNACK, and the disconnection of a client whose queue is full. It also
// logs each client connection's end with the client's id, and counts the
// messages dropped for slow clients (logged at most once a second).
type limitsHook struct {
	mochi.HookBase
	srv    *mochi.Server
	lim    Limits // resolved
	maxPkt uint32
	log    *slog.Logger

	queued sync.Map // client id -> *atomic.Int64: payload bytes queued for it

	retainMu    sync.Mutex
	retained    map[string]int // topic -> payload bytes
	retainBytes int64

	dropped  atomic.Int64 // messages dropped since the last drop record
	lastDrop atomic.Int64 // unix nanoseconds of the last drop record
}

func newLimitsHook(srv *mochi.Server, lim Limits, maxPkt uint32, log *slog.Logger) *limitsHook {
	return &limitsHook{srv: srv, lim: lim, maxPkt: maxPkt, log: log, retained: map[string]int{}}
}

func (h *limitsHook) ID() string { return LimitsHookID }

func (h *limitsHook) Provides(b byte) bool {
	switch b {
	case mochi.OnConnect, mochi.OnSessionEstablished, mochi.OnDisconnect, mochi.OnPacketRead, mochi.OnPacketEncode,
		mochi.OnPublish, mochi.OnPublished, mochi.OnPacketSent, mochi.OnPublishDropped,
		mochi.OnRetainMessage, mochi.OnRetainedExpired:
		return true
	}
	return false
}

// OnConnect gives a client that asks for no keepalive the server's.
func (h *limitsHook) OnConnect(cl *mochi.Client, pk packets.Packet) error {
	if c, ok := cl.Net.Conn.(*limitedConn); ok {
		c.id.Store(&cl.ID)
	}
	if pk.Connect.Keepalive == 0 && h.lim.ServerKeepalive > 0 {
		cl.State.Keepalive = uint16(min(seconds(h.lim.ServerKeepalive, 0), 65535))
		cl.State.ServerKeepalive = true
	}
	return nil
}

// OnSessionEstablished marks the connection as the client's: from now on its
// end is logged by OnDisconnect.
func (h *limitsHook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	if c, ok := cl.Net.Conn.(*limitedConn); ok {
		c.established.Store(true)
	}
}

// OnDisconnect logs the end of a client's connection, with its id, and forgets
// its queue.
func (h *limitsHook) OnDisconnect(cl *mochi.Client, err error, _ bool) {
	h.queued.Delete(cl.ID)
	attrs := []any{"client", cl.ID, "remote", cl.Net.Remote, "listener", cl.Net.Listener}
	if err != nil {
		h.log.Warn("client disconnected", append(attrs, "error", err.Error())...)
		return
	}
	h.log.Info("client disconnected", attrs...)
}

// OnPacketRead treats a QoS 2 publication of an MQTT 5 client, which CONNACK
// told Maximum QoS 1, as QoS 1, as mochi did before the broker took QoS 2 from
// MQTT 3.1.1 clients.
func (h *limitsHook) OnPacketRead(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Qos == 2 && cl.Properties.ProtocolVersion == 5 {
		pk.FixedHeader.Qos = 1
	}
	return pk, nil
}

// OnPacketEncode announces in CONNACK what mochi does not: the maximum packet
// size, the topic alias maximum, and Maximum QoS 1 to MQTT 5 clients.
func (h *limitsHook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type != packets.Connack || cl.Properties.ProtocolVersion != 5 || pk.ReasonCode >= packets.ErrUnspecifiedError.Code {
		return pk
	}
	pk.Properties.MaximumPacketSize = h.maxPkt
	pk.Properties.TopicAliasMaximum = h.srv.Options.Capabilities.TopicAliasMaximum
	pk.Properties.MaximumQos, pk.Properties.MaximumQosFlag = 1, true
	return pk
}

// OnPublish keeps the retained store within its bounds: a retained
// publication that would go beyond them is delivered but not retained. An
// empty payload deletes, as MQTT says, and is always let through.
func (h *limitsHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if !pk.FixedHeader.Retain || len(pk.Payload) == 0 {
		return pk, nil
	}
	h.retainMu.Lock()
	old, exists := h.retained[pk.TopicName]
	fits := (h.lim.MaxRetained < 0 || exists || len(h.retained) < h.lim.MaxRetained) &&
		(h.lim.MaxRetainedBytes < 0 || h.retainBytes-int64(old)+int64(len(pk.Payload)) <= h.lim.MaxRetainedBytes)
	h.retainMu.Unlock()
	if !fits {
		pk.FixedHeader.Retain = false
		h.log.Warn("retained store full: delivered, not retained", "client", cl.ID, "topic", pk.TopicName,
			"bytes", len(pk.Payload), "max_retained", h.lim.MaxRetained, "max_retained_bytes", h.lim.MaxRetainedBytes)
	}
	return pk, nil
}

// OnRetainMessage keeps the tally of the retained store.
func (h *limitsHook) OnRetainMessage(_ *mochi.Client, pk packets.Packet, r int64) {
	h.retainMu.Lock()
	defer h.retainMu.Unlock()
	h.retainBytes -= int64(h.retained[pk.TopicName])
	delete(h.retained, pk.TopicName)
	if r > 0 || len(pk.Payload) > 0 {
		h.retained[pk.TopicName] = len(pk.Payload)
		h.retainBytes += int64(len(pk.Payload))
	}
}

// OnRetainedExpired keeps the tally of the retained store.
func (h *limitsHook) OnRetainedExpired(topic string) {
	h.retainMu.Lock()
	defer h.retainMu.Unlock()
	h.retainBytes -= int64(h.retained[topic])
	delete(h.retained, topic)
}

// OnPublished counts the bytes queued for each subscriber of a publication
// and disconnects those over MaxQueuedBytes.
func (h *limitsHook) OnPublished(_ *mochi.Client, pk packets.Packet) {
	if h.lim.MaxQueuedBytes < 0 || pk.Ignore {
		return
	}
	n := int64(len(pk.Payload) + len(pk.TopicName))
	for id := range h.srv.Topics.Subscribers(pk.TopicName).Subscriptions {
		v, _ := h.queued.LoadOrStore(id, new(atomic.Int64))
		if q := v.(*atomic.Int64).Add(n); q > h.lim.MaxQueuedBytes {
			if cl, ok := h.srv.Clients.Get(id); ok && !cl.Closed() {
				h.log.Warn("client disconnected: outbound queue full", "client", id, "queued_bytes", q,
					"max_queued_bytes", h.lim.MaxQueuedBytes)
				go disconnect(h.srv, cl, packets.ErrQuotaExceeded) // its socket may be what is slow
			}
			h.queued.Delete(id)
		}
	}
}

// OnPacketSent takes a written publication off its client's queue.
func (h *limitsHook) OnPacketSent(cl *mochi.Client, pk packets.Packet, _ []byte) {
	if pk.FixedHeader.Type != packets.Publish || h.lim.MaxQueuedBytes < 0 {
		return
	}
	if v, ok := h.queued.Load(cl.ID); ok {
		q := v.(*atomic.Int64)
		if q.Add(-int64(len(pk.Payload)+len(pk.TopicName))) < 0 {
			q.Store(0) // a retained or resent message, never counted in
		}
	}
}

// OnPublishDropped disconnects a client whose queue of messages is full
// (MaxQueuedMessages), and counts the message dropped.
func (h *limitsHook) OnPublishDropped(cl *mochi.Client, pk packets.Packet) {
	h.dropped.Add(1)
	now := time.Now().UnixNano()
	if last := h.lastDrop.Load(); now-last >= int64(time.Second) && h.lastDrop.CompareAndSwap(last, now) {
		h.log.Warn("messages dropped for a slow client", "client", cl.ID, "topic", pk.TopicName,
			"dropped", h.dropped.Swap(0), "max_queued_messages", h.lim.MaxQueuedMessages)
	}
	if !cl.Closed() {
		go disconnect(h.srv, cl, packets.ErrQuotaExceeded) // not on the goroutine that holds its queue
	}
}

// Dropped is how many messages the broker has dropped because a client did not
// take them fast enough (its outbound queue was full), since it started.
func Dropped(srv *mochi.Server) int64 { return srv.Info.MessagesDropped }

// NewListener returns a listener that serves the connections of ln within
// lim: at most MaxConnections open at once (more are closed at once), each
// closed when it sends no CONNECT within ConnectTimeout. Pass it to the
// broker's AddListener. A connection closed before its session began is
// logged to log (which may be nil) with its address, and its client id when
// its CONNECT was read.
func NewListener(id string, ln net.Listener, lim Limits, log *slog.Logger) listeners.Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return listeners.NewNet(id, &limitedListener{Listener: ln, lim: lim.resolved(), log: log})
}

type limitedListener struct {
	net.Listener
	lim  Limits
	log  *slog.Logger
	open atomic.Int64
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if n := l.open.Add(1); l.lim.MaxConnections > 0 && n > int64(l.lim.MaxConnections) {
			l.open.Add(-1)
			c.Close()
			l.log.Warn("connection refused: too many connections", "remote", c.RemoteAddr().String(),
				"max_connections", l.lim.MaxConnections)
			continue
		}
		if l.lim.ConnectTimeout > 0 {
			// mochi replaces the deadline with the keepalive's once CONNECT is read.
			c.SetDeadline(time.Now().Add(l.lim.ConnectTimeout))
		}
		return &limitedConn{Conn: c, l: l}, nil
	}
}

type limitedConn struct {
	net.Conn
	l           *limitedListener
	once        sync.Once
	id          atomic.Pointer[string] // the client id, once CONNECT is read
	established atomic.Bool
}

func (c *limitedConn) Close() error {
	c.once.Do(func() {
		c.l.open.Add(-1)
		if !c.established.Load() {
			attrs := []any{"remote", c.RemoteAddr().String()}
			if id := c.id.Load(); id != nil {
				attrs = append(attrs, "client", *id)
			} else {
				attrs = append(attrs, "client", "")
			}
			c.l.log.Warn("connection closed before its session began (no CONNECT in time, or refused)", attrs...)
		}
	})
	return c.Conn.Close()
}
