package mqtt

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// drain is the shutdown state of a broker made by New.
type drain struct {
	draining atomic.Bool
	inflight atomic.Int64 // requests between validation and reply
	limits   *limitsHook
}

// drains maps each broker made by New to its drain state, for Shutdown.
var drains sync.Map // *mochi.Server -> *drain

// enter reports whether a request may be handled; each true is followed by
// leave once its reply is published.
func (d *drain) enter() bool {
	if d == nil {
		return true
	}
	d.inflight.Add(1)
	if d.draining.Load() {
		d.inflight.Add(-1)
		return false
	}
	return true
}

func (d *drain) leave() {
	if d != nil {
		d.inflight.Add(-1)
	}
}

// shuttingDownAck is the PUBACK of a request that arrived during Shutdown.
var shuttingDownAck error = packets.ErrServerShuttingDown

// ErrShutdownTimeout is returned by Shutdown when ctx ended before every
// request was answered and every reply written.
var ErrShutdownTimeout = errors.New("mqtt: shutdown: requests or replies still pending when the time ran out")

// Shutdown stops a broker made by New without losing a verdict:
//
//  1. its listeners stop accepting connections (those that have clients; the
//     others when the broker closes); connected clients stay;
//  2. requests that arrive from now on are refused: not validated, not kept,
//     not delivered and not answered (an MQTT 5 client at QoS 1 gets a PUBACK
//     with reason code 0x8B, server shutting down), so the device sends them
//     again when no reply comes;
//  3. it waits until every request that was being handled has its reply
//     published, and every message queued for a client has been written
//     (or, for a client that has stopped reading, until its queue has not
//     moved for 200 ms);
//  4. it closes the broker with Close.
//
// The Sink has then received its last batch and may be closed. When ctx ends
// before step 3 is done, Shutdown goes on with step 4 and returns
// ErrShutdownTimeout: replies still queued are then lost, which the caller
// should log.
func Shutdown(ctx context.Context, srv *mochi.Server) error {
	v, _ := drains.Load(srv)
	d, _ := v.(*drain)
	// Stop accepting on the listeners that have clients, keeping the clients.
	// (mochi's CloseAll would wait for every client to leave.) A listener
	// without clients may still accept one; its requests get 500 below.
	closed := map[string]bool{}
	for _, cl := range srv.Clients.GetAll() {
		if id := cl.Net.Listener; id != "" && !closed[id] {
			closed[id] = true
			srv.Listeners.Close(id, func(string) {})
		}
	}
	var err error
	if d != nil {
		d.draining.Store(true)
		// The queues are done when empty, or when what is left has not moved
		// for settle: a client that does not read is disconnected below.
		const settle = 200 * time.Millisecond
		last, since := int64(-1), time.Now()
		if !waitFor(ctx, func() bool {
			if d.inflight.Load() != 0 {
				return false
			}
			q := d.limits.queuedTotal()
			if q != last {
				last, since = q, time.Now()
			}
			return q == 0 || time.Since(since) >= settle
		}) {
			err = ErrShutdownTimeout
		}
	}
	Close(srv)
	return err
}

// Close closes a broker at once: it disconnects every client (0x8B, server
// shutting down), closes the listeners, waits for the connections to end and
// stops the hooks. A client that has not taken its DISCONNECT within
// disconnectGrace (it stopped reading) has its connection closed. Replies
// still queued are lost; Shutdown is the graceful way. Like the broker's
// method, it is called once.
//
// Use it in place of the broker's own Close method. That one (mochi-mqtt
// v2.7.9) can deadlock when a client leaves while it runs: it lists each
// listener's clients under a read lock that it takes a second time, and a
// client being removed in between waits for the write lock, which then blocks
// the second read lock for ever. It also waits for ever for a client whose
// socket is full. Close takes that lock once per look, and closes each
// listener itself, so the broker's method, called last, closes none again; a
// client that connects while it runs is disconnected too.
func Close(srv *mochi.Server) error {
	stop := make(chan struct{})
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		started := map[*mochi.Client]bool{}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			for _, cl := range srv.Clients.GetAll() {
				if !cl.Net.Inline && !cl.Closed() && !started[cl] {
					started[cl] = true
					go disconnect(srv, cl, packets.ErrServerShuttingDown)
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	// The sweep disconnects the clients; the listeners only stop accepting.
	srv.Listeners.CloseAll(func(string) {})
	close(stop)
	<-swept
	drains.Delete(srv)
	return srv.Close()
}

// disconnectGrace is how long a client disconnected by the broker has to take
// its DISCONNECT before its connection is closed under it.
const disconnectGrace = time.Second

// disconnect sends cl a DISCONNECT with code and ends its session. The
// broker's write to a client that stopped reading blocks, and holds the
// client's lock, until its keepalive deadline (up to 27 hours): the
// connection of a client that has not ended within disconnectGrace is closed,
// which fails that write.
func disconnect(srv *mochi.Server, cl *mochi.Client, code packets.Code) {
	t := time.AfterFunc(disconnectGrace, func() {
		if !cl.Closed() && cl.Net.Conn != nil {
			cl.Net.Conn.Close()
		}
	})
	defer t.Stop()
	_ = srv.DisconnectClient(cl, code)
}

// waitFor polls cond until it holds or ctx ends, and reports whether it held.
func waitFor(ctx context.Context, cond func() bool) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-t.C:
		}
	}
	return true
}

// queuedTotal returns the bytes queued for all clients; 0 when the queues are
// not counted (MaxQueuedBytes negative).
func (h *limitsHook) queuedTotal() int64 {
	var n int64
	h.queued.Range(func(_, v any) bool {
		n += v.(*atomic.Int64).Load()
		return true
	})
	return n
}
