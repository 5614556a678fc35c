package main

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pointguard/pointguard/validate"
)

// serveLimits are the bounds of serve's HTTP side, from the command line.
type serveLimits struct {
	maxItems     int           // --max-items: multiSet items per request
	httpTimeout  time.Duration // --http-timeout: reading a request, writing a response
	httpIdle     time.Duration // --http-idle-timeout: a keep-alive connection between requests
	httpMaxConns int           // --http-max-conns: open HTTP connections
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

const serveLimitsUsage = `  --max-items N      multiSet items per request (default 1000, SPEC §6); more:
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
