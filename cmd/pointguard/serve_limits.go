package main

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/validate"
)

// serveLimits are the bounds of serve's HTTP side, from the command line.
type serveLimits struct {
	maxItems     int           // --max-items: multiSet items per request
	httpTimeout  time.Duration // --http-timeout: reading a request, writing a response
	httpIdle     time.Duration // --http-idle-timeout: a keep-alive connection between requests
	httpMaxConns int           // --http-max-conns: open HTTP connections
	mqtt         mqtt.Limits   // the broker's, from the flags below
}

// Defaults of the limit flags.
const (
	defaultHTTPTimeout  = 30 * time.Second
	defaultHTTPIdle     = 60 * time.Second
	defaultHTTPMaxConns = 256
	// httpHeaderTimeout bounds the request line and headers, within
	// --http-timeout: a client that sends its headers a byte at a time is cut
	// off early.
	httpHeaderTimeout = 10 * time.Second
	// httpMaxHeaderBytes bounds a request's headers.
	httpMaxHeaderBytes = 64 << 10
)

const serveLimitsUsage = `  --max-connections N       MQTT connections at most (default 1000); more are
                            closed at once
  --connect-timeout D       time a new MQTT connection has to send CONNECT
                            (default 10s)
  --server-keepalive D      keepalive given to clients that ask for none
                            (default 60s)
  --max-queued-messages N   messages waiting for one client (default 1000)
  --max-queued-bytes N      bytes waiting for one client (default 16777216);
                            a client over either is disconnected
  --max-inflight N          unacknowledged QoS 1/2 messages per client, each
                            way (default 100)
  --max-session-expiry D    how long a session whose client went away is kept
                            (default 1h)
  --max-message-expiry D    how long a message is kept for a client (default 1h)
  --max-retained N          retained messages (default 1000)
  --max-retained-bytes N    retained payload bytes (default 16777216); beyond
                            either, a message is delivered but not retained
  --max-topic-aliases N     topic alias maximum for MQTT 5 clients (default 16)
  --max-items N      multiSet items per request (default 1000, SPEC §6); more:
                     status 400 "Invalid Argument data"
  --http-timeout D   time to read a whole request and to write its response
                     (default 30s; the headers within 10s)
  --http-idle-timeout D
                     time a keep-alive connection may wait for its next
                     request (default 60s)
  --http-max-conns N open HTTP connections at most (default 256); more are
                     closed at once
`

func (f *cmdFlags) addServeLimits(l *serveLimits) {
	l.maxItems = validate.DefaultMaxItems
	f.IntVar(&l.maxItems, "max-items", l.maxItems, "")
	f.DurationVar(&l.httpTimeout, "http-timeout", defaultHTTPTimeout, "")
	f.DurationVar(&l.httpIdle, "http-idle-timeout", defaultHTTPIdle, "")
	f.IntVar(&l.httpMaxConns, "http-max-conns", defaultHTTPMaxConns, "")
	m := &l.mqtt
	f.IntVar(&m.MaxConnections, "max-connections", mqtt.DefaultMaxConnections, "")
	f.DurationVar(&m.ConnectTimeout, "connect-timeout", mqtt.DefaultConnectTimeout, "")
	f.DurationVar(&m.ServerKeepalive, "server-keepalive", mqtt.DefaultServerKeepalive, "")
	f.IntVar(&m.MaxQueuedMessages, "max-queued-messages", mqtt.DefaultMaxQueuedMessages, "")
	f.Int64Var(&m.MaxQueuedBytes, "max-queued-bytes", mqtt.DefaultMaxQueuedBytes, "")
	f.IntVar(&m.MaxInflight, "max-inflight", mqtt.DefaultMaxInflight, "")
	f.DurationVar(&m.MaxSessionExpiry, "max-session-expiry", mqtt.DefaultMaxSessionExpiry, "")
	f.DurationVar(&m.MaxMessageExpiry, "max-message-expiry", mqtt.DefaultMaxMessageExpiry, "")
	f.IntVar(&m.MaxRetained, "max-retained", mqtt.DefaultMaxRetained, "")
	f.Int64Var(&m.MaxRetainedBytes, "max-retained-bytes", mqtt.DefaultMaxRetainedBytes, "")
	f.IntVar(&m.MaxTopicAliases, "max-topic-aliases", mqtt.DefaultMaxTopicAliases, "")
}

// check returns the message for the user of a limit flag out of range.
func (l *serveLimits) check() error {
	switch {
	case l.maxItems <= 0:
		return errors.New("--max-items must be a positive integer, not " + strconv.Itoa(l.maxItems))
	case l.httpTimeout <= 0:
		return errors.New("--http-timeout must be a positive duration such as 30s")
	case l.httpIdle <= 0:
		return errors.New("--http-idle-timeout must be a positive duration such as 60s")
	case l.httpMaxConns <= 0:
		return errors.New("--http-max-conns must be a positive integer, not " + strconv.Itoa(l.httpMaxConns))
	}
	m := &l.mqtt
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"connect-timeout", m.ConnectTimeout}, {"server-keepalive", m.ServerKeepalive},
		{"max-session-expiry", m.MaxSessionExpiry}, {"max-message-expiry", m.MaxMessageExpiry}} {
		if d.v <= 0 {
			return errors.New("--" + d.name + " must be a positive duration such as 10s")
		}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{{"max-connections", int64(m.MaxConnections)}, {"max-queued-messages", int64(m.MaxQueuedMessages)},
		{"max-queued-bytes", m.MaxQueuedBytes}, {"max-inflight", int64(m.MaxInflight)},
		{"max-retained", int64(m.MaxRetained)}, {"max-retained-bytes", m.MaxRetainedBytes},
		{"max-topic-aliases", int64(m.MaxTopicAliases)}} {
		if n.v <= 0 {
			return errors.New("--" + n.name + " must be a positive integer, not " + strconv.FormatInt(n.v, 10))
		}
	}
	if m.MaxInflight > 65535 || m.MaxTopicAliases > 65535 {
		return errors.New("--max-inflight and --max-topic-aliases must be at most 65535")
	}
	return nil
}

// httpServer returns serve's HTTP server with its timeouts set.
func (l *serveLimits) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(httpHeaderTimeout, l.httpTimeout),
		ReadTimeout:       l.httpTimeout,
		WriteTimeout:      l.httpTimeout,
		IdleTimeout:       l.httpIdle,
		MaxHeaderBytes:    httpMaxHeaderBytes,
	}
}

// limitListener closes the connections it accepts beyond max open ones at
// once, rather than letting them wait unserved in the kernel's backlog.
type limitListener struct {
	net.Listener
	mu   sync.Mutex
	open int
	max  int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		ok := l.open < l.max
		if ok {
			l.open++
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, l: l}, nil
		}
		c.Close()
	}
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
