package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	pahov3 "github.com/eclipse/paho.mqtt.golang"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// httpGet returns the status and body of GET url.
func httpGet(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// scrape reads /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, client *http.Client, base string) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := httpGet(t, client, base+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not in the Prometheus text format: %v\n%s", err, body)
	}
	return mfs
}

// metric returns the value of the sample of family name whose labels are
// labels (name=value pairs); a histogram gives its sample count. It fails the
// test when there is no such sample.
func metric(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range mf.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with labels %v", name, labels)
	return 0
}

// /healthz and /metrics, scraped after MQTT messages of two codes, a forged
// reply and a multiSet request with one item per status; refused multiSet
// items are logged with their status and submsg.
func TestServeMetrics(t *testing.T) {
	var stdout, stderr syncBuffer
	points := filepath.Join(t.TempDir(), "points.jsonl")
	mqttAddr, httpAddr, _ := startServe(t, []string{"--points", points}, &stdout, &stderr)
	base := "http://" + httpAddr

	if status, body := httpGet(t, http.DefaultClient, base+"/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", status, body)
	}

	sc := dialServe(t, mqttAddr, "gw1", batchTopic+"_reply")
	if r := sc.request(t, batchTopic, okPayload); !strings.Contains(r, `"code":200`) {
		t.Fatalf("reply %s, want 200", r)
	}
	if r := sc.request(t, batchTopic, badPayload); !strings.Contains(r, `"code":1204`) {
		t.Fatalf("reply %s, want 1204", r)
	}
	if err := waitToken(sc.c.Publish(batchTopic+"_reply", 1, false, `{"id":"1","code":200,"data":{}}`)); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "multiset", "mixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := putMultiSet(t, httpAddr, "o1", string(body)); status != 200 {
		t.Fatalf("multiSet: HTTP %d", status)
	}

	mfs := scrape(t, http.DefaultClient, base)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"pointguard_mqtt_messages_total", []string{"code", "200", "kind", "thing.measurepoint.post.batch"}, 1},
		{"pointguard_mqtt_messages_total", []string{"code", "1204", "kind", "thing.measurepoint.post.batch"}, 1},
		{"pointguard_mqtt_refused_total", []string{"reason", "reply topic"}, 1},
		{"pointguard_mqtt_validation_duration_seconds", nil, 2},
		{"pointguard_points_accepted_total", nil, 2},
		{"pointguard_sink_errors_total", nil, 0},
		{"pointguard_mqtt_errors_total", nil, 0},
		{"pointguard_mqtt_connected_clients", nil, 1},
		{"pointguard_multiset_requests_total", []string{"status", "0"}, 1},
		{"pointguard_multiset_items_total", []string{"status", "0"}, 2},
		{"pointguard_multiset_items_total", []string{"status", "1000"}, 4},
		{"pointguard_multiset_items_total", []string{"status", "1000201"}, 1},
		{"pointguard_multiset_items_total", []string{"status", "1004"}, 1},
	} {
		if got := metric(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}

	log := stderr.String()
	for _, want := range []string{
		`msg="multiSet item refused" index=5 requestId=no-device status=1000201 statusMsg="device does not exist" submsg="device \"product1/device9\" does not exist"`,
		`msg="multiSet item refused" index=2 requestId="" status=1000 statusMsg="para error" submsg="requestId is required"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "requestId=ok-asset status") {
		t.Errorf("an accepted item was logged as refused:\n%s", log)
	}
}

// A whole multiSet request refused (status 400) is logged with its msg and
// submsg, and counted.
func TestServeMultiSetRequestRefused(t *testing.T) {
	var stdout, stderr syncBuffer
	_, httpAddr, _ := startServe(t, nil, &stdout, &stderr)
	if status, _ := putMultiSet(t, httpAddr, "nope", `{"data":[{"requestId":"r"}]}`); status != 200 {
		t.Fatalf("multiSet: HTTP %d", status)
	}
	mfs := scrape(t, http.DefaultClient, "http://"+httpAddr)
	if got := metric(t, mfs, "pointguard_multiset_requests_total", "status", "400"); got != 1 {
		t.Errorf("requests with status 400 = %v, want 1", got)
	}
	if want := `msg="multiSet request refused" status=400 statusMsg="Invalid Argument orgId" submsg="orgId does not exist"`; !strings.Contains(stderr.String(), want) {
		t.Errorf("the log lacks %s:\n%s", want, stderr.String())
	}
}

// A points sink that fails is counted, and its points are not counted as
// accepted.
func TestServeMetricsSinkError(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full, which fails every write, to make the sink fail")
	}
	var stdout, stderr syncBuffer
	mqttAddr, httpAddr, _ := startServe(t, []string{"--points", "/dev/full"}, &stdout, &stderr)
	sc := dialServe(t, mqttAddr, "gw1", batchTopic+"_reply")
	sc.request(t, batchTopic, okPayload) // the reply to a failed sink is the broker's concern, not tested here
	mfs := scrape(t, http.DefaultClient, "http://"+httpAddr)
	if got := metric(t, mfs, "pointguard_sink_errors_total"); got != 1 {
		t.Errorf("sink errors = %v, want 1", got)
	}
	if got := metric(t, mfs, "pointguard_points_accepted_total"); got != 0 {
		t.Errorf("points accepted = %v, want 0", got)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as PEM
// files, and returns their paths and a pool that trusts the certificate.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pointguard test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// With --tls-cert and --tls-key, MQTT and HTTP speak TLS with the given
// certificate: a client that trusts it gets its reply and its /healthz, and a
// plain HTTP request is refused.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	var stdout, stderr syncBuffer
	mqttAddr, httpAddr, _ := startServe(t, []string{"--tls-cert", certFile, "--tls-key", keyFile}, &stdout, &stderr)
	clientTLS := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	c := pahov3.NewClient(pahov3.NewClientOptions().
		AddBroker("ssl://" + mqttAddr).
		SetTLSConfig(clientTLS).
		SetClientID("gw1").
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectTimeout(serveTimeout))
	if err := waitToken(c.Connect()); err != nil {
		t.Fatal("connect over TLS:", err)
	}
	defer c.Disconnect(100)
	replies := make(chan string, 1)
	if err := waitToken(c.Subscribe(batchTopic+"_reply", 1, func(_ pahov3.Client, m pahov3.Message) { replies <- string(m.Payload()) })); err != nil {
		t.Fatal(err)
	}
	if err := waitToken(c.Publish(batchTopic, 1, false, okPayload)); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-replies:
		if !strings.Contains(r, `"code":200`) {
			t.Errorf("reply over TLS %s, want 200", r)
		}
	case <-time.After(serveTimeout):
		t.Fatal("no reply over TLS")
	}

	https := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS}, Timeout: serveTimeout}
	if status, body := httpGet(t, https, "https://"+httpAddr+"/healthz"); status != 200 || body != "ok\n" {
		t.Errorf("GET https /healthz = %d %q", status, body)
	}
	if status, _ := httpGet(t, http.DefaultClient, "http://"+httpAddr+"/healthz"); status != http.StatusBadRequest {
		t.Errorf("plain HTTP to the TLS listener: %d, want 400", status)
	}
	if !strings.Contains(stderr.String(), "tls=true") {
		t.Errorf("the serving line does not say TLS:\n%s", stderr.String())
	}
}

// --tls-cert without --tls-key, and files that do not hold a key pair, stop
// serve before it listens.
func TestServeTLSErrors(t *testing.T) {
	certFile, _, _ := writeCert(t)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"cert alone", []string{"--tls-cert", certFile}, "--tls-cert and --tls-key go together"},
		{"key alone", []string{"--tls-key", certFile}, "--tls-cert and --tls-key go together"},
		{"missing files", []string{"--tls-cert", certFile + ".none", "--tls-key", certFile}, "--tls-cert, --tls-key: open"},
		{"cert as key", []string{"--tls-cert", certFile, "--tls-key", certFile}, "--tls-cert, --tls-key:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			args := append([]string{"--mqtt", "127.0.0.1:0", "--http", "127.0.0.1:0"}, tt.args...)
			if status := serveContext(context.Background(), args, &stdout, &stderr); status != exitUsage {
				t.Errorf("status %d, want 2", status)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}

// An MQTT 5 request with response-topic and correlation-data is answered on the
// request topic + "_reply" only, as the platform does: nothing is published on
// the response topic. The marker published there afterwards is the first
// message that topic carries.
func TestServeMQTT5ResponseTopicIgnored(t *testing.T) {
	var stdout, stderr syncBuffer
	mqttAddr, _, _ := startServe(t, nil, &stdout, &stderr)
	conn, err := net.DialTimeout("tcp", mqttAddr, serveTimeout)
	if err != nil {
		t.Fatal(err)
	}
	type message struct{ topic, payload string }
	msgs := make(chan message, 16)
	c := paho.NewClient(paho.ClientConfig{
		Conn:          conn,
		PacketTimeout: serveTimeout,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				msgs <- message{pr.Packet.Topic, string(pr.Packet.Payload)}
				return true, nil
			},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), serveTimeout)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: "gw1", KeepAlive: 30, CleanStart: true}); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(&paho.Disconnect{})
	const respTopic = "resp/gw1"
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{
		{Topic: batchTopic + "_reply", QoS: 1}, {Topic: respTopic, QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, &paho.Publish{Topic: batchTopic, QoS: 1, Payload: []byte(okPayload),
		Properties: &paho.PublishProperties{ResponseTopic: respTopic, CorrelationData: []byte("c1")}}); err != nil {
		t.Fatal(err)
	}
	next := func() message {
		select {
		case m := <-msgs:
			return m
		case <-time.After(serveTimeout):
			t.Fatal("no message")
		}
		return message{}
	}
	if m := next(); m.topic != batchTopic+"_reply" || !strings.Contains(m.payload, `"code":200`) {
		t.Fatalf("first message %+v, want the 200 reply on the _reply topic", m)
	}
	if _, err := c.Publish(ctx, &paho.Publish{Topic: respTopic, QoS: 1, Payload: []byte("marker")}); err != nil {
		t.Fatal(err)
	}
	if m := next(); m.topic != respTopic || m.payload != "marker" {
		t.Errorf("next message %+v, want the marker: serve published on the response topic", m)
	}
}
