package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/adapter/httpapi"
	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

func init() {
	commands["serve"] = command{
		name:    "serve",
		summary: "run a local MQTT broker that validates measurepoint messages and replies like the platform",
		run:     runServe,
	}
}

const serveUsage = `usage: pointguard serve [flags]

Runs a local ingest endpoint: an MQTT broker (3.1.1 and 5) that validates every
message published on a measurepoint topic of SPEC §1 and publishes the platform's
reply on the topic followed by "_reply". Accepted messages are delivered to the
subscribers of their topic; rejected ones are dropped. Other topics are carried
as on any broker. On HTTP it serves the multiSet API of SPEC §5,
PUT /dataService/devices/multiSet?orgId=ORG: each accepted item is sent to its
device as a set command on /sys/{pk}/{dk}/thing/service/measurepoint/set, and
its write result (status 0, 1000205 for a device's error code, 11915 without
an answer in time, 11900 when no client can receive the command) is published
on the MQTT topic named by its setMeasurepointChannelId. Every verdict and
every write result is logged.

When any device of the environment has a "secret", every client must sign
its CONNECT as the platform's device SDKs do (see pointguard sign) and may use
only its own topics and those of the sub-devices logged in through it; the
sub-device login, batch login and logout topics are answered, and a
sub-device's online state follows its session. Without secrets the broker
accepts every client without credentials (open mode): keep it on a loopback
address or a network you trust. TLS (--tls-cert, --tls-key) encrypts; it does
not authenticate.

flags:
  --env FILE         platform environment (default ` + pointguard.SampleEnvironment + `)
  --mqtt ADDR        MQTT listen address (default 127.0.0.1:1883)
  --http ADDR        HTTP listen address for the multiSet API (default
                     127.0.0.1:8080; "" turns HTTP off)
  --profile NAME     compat or strict (default compat)
  --max-bytes N      payload size limit in bytes (default 524288; 0: no limit)
  --points FILE      write accepted points to FILE as JSON lines ("-": standard
                     output); FILE is truncated first. A message whose points
                     cannot be written is answered 500 and not delivered
  --points-timeout D how long a message waits for --points to take its points
                     before it is answered 500 (default 2s)
  --log-format NAME  text or json (default text); the log goes to standard error
  --tls-cert FILE    serve MQTT and HTTP over TLS with this PEM certificate
                     (chain) and --tls-key FILE, its PEM private key
` + serveLimitsUsage + `
On HTTP it also serves GET /healthz ("ok" while serving) and GET /metrics
(Prometheus text format: messages by code and topic kind, validation time,
connected clients, points accepted, sink errors, multiSet items by status).
MQTT 5 response-topic and correlation-data are ignored, as the platform ignores
them: the reply always goes to the request topic followed by "_reply".

Stops cleanly on SIGINT (Ctrl-C) or SIGTERM. Exit status: 0 after a clean stop,
2 for a usage error, an environment that does not load, an address that cannot
be listened on, or a server that fails while running.
`

// serveStarted, when not nil, is called once the listeners are open, with their
// addresses ("" for HTTP when it is off). Tests use it to learn random ports.
var serveStarted func(mqttAddr, httpAddr string)

// defaultSinkTimeout is the default of --points-timeout.
const defaultSinkTimeout = 2 * time.Second

// serveShutdownGrace bounds the wait for connections to finish at shutdown.
const serveShutdownGrace = 5 * time.Second

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A reader of --points - or of the log that goes away must not kill the
	// server: with SIGPIPE ignored, the write fails with EPIPE, the message is
	// answered 500, and the sink is tried again for the next one.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveContext(ctx, args, stdout, stderr)
}

// serveConfig is the parsed command line of serve.
type serveConfig struct {
	flags                      *cmdFlags // --env, --profile, --max-bytes
	mqttAddr, httpAddr, points string
	validate                   validate.Options // Profile and Limits, from flags
	jsonLog                    bool
	sinkTimeout                time.Duration // --points-timeout
	limits                     serveLimits
	tlsCert, tlsKey            string
}

func parseServeFlags(args []string, stdout, stderr io.Writer) (*serveConfig, int) {
	flags := newCmdFlags("serve")
	flags.addValidate()
	cfg := &serveConfig{flags: flags}
	flags.StringVar(&cfg.mqttAddr, "mqtt", "127.0.0.1:1883", "")
	flags.StringVar(&cfg.httpAddr, "http", "127.0.0.1:8080", "")
	flags.StringVar(&cfg.points, "points", "", "")
	logFormat := flags.String("log-format", "text", "")
	flags.DurationVar(&cfg.sinkTimeout, "points-timeout", defaultSinkTimeout, "")
	flags.addServeLimits(&cfg.limits)
	flags.StringVar(&cfg.tlsCert, "tls-cert", "", "")
	flags.StringVar(&cfg.tlsKey, "tls-key", "", "")
	usageError := func(msg string) int { return serveUsageError(stderr, msg) }
	if status, done := flags.parse(args, stdout, serveUsage, usageError); done {
		return nil, status
	}
	if flags.NArg() > 0 {
		return nil, serveUsageError(stderr, "unexpected argument "+quote.Diag(flags.Arg(0), 0))
	}
	var err error
	if cfg.validate, err = flags.validateOptions(); err != nil {
		return nil, serveUsageError(stderr, err.Error())
	}
	switch *logFormat {
	case "text":
	case "json":
		cfg.jsonLog = true
	default:
		return nil, serveUsageError(stderr, "--log-format must be text or json, not "+quote.Diag(*logFormat, 0))
	}
	if err := cfg.limits.check(); err != nil {
		return nil, serveUsageError(stderr, err.Error())
	}
	if cfg.sinkTimeout <= 0 {
		return nil, serveUsageError(stderr, "--points-timeout must be a positive duration such as 2s")
	}
	if cfg.mqttAddr == "" {
		return nil, serveUsageError(stderr, "--mqtt must be an address such as 127.0.0.1:1883")
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, serveUsageError(stderr, "--tls-cert and --tls-key go together")
	}
	return cfg, exitOK
}

func serveUsageError(stderr io.Writer, msg string) int {
	io.WriteString(stderr, "pointguard serve: "+msg+"\n\n"+serveUsage)
	return exitUsage
}

// serveContext runs serve until ctx is done, then stops cleanly.
func serveContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, status := parseServeFlags(args, stdout, stderr)
	if cfg == nil {
		return status
	}
	fail := func(msg string) int {
		io.WriteString(stderr, "pointguard serve: "+msg+"\n")
		return exitUsage
	}

	env, err := cfg.flags.loadEnv()
	if err != nil {
		return fail(err.Error())
	}

	var log *slog.Logger
	if cfg.jsonLog {
		log = slog.New(slog.NewJSONHandler(&lockedWriter{w: stderr}, nil))
	} else {
		log = slog.New(slog.NewTextHandler(&lockedWriter{w: stderr}, nil))
	}

	tlsConfig, err := loadTLS(cfg.tlsCert, cfg.tlsKey)
	if err != nil {
		return fail(err.Error())
	}
	ops := newServeOps()

	var sink *pointWriter
	if cfg.points != "" {
		w, closeFn := stdout, func() error { return nil }
		if cfg.points != "-" {
			f, err := os.Create(cfg.points)
			if err != nil {
				return fail(err.Error())
			}
			w, closeFn = f, func() error { return syncClose(f) }
		}
		sink = newPointWriter(w, closeFn, cfg.sinkTimeout)
	}

	vopts := cfg.validate
	vopts.Models, vopts.Directory = env.Models(), env.Directory()
	brokerLog := slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("component", "broker")
	opts := mqtt.Options{
		Validate:  vopts,
		OnVerdict: ops.observe(verdictLogger(log)),
		AllowAll:  true, // documented in the usage: a local endpoint
		Logger:    brokerLog,
		Limits:    cfg.limits.mqtt,
	}
	if sink != nil {
		opts.Sink = sink
	}
	if opts.Devices, err = deviceRegistry(env); err != nil {
		return fail(err.Error())
	}
	opts.OnAccess = accessLogger(log)
	broker, err := mqtt.New(opts)
	if err != nil {
		return fail(err.Error())
	}
	ops.setBroker(broker)
	disp, err := mqtt.NewDispatcher(broker, mqtt.DispatcherOptions{Devices: opts.Devices,
		OnResult: writeResultLogger(log), OnStrayReply: strayReplyLogger(log)})
	if err != nil {
		return fail(err.Error())
	}
	mqttLn, err := net.Listen("tcp", cfg.mqttAddr)
	if err != nil {
		sink.Close()
		return fail("--mqtt " + cfg.mqttAddr + ": " + err.Error())
	}
	if tlsConfig != nil {
		mqttLn = tls.NewListener(mqttLn, tlsConfig)
	}
	tcp := mqtt.NewListener("mqtt", mqttLn, cfg.limits.mqtt, brokerLog)
	if err := broker.AddListener(tcp); err != nil {
		mqttLn.Close()
		sink.Close()
		return fail("--mqtt " + cfg.mqttAddr + ": " + err.Error())
	}

	var httpSrv *http.Server
	var httpLn net.Listener
	httpErr := make(chan error, 1)
	if cfg.httpAddr != "" {
		httpLn, err = net.Listen("tcp", cfg.httpAddr)
		if err != nil {
			mqtt.Close(broker)
			sink.Close()
			return fail("--http " + cfg.httpAddr + ": " + err.Error())
		}
		httpLn = &limitListener{Listener: httpLn, max: cfg.limits.httpMaxConns}
		httpSrv = cfg.limits.httpServer(newHTTPHandler(env, cfg, log, ops, disp))
		httpSrv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
		if tlsConfig != nil {
			httpLn = tls.NewListener(httpLn, tlsConfig)
		}
	}

	if err := broker.Serve(); err != nil {
		mqtt.Close(broker)
		sink.Close()
		return fail(err.Error())
	}
	mqttAddr, httpAddr := tcp.Address(), ""
	if httpSrv != nil {
		httpAddr = httpLn.Addr().String()
		go func() { httpErr <- httpSrv.Serve(httpLn) }()
	}
	attrs := []any{"mqtt", mqttAddr, "env", cfg.flags.envPath, "profile", cfg.validate.Profile.String()}
	if httpAddr != "" {
		attrs = append(attrs, "http", httpAddr)
	}
	attrs = append(attrs, "tls", tlsConfig != nil)
	log.Info("serving", attrs...)
	switch {
	case opts.Devices.Secured():
		log.Info("authenticating every client: devices sign their CONNECT with their secret (secure mode 2)")
	case !isLoopback(mqttAddr):
		log.Warn("open mode: no device has a secret, so the broker accepts every client without credentials, and it is listening beyond loopback", "mqtt", mqttAddr)
	default:
		log.Warn("open mode: no device has a secret, so the broker accepts every client without credentials")
	}
	if serveStarted != nil {
		serveStarted(mqttAddr, httpAddr)
	}

	status = exitOK
	select {
	case <-ctx.Done():
		log.Info("stopping", "cause", context.Cause(ctx).Error())
	case err := <-httpErr:
		log.Error("HTTP server failed", "error", err.Error())
		status = exitUsage
	}

	// Stop accepting, answer every request already read, write every reply,
	// then disconnect the clients and close the points file: all within
	// serveShutdownGrace, plus --points-timeout for a write still blocked.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), serveShutdownGrace)
	defer cancel()
	if httpSrv != nil {
		if err := httpSrv.Shutdown(shutdownCtx); err != nil {
			log.Warn("HTTP shutdown", "error", err.Error())
		}
	}
	// The items still waiting for their devices get their result while the
	// broker can still publish it.
	disp.Close()
	if err := mqtt.Shutdown(shutdownCtx, broker); err != nil {
		log.Warn("MQTT shutdown: replies may be lost", "error", err.Error(), "grace", serveShutdownGrace.String())
	}
	done := make(chan struct{})
	go func() { broker.Listeners.ClientsWg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutdownCtx.Done():
		log.Warn("connections still open at shutdown", "grace", serveShutdownGrace.String())
	}
	if err := sink.Close(); err != nil {
		log.Error("closing --points", "error", err.Error())
		status = exitUsage
	}
	log.Info("stopped")
	return status
}

// syncClose flushes a points file to its device, then closes it. A file that
// cannot be synced (a pipe, a character device) is closed all the same.
func syncClose(f *os.File) error {
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		f.Close()
		return err
	}
	return f.Close()
}

// verdictLogger logs each verdict: 200 at info level, a rejection or a refused
// publication at warn level, an error at error level.
func verdictLogger(log *slog.Logger) func(*mqtt.Verdict) {
	return func(v *mqtt.Verdict) {
		attrs := make([]slog.Attr, 0, 12)
		attrs = append(attrs,
			slog.String("client", v.ClientID),
			slog.String("topic", v.Topic),
			slog.Int("qos", int(v.QoS)),
			slog.Int("bytes", v.Bytes))
		level, msg := slog.LevelInfo, "verdict"
		if v.Result == nil {
			attrs = append(attrs, slog.String("refused", v.Refused))
			log.LogAttrs(context.Background(), slog.LevelWarn, "refused", attrs...)
			return
		}
		r := v.Result
		code := v.Code
		if code == 0 {
			code = r.Code
		}
		attrs = append(attrs, slog.Int("code", int(code)))
		if code == codes.OK {
			attrs = append(attrs, slog.Int("accepted", r.Accepted))
		} else {
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("message", code.Message()))
		}
		if r.SkippedTotal > 0 {
			attrs = append(attrs, slog.Int("skipped", r.SkippedTotal))
		}
		if e := r.Err; e != nil {
			attrs = append(attrs, slog.String("pointer", e.Pointer), slog.Int64("offset", e.Offset),
				slog.String("detail", e.Detail))
		}
		if len(r.ID) > 0 {
			attrs = append(attrs, slog.String("id", r.ID.Text()))
		}
		attrs = append(attrs, slog.Duration("elapsed", v.Elapsed))
		if v.Err != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", v.Err.Error()))
		}
		if v.SinkErr != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("sink_error", v.SinkErr.Error()))
		}
		log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// isLoopback reports whether a listen address is on a loopback interface. An
// address without a host ("":1883) listens on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// minLevel is a slog.Handler that passes on records at level min and above.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// lockedWriter serialises writes to a writer that is not safe for concurrent
// use. slog's handlers write each record with one Write call; the lock makes
// sure those calls do not interleave when stderr is, say, a bytes.Buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// pointWriter is the --points sink: one JSON line per accepted point,
//
//	{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":1,"quality":9}
//
// with "quality" only for a point that has one.
//
// The lines of one message are written with one Write call by a single writer
// goroutine, so messages from different clients never mix. Accept returns nil
// only once that write has returned without error; otherwise the message is
// answered 500 and not delivered. A failure does not stick: the next message
// is tried again, so the sink recovers when its target does (space freed, a
// reader back). A write that fails part-way leaves the end of its last line
// pending; it is written before the next message, so no line is ever torn, and
// the lines of that message may appear although it was answered 500 (the
// device then sends it again: at least once, never lost).
//
// Accept waits at most timeout, both for the writer and for the write, so a
// reader that stopped reading (a full pipe) turns into 500 replies after the
// timeout instead of blocking the publishers; where the target supports write
// deadlines (pipes and FIFOs opened by name), the write itself is cut off at
// the timeout too.
type pointWriter struct {
	w        io.Writer
	deadline interface{ SetWriteDeadline(time.Time) error } // nil when w has none
	timeout  time.Duration
	close    func() error
	reqs     chan *pointWrite // to the writer goroutine; unbuffered
	quit     chan struct{}    // closed by Close
	done     chan struct{}    // closed when the writer goroutine has returned
	pending  []byte           // the unwritten end of a torn line; writer goroutine only
	pool     sync.Pool        // of *pointWrite
	closed   sync.Once
}

// pointWrite is one message's lines on their way to the writer goroutine.
type pointWrite struct {
	buf []byte
	err chan error // buffered: the writer never waits for Accept
}

// errPointsBlocked is returned when the points target does not take a
// message's lines within the timeout.
var errPointsBlocked = errors.New("--points: blocked: the target did not take the points in time")

// errPointsClosed is returned for a message that arrives after Close.
var errPointsClosed = errors.New("--points: closed")

// maxPooledPointBuf keeps a huge batch's buffer out of the pool.
const maxPooledPointBuf = 1 << 20

// newPointWriter starts the writer goroutine of w; closeFn is called by Close.
func newPointWriter(w io.Writer, closeFn func() error, timeout time.Duration) *pointWriter {
	pw := &pointWriter{w: w, timeout: timeout, close: closeFn,
		reqs: make(chan *pointWrite), quit: make(chan struct{}), done: make(chan struct{})}
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok && d.SetWriteDeadline(time.Time{}) == nil {
		pw.deadline = d
	}
	go pw.loop()
	return pw
}

// Accept writes the batch's points.
func (pw *pointWriter) Accept(b *mqtt.Batch) error {
	req, _ := pw.pool.Get().(*pointWrite)
	if req == nil {
		req = &pointWrite{err: make(chan error, 1)}
	}
	buf := req.buf[:0]
	for i := range b.Points {
		buf = appendPoint(buf, &b.Points[i])
	}
	req.buf = buf
	timer := time.NewTimer(pw.timeout)
	defer timer.Stop()
	select {
	case pw.reqs <- req:
	case <-timer.C:
		pw.put(req) // never handed over: nothing written
		return errPointsBlocked
	case <-pw.quit:
		pw.put(req)
		return errPointsClosed
	}
	select {
	case err := <-req.err:
		pw.put(req)
		return err
	case <-timer.C:
		// The writer still holds req; it is not reused.
		return errPointsBlocked
	}
}

func (pw *pointWriter) put(req *pointWrite) {
	if cap(req.buf) <= maxPooledPointBuf {
		pw.pool.Put(req)
	}
}

// loop is the writer goroutine.
func (pw *pointWriter) loop() {
	defer close(pw.done)
	for {
		select {
		case req := <-pw.reqs:
			req.err <- pw.write(req.buf)
		case <-pw.quit:
			return
		}
	}
}

// write writes what a torn line left pending, then p, with one Write call each.
// On an error nothing of p counts as written; a part of p that was written
// makes the rest of p pending.
func (pw *pointWriter) write(p []byte) error {
	if pw.deadline != nil {
		pw.deadline.SetWriteDeadline(time.Now().Add(pw.timeout))
	}
	if len(pw.pending) > 0 {
		n, err := pw.w.Write(pw.pending)
		pw.pending = pw.pending[:copy(pw.pending, pw.pending[n:])]
		if err != nil {
			return pointsError(err)
		}
	}
	n, err := pw.w.Write(p)
	if err != nil {
		if n > 0 {
			pw.pending = append(pw.pending, p[n:]...)
		}
		return pointsError(err)
	}
	return nil
}

func pointsError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errPointsBlocked
	}
	return fmt.Errorf("--points: %w", err)
}

// Close stops the writer goroutine, waiting at most the timeout for a write in
// progress, and closes the file; it is a no-op on a nil writer, and closes
// nothing for standard output. Accept fails after Close.
func (pw *pointWriter) Close() error {
	if pw == nil {
		return nil
	}
	var err error
	pw.closed.Do(func() {
		close(pw.quit)
		select {
		case <-pw.done:
		case <-time.After(pw.timeout):
			err = errors.New("--points: a write was still blocked at shutdown")
		}
		if pw.close != nil {
			if cerr := pw.close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}

func appendPoint(dst []byte, p *mqtt.Point) []byte {
	dst = validate.AppendPointJSON(dst, p.ProductKey, p.DeviceKey, p.Time, p.Identifier, p.Value, p.Quality)
	return append(dst, '\n')
}

// newHTTPHandler returns the HTTP side: the multiSet API of SPEC §5 at
// protocol.MultiSetPath, which logs each accepted item and hands it to d (the
// broker's dispatcher: a set command to the device), behind a log of every
// request. It resolves assetIds and reads the clock as the multiset command
// does, so that both answer a body alike.
func newHTTPHandler(env *environment.Env, cfg *serveConfig, log *slog.Logger, ops *serveOps, d httpapi.Dispatcher) http.Handler {
	mux := http.NewServeMux()
	ops.routes(mux)
	mux.Handle(protocol.MultiSetPath, ops.multiSetLog(httpapi.New(httpapi.Options{
		Validate: validate.Options{
			Profile:   cfg.validate.Profile,
			Models:    env.Models(),
			Directory: env.Directory(),
			Limits:    validate.Limits{MaxItems: cfg.limits.maxItems},
		},
		Orgs:            env,
		Assets:          env.Assets(),
		Dispatcher:      logDispatcher{log, d},
		OnDispatchError: dispatchErrorLogger(log),
		Now:             func() int64 { return clock().UnixMilli() },
	}), log))
	return accessLog(mux, log)
}

// logDispatcher is the multiSet Dispatcher of serve: it logs each accepted
// item, then hands it to next.
type logDispatcher struct {
	log  *slog.Logger
	next httpapi.Dispatcher
}

// Dispatch logs the item and dispatches it.
func (d logDispatcher) Dispatch(ctx context.Context, item *protocol.SetMeasurepointReply) error {
	d.log.LogAttrs(ctx, slog.LevelInfo, "multiSet item",
		slog.String("requestId", item.RequestID),
		slog.String("orgId", item.OrgID),
		slog.String("productKey", item.ProductKey),
		slog.String("deviceKey", item.DeviceKey),
		slog.String("assetId", item.AssetID),
		slog.String("measurepointId", item.MeasurepointID),
		slog.String("inputData", string(item.InputData)),
		slog.String("channel", item.SetMeasurepointChannelID))
	return d.next.Dispatch(ctx, item)
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

// accessLog logs each request: method, path, HTTP status, response size, time.
func accessLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("remote", r.RemoteAddr),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("elapsed", time.Since(start)))
	})
}
