package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	pahov3 "github.com/eclipse/paho.mqtt.golang"
)

const securedEnv = "../../testdata/envs/secured.json"

// signLines runs pointguard sign and returns its fields by name.
func signLines(t *testing.T, args ...string) map[string]string {
	t.Helper()
	var out, errb bytes.Buffer
	if st := run(append([]string{"sign"}, args...), nil, &out, &errb); st != exitOK {
		t.Fatalf("sign %v: status %d: %s", args, st, errb.String())
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, " ")
		fields[k] = strings.TrimSpace(v)
	}
	return fields
}

func TestSign(t *testing.T) {
	// The digest of "clientIdgw1deviceKeygw1productKeygwPtimestamp1700000000000gw1-secret".
	got := signLines(t, "--env", securedEnv, "--timestamp", "1700000000000", "gwP/gw1")
	want := map[string]string{
		"username": "gw1&gwP",
		"clientid": "gw1|securemode=2,signmethod=sha256,timestamp=1700000000000|",
		"password": sha256Hex("clientIdgw1deviceKeygw1productKeygwPtimestamp1700000000000gw1-secret"),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	got = signLines(t, "--env", securedEnv, "--timestamp", "1", "--method", "md5", "--extra", "compress=GZIP", "gwP/gw1")
	if got["clientid"] != "gw1{compress=GZIP}|securemode=2,signmethod=md5,timestamp=1|" || len(got["password"]) != 32 {
		t.Errorf("md5 with extra: %v", got)
	}
	for _, args := range [][]string{
		{"gwP/gw1"}, // the sample environment has no secrets
		{"--env", securedEnv, "product1/offline1"}, // a device without a secret
		{"--env", securedEnv, "gw1"},
		{"--env", securedEnv, "--method", "sha512", "gwP/gw1"},
		{"--env", securedEnv, "--timestamp", "soon", "gwP/gw1"},
		{"--env", securedEnv, "--extra", "{x}", "gwP/gw1"},
	} {
		var out, errb bytes.Buffer
		if st := run(append([]string{"sign"}, args...), nil, &out, &errb); st != exitUsage || errb.Len() == 0 {
			t.Errorf("sign %v: status %d, stderr %q, want 2 and a message", args, st, errb.String())
		}
	}
}

// TestServeSecured runs serve with secrets: the credentials of pointguard sign
// connect, others are refused and logged without the secret, a sub-device
// logged in with the request of sign --login changes 1212 to 200.
func TestServeSecured(t *testing.T) {
	var stdout, stderr syncBuffer
	addr, _, stop := startServe(t, []string{"--env", securedEnv}, &stdout, &stderr)
	c := signLines(t, "--env", securedEnv, "gwP/gw1")
	dial := func(user, id, pass string) (pahov3.Client, error) {
		cl := pahov3.NewClient(pahov3.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
			SetUsername(user).SetPassword(pass).SetProtocolVersion(4).SetAutoReconnect(false).
			SetConnectTimeout(serveTimeout))
		return cl, waitToken(cl.Connect())
	}
	wrong := "0" + c["password"][1:]
	if c["password"][0] == '0' {
		wrong = "1" + c["password"][1:]
	}
	if _, err := dial(c["username"], c["clientid"], wrong); err == nil {
		t.Fatal("a wrong password connected")
	}
	gw, err := dial(c["username"], c["clientid"], c["password"])
	if err != nil {
		t.Fatal("connect with sign's credentials:", err)
	}
	defer gw.Disconnect(100)
	replies := make(chan string, 16)
	for _, topic := range []string{"/sys/gwP/gw1/thing/measurepoint/post/batch_reply", "/ext/session/gwP/gw1/combine/login_reply"} {
		if err := waitToken(gw.Subscribe(topic, 1, func(_ pahov3.Client, m pahov3.Message) { replies <- string(m.Payload()) })); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(topic, payload string) string {
		t.Helper()
		if err := waitToken(gw.Publish(topic, 1, false, payload)); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-replies:
			return r
		case <-time.After(serveTimeout):
			t.Fatal("no reply on", topic)
		}
		return ""
	}
	batch := `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1.5},"time":1}]}`
	const batchTopic = "/sys/gwP/gw1/thing/measurepoint/post/batch"
	if r := ask(batchTopic, batch); !strings.Contains(r, `"code":1212`) {
		t.Fatalf("before login: %s", r)
	}
	login := signLines(t, "--env", securedEnv, "--login", "gwP/gw1", "product1/device1")
	if r := ask(login["topic"], login["payload"]); !strings.Contains(r, `"code":200`) {
		t.Fatalf("login: %s", r)
	}
	if r := ask(batchTopic, batch); !strings.Contains(r, `"code":200`) {
		t.Fatalf("after login: %s", r)
	}
	if st := stop(); st != exitOK {
		t.Fatalf("serve exited %d", st)
	}
	log := stderr.String()
	for _, want := range []string{"authenticating every client", "connect refused", "reason=\"bad signature\"", "method=combine.login code=200"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{"gw1-secret", "device1-secret", c["password"]} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds a secret or password")
		}
	}
	if strings.Contains(log, "open mode") {
		t.Error("open-mode warning with secrets")
	}
}

// TestServeOpenModeWarning: without secrets serve says so, once.
func TestServeOpenModeWarning(t *testing.T) {
	var stdout, stderr syncBuffer
	_, _, stop := startServe(t, nil, &stdout, &stderr)
	stop()
	if n := strings.Count(stderr.String(), "open mode"); n != 1 {
		t.Errorf("%d open-mode lines, want 1:\n%s", n, stderr.String())
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
