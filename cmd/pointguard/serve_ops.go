package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	json "github.com/goccy/go-json"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
)

// What serve offers for running it on a staging network: GET /healthz and GET
// /metrics on the HTTP listener, TLS on both listeners, and a log line for
// every multiSet item that is refused.

// serveOps holds the metrics of one serve run. Each run has its own registry,
// so that runs in one process (tests) do not share counters.
type serveOps struct {
	reg        *prometheus.Registry
	messages   *prometheus.CounterVec // by code and topic kind
	refused    *prometheus.CounterVec // publications dropped without validation, by reason
	failures   prometheus.Counter     // validations or replies that failed with an error
	duration   prometheus.Histogram
	points     prometheus.Counter
	sinkErrors prometheus.Counter
	multiItems *prometheus.CounterVec // multiSet items by status
	multiReqs  *prometheus.CounterVec // multiSet requests by status
	broker     atomic.Pointer[mochi.Server]
}

// newServeOps registers the metrics of serve. The connected clients are read
// from the broker that setBroker names.
func newServeOps() *serveOps {
	o := &serveOps{reg: prometheus.NewRegistry()}
	o.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pointguard_mqtt_messages_total",
		Help: "MQTT messages on measurepoint request topics that were validated, by the code of the reply and the topic's method (kind \"other\" for a topic that is not a measurepoint topic, code 1009).",
	}, []string{"code", "kind"})
	o.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pointguard_mqtt_refused_total",
		Help: "MQTT publications dropped without validation, by reason (a client publishing on a reply topic, say).",
	}, []string{"reason"})
	o.failures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pointguard_mqtt_errors_total",
		Help: "MQTT messages whose validation failed without a verdict or whose reply could not be published.",
	})
	o.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "pointguard_mqtt_validation_duration_seconds",
		Help:    "Time spent on one MQTT message: validation, the points sink and the reply.",
		Buckets: prometheus.ExponentialBuckets(50e-6, 4, 8), // 50µs to 0.8s
	})
	o.points = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pointguard_points_accepted_total",
		Help: "Measurepoint values in MQTT messages that got 200.",
	})
	o.sinkErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pointguard_sink_errors_total",
		Help: "Accepted MQTT messages whose points the sink (--points) failed to keep.",
	})
	o.multiItems = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pointguard_multiset_items_total",
		Help: "multiSet items answered, by item status (0: accepted for delivery).",
	}, []string{"status"})
	o.multiReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pointguard_multiset_requests_total",
		Help: "multiSet requests answered, by the status of the whole response (0 or 400).",
	}, []string{"status"})
	clients := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pointguard_mqtt_connected_clients",
		Help: "MQTT clients connected now.",
	}, func() float64 {
		if b := o.broker.Load(); b != nil {
			return float64(atomic.LoadInt64(&b.Info.ClientsConnected))
		}
		return 0
	})
	o.reg.MustRegister(o.messages, o.refused, o.failures, o.duration, o.points, o.sinkErrors,
		o.multiItems, o.multiReqs, clients,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return o
}

// setBroker names the broker whose clients the metrics count.
func (o *serveOps) setBroker(b *mochi.Server) { o.broker.Store(b) }

// observe returns an OnVerdict callback that counts the verdict, then calls
// next.
func (o *serveOps) observe(next func(*mqtt.Verdict)) func(*mqtt.Verdict) {
	return func(v *mqtt.Verdict) {
		switch {
		case v.Result == nil:
			o.refused.WithLabelValues(v.Refused).Inc()
		default:
			kind := "other"
			if m := v.Result.Topic.Method; m.Valid() {
				kind = m.String()
			}
			o.messages.WithLabelValues(strconv.Itoa(int(v.Result.Code)), kind).Inc()
			o.duration.Observe(v.Elapsed.Seconds())
			if v.Result.Code == codes.OK && v.SinkErr == nil {
				o.points.Add(float64(v.Result.Accepted))
			}
		}
		if v.Err != nil {
			o.failures.Inc()
		}
		if v.SinkErr != nil {
			o.sinkErrors.Inc()
		}
		next(v)
	}
}

// routes adds GET /healthz and GET /metrics to mux. /healthz answers 200 "ok"
// while serve runs (the HTTP listener closes when it stops); /metrics answers
// in the Prometheus text format.
func (o *serveOps) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{}))
}

// maxLoggedResponse bounds the multiSet response that multiSetLog reads back to
// log its refused items: 1000 items that echo a large inputData fit; a larger
// response is answered in full but its items are not logged.
const maxLoggedResponse = 16 << 20

// multiSetLog wraps the multiSet handler: it logs a refused request (status
// 400) and every refused item with its status, msg and submsg, and counts
// requests and items by status. It reads the response the handler wrote, so
// the handler stays as it is embedded elsewhere.
func (o *serveOps) multiSetLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tee := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tee, r)
		if tee.over {
			log.Warn("multiSet response too large to log its items", "bytes_over", maxLoggedResponse)
			return
		}
		var resp struct {
			Status int             `json:"status"`
			Msg    string          `json:"msg"`
			Submsg *string         `json:"submsg"`
			Data   []multiSetReply `json:"data"`
		}
		if tee.buf.Len() == 0 || json.Unmarshal(tee.buf.Bytes(), &resp) != nil {
			return // not a multiSet response: a 405, say, which the access log shows
		}
		o.multiReqs.WithLabelValues(strconv.Itoa(resp.Status)).Inc()
		if resp.Status != 0 {
			log.LogAttrs(r.Context(), slog.LevelWarn, "multiSet request refused",
				slog.Int("status", resp.Status), slog.String("statusMsg", resp.Msg), slog.String("submsg", deref(resp.Submsg)))
		}
		for i := range resp.Data {
			it := &resp.Data[i]
			o.multiItems.WithLabelValues(strconv.Itoa(it.Status)).Inc()
			if it.Status == 0 {
				continue
			}
			log.LogAttrs(r.Context(), slog.LevelWarn, "multiSet item refused",
				slog.Int("index", i),
				slog.String("requestId", jsonText(it.RequestID)),
				slog.Int("status", it.Status),
				slog.String("statusMsg", it.Msg), // not "msg": the record's own key
				slog.String("submsg", deref(it.Submsg)))
		}
	})
}

// multiSetReply is what multiSetLog reads of an item reply. requestId is kept
// as the JSON it was echoed as, since a refused item may have any type there.
type multiSetReply struct {
	RequestID json.RawMessage `json:"requestId"`
	Status    int             `json:"status"`
	Msg       string          `json:"msg"`
	Submsg    *string         `json:"submsg"`
}

// jsonText returns a JSON string's text, or any other JSON value as written.
func jsonText(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// teeWriter keeps a copy of the response body, up to maxLoggedResponse.
type teeWriter struct {
	http.ResponseWriter
	buf  bytes.Buffer
	over bool
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if !t.over {
		if t.buf.Len()+len(p) > maxLoggedResponse {
			t.over = true
			t.buf = bytes.Buffer{}
		} else {
			t.buf.Write(p)
		}
	}
	return t.ResponseWriter.Write(p)
}

// loadTLS returns the server TLS configuration of --tls-cert and --tls-key
// (PEM files; the certificate file may hold the chain), or nil when neither is
// given. TLS 1.2 is the minimum.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, errors.New("--tls-cert, --tls-key: " + err.Error())
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
