package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/adapter/httpapi"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/environment"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

const testNow = 1700000000000

// recorder is a Dispatcher that keeps what it is given and refuses the
// requestIds in fail.
type recorder struct {
	mu    sync.Mutex
	items []protocol.SetMeasurepointReply
	fail  map[string]bool
}

func (d *recorder) Dispatch(_ context.Context, item *protocol.SetMeasurepointReply) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail[item.RequestID] {
		return errors.New("device offline")
	}
	d.items = append(d.items, *item)
	return nil
}

func (d *recorder) ids() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ids []string
	for _, it := range d.items {
		ids = append(ids, it.RequestID)
	}
	return ids
}

// server starts the handler on a loopback listener over the sample
// environment (testdata/envs/sample.json).
func server(t *testing.T, d httpapi.Dispatcher, mutate func(*httpapi.Options)) *httptest.Server {
	t.Helper()
	env, err := environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
	if err != nil {
		t.Fatal(err)
	}
	opts := httpapi.Options{
		Validate:   validate.Options{Models: env.Models(), Directory: env.Directory()},
		Orgs:       env,
		Assets:     env.Assets(),
		Dispatcher: d,
		Now:        func() int64 { return testNow },
	}
	if mutate != nil {
		mutate(&opts)
	}
	mux := http.NewServeMux()
	mux.Handle(protocol.MultiSetPath, httpapi.New(opts))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// result is what a client sees of one exchange.
type result struct {
	code   int
	header http.Header
	raw    []byte
	resp   protocol.MultiSetResponse
}

func do(t *testing.T, srv *httptest.Server, method, query string, body []byte) result {
	t.Helper()
	u := srv.URL + protocol.MultiSetPath
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{code: res.StatusCode, header: res.Header, raw: raw}
	if method != http.MethodHead {
		if err := json.Unmarshal(raw, &r.resp); err != nil {
			t.Fatalf("response is not the JSON of SPEC §5: %v\n%s", err, raw)
		}
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	return r
}

func item(id, device, point, input string) string {
	return `{"requestId":"` + id + `","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.ch1",` + device +
		`,"measurepointId":"` + point + `","inputData":` + input + `}`
}

func body(items ...string) []byte { return []byte(`{"data":[` + strings.Join(items, ",") + `]}`) }

const (
	device1 = `"productKey":"product1","deviceKey":"device1"`
	asset2  = `"assetId":"asset2"`
)

func TestGoodBatch(t *testing.T) {
	d := &recorder{}
	srv := server(t, d, nil)
	seed, err := os.ReadFile("../../testdata/multiset/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, srv, http.MethodPut, "orgId=o1", seed)
	if r.code != http.StatusOK || !r.resp.OK() || len(r.resp.Data) != 2 {
		t.Fatalf("HTTP %d: %s", r.code, r.raw)
	}
	if diff := cmp.Diff([]string{"dfsadfdsafdsaf", "12321321321"}, d.ids()); diff != "" {
		t.Errorf("dispatched (-want +got):\n%s", diff)
	}
	for i, it := range r.resp.Data {
		if it.GmtServiceReply != testNow || it.GmtServiceRequest != 132132465464 || it.CallType != "ASYNC" {
			t.Errorf("item %d: %+v", i, it)
		}
	}
}

// An item named by assetId alone reaches the dispatcher with its device keys.
func TestDispatchedItemResolved(t *testing.T) {
	d := &recorder{}
	srv := server(t, d, nil)
	r := do(t, srv, http.MethodPut, "orgId=o1", body(item("a", asset2, "temp", `{"x": 1.5}`)))
	if !r.resp.OK() {
		t.Fatalf("%s", r.raw)
	}
	want := protocol.SetMeasurepointReply{
		SetMeasurepointRequest: protocol.SetMeasurepointRequest{
			RequestID: "a", OrgID: "o1", CallType: "ASYNC", SetMeasurepointChannelID: "DATASVC.SET.ch1",
			ProductKey: "product2", DeviceKey: "device2", AssetID: "asset2", MeasurepointID: "temp",
			InputData: json.RawMessage(`{"x":1.5}`), Timeout: 30000, GmtServiceRequest: testNow,
		},
		Status: codes.Success, Msg: "Success", GmtServiceReply: testNow,
	}
	if len(d.items) != 1 {
		t.Fatalf("dispatched %d items, want 1", len(d.items))
	}
	if diff := cmp.Diff(want, d.items[0]); diff != "" {
		t.Errorf("dispatched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, r.resp.Data[0]); diff != "" {
		t.Errorf("reply (-want +got):\n%s", diff)
	}
}

func TestMixedBatch(t *testing.T) {
	d := &recorder{fail: map[string]bool{"refused": true}}
	var mu sync.Mutex
	var errs []string
	srv := server(t, d, func(o *httpapi.Options) {
		o.OnDispatchError = func(item *protocol.SetMeasurepointReply, err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, item.RequestID+": "+err.Error())
		}
	})
	r := do(t, srv, http.MethodPut, "orgId=o1", body(
		item("ok", device1, "temp", `{"v":1}`),
		item("no-point", device1, "voltage", `{"v":1}`),
		item("null", device1, "temp", `{"v":null}`),
		item("refused", device1, "temp", `{"v":2}`),
		item("wrong-type", device1, "Power", `{"v":"high"}`),
		item("ok2", asset2, "branchCurr", `{"v":[1,2]}`),
	))
	if r.code != http.StatusOK || r.resp.Status != codes.Success {
		t.Fatalf("HTTP %d: %s", r.code, r.raw)
	}
	want := []struct {
		id     string
		status codes.Status
		reason string
	}{
		{"ok", codes.Success, ""},
		{"no-point", codes.PointNotFound, "Inverter has no voltage"},
		{"null", codes.ControlValueNull, ""},
		{"refused", codes.WriteDataError, "the dispatcher refused it: the command was not issued"},
		{"wrong-type", codes.DataTypeError, "Power is INT"},
		{"ok2", codes.Success, ""},
	}
	for i, w := range want {
		if it := r.resp.Data[i]; it.RequestID != w.id || it.Status != w.status || it.Msg != w.status.Message() {
			t.Errorf("item %d: %q %d %q %q, want %q %d (%s)", i, it.RequestID, it.Status, it.Msg, it.Submsg, w.id, w.status, w.reason)
		}
	}
	if got := r.resp.Data[3].Submsg; got != "the write command could not be sent" {
		t.Errorf("refused item's submsg = %q; the dispatcher's error must not reach the client", got)
	}
	if diff := cmp.Diff([]string{"ok", "ok2"}, d.ids()); diff != "" {
		t.Errorf("dispatched (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"refused: device offline"}, errs); diff != "" {
		t.Errorf("OnDispatchError (-want +got):\n%s", diff)
	}
}

// Whole-request errors are HTTP 200 with status 400 in the body, as on the
// platform, and reach no dispatcher.
func TestWholeRequestErrors(t *testing.T) {
	d := &recorder{}
	srv := server(t, d, nil)
	good := body(item("ok", device1, "temp", `{"v":1}`))
	tests := []struct {
		name   string
		query  string
		body   []byte
		msg    string
		submsg string
	}{
		{"bad body", "orgId=o1", []byte(`{"data":[`), "Invalid Argument body", ""},
		{"empty body", "orgId=o1", nil, "Invalid Argument body", "body is empty"},
		{"no data", "orgId=o1", []byte(`{"date":[]}`), "Invalid Argument data", "data is required"},
		{"empty data", "orgId=o1", []byte(`{"data":[]}`), "Invalid Argument data", "data is empty"},
		{"unknown org", "orgId=o2", good, "Invalid Argument orgId", "orgId does not exist"},
		{"no orgId", "", good, "Invalid Argument orgId", "orgId is required"},
		{"empty orgId", "orgId=", good, "Invalid Argument orgId", "orgId is empty"},
		{"orgId of another name", "orgid=o1", good, "Invalid Argument orgId", "orgId is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, http.MethodPut, tt.query, tt.body)
			if r.code != http.StatusOK || r.resp.Status != codes.InvalidArgument || r.resp.Msg != tt.msg || r.resp.Data != nil {
				t.Errorf("HTTP %d: %s\nwant HTTP 200, status 400, msg %q, no data", r.code, r.raw, tt.msg)
			}
			if tt.submsg != "" && r.resp.Submsg != tt.submsg {
				t.Errorf("submsg = %q, want %q", r.resp.Submsg, tt.submsg)
			}
			if bytes.Contains(r.raw, []byte(`"data"`)) {
				t.Errorf("response has a data key: %s", r.raw)
			}
		})
	}
	if ids := d.ids(); len(ids) != 0 {
		t.Errorf("dispatched %v", ids)
	}
}

func TestRepeatedOrgID(t *testing.T) {
	srv := server(t, nil, nil)
	r := do(t, srv, http.MethodPut, "orgId=o1&orgId=o2", body(item("ok", device1, "temp", `{"v":1}`)))
	if !r.resp.OK() {
		t.Errorf("the first orgId counts: %s", r.raw)
	}
	r = do(t, srv, http.MethodPut, "orgId="+url.QueryEscape("o 1"), body(item("ok", device1, "temp", `{"v":1}`)))
	if r.resp.Submsg != "orgId does not exist" {
		t.Errorf("escaped orgId: %s", r.raw)
	}
}

func TestWrongMethod(t *testing.T) {
	d := &recorder{}
	srv := server(t, d, nil)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch} {
		t.Run(m, func(t *testing.T) {
			r := do(t, srv, m, "orgId=o1", body(item("ok", device1, "temp", `{"v":1}`)))
			if r.code != http.StatusMethodNotAllowed {
				t.Errorf("HTTP %d, want 405", r.code)
			}
			if got := r.header.Get("Allow"); got != "PUT" {
				t.Errorf("Allow = %q, want PUT", got)
			}
			const want = `{"status":405,"msg":"Method Not Allowed","submsg":"use PUT"}` + "\n"
			if string(r.raw) != want {
				t.Errorf("body = %s, want %s", r.raw, want)
			}
		})
	}
	if ids := d.ids(); len(ids) != 0 {
		t.Errorf("dispatched %v", ids)
	}
}

// The body limit is tested at N and N+1 bytes, with and without a
// Content-Length (a chunked body is cut off while it is read).
func TestOversizeBody(t *testing.T) {
	d := &recorder{}
	b := body(item("ok", device1, "temp", `{"v":1}`))
	limit := int64(len(b))
	srv := server(t, d, func(o *httpapi.Options) { o.MaxBodyBytes = limit })

	if r := do(t, srv, http.MethodPut, "orgId=o1", b); r.code != http.StatusOK || !r.resp.OK() {
		t.Errorf("body of exactly the limit: HTTP %d %s", r.code, r.raw)
	}
	over := append(append([]byte{}, b...), ' ')
	r := do(t, srv, http.MethodPut, "orgId=o1", over)
	want := `{"status":413,"msg":"Payload Too Large","submsg":"body is larger than ` + strconv.FormatInt(limit, 10) + ` bytes"}` + "\n"
	if r.code != http.StatusRequestEntityTooLarge || string(r.raw) != want {
		t.Errorf("one byte over: HTTP %d %s, want 413 %s", r.code, r.raw, want)
	}

	// Chunked: no Content-Length, so MaxBytesReader decides while reading.
	req, err := http.NewRequest(http.MethodPut, srv.URL+protocol.MultiSetPath+"?orgId=o1", io.MultiReader(bytes.NewReader(over)))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || string(raw) != want {
		t.Errorf("chunked, one byte over: HTTP %d %s", res.StatusCode, raw)
	}
	if ids := d.ids(); len(ids) != 1 {
		t.Errorf("dispatched %v, want only the request within the limit", ids)
	}
}

func TestDefaultOptions(t *testing.T) {
	srv := httptest.NewServer(httpapi.New(httpapi.Options{}))
	defer srv.Close()
	r := do(t, srv, http.MethodPut, "orgId=any", []byte(`{"data":[{"requestId":"r","orgId":"any",`+
		`"setMeasurepointChannelId":"DATASVC.SET.c","assetId":"whatever","measurepointId":"p","inputData":{"v":true}}]}`))
	if !r.resp.OK() {
		t.Fatalf("zero Options: every org known, no lookups, so the item is accepted: %s", r.raw)
	}
	if it := r.resp.Data[0]; it.GmtServiceReply <= 0 || it.GmtServiceReply != it.GmtServiceRequest {
		t.Errorf("default clock: gmtServiceRequest %d gmtServiceReply %d", it.GmtServiceRequest, it.GmtServiceReply)
	}
	big := bytes.Repeat([]byte(" "), httpapi.DefaultMaxBodyBytes+1)
	if r := do(t, srv, http.MethodPut, "orgId=any", big); r.code != http.StatusRequestEntityTooLarge {
		t.Errorf("default limit: HTTP %d for %d bytes", r.code, len(big))
	}
}

// Many clients at once, for the race detector.
func TestConcurrentRequests(t *testing.T) {
	d := &recorder{}
	srv := server(t, d, nil)
	var wg sync.WaitGroup
	const n = 16
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "r" + strconv.Itoa(i)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+protocol.MultiSetPath+"?orgId=o1",
				bytes.NewReader(body(item(id, device1, "temp", `{"v":1}`), item(id+"b", asset2, "Power", `{"v":"x"}`))))
			res, err := srv.Client().Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer res.Body.Close()
			var resp protocol.MultiSetResponse
			raw, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(raw, &resp); err != nil || len(resp.Data) != 2 ||
				resp.Data[0].RequestID != id || resp.Data[0].Status != codes.Success || resp.Data[1].Status != codes.DataTypeError {
				errs <- string(raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := len(d.ids()); got != n {
		t.Errorf("dispatched %d items, want %d", got, n)
	}
}

// TestAmplifyingBody checks that a body of many tiny items is refused with
// 400 "Invalid Argument data" (SPEC §6: 1000 items by default) instead of being
// answered one reply per item, and that the limit applies at N and N+1.
func TestAmplifyingBody(t *testing.T) {
	srv := server(t, nil, nil)
	tiny := []byte(`{"data":[{}` + strings.Repeat(`,{}`, 349000) + `]}`)
	r := do(t, srv, http.MethodPut, "orgId=o1", tiny)
	if r.code != http.StatusOK || r.resp.Status != codes.InvalidArgument || r.resp.Msg != "Invalid Argument data" || len(r.raw) > 200 {
		t.Errorf("349001 items: HTTP %d, %d bytes: %.200s; want 200 with status 400 Invalid Argument data", r.code, len(r.raw), r.raw)
	}
	limited := server(t, nil, func(o *httpapi.Options) { o.Validate.Limits.MaxItems = 2 })
	at := body(item("r1", device1, "Power", `{"arg":1}`), item("r2", device1, "Power", `{"arg":2}`))
	if r := do(t, limited, http.MethodPut, "orgId=o1", at); r.resp.Status != codes.Success || len(r.resp.Data) != 2 {
		t.Errorf("2 items with MaxItems 2: status %d, %d replies; want 0 and 2", r.resp.Status, len(r.resp.Data))
	}
	over := body(item("r1", device1, "Power", `{"arg":1}`), item("r2", device1, "Power", `{"arg":2}`), item("r3", device1, "Power", `{"arg":3}`))
	if r := do(t, limited, http.MethodPut, "orgId=o1", over); r.resp.Status != codes.InvalidArgument || r.resp.Submsg != "data has more than 2 items" {
		t.Errorf("3 items with MaxItems 2: status %d %q; want 400 data has more than 2 items", r.resp.Status, r.resp.Submsg)
	}
}

// TestStreamedResponse checks that the response, written item by item, has
// exactly the bytes of MultiSetResponse.MarshalJSON and a final newline.
func TestStreamedResponse(t *testing.T) {
	srv := server(t, nil, nil)
	r := do(t, srv, http.MethodPut, "orgId=o1", body(item("r1", device1, "Power", `{"arg":1}`), item("r2", asset2, "nope", `{}`), `{}`))
	want, err := r.resp.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(r.raw) != string(want)+"\n" {
		t.Errorf("response\n%s\nwant MarshalJSON's\n%s", r.raw, want)
	}
	if len(r.resp.Data) != 3 {
		t.Errorf("%d replies, want 3", len(r.resp.Data))
	}
}
