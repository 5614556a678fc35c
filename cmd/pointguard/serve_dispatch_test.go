package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestServeWriteRoundTrip sends a multiSet request to serve: the item for a
// sub-device its gateway listens for becomes a set command, the gateway's
// answer becomes a write result on the item's channel, and the item for a
// device nobody listens for gets 11900 there at once, and one still waiting
// when serve stops gets 11915. Every result is logged.
func TestServeWriteRoundTrip(t *testing.T) {
	var stdout, stderr syncBuffer
	mqttAddr, httpAddr, stop := startServe(t, []string{"--log-format", "json"}, &stdout, &stderr)
	svc := dialServe(t, mqttAddr, "service", "DATASVC.SET.ch1")
	gw := dialServe(t, mqttAddr, "gw1", "/sys/product1/device1/thing/service/measurepoint/set")

	const item = `{"requestId":"%s","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.ch1",` +
		`"productKey":"%s","deviceKey":"%s","measurepointId":"temp","inputData":{"arg":21.5},"timeout":5000}`
	body := `{"data":[` + fmt.Sprintf(item, "w1", "product1", "device1") + `,` + fmt.Sprintf(item, "w2", "product2", "device2") + `]}`
	if status, resp := putMultiSet(t, httpAddr, "o1", body); status != 200 || strings.Count(string(resp), `"status":0,"msg":"Success"`) != 3 {
		t.Fatalf("HTTP %d %s", status, resp)
	}

	var cmd struct {
		ID     string
		Params map[string]float64
		Method string
	}
	select {
	case c := <-gw.replies:
		if err := json.Unmarshal([]byte(c), &cmd); err != nil || cmd.Params["temp"] != 21.5 || cmd.Method != "thing.service.measurepoint.set" {
			t.Fatalf("command %s: %v", c, err)
		}
	case <-time.After(serveTimeout):
		t.Fatal("no set command")
	}
	type result struct {
		Data []struct {
			RequestID string
			DeviceKey string
			Status    int
			Msg       string
			Submsg    string
		}
	}
	read := func() result {
		t.Helper()
		select {
		case m := <-svc.replies:
			var r result
			if err := json.Unmarshal([]byte(m), &r); err != nil || len(r.Data) != 1 {
				t.Fatalf("result %s: %v", m, err)
			}
			return r
		case <-time.After(serveTimeout):
			t.Fatal("no write result")
		}
		return result{}
	}
	offline := read()
	if err := waitToken(gw.c.Publish("/sys/product1/device1/thing/service/measurepoint/set_reply", 1, false,
		`{"id":"`+cmd.ID+`","code":200,"data":{}}`)); err != nil {
		t.Fatal(err)
	}
	ok := read()
	// The same answer again completes nothing: it is logged as stray.
	if err := waitToken(gw.c.Publish("/sys/product1/device1/thing/service/measurepoint/set_reply", 1, false,
		`{"id":"`+cmd.ID+`","code":200,"data":{}}`)); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{[{w2 device2 11900 device offline no connected client subscribes to /sys/product2/device2/thing/service/measurepoint/set}]}`,
		`{[{w1 device1 0 SUCCESS SUCCESS}]}`,
	}
	if diff := cmp.Diff(want, []string{fmt.Sprint(offline), fmt.Sprint(ok)}); diff != "" {
		t.Errorf("write results (-want +got):\n%s", diff)
	}

	// An item still waiting at shutdown gets its result before the clients
	// are disconnected.
	if status, resp := putMultiSet(t, httpAddr, "o1", `{"data":[`+fmt.Sprintf(item, "w3", "product1", "device1")+`]}`); status != 200 {
		t.Fatalf("HTTP %d %s", status, resp)
	}
	select {
	case <-gw.replies:
	case <-time.After(serveTimeout):
		t.Fatal("no set command")
	}
	if s := stop(); s != 0 {
		t.Fatalf("exit status %d", s)
	}
	if got, want := fmt.Sprint(read()), `{[{w3 device1 11915 response timeout the server stopped before the device answered}]}`; got != want {
		t.Errorf("result at shutdown %s, want %s", got, want)
	}
	var logged []string
	strays := 0
	for line := range strings.Lines(stderr.String()) {
		var r struct {
			Level, Msg, RequestID string
			Status                int
		}
		if json.Unmarshal([]byte(line), &r) == nil && r.Msg == "stray set reply" && r.Level == "WARN" {
			strays++
		}
		if json.Unmarshal([]byte(line), &r) == nil && r.Msg == "write result" {
			logged = append(logged, r.Level+" "+r.RequestID+" "+strconv.Itoa(r.Status))
		}
	}
	if diff := cmp.Diff([]string{"WARN w2 11900", "INFO w1 0", "WARN w3 11915"}, logged); diff != "" {
		t.Errorf("logged write results (-want +got):\n%s", diff)
	}
	if strays != 1 {
		t.Errorf("%d stray set replies logged, want 1", strays)
	}
}
