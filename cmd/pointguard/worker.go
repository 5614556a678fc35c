package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/adapter/natsworker"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
)

func init() {
	commands["worker"] = command{
		name:    "worker",
		summary: "validate measurepoint messages from a NATS JetStream cluster, with any number of workers",
		run:     runWorker,
	}
}

const workerUsage = `usage: pointguard worker --nats URL[,URL...] [flags]

Runs validation workers behind a NATS JetStream cluster whose MQTT listener the
devices connect to. Each request published on a measurepoint topic of SPEC §1
is taken from the raw stream by one worker, validated, its accepted points
stored in the points stream (one message per request and device, on
points.{productKey}.{deviceKey}, as the JSON lines of serve --points) or its
rejection record on rejected.{code}, then answered on the reply topic and
acked. The streams and the durable consumer are created when missing and
shared when they exist, so workers started anywhere share the work.

flags:
  --nats URLS             NATS servers, comma-separated (required)
  --creds FILE            NATS credentials file (JWT and NKey seed)
  --user NAME             user name; the password comes from --password or,
                          when that is not given, $NATS_PASSWORD
  --password TEXT         password for --user
  --tls-ca FILE           CA certificates to verify the servers with (PEM)
  --env FILE              platform environment (default: the bundled sample,
                          ` + pointguard.SampleEnvironment + `)
  --profile NAME          compat or strict (default compat)
  --max-bytes N           payload size limit in bytes (default 524288; 0: no limit)
  --workers N             goroutines taking messages (default 8)
  --raw-stream NAME       stream of requests (default POINTGUARD_RAW)
  --points-stream NAME    stream of accepted points (default POINTGUARD_POINTS)
  --rejected-stream NAME  stream of rejection records (default POINTGUARD_REJECTED)
  --consumer NAME         durable consumer the workers share (default pointguard)
  --replicas N            replicas of the streams created (default 3 on a
                          cluster, 1 on a single server)
  --ack-wait D            redeliver a request not acked within D (default 30s)
  --max-ack-pending N     requests in flight over all workers (default 1024;
                          1 with --workers 1 keeps the stream's order)
  --duplicate-window D    how long the server remembers result ids, so that a
                          redelivered or re-sent request is not stored twice
                          (default 10m)
  --log-format NAME       text or json (default text); the log goes to standard
                          error: a summary every --stats-every, and every
                          result that could not be stored
  --stats-every D         interval of the summary (default 10s)

--ack-wait, --max-ack-pending, --replicas and --duplicate-window apply when the
worker creates the stream or consumer; existing ones are used as they are.

Stops cleanly on SIGINT (Ctrl-C) or SIGTERM: takes no new request, finishes
and acks those in hand. Exit status: 0 after a clean stop, 2 for a usage
error, an environment that does not load, a server that cannot be reached, or
a worker that fails while running.
`

// workerStarted, when not nil, is called once the workers run. Tests use it.
var workerStarted func()

// workerConfig is the parsed command line of worker.
type workerConfig struct {
	flags                          *cmdFlags
	urls, creds, user, password    string
	tlsCA                          string
	workers, replicas, maxPending  int
	raw, points, rejected, durable string
	ackWait, window, statsEvery    time.Duration
	jsonLog                        bool
}

func parseWorkerFlags(args []string, stdout, stderr io.Writer) (*workerConfig, int) {
	flags := newCmdFlags("worker")
	flags.addValidate()
	cfg := &workerConfig{flags: flags}
	flags.StringVar(&cfg.urls, "nats", "", "")
	flags.StringVar(&cfg.creds, "creds", "", "")
	flags.StringVar(&cfg.user, "user", "", "")
	flags.StringVar(&cfg.password, "password", "", "")
	flags.StringVar(&cfg.tlsCA, "tls-ca", "", "")
	flags.StringVar(&cfg.raw, "raw-stream", natsworker.DefaultRawStream, "")
	flags.StringVar(&cfg.points, "points-stream", natsworker.DefaultPointsStream, "")
	flags.StringVar(&cfg.rejected, "rejected-stream", natsworker.DefaultRejectedStream, "")
	flags.StringVar(&cfg.durable, "consumer", natsworker.DefaultConsumer, "")
	positive := func(name string, dst *int, zeroOK bool) {
		flags.Func(name, "", func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n == 0 && !zeroOK {
				return errors.New("want a positive decimal integer")
			}
			*dst = n
			return nil
		})
	}
	cfg.workers, cfg.maxPending = natsworker.DefaultWorkers, natsworker.DefaultMaxAckPending
	positive("workers", &cfg.workers, false)
	positive("replicas", &cfg.replicas, true)
	positive("max-ack-pending", &cfg.maxPending, false)
	duration := func(name string, dst *time.Duration, def time.Duration) {
		*dst = def
		flags.Func(name, "", func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return errors.New("want a positive duration such as 30s")
			}
			*dst = d
			return nil
		})
	}
	duration("ack-wait", &cfg.ackWait, natsworker.DefaultAckWait)
	duration("duplicate-window", &cfg.window, natsworker.DefaultDuplicateWindow)
	duration("stats-every", &cfg.statsEvery, 10*time.Second)
	logFormat := flags.String("log-format", "text", "")
	usageError := func(msg string) int { return workerUsageError(stderr, msg) }
	if status, done := flags.parse(args, stdout, workerUsage, usageError); done {
		return nil, status
	}
	if flags.NArg() > 0 {
		return nil, usageError("unexpected argument " + quote.Diag(flags.Arg(0), 0))
	}
	if strings.TrimSpace(cfg.urls) == "" {
		return nil, usageError("--nats is required: the URLs of the NATS servers, such as nats://127.0.0.1:4222")
	}
	if cfg.creds != "" && cfg.user != "" {
		return nil, usageError("--creds and --user exclude each other")
	}
	if cfg.password != "" && cfg.user == "" {
		return nil, usageError("--password needs --user")
	}
	if cfg.user != "" && !flags.given["password"] {
		cfg.password = os.Getenv("NATS_PASSWORD")
	}
	switch *logFormat {
	case "text":
	case "json":
		cfg.jsonLog = true
	default:
		return nil, usageError("--log-format must be text or json, not " + quote.Diag(*logFormat, 0))
	}
	return cfg, exitOK
}

func workerUsageError(stderr io.Writer, msg string) int {
	io.WriteString(stderr, "pointguard worker: "+msg+"\n\n"+workerUsage)
	return exitUsage
}

func runWorker(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return workerContext(ctx, args, stdout, stderr)
}

// workerStats counts what the workers did, for the periodic summary.
type workerStats struct {
	handled, accepted, rejected, points atomic.Int64
	redelivered, duplicates, failed     atomic.Int64
}

// workerContext runs the workers until ctx is done, then stops them cleanly.
func workerContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, status := parseWorkerFlags(args, stdout, stderr)
	if cfg == nil {
		return status
	}
	fail := func(msg string) int {
		io.WriteString(stderr, "pointguard worker: "+msg+"\n")
		return exitUsage
	}
	vopts, err := cfg.flags.validateOptions()
	if err != nil {
		return workerUsageError(stderr, err.Error())
	}
	env, err := cfg.flags.loadEnv()
	if err != nil {
		return fail(err.Error())
	}
	vopts.Models, vopts.Directory = env.Models(), env.Directory()

	var log *slog.Logger
	if cfg.jsonLog {
		log = slog.New(slog.NewJSONHandler(&lockedWriter{w: stderr}, nil))
	} else {
		log = slog.New(slog.NewTextHandler(&lockedWriter{w: stderr}, nil))
	}

	opts := []nats.Option{
		nats.Name("pointguard worker"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected", "error", err.Error())
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected", "server", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("NATS", "error", err.Error())
		}),
	}
	if cfg.creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.creds))
	}
	if cfg.user != "" {
		opts = append(opts, nats.UserInfo(cfg.user, cfg.password))
	}
	if cfg.tlsCA != "" {
		opts = append(opts, nats.RootCAs(cfg.tlsCA))
	}
	nc, err := nats.Connect(cfg.urls, opts...)
	if err != nil {
		return fail("--nats " + cfg.urls + ": " + err.Error())
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fail(err.Error())
	}

	var stats workerStats
	wcfg := natsworker.Config{
		Validate:        vopts,
		RawStream:       cfg.raw,
		PointsStream:    cfg.points,
		RejectedStream:  cfg.rejected,
		Consumer:        cfg.durable,
		Replicas:        cfg.replicas,
		AckWait:         cfg.ackWait,
		MaxAckPending:   cfg.maxPending,
		DuplicateWindow: cfg.window,
		Workers:         cfg.workers,
		OnVerdict:       verdictCounter(&stats, log),
	}
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := natsworker.Setup(setupCtx, js, wcfg); err != nil {
		return fail(err.Error())
	}
	w, err := natsworker.New(setupCtx, js, wcfg)
	if err != nil {
		return fail(err.Error())
	}
	log.Info("working", "nats", nc.ConnectedUrlRedacted(), "cluster", nc.ConnectedClusterName(),
		"stream", cfg.raw, "consumer", cfg.durable, "workers", cfg.workers,
		"env", cfg.flags.envPath, "profile", vopts.Profile.String())

	summary := time.NewTicker(cfg.statsEvery)
	defer summary.Stop()
	stopSummary := make(chan struct{})
	go func() {
		for {
			select {
			case <-summary.C:
				logStats(log, "working", &stats)
			case <-stopSummary:
				return
			}
		}
	}()
	if workerStarted != nil {
		workerStarted()
	}
	err = w.Run(ctx)
	close(stopSummary)
	status = exitOK
	if err != nil && ctx.Err() == nil {
		log.Error("worker failed", "error", err.Error())
		status = exitUsage
	} else if err != nil {
		log.Warn("stopping", "error", err.Error())
	}
	if derr := nc.Drain(); derr != nil && !errors.Is(derr, nats.ErrConnectionClosed) {
		log.Warn("drain", "error", derr.Error())
	}
	logStats(log, "stopped", &stats)
	return status
}

// verdictCounter counts each verdict and logs the results that could not be
// stored (the request comes again).
func verdictCounter(s *workerStats, log *slog.Logger) func(*natsworker.Verdict) {
	return func(v *natsworker.Verdict) {
		if v.Delivered > 1 {
			s.redelivered.Add(1)
		}
		s.duplicates.Add(int64(v.Duplicates))
		if v.StoreErr != nil {
			s.failed.Add(1)
			log.Error("not stored, will come again", "topic", v.Topic, "seq", v.Sequence, "error", v.StoreErr.Error())
			return
		}
		s.handled.Add(1)
		if v.Result.Code == codes.OK {
			s.accepted.Add(1)
			s.points.Add(int64(v.Result.Accepted))
		} else {
			s.rejected.Add(1)
		}
	}
}

func logStats(log *slog.Logger, msg string, s *workerStats) {
	log.Info(msg, "handled", s.handled.Load(), "accepted", s.accepted.Load(), "rejected", s.rejected.Load(),
		"points", s.points.Load(), "redelivered", s.redelivered.Load(), "duplicates", s.duplicates.Load(),
		"not_stored", s.failed.Load())
}
