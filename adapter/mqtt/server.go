package mqtt

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/pointguard/pointguard/validate"
)

// Options configure the broker that New returns. The zero value is a broker that
// validates with the validator's defaults (compat profile, no models: every point
// gets 1204), discards accepted points, forwards other topics, refuses every
// client (no authentication hook) and logs nothing.
type Options struct {
	// Validate configures the validators: profile, models, directory and limits.
	// Validate.Limits.MaxBytes also sets the broker's maximum packet size (see
	// PacketOverhead).
	Validate validate.Options
	// Sink receives the points of accepted messages; nil discards them.
	Sink Sink
	// OnVerdict, when not nil, is called once for each publication the hook
	// handled (validated or refused), after the reply is published. It is called
	// on the publishing client's goroutine, concurrently for different clients.
	// The Verdict is valid only during the call.
	OnVerdict func(*Verdict)
	// Now returns the server time in milliseconds since the epoch, for entries
	// without a time (SPEC §4.6); nil means the wall clock.
	Now func() int64
	// OtherTopics says what happens to publications on topics that are neither
	// request topics (SPEC §1) nor reply topics. The zero value is Forward.
	OtherTopics Policy
	// AllowAll attaches the AllowAll hook: every client may connect without
	// credentials and publish and subscribe on every topic. Use it only on a
	// loopback address or a network you trust; otherwise leave it false and
	// attach an authentication hook with AddHook before calling Serve.
	AllowAll bool
	// Devices, when not nil, is the device registry. It takes the place of
	// Validate.Directory, so that the sub-device checks (SPEC §4.4) read the
	// online state that sub-device sessions change. When any device has a
	// secret, every client must authenticate and may use only its own topics and
	// those of the sub-devices logged in through it, and AllowAll is ignored.
	// Nil means no registry: session requests are answered 705.
	Devices *Devices
	// OnAccess, when not nil, is called for each access event: connections
	// accepted and refused, publications and subscriptions refused, session
	// requests answered, gateways gone. It is called concurrently for different
	// clients; the event is valid only during the call.
	OnAccess func(*AccessEvent)
	// Logger receives the broker's own records (listeners, connections); nil
	// discards them. Verdicts are reported through OnVerdict, not here.
	Logger *slog.Logger
	// Limits bound the broker's queues, sessions, retained store and
	// connections; the zero value is the defaults. Pass the same Limits to
	// NewListener for the limits on connections.
	Limits Limits
}

// PacketOverhead is how much larger than the payload limit an MQTT packet may be.
// It leaves room for the topic and properties, and lets a payload that is over
// the limit by less than that reach the validator, so that it gets the 1008 reply
// of SPEC §4.1 instead of a closed connection.
const PacketOverhead = 64 << 10

// maxPacket is the largest packet MQTT can frame: a remaining length of
// 268,435,455 bytes plus at most 5 bytes of fixed header.
const maxPacket = 268435455 + 5

// MaxPacketSize returns the broker's maximum packet size for a payload limit as
// validate.Limits.MaxBytes gives it (0 for the default, negative for none): the
// limit plus PacketOverhead, or 0 (no maximum) when there is no payload limit.
func MaxPacketSize(maxBytes int64) uint32 {
	switch {
	case maxBytes < 0:
		return 0
	case maxBytes == 0:
		maxBytes = validate.DefaultMaxBytes
	}
	if maxBytes > maxPacket-PacketOverhead {
		return maxPacket
	}
	return uint32(maxBytes + PacketOverhead)
}

// Capabilities returns the broker capabilities New uses: mochi's defaults with
// the maximum QoS capped at 1, the maximum packet size of MaxPacketSize, and
// acknowledgements that do not copy the publication's user properties.
func Capabilities(maxBytes int64) *mochi.Capabilities {
	c := mochi.NewDefaultServerCapabilities()
	c.MaximumQos = 1
	c.MaximumPacketSize = MaxPacketSize(maxBytes)
	c.Compatibilities.NoInheritedPropertiesOnAck = true
	return c
}

// New returns a broker with the validation hook attached (and AllowAll, when
// opts.AllowAll is set). Add listeners with AddListener, then call Serve;
// Shutdown or Close (this package's, not the broker's method) stops it.
func New(opts Options) (*mochi.Server, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	} else {
		logger = slog.New(quietHandler{Handler: logger.Handler(), quota: new(quotaLog)})
	}
	caps := Capabilities(opts.Validate.Limits.MaxBytes)
	lim := opts.Limits.resolved()
	lim.apply(caps)
	// QoS 2 from MQTT 3.1.1 clients, which cannot be told Maximum QoS 1, gets
	// the PUBREC/PUBREL/PUBCOMP exchange; MQTT 5 clients are told 1 (see
	// limitsHook).
	caps.MaximumQos = 2
	srv := mochi.New(&mochi.Options{
		Capabilities: caps,
		InlineClient: true, // the hook publishes the replies through it
		Logger:       logger,
	})
	limits := newLimitsHook(srv, lim, caps.MaximumPacketSize, logger)
	if err := srv.AddHook(limits, nil); err != nil {
		return nil, err
	}
	d := &drain{limits: limits}
	drains.Store(srv, d)
	if opts.Devices != nil {
		opts.Validate.Directory = opts.Devices
	}
	if opts.AllowAll && !opts.Devices.Secured() {
		if err := srv.AddHook(new(AllowAll), nil); err != nil {
			return nil, err
		}
	}
	if err := srv.AddHook(newAccessHook(srv, &opts), nil); err != nil {
		return nil, err
	}
	h := NewHook(srv, opts)
	h.drain = d
	if err := srv.AddHook(h, nil); err != nil {
		return nil, err
	}
	return srv, nil
}

// AllowAll is an authentication hook that lets every client connect without
// credentials and publish and subscribe on every topic. It is meant for a local
// endpoint on a loopback address or a trusted network, never for a broker that
// untrusted clients can reach.
type AllowAll struct {
	mochi.HookBase
}

// ID returns "allow-all".
func (h *AllowAll) ID() string { return "allow-all" }

// Provides reports that the hook handles OnConnectAuthenticate and OnACLCheck.
func (h *AllowAll) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}

// OnConnectAuthenticate accepts every client.
func (h *AllowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }

// OnACLCheck allows every publication and subscription.
func (h *AllowAll) OnACLCheck(*mochi.Client, string, bool) bool { return true }

// quietHandler tidies the broker's records. It drops the error record mochi
// writes each time the validation hook makes it send a negative PUBACK: a
// rejected message is a verdict, reported through OnVerdict, not a broker
// error. It drops the records mochi's listener writes without a message when
// a client connection ends with an error, which name no client: the limits
// hook logs each end with the client id. And it logs packets by type, topic
// and size, never their payload.
type quietHandler struct {
	slog.Handler
	quota *quotaLog // nil: no rate limit
}

// quotaLog rate-limits mochi's record of a message dropped because a client's
// store of unacknowledged messages is full, which it writes once per message:
// at most one record a second, with the count since the last.
type quotaLog struct {
	last    atomic.Int64 // unix nanoseconds of the last record passed on
	dropped atomic.Int64 // records held back since
}

// quotaReached is mochi's message for such a drop.
const quotaReached = "client store quota reached"

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "" {
		// The listener's record of a connection that ended with an error: it
		// names no client; the limits hook logs the same end with the id.
		return nil
	}
	r = redactPackets(r)
	if r.Message == quotaReached && h.quota != nil {
		now := r.Time.UnixNano()
		last := h.quota.last.Load()
		if now-last < int64(time.Second) || !h.quota.last.CompareAndSwap(last, now) {
			h.quota.dropped.Add(1)
			return nil
		}
		r.AddAttrs(slog.Int64("dropped", h.quota.dropped.Swap(0)+1))
	}
	if r.Level == slog.LevelError && r.Message == "publish packet error" {
		ours := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "hook" && (a.Value.String() == HookID || a.Value.String() == AccessHookID) {
				ours = true
				return false
			}
			return true
		})
		if ours {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

// redactPackets replaces the packets mochi puts in some records (a
// publication's payload, megabytes of it, with the error that ended its
// connection) by their type and payload size: payloads never reach the log.
func redactPackets(r slog.Record) slog.Record {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Any().(type) {
		case packets.Packet, *packets.Packet:
			found = true
			return false
		}
		return true
	})
	if !found {
		return r
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		var pk *packets.Packet
		switch v := a.Value.Any().(type) {
		case packets.Packet:
			pk = &v
		case *packets.Packet:
			pk = v
		}
		if pk == nil {
			out.AddAttrs(a)
			return true
		}
		out.AddAttrs(slog.Group(a.Key, slog.String("type", packets.PacketNames[pk.FixedHeader.Type]),
			slog.String("topic", pk.TopicName), slog.Int("bytes", len(pk.Payload))))
		return true
	})
	return out
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(as), h.quota}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name), h.quota}
}
