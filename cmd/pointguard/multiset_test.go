package main

import (
	"bytes"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
)

// multiSetNow is the --now of the golden runs.
const multiSetNow = "1700000000000"

var multiSetCases = []goldenCase{
	{name: "seed", args: []string{"--now", multiSetNow, "--org", "o1", "testdata/multiset/seed.json"}, status: exitOK,
		reason: "the seed's two items, on device1 of product1 (asset1): temp and Power take integers"},
	{name: "mixed", args: []string{"--now", multiSetNow, "--org", "o1", "testdata/multiset/mixed.json"}, status: exitFail,
		reason: "one item for each status of SPEC §5.2; two accepted"},
	{name: "stdin", args: []string{"--now", multiSetNow, "--org", "o1", "-"}, status: exitOK,
		stdin: `{"data":[{"requestId":"r","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","assetId":"asset2",` +
			`"measurepointId":"temp","inputData":{"v":"21.5"}}]}`,
		reason: "BODY - reads standard input; the reply gains productKey/deviceKey from the asset"},
	{name: "missing-org", args: []string{"--now", multiSetNow, "--org", "", "testdata/multiset/seed.json"}, status: exitFail,
		reason: `--org "" sends no orgId: 400 Invalid Argument orgId`},
	{name: "unknown-org", args: []string{"--now", multiSetNow, "--org", "o2", "testdata/multiset/seed.json"}, status: exitFail,
		reason: "sample.json lists only o1"},
	{name: "not-json", args: []string{"--now", multiSetNow, "--org", "o1", "testdata/multiset/not-json.json"}, status: exitFail},
	{name: "empty-data", args: []string{"--now", multiSetNow, "--org", "o1", "testdata/multiset/empty-data.json"}, status: exitFail},
	{name: "nodevices-env", args: []string{"--env", "testdata/envs/nodevices.json", "--now", multiSetNow, "--org", "anyorg", "-"},
		stdin: `{"data":[` +
			`{"requestId":"keys","orgId":"anyorg","setMeasurepointChannelId":"DATASVC.SET.c","productKey":"product1","deviceKey":"any",` +
			`"assetId":"asset1","measurepointId":"temp","inputData":{"v":1}},` +
			`{"requestId":"asset","orgId":"anyorg","setMeasurepointChannelId":"DATASVC.SET.c","assetId":"asset1",` +
			`"measurepointId":"temp","inputData":{"v":1}}]}`,
		status: exitFail,
		reason: "no orgs: any org is known; no devices: keys are taken as they are (item 0 accepted), " +
			"an assetId alone cannot be resolved (item 1: 1000201)"},
	{name: "empty-env", args: []string{"--env", "$TMP/env.json", "--now", multiSetNow, "--org", "o1", "-"},
		files: map[string]string{"env.json": "{}"},
		stdin: `{"data":[{"requestId":"","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","productKey":"p","deviceKey":"d",` +
			`"assetId":"","measurepointId":"anything","inputData":{"v":"x"},"callType":7,"callbackUrl":5},` +
			`{"requestId":"r2","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","productKey":"p","deviceKey":"d",` +
			`"measurepointId":"anything","inputData":{"v":"x"},"callType":7,"callbackUrl":5}]}`,
		status: exitFail,
		reason: "neither models nor products: no model checks (item 1 accepted, not 1000211); " +
			`item 0 fails on its requestId "" and echoes it, and its assetId "", as they came; callType and callbackUrl take any value`},
	{name: "no-org-flag", args: []string{"testdata/multiset/seed.json"}, status: exitUsage},
	{name: "no-body", args: []string{"--org", "o1"}, status: exitUsage},
	{name: "two-bodies", args: []string{"--org", "o1", "testdata/multiset/seed.json", "--now", "1"}, status: exitUsage,
		reason: "flags come before BODY"},
	{name: "bad-now", args: []string{"--now", "-1", "--org", "o1", "-"}, status: exitUsage},
	{name: "missing-body", args: []string{"--org", "o1", "$TMP/none.json"}, status: exitUsage},
	{name: "missing-env", args: []string{"--env", "$TMP/none.json", "--org", "o1", "-"}, status: exitUsage},
	{name: "help", args: []string{"-h"}, status: exitOK},
}

// TestMultiSetGolden runs the command on the bundled bodies and compares its
// output with testdata/golden/multiset; go test -update rewrites them.
func TestMultiSetGolden(t *testing.T) { testGolden(t, "multiset", multiSetCases) }

// TestMultiSetMixed checks the mixed body's statuses item by item, written from
// SPEC §5.2 and testdata/envs/sample.json rather than from the golden file.
func TestMultiSetMixed(t *testing.T) {
	t.Chdir(repoRoot(t))
	var stdout, stderr bytes.Buffer
	status := run([]string{"multiset", "--now", multiSetNow, "--org", "o1", "testdata/multiset/mixed.json"}, nil, &stdout, &stderr)
	if status != exitFail {
		t.Fatalf("exit status %d, want 1; stderr: %s", status, stderr.String())
	}
	var resp protocol.MultiSetResponse
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id     string
		status codes.Status
		reason string
	}{
		{"ok-keys", codes.Success, "ARRAY of FLOAT; compat takes \"2.5\""},
		{"ok-asset", codes.Success, "assetAll1 is allP/all1, STRUCT st with its required items; timeout at its maximum"},
		{"", codes.ParaError, "requestId empty"},
		{"bad-channel", codes.ParaError, "'/' after DATASVC.SET."},
		{"bad-timeout", codes.ParaError, "300001 > 300000"},
		{"no-device", codes.DeviceNotExist, "product1/device9 is not in devices"},
		{"no-model", codes.ModelNotFound, "noModelP is not in products"},
		{"no-point", codes.PointNotFound, "Inverter has no voltage"},
		{"null-value", codes.ControlValueNull, "inputData.arg is null"},
		{"wrong-type", codes.DataTypeError, "Power is INT; \"warm\" is no number"},
		{"ok-keys", codes.ParaError, "the requestId of item 0 again"},
	}
	if len(resp.Data) != len(want) {
		t.Fatalf("%d items, want %d", len(resp.Data), len(want))
	}
	for i, w := range want {
		r := resp.Data[i]
		if r.RequestID != w.id || r.Status != w.status || r.GmtServiceReply != 1700000000000 {
			t.Errorf("item %d: %q %d %q at %d, want %q %d (%s)", i, r.RequestID, r.Status, r.Submsg, r.GmtServiceReply, w.id, w.status, w.reason)
		}
	}
}

// The body limit is checked at N and N+1 bytes.
func TestMultiSetBodyLimit(t *testing.T) {
	t.Chdir(repoRoot(t))
	body := `{"data":[]}`
	defer func(n int64) { maxMultiSetBody = n }(maxMultiSetBody)
	maxMultiSetBody = int64(len(body))
	var stdout, stderr bytes.Buffer
	if status := run([]string{"multiset", "--org", "o1", "-"}, strings.NewReader(body), &stdout, &stderr); status != exitFail {
		t.Errorf("body of exactly the limit: exit %d, want 1 (400 data empty); stderr: %s", status, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if status := run([]string{"multiset", "--org", "o1", "-"}, strings.NewReader(body+" "), &stdout, &stderr); status != exitUsage {
		t.Errorf("body one byte over the limit: exit %d, want 2", status)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "larger than") {
		t.Errorf("over the limit: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// An item accepted with --now gets it as gmtServiceReply and, lacking its own,
// as gmtServiceRequest; without --now the clock is read.
func TestMultiSetNow(t *testing.T) {
	t.Chdir(repoRoot(t))
	body := `{"data":[{"requestId":"r","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.c","assetId":"asset1",` +
		`"measurepointId":"temp","inputData":{"v":1}}]}`
	var stdout, stderr bytes.Buffer
	if status := run([]string{"multiset", "--org", "o1", "-"}, strings.NewReader(body), &stdout, &stderr); status != exitOK {
		t.Fatalf("exit %d; stderr %s", status, stderr.String())
	}
	var resp protocol.MultiSetResponse
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	r := resp.Data[0]
	if want := clock().UnixMilli(); r.GmtServiceReply <= 0 || r.GmtServiceReply > want || r.GmtServiceRequest != r.GmtServiceReply {
		t.Errorf("gmtServiceRequest %d, gmtServiceReply %d, want both the clock (<= %d)", r.GmtServiceRequest, r.GmtServiceReply, want)
	}
}
