package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// closedWithin reports whether the server closes c (a read ends) within d.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, serveTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServeHTTPTimeouts checks that a request whose body stops half-way, and a
// connection that sends nothing, are closed after --http-timeout, and an idle
// keep-alive connection after --http-idle-timeout.
func TestServeHTTPTimeouts(t *testing.T) {
	var stdout, stderr syncBuffer
	_, httpAddr, _ := startServe(t, []string{"--env", sampleEnv, "--http-timeout", "300ms", "--http-idle-timeout", "300ms"}, &stdout, &stderr)

	half := dialTCP(t, httpAddr)
	io.WriteString(half, "PUT /dataService/devices/multiSet?orgId=o1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"data\":[")
	silent := dialTCP(t, httpAddr)
	idle := dialTCP(t, httpAddr)
	io.WriteString(idle, "PUT /dataService/devices/multiSet HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	for name, c := range map[string]net.Conn{"half-sent body": half, "silent connection": silent, "idle keep-alive connection": idle} {
		if !closedWithin(t, c, serveTimeout) {
			t.Errorf("%s: still open after %v", name, serveTimeout)
		}
	}
}

// TestServeHTTPMaxConns checks --http-max-conns at N and N+1: N connections
// are served, the one beyond is closed at once.
func TestServeHTTPMaxConns(t *testing.T) {
	var stdout, stderr syncBuffer
	_, httpAddr, _ := startServe(t, []string{"--env", sampleEnv, "--http-max-conns", "2"}, &stdout, &stderr)
	var conns []net.Conn
	for range 2 {
		c := dialTCP(t, httpAddr)
		io.WriteString(c, "PUT /dataService/devices/multiSet HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
		buf := make([]byte, 12)
		c.SetReadDeadline(time.Now().Add(serveTimeout))
		if _, err := io.ReadFull(c, buf); err != nil || !strings.HasPrefix(string(buf), "HTTP/1.1 200") {
			t.Fatalf("connection %d: %q %v, want a 200 response", len(conns)+1, buf, err)
		}
		conns = append(conns, c)
	}
	third := dialTCP(t, httpAddr)
	if !closedWithin(t, third, serveTimeout) {
		t.Error("connection 3 with --http-max-conns 2: still open, want it closed at once")
	}
	// Once one closes, a new connection is served again; the server learns of
	// the close when its read ends, so a few tries may be needed.
	conns[0].Close()
	for try := 0; ; try++ {
		c := dialTCP(t, httpAddr)
		io.WriteString(c, "PUT /dataService/devices/multiSet HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
		buf := make([]byte, 12)
		c.SetReadDeadline(time.Now().Add(serveTimeout))
		if _, err := io.ReadFull(c, buf); err == nil {
			break
		}
		if try == 100 {
			t.Fatal("no connection served after one of the two closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
