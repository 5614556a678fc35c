package mqtt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	pahov3 "github.com/eclipse/paho.mqtt.golang"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// The secured environment: gateway gwP/gw1 with sub-devices product1/device1
// (offline at start), product2/device2 (online at start) and product1/nosecret
// (no secret); gateway gwP/gw9 with sub-device product1/other1.
const (
	gwSecret  = "gw1-secret"
	gw9Secret = "gw9-secret"
	ts        = "1700000000000"
)

var subSecrets = map[string]string{
	"product1/device1": "d1-secret",
	"product2/device2": "d2-secret",
	"product1/other1":  "o1-secret",
}

func securedDevices(tb testing.TB) *mqtt.Devices {
	tb.Helper()
	sub := func(pk, dk, gw string, online bool, asset string) mqtt.Device {
		g := strings.SplitN(gw, "/", 2)
		return mqtt.Device{ProductKey: pk, DeviceKey: dk, Secret: subSecrets[pk+"/"+dk],
			Device: validate.Device{GatewayProductKey: g[0], GatewayDeviceKey: g[1], Online: online, AssetID: asset}}
	}
	devs, err := mqtt.NewDevices([]mqtt.Device{
		{ProductKey: "gwP", DeviceKey: "gw1", Secret: gwSecret, Device: validate.Device{Online: true}},
		{ProductKey: "gwP", DeviceKey: "gw9", Secret: gw9Secret, Device: validate.Device{Online: true}},
		sub("product1", "device1", "gwP/gw1", false, "asset1"),
		sub("product2", "device2", "gwP/gw1", true, ""),
		sub("product1", "nosecret", "gwP/gw1", true, ""),
		sub("product1", "other1", "gwP/gw9", true, ""),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return devs
}

// events collects access events.
type events struct {
	mu sync.Mutex
	es []mqtt.AccessEvent
}

func (e *events) add(ev *mqtt.AccessEvent) {
	e.mu.Lock()
	e.es = append(e.es, *ev)
	e.mu.Unlock()
}

func (e *events) of(k mqtt.AccessKind) []mqtt.AccessEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []mqtt.AccessEvent
	for _, ev := range e.es {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor polls for an access event of kind k; events are reported on the
// broker's goroutines, possibly just after the client saw the outcome.
func (e *events) waitFor(tb testing.TB, k mqtt.AccessKind, n int) []mqtt.AccessEvent {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if es := e.of(k); len(es) >= n {
			return es
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("fewer than %d %v events: %v", n, k, e.of(k))
	return nil
}

func securedOptions(tb testing.TB) (mqtt.Options, *events) {
	ev := new(events)
	opts := sampleOptions(tb)
	opts.Devices = securedDevices(tb)
	opts.OnAccess = ev.add
	return opts, ev
}

// creds returns the CONNECT credentials of gateway gwP/dk.
func creds(m mqtt.SignMethod, dk, secret, extra string) (user, id, pass string) {
	return mqtt.Credentials(m, "gwP", dk, secret, ts, extra)
}

func connectV3(addr, user, id, pass string) (pahov3.Client, byte, error) {
	o := newV3Options(addr, id).SetUsername(user).SetPassword(pass)
	c := pahov3.NewClient(o)
	tok := c.Connect()
	if !tok.WaitTimeout(timeout) {
		return nil, 0, fmt.Errorf("connect timed out")
	}
	return c, tok.(*pahov3.ConnectToken).ReturnCode(), tok.Error()
}

func connectV5(addr, user, id, pass string) (*v5Client, byte, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, 0, err
	}
	vc := &v5Client{msgs: make(chan message, 1024)}
	vc.c = paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: timeout,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){
			func(pr paho.PublishReceived) (bool, error) {
				vc.msgs <- message{pr.Packet.Topic, pr.Packet.Payload}
				return true, nil
			}}})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ca, err := vc.c.Connect(ctx, &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true,
		Username: user, UsernameFlag: user != "", Password: []byte(pass), PasswordFlag: pass != ""})
	if ca != nil {
		return vc, ca.ReasonCode, err
	}
	return vc, 0, err
}

// dialGW connects gateway gwP/dk with MQTT 3.1.1 and a good signature.
func dialGW(tb testing.TB, addr, dk, secret, extra string) *v3Client {
	tb.Helper()
	user, id, pass := creds(mqtt.SHA256, dk, secret, extra)
	c, rc, err := connectV3(addr, user, id, pass)
	if err != nil || rc != 0 {
		tb.Fatalf("connect %s: return code %d, %v", dk, rc, err)
	}
	vc := &v3Client{c: c, msgs: make(chan message, 1024)}
	tb.Cleanup(func() { c.Disconnect(100) })
	return vc
}

// TestSignVectors checks Sign against digests that the vendor's Python SDK
// (enos/core/util/SignUtil.py) computes for the same parameters.
func TestSignVectors(t *testing.T) {
	p := mqtt.SignParams{ClientID: "gw1", DeviceKey: "gw1", ProductKey: "gwP", Timestamp: ts}
	px := p
	px.ClientID = "gw1{ip=127.0.0.1,version=2.3,compress=GZIP}"
	for _, tc := range []struct {
		m     mqtt.SignMethod
		p     mqtt.SignParams
		want  string
		alias string
	}{
		{mqtt.SHA256, p, "e5cbd8a61a55be42fe32a9f135b3982f27bc07ff1420b160d01b685860aa8c56", "hmacsha256"},
		{mqtt.SHA1, p, "DA55CFCB3C22F7367E23549F97A38D9C5CDA5EC9", "hmacsha1"},
		{mqtt.MD5, p, "730e312df5b9ba0046e216dc0ba64083", "hmacmd5"},
		{mqtt.SHA256, px, "56ee04064b7fd8880580711e0837c70d1fb33324748a50174127af59dd2ab767", "HmacSHA256"},
		{mqtt.SHA1, px, "7713DDA0D1361C361846659F2685B26D045DB353", " sha1 "},
		{mqtt.MD5, px, "f4b2fcd295f06adb01b22f4b2296839e", "MD5"},
	} {
		if got := mqtt.Sign(tc.m, "gwsecret", tc.p); got != tc.want {
			t.Errorf("Sign(%v, %+v) = %s, want %s", tc.m, tc.p, got, tc.want)
		}
		if m, ok := mqtt.ParseSignMethod(tc.alias); !ok || m != tc.m {
			t.Errorf("ParseSignMethod(%q) = %v, %v", tc.alias, m, ok)
		}
		if !mqtt.CheckSign(tc.m, "gwsecret", tc.p, strings.ToUpper(tc.want)) || !mqtt.CheckSign(tc.m, "gwsecret", tc.p, strings.ToLower(tc.want)) {
			t.Errorf("CheckSign(%v) refuses the digest in one letter case", tc.m)
		}
		if mqtt.CheckSign(tc.m, "gwsecreT", tc.p, tc.want) {
			t.Errorf("CheckSign(%v) accepts another secret", tc.m)
		}
	}
}

// TestAuthenticate drives MQTT 3.1.1 and 5 clients through good and bad
// signatures of every sign method, with and without an extra block.
func TestAuthenticate(t *testing.T) {
	opts, ev := securedOptions(t)
	var logs bytes.Buffer
	opts.OnAccess = func(e *mqtt.AccessEvent) { fmt.Fprintf(&logs, "%+v\n", *e); ev.add(e) }
	addr := startBroker(t, opts)
	n := 0
	for _, m := range []mqtt.SignMethod{mqtt.SHA256, mqtt.SHA1, mqtt.MD5} {
		for _, extra := range []string{"", "ip=127.0.0.1,version=2.3,compress=DEFAULT"} {
			for _, v5 := range []bool{false, true} {
				name := fmt.Sprintf("%v/extra=%t/v5=%t", m, extra != "", v5)
				user, id, pass := creds(m, "gw1", gwSecret, extra)
				_, badID, badPass := creds(m, "gw1", "wrong", extra)
				cases := []struct {
					what           string
					user, id, pass string
					ok             bool
					reason         error
				}{
					{"good", user, id, pass, true, nil},
					{"wrong secret", user, badID, badPass, false, mqtt.ErrBadSign},
					{"other timestamp", user, strings.Replace(id, ts, "1700000000001", 1), pass, false, mqtt.ErrBadSign},
					{"password in the other case", user, id, strings.ToUpper(pass), true, nil},
					{"no password", user, id, "", false, mqtt.ErrBadSign},
					{"unknown device", "nobody&gwP", id, pass, false, mqtt.ErrUnknownDevice},
					{"device without a secret", "nosecret&product1", id, pass, false, mqtt.ErrUnknownDevice},
					{"no username", "", id, pass, false, mqtt.ErrUsernameForm},
					{"secure mode 3", user, strings.Replace(id, "securemode=2", "securemode=3", 1), pass, false, mqtt.ErrSecureMode},
					{"unknown sign method", user, strings.Replace(id, "signmethod="+m.String(), "signmethod=sha512", 1), pass, false, mqtt.ErrSignMethod},
					{"plain client id", user, "gw1", pass, false, mqtt.ErrClientIDForm},
				}
				for _, tc := range cases {
					refusedBefore := len(ev.of(mqtt.ConnectRefused))
					var rc byte
					var err error
					if v5 {
						var vc *v5Client
						vc, rc, err = connectV5(addr, tc.user, tc.id, tc.pass)
						if err == nil && rc == 0 {
							vc.c.Disconnect(&paho.Disconnect{})
						}
					} else {
						var c pahov3.Client
						c, rc, err = connectV3(addr, tc.user, tc.id, tc.pass)
						if err == nil {
							c.Disconnect(50)
						}
					}
					n++
					if tc.ok {
						if err != nil || rc != 0 {
							t.Errorf("%s: %s: refused: %#x %v", name, tc.what, rc, err)
						}
						continue
					}
					want := byte(0x05) // MQTT 3.1.1 "not authorized"
					if v5 {
						want = 0x87
					}
					if rc != want {
						t.Errorf("%s: %s: CONNACK %#x (%v), want %#x", name, tc.what, rc, err, want)
					}
					es := ev.waitFor(t, mqtt.ConnectRefused, refusedBefore+1)
					if got := es[len(es)-1].Reason; got != tc.reason.Error() {
						t.Errorf("%s: %s: logged reason %q, want %q", name, tc.what, got, tc.reason)
					}
				}
			}
		}
	}
	for _, secret := range []string{gwSecret, "d1-secret", "wrong"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret is in the access log")
		}
	}
	_, _, pass := creds(mqtt.SHA256, "gw1", gwSecret, "")
	if strings.Contains(logs.String(), pass) {
		t.Errorf("a password is in the access log")
	}
}

// loginRequest returns a combine.login request for sub-device pk/dk signed
// with secret.
func loginRequest(id, pk, dk, secret string, m mqtt.SignMethod) string {
	clientID := pk + "." + dk + "." + ts
	sign := mqtt.Sign(m, secret, mqtt.SignParams{ClientID: clientID, DeviceKey: dk, ProductKey: pk, Timestamp: ts})
	return `{"id":"` + id + `","version":"1.1","method":"combine.login","params":{"productKey":"` + pk +
		`","deviceKey":"` + dk + `","clientId":"` + clientID + `","timestamp":"` + ts +
		`","signMethod":"` + m.String() + `","sign":"` + sign + `","secureMode":"2","cleanSession":"false"}}`
}

// batchRequest returns a combine.login.batch request; each sub is "pk/dk/secret".
func batchRequest(id string, subs ...string) string {
	const clientID = "login.batch"
	var items []string
	for _, s := range subs {
		f := strings.SplitN(s, "/", 3)
		sign := mqtt.Sign(mqtt.SHA256, f[2], mqtt.SignParams{ClientID: clientID, DeviceKey: f[1], ProductKey: f[0], Timestamp: ts})
		items = append(items, `{"productKey":"`+f[0]+`","deviceKey":"`+f[1]+`","secureMode":"2","sign":"`+sign+`"}`)
	}
	return `{"id":"` + id + `","version":"1.1","method":"combine.login.batch","params":{"clientId":"` + clientID +
		`","timestamp":"` + ts + `","signMethod":"sha256","subDevices":[` + strings.Join(items, ",") + `]}}`
}

func logoutRequest(id, pk, dk string) string {
	return `{"id":"` + id + `","version":"1.1","method":"combine.logout","params":{"productKey":"` + pk + `","deviceKey":"` + dk + `"}}`
}

const (
	loginTopic  = "/ext/session/gwP/gw1/combine/login"
	batchTopic  = "/ext/session/gwP/gw1/combine/login/batch"
	logoutTopic = "/ext/session/gwP/gw1/combine/logout"
)

// sessionReply is a decoded session reply.
type sessionReply struct {
	ID      string          `json:"id"`
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func ask(tb testing.TB, gw *v3Client, topic, payload string) sessionReply {
	tb.Helper()
	gw.publish(tb, topic, 1, payload)
	m := next(tb, gw.msgs)
	if m.topic != topic+"_reply" {
		tb.Fatalf("message on %s, want %s_reply: %s", m.topic, topic, m.payload)
	}
	var r sessionReply
	if err := json.Unmarshal(m.payload, &r); err != nil {
		tb.Fatalf("reply %s: %v", m.payload, err)
	}
	return r
}

// device1Batch posts a measurepoint batch for product1/device1 through gw1 and
// returns the reply code.
func device1Batch(tb testing.TB, gw *v3Client, id int) codes.Code {
	tb.Helper()
	payload := `{"id":"` + strconv.Itoa(id) + `","version":"1.0","method":"thing.measurepoint.post.batch",` +
		`"params":[{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1.5},"time":1}]}`
	gw.publish(tb, gwTopic, 1, payload)
	return reply(tb, gw.msgs, gwReplyTopic).Code
}

// TestSessions drives a gateway through login, batch login and logout with
// every failure code, and watches 1212 follow the session and the gateway's
// connection.
func TestSessions(t *testing.T) {
	opts, ev := securedOptions(t)
	addr := startBroker(t, opts)
	gw := dialGW(t, addr, "gw1", gwSecret, "")
	for _, topic := range []string{loginTopic + "_reply", batchTopic + "_reply", logoutTopic + "_reply", gwReplyTopic} {
		gw.subscribe(t, topic)
	}

	if c := device1Batch(t, gw, 1); c != codes.NoSubDevicePerm {
		t.Fatalf("before login: %v, want 1212 (device1 starts offline)", c)
	}

	failures := []struct {
		name, payload string
		code          int
	}{
		{"unknown sub-device", loginRequest("2", "product1", "ghost", "x", mqtt.SHA256), 705},
		{"sub-device of another gateway", loginRequest("3", "product1", "other1", "o1-secret", mqtt.SHA256), 740},
		{"the gateway itself", loginRequest("4", "gwP", "gw1", gwSecret, mqtt.SHA256), 740},
		{"wrong secret", loginRequest("5", "product1", "device1", "wrong", mqtt.SHA256), 742},
		{"wrong secret, md5", loginRequest("6", "product1", "device1", "wrong", mqtt.MD5), 742},
		{"sub-device without a secret", loginRequest("7", "product1", "nosecret", "", mqtt.SHA256), 742},
		{"secure mode 3", strings.Replace(loginRequest("8", "product1", "device1", "d1-secret", mqtt.SHA256), `"secureMode":"2"`, `"secureMode":"3"`, 1), 742},
		{"unknown sign method", strings.Replace(loginRequest("9", "product1", "device1", "d1-secret", mqtt.SHA256), `"signMethod":"sha256"`, `"signMethod":"sha512"`, 1), 742},
		{"method of another topic", strings.Replace(loginRequest("10", "product1", "device1", "d1-secret", mqtt.SHA256), "combine.login", "combine.logout", 1), 1260},
		{"no sign", `{"id":"11","method":"combine.login","params":{"productKey":"product1","deviceKey":"device1"}}`, 1220},
		{"not JSON", `login please`, 1220},
		{"empty", ``, 1251},
	}
	for _, tc := range failures {
		r := ask(t, gw, loginTopic, tc.payload)
		if r.Code != tc.code {
			t.Errorf("%s: code %d %q, want %d", tc.name, r.Code, r.Message, tc.code)
		}
	}
	if c := device1Batch(t, gw, 12); c != codes.NoSubDevicePerm {
		t.Fatalf("after failed logins: %v, want 1212", c)
	}

	for _, m := range []mqtt.SignMethod{mqtt.SHA1, mqtt.MD5, mqtt.SHA256} {
		r := ask(t, gw, loginTopic, loginRequest("13", "product1", "device1", "d1-secret", m))
		if r.Code != 200 || r.ID != "13" || string(r.Data) != `{"assetId":"asset1","productKey":"product1","deviceKey":"device1"}` {
			t.Fatalf("login with %v: %+v", m, r)
		}
	}
	if c := device1Batch(t, gw, 14); c != codes.OK {
		t.Fatalf("after login: %v, want 200", c)
	}
	if !opts.Devices.LoggedIn("product1", "device1") {
		t.Fatal("LoggedIn says no after a login")
	}

	r := ask(t, gw, logoutTopic, logoutRequest("15", "product1", "device1"))
	if r.Code != 200 || string(r.Data) != `{"productKey":"product1","deviceKey":"device1"}` {
		t.Fatalf("logout: %+v", r)
	}
	if c := device1Batch(t, gw, 16); c != codes.NoSubDevicePerm {
		t.Fatalf("after logout: %v, want 1212", c)
	}
	for _, tc := range []struct {
		pk, dk string
		code   int
	}{{"product1", "ghost", 705}, {"product1", "other1", 740}} {
		if r := ask(t, gw, logoutTopic, logoutRequest("17", tc.pk, tc.dk)); r.Code != tc.code {
			t.Errorf("logout %s/%s: %d, want %d", tc.pk, tc.dk, r.Code, tc.code)
		}
	}

	// A batch login succeeds in part: 723, with both lists.
	r = ask(t, gw, batchTopic, batchRequest("18", "product1/device1/d1-secret", "product1/ghost/x",
		"product1/other1/o1-secret", "product2/device2/wrong"))
	if r.Code != 723 {
		t.Fatalf("partial batch: %+v", r)
	}
	wantData := `{"loginedSubDevices":[{"assetId":"asset1","productKey":"product1","deviceKey":"device1"}],` +
		`"failedSubDevices":[{"productKey":"product1","deviceKey":"ghost"},{"productKey":"product1","deviceKey":"other1"},` +
		`{"productKey":"product2","deviceKey":"device2"}]}`
	if string(r.Data) != wantData {
		t.Errorf("partial batch data:\n got %s\nwant %s", r.Data, wantData)
	}
	for _, code := range []string{"705", "740", "742"} {
		if !strings.Contains(r.Message, code) {
			t.Errorf("partial batch message %q does not name %s", r.Message, code)
		}
	}
	if c := device1Batch(t, gw, 19); c != codes.OK {
		t.Fatalf("after the batch: %v, want 200", c)
	}
	r = ask(t, gw, batchTopic, batchRequest("20", "product1/device1/d1-secret", "product2/device2/d2-secret"))
	if r.Code != 200 || !strings.Contains(string(r.Data), `"failedSubDevices":[]`) {
		t.Fatalf("full batch: %+v", r)
	}
	if r := ask(t, gw, batchTopic, `{"id":"21","method":"combine.login.batch","params":{"clientId":"c","timestamp":"1","signMethod":"sha256"}}`); r.Code != 1220 {
		t.Errorf("batch without subDevices: %d, want 1220", r.Code)
	}

	// The gateway's connection ends: its sub-devices go offline.
	gw.c.Disconnect(100)
	ev.waitFor(t, mqtt.SessionsDropped, 1)
	if d, _ := opts.Devices.Device("product1", "device1"); d.Online {
		t.Fatal("device1 is online after its gateway disconnected")
	}
	gw2 := dialGW(t, addr, "gw1", gwSecret, "")
	gw2.subscribe(t, gwReplyTopic)
	if c := device1Batch(t, gw2, 22); c != codes.NoSubDevicePerm {
		t.Fatalf("after the gateway reconnected: %v, want 1212", c)
	}
	if got := ev.of(mqtt.Session); len(got) < len(failures) {
		t.Errorf("%d session events, want at least %d", len(got), len(failures))
	}
}

// TestPermissions checks what a gateway may publish and read.
func TestPermissions(t *testing.T) {
	opts, ev := securedOptions(t)
	addr := startBroker(t, opts)
	gw := dialGW(t, addr, "gw1", gwSecret, "")
	gw.subscribe(t, loginTopic+"_reply")
	gw9 := dialGW(t, addr, "gw9", gw9Secret, "")

	// Subscriptions: own topics are granted; wildcards over devices, another
	// gateway's topics, and topics of no device are refused.
	for _, tc := range []struct {
		filter string
		ok     bool
	}{
		{"/sys/gwP/gw9/#", true},
		{"#", false},
		{"/sys/+/+/thing/measurepoint/post/batch_reply", false},
		{"/sys/gwP/gw1/#", false},
		{"/sys/product1/other1/#", false}, // its sub-device, not logged in
		{"$SYS/#", false},
		{"other/topic", false},
	} {
		tok := gw9.c.Subscribe(tc.filter, 1, func(pahov3.Client, pahov3.Message) {})
		if !tok.WaitTimeout(timeout) {
			t.Fatal("subscribe timed out")
		}
		codes := tok.(*pahov3.SubscribeToken).Result()
		if granted := codes[tc.filter] < 0x80; granted != tc.ok {
			t.Errorf("subscribe %q: SUBACK %#x, want granted=%t", tc.filter, codes[tc.filter], tc.ok)
		}
	}
	gw9.subscribe(t, "/sys/gwP/gw9/#")
	ev.waitFor(t, mqtt.SubscribeRefused, 6)

	// Publications: another gateway's topics and another gateway's sub-device
	// are refused without a reply and without delivery.
	gw.subscribe(t, gwReplyTopic)
	for _, topic := range []string{"/sys/gwP/gw9/thing/measurepoint/post/batch", "/sys/product1/device1/thing/measurepoint/post",
		"/sys/product1/other1/thing/measurepoint/post", "other/topic"} {
		gw.publish(t, topic, 1, meterRequest(1, "1"))
	}
	ev.waitFor(t, mqtt.PublishRefused, 4)
	none(t, gw.msgs, 100*time.Millisecond)
	none(t, gw9.msgs, 10*time.Millisecond)

	// MQTT 5: the refusal is PUBACK 0x87 with the platform's 1009.
	// A second connection of gw1, with another client id (its own signature).
	user, id, pass := creds(mqtt.SHA256, "gw1", gwSecret, "conn=2")
	v5, rc, err := connectV5(addr, user, id, pass)
	if err != nil || rc != 0 {
		t.Fatalf("v5 connect: %#x %v", rc, err)
	}
	defer v5.c.Disconnect(&paho.Disconnect{})
	code, reason := v5.publish(t, "/sys/gwP/gw9/thing/measurepoint/post/batch", 1, meterRequest(1, "1"))
	if code != 0x87 || reason != codes.NoWritePermission.String() {
		t.Errorf("v5 publish on gw9's topic: %#x %q, want 0x87 %q", code, reason, codes.NoWritePermission.String())
	}

	// After device1 logs in through gw, gw may use device1's topics.
	if r := ask(t, gw, loginTopic, loginRequest("2", "product1", "device1", "d1-secret", mqtt.SHA256)); r.Code != 200 {
		t.Fatalf("login: %+v", r)
	}
	d1 := "/sys/product1/device1/thing/measurepoint/post"
	gw.subscribe(t, d1+"_reply")
	gw.publish(t, d1, 1, `{"id":"3","version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"temp":1.5},"time":1}}`)
	if r := reply(t, gw.msgs, d1+"_reply"); r.Code != codes.OK {
		t.Fatalf("post on device1's topic after login: %v", r.Code)
	}
	// gw9 reads nothing of gw1 or device1, whatever it subscribed to.
	none(t, gw9.msgs, 50*time.Millisecond)
}

// TestSessionsConcurrent logs sub-devices in and out through two connections
// of the same gateway while both post batches and one reconnects, under the
// race detector; at the end the registry must agree with the last session
// operation of each connection.
func TestSessionsConcurrent(t *testing.T) {
	opts, _ := securedOptions(t)
	addr := startBroker(t, opts)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				user, id, pass := creds(mqtt.SHA256, "gw1", gwSecret, "conn="+strconv.Itoa(i))
				c, rc, err := connectV3(addr, user, id, pass)
				if err != nil || rc != 0 {
					t.Errorf("connect: %d %v", rc, err)
					return
				}
				for j := 0; j < 10; j++ {
					payload := loginRequest(strconv.Itoa(j), "product1", "device1", "d1-secret", mqtt.SHA256)
					if j%2 == 1 {
						payload = logoutRequest(strconv.Itoa(j), "product2", "device2")
					}
					topic := loginTopic
					if j%2 == 1 {
						topic = logoutTopic
					}
					if err := wait(c.Publish(topic, 1, false, payload)); err != nil {
						t.Error(err)
					}
					if err := wait(c.Publish(gwTopic, 1, false, samplePayload)); err != nil {
						t.Error(err)
					}
				}
				c.Disconnect(20)
			}
		}(i)
	}
	wg.Wait()
	// Every connection has ended: nothing can stay logged in.
	deadline := time.Now().Add(timeout)
	for opts.Devices.LoggedIn("product1", "device1") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if d, _ := opts.Devices.Device("product1", "device1"); d.Online || opts.Devices.LoggedIn("product1", "device1") {
		t.Errorf("device1 online=%t after every gateway connection ended", d.Online)
	}
}
