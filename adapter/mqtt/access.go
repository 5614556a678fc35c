package mqtt

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// AccessHookID is the ID of the access hook, as the broker logs it: the hook
// that authenticates clients, enforces topic permissions, answers the
// sub-device session topics and compresses payloads per client.
const AccessHookID = "pointguard-access"

// AccessKind says what an AccessEvent reports.
type AccessKind uint8

// The kinds of access events.
const (
	ConnectRefused   AccessKind = 1 // a CONNECT failed authentication
	PublishRefused   AccessKind = 2 // a publication on a topic the client may not use (1009)
	Session          AccessKind = 3 // a login, batch login or logout was answered
	SessionsDropped  AccessKind = 4 // a gateway connection ended; its sub-devices went offline
	PayloadRefused   AccessKind = 5 // a compressed payload did not decompress, or was over the limit
	ConnectAccepted  AccessKind = 6 // a CONNECT passed authentication
	SubscribeRefused AccessKind = 7 // a subscription to topics the client may not read
)

// String returns the kind in words, for example "connect refused".
func (k AccessKind) String() string {
	switch k {
	case ConnectRefused:
		return "connect refused"
	case PublishRefused:
		return "publish refused"
	case Session:
		return "session"
	case SessionsDropped:
		return "sessions dropped"
	case PayloadRefused:
		return "payload refused"
	case ConnectAccepted:
		return "connect accepted"
	case SubscribeRefused:
		return "subscribe refused"
	}
	return "AccessKind(?)"
}

// AccessEvent is what the access hook did with a connection or a
// publication, for logging. It never holds a secret, a password or a sign.
type AccessEvent struct {
	Kind     AccessKind
	ClientID string
	Username string
	// Topic is the topic of a publication or the filter of a subscription.
	Topic string
	// Reason says why a connection, publication or payload was refused.
	Reason string
	// Op, Code and Results describe a session request and its outcome.
	Op      SessionOp
	Code    LoginCode
	Results []SubResult
	// Dropped counts the sub-devices a disconnection took offline.
	Dropped int
}

// accessHook is the mochi-mqtt hook behind Options.Devices.
type accessHook struct {
	mochi.HookBase
	srv      *mochi.Server
	devs     *Devices
	secured  bool
	maxBytes int
	opts     *Options
	conns    sync.Map // *mochi.Client -> *conn
	// compressing counts the connections with a codec, so that when there is
	// none (the usual case) no publication pays for a look-up in conns.
	compressing atomic.Int64
}

// conn is what the hook knows of one connection.
type conn struct {
	self  *device // the authenticated device; nil in open mode
	codec Codec
}

func newAccessHook(srv *mochi.Server, opts *Options) *accessHook {
	devs := opts.Devices
	if devs == nil {
		devs, _ = NewDevices(nil)
	}
	limit := opts.Validate.Limits.MaxBytes
	switch {
	case limit == 0:
		limit = validate.DefaultMaxBytes
	case limit < 0:
		limit = maxPacket // no payload limit: a decompressed payload is still bounded
	}
	return &accessHook{srv: srv, devs: devs, secured: devs.Secured(), maxBytes: int(limit), opts: opts}
}

// ID returns AccessHookID.
func (h *accessHook) ID() string { return AccessHookID }

// Provides reports the events the hook handles: authentication and permissions
// only when the registry is secured.
func (h *accessHook) Provides(b byte) bool {
	switch b {
	case mochi.OnConnect, mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnSubscribed:
		return h.secured
	case mochi.OnSessionEstablished, mochi.OnDisconnect, mochi.OnPublish, mochi.OnPacketEncode:
		return true
	}
	return false
}

func (h *accessHook) event(e *AccessEvent) {
	if h.opts.OnAccess != nil {
		h.opts.OnAccess(e)
	}
}

// OnConnect authenticates a client (secured registries only) and refuses it
// with CONNACK "not authorized" (MQTT 5 0x87, MQTT 3.1.1 0x05).
func (h *accessHook) OnConnect(cl *mochi.Client, pk packets.Packet) error {
	_, err := h.authenticate(cl.ID, string(pk.Connect.Username), string(pk.Connect.Password))
	if err == nil {
		h.event(&AccessEvent{Kind: ConnectAccepted, ClientID: cl.ID, Username: string(pk.Connect.Username)})
		return nil
	}
	h.event(&AccessEvent{Kind: ConnectRefused, ClientID: cl.ID, Username: string(pk.Connect.Username), Reason: err.Error()})
	code := packets.ErrNotAuthorized
	if cl.Properties.ProtocolVersion < 5 {
		code = packets.Err3NotAuthorized
	}
	h.srv.SendConnack(cl, code, false, nil)
	return packets.ErrNotAuthorized
}

// authenticate checks the credentials of secure mode 2 and returns the device.
func (h *accessHook) authenticate(clientID, username, password string) (*device, error) {
	pk, dk, err := ParseUsername(username)
	if err != nil {
		return nil, err
	}
	self := h.devs.lookup(pk, dk)
	if self == nil || self.Secret == "" {
		return nil, ErrUnknownDevice
	}
	id, err := ParseClientID(clientID)
	if err != nil {
		return nil, err
	}
	if !CheckSign(id.Method, self.Secret, SignParams{ClientID: id.Signed, DeviceKey: dk, ProductKey: pk, Timestamp: id.Timestamp}, password) {
		return nil, ErrBadSign
	}
	return self, nil
}

// OnConnectAuthenticate accepts the clients that OnConnect let through.
func (h *accessHook) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }

// OnSessionEstablished records the connection's device and codec.
func (h *accessHook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	c := h.newConn(cl)
	if c.codec != NoCompression {
		h.compressing.Add(1)
	}
	h.conns.Store(cl, c)
}

func (h *accessHook) newConn(cl *mochi.Client) *conn {
	c := &conn{codec: codecOf(cl.ID)}
	if h.secured {
		if pk, dk, err := ParseUsername(string(cl.Properties.Username)); err == nil {
			c.self = h.devs.lookup(pk, dk)
		}
	}
	return c
}

// openConn is the conn of every client of an open registry while no client
// compresses.
var openConn = conn{}

// conn returns what the hook knows of cl. A connection whose session is not
// yet established (the broker may resend a persistent session's messages
// before) is worked out from the client afresh.
func (h *accessHook) conn(cl *mochi.Client) *conn {
	if c, ok := h.conns.Load(cl); ok {
		return c.(*conn)
	}
	return h.newConn(cl)
}

// OnDisconnect takes offline the sub-devices logged in through cl.
func (h *accessHook) OnDisconnect(cl *mochi.Client, _ error, _ bool) {
	if c, ok := h.conns.LoadAndDelete(cl); ok && c.(*conn).codec != NoCompression {
		h.compressing.Add(-1)
	}
	if n := h.devs.dropConnection(cl); n > 0 {
		h.event(&AccessEvent{Kind: SessionsDropped, ClientID: cl.ID, Username: string(cl.Properties.Username), Dropped: n})
	}
}

// OnACLCheck allows a subscription, or the delivery of a publication, only on
// the topics of the client's own device and of the sub-devices logged in
// through it; a filter with a wildcard in place of a device key reads nothing.
// Publications are allowed here and checked in OnPublish, which can drop them
// the platform's way instead of closing an MQTT 3.1.1 connection.
func (h *accessHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if write {
		return true
	}
	pk, dk, ok := topicDevice(topic)
	return ok && h.devs.may(h.conn(cl).self, cl, pk, dk)
}

// OnSubscribed reports the refused filters of a subscription.
func (h *accessHook) OnSubscribed(cl *mochi.Client, pk packets.Packet, reasonCodes []byte) {
	for i, rc := range reasonCodes {
		if rc >= 0x80 && i < len(pk.Filters) {
			h.event(&AccessEvent{Kind: SubscribeRefused, ClientID: cl.ID, Username: string(cl.Properties.Username),
				Topic: pk.Filters[i].Filter, Reason: "not a topic of the device or of its logged-in sub-devices"})
		}
	}
}

var noWriteAck error = packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: codes.NoWritePermission.String()}

// OnPublish, for a client's publication: refuses a topic the client may not
// use (secured registries), answers a session request, and decompresses the
// payload of a client that compresses, so that the validation hook and the
// subscribers see the JSON.
func (h *accessHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	c := &openConn
	if h.secured || h.compressing.Load() > 0 {
		c = h.conn(cl)
	}
	if h.secured {
		tpk, tdk, ok := topicDevice(pk.TopicName)
		if !ok || !h.devs.may(c.self, cl, tpk, tdk) {
			h.event(&AccessEvent{Kind: PublishRefused, ClientID: cl.ID, Username: string(cl.Properties.Username),
				Topic: pk.TopicName, Reason: codes.NoWritePermission.String()})
			return pk, drop(cl, &pk, noWriteAck)
		}
	}
	if gpk, gdk, op, ok := parseSessionTopic(pk.TopicName); ok {
		h.session(cl, c, &pk, gpk, gdk, op)
		return pk, ignore // acknowledged, never delivered: it carries signatures
	}
	if c.codec == NoCompression || protocol.IsReplyTopic(pk.TopicName) {
		return pk, nil
	}
	plain, err := decompress(make([]byte, 0, min(h.maxBytes, 4*len(pk.Payload)+512)), c.codec, pk.Payload, h.maxBytes)
	if err == nil {
		pk.Payload = plain
		return pk, nil
	}
	code, detail := codes.FormatError, "payload does not decompress as "+c.codec.String()+": "+err.Error()
	if errors.Is(err, errTooLarge) {
		code, detail = codes.MsgTooLarge, "payload decompresses to more than the size limit"
	}
	h.event(&AccessEvent{Kind: PayloadRefused, ClientID: cl.ID, Username: string(cl.Properties.Username),
		Topic: pk.TopicName, Reason: detail})
	if topic, terr := protocol.ParseTopic(pk.TopicName); terr == nil {
		h.answer(cl, &pk, topic, code, detail)
		return pk, drop(cl, &pk, rejectAck(code))
	}
	return pk, drop(cl, &pk, otherAck)
}

// answer replies to a request that the validator never saw (its payload did
// not decompress) and reports it as a verdict.
func (h *accessHook) answer(cl *mochi.Client, pk *packets.Packet, topic protocol.Topic, code codes.Code, detail string) {
	start := time.Now()
	res := &validate.Result{Code: code, Topic: topic,
		Err: &validate.Error{Code: code, Offset: -1, Detail: detail}}
	reply := protocol.AppendReply(nil, res.Reply())
	perr := h.srv.Publish(topic.ReplyTopic(), reply, false, min(pk.FixedHeader.Qos, 1))
	if h.opts.OnVerdict != nil {
		h.opts.OnVerdict(&Verdict{ClientID: cl.ID, Topic: pk.TopicName, QoS: pk.FixedHeader.Qos,
			Bytes: len(pk.Payload), Result: res, Err: perr, Elapsed: time.Since(start)})
	}
}

// session answers a session request on its reply topic.
func (h *accessHook) session(cl *mochi.Client, c *conn, pk *packets.Packet, gpk, gdk string, op SessionOp) {
	payload := pk.Payload
	var reply []byte
	var code LoginCode
	var results []SubResult
	if c.codec != NoCompression {
		plain, err := decompress(nil, c.codec, payload, h.maxBytes)
		if err != nil {
			reply, code = []byte(`{"code":1220,"message":"payload format error","data":{}}`), LoginFormatError
			h.event(&AccessEvent{Kind: PayloadRefused, ClientID: cl.ID, Username: string(cl.Properties.Username),
				Topic: pk.TopicName, Reason: "payload does not decompress as " + c.codec.String()})
		}
		payload = plain
	}
	if reply == nil {
		reply, code, results = h.devs.handleSession(cl, gpk, gdk, op, payload)
	}
	h.srv.Publish(pk.TopicName+"_reply", reply, false, min(pk.FixedHeader.Qos, 1))
	h.event(&AccessEvent{Kind: Session, ClientID: cl.ID, Username: string(cl.Properties.Username),
		Topic: pk.TopicName, Op: op, Code: code, Results: results})
}

// OnPacketEncode compresses every publication sent to a client that
// compresses, in its codec: replies, and messages of other clients, which the
// broker holds decompressed.
func (h *accessHook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type != packets.Publish || h.compressing.Load() == 0 {
		return pk
	}
	if c := h.conn(cl); c.codec != NoCompression {
		pk.Payload = compress(c.codec, pk.Payload)
	}
	return pk
}
