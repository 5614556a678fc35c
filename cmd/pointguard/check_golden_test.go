package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden (check/ and multiset/) instead of comparing with them")

// repoRoot is the repository root, where the CLI expects to run.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

const (
	batchTopic = "/sys/gwP/gw1/thing/measurepoint/post/batch"

	// okPayload reports two points of product1/device1, a sub-device of gwP/gw1
	// in testdata/envs/sample.json: 200 with 2 accepted points in both profiles.
	okPayload = `{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":5,"quality":0},"temp":21.5},"time":1700000000000}]}`
	// badPayload has a FLOAT given a string that holds no number: 1204 at
	// /params/0/measurepoints/temp, offset 180, in both profiles.
	badPayload = `{"id":"2","version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":5,"quality":0},"temp":"warm"},"time":1700000000000}]}`
)

// captureLine returns a JSON Lines capture of payload on topic.
func captureLine(topic, payload string) string {
	return `{"topic":` + strconv.Quote(topic) + `,"payload":` + strconv.Quote(payload) + "}\n"
}

// receivedLine returns a JSON Lines capture of payload on topic, received at ms.
func receivedLine(topic, payload string, ms int) string {
	return `{"topic":` + strconv.Quote(topic) + `,"payload":` + strconv.Quote(payload) + `,"received":` + strconv.Itoa(ms) + "}\n"
}

// padded returns okPayload followed by spaces to exactly n bytes.
func padded(n int) string { return okPayload + strings.Repeat(" ", n-len(okPayload)) }

// goldenCase is one run of a subcommand whose output is kept in a golden file.
type goldenCase struct {
	name   string
	args   []string          // after the subcommand; "$TMP" stands for the test's temporary directory
	stdin  string            // standard input
	files  map[string]string // written under $TMP
	status int               // the exit status, from SPEC §7
	reason string
}

var goldenCases = []goldenCase{
	// The bundled captures, in both formats and both profiles.
	{name: "seed-compat-jsonl", args: []string{"testdata/captures/seed.jsonl"}, status: exitOK},
	{name: "seed-compat-text", args: []string{"--format", "text", "testdata/captures/seed.jsonl"}, status: exitOK},
	{name: "seed-strict-jsonl", args: []string{"--profile", "strict", "testdata/captures/seed.jsonl"}, status: exitFail},
	{name: "seed-strict-text", args: []string{"--profile", "strict", "--format", "text", "testdata/captures/seed.jsonl"}, status: exitFail},
	{name: "mixed-compat-jsonl", args: []string{"testdata/captures/mixed.jsonl"}, status: exitFail},
	{name: "mixed-strict-text", args: []string{"--profile=strict", "--format=text", "testdata/captures/mixed.jsonl"}, status: exitFail},

	// A capture recorded with tcpdump against serve (testdata/captures/record.sh),
	// alone and beside the replies serve sent: serve checks in compat, so
	// the strict run disagrees once.
	{name: "loopback-pcap", args: []string{"testdata/captures/loopback.pcap"}, status: exitFail},
	{name: "loopback-pcap-compare", args: []string{"--compare", "testdata/captures/loopback.pcap"}, status: exitOK,
		reason: "every captured reply agrees, although two requests were refused"},
	{name: "loopback-pcap-compare-strict-text", args: []string{"--compare", "--profile", "strict", "--format", "text", "testdata/captures/loopback.pcap"}, status: exitFail},
	{name: "mosquitto-compare-strict-text", args: []string{"--compare", "--profile", "strict", "--format", "text", "testdata/captures/mosquitto.jsonl"}, status: exitFail,
		reason: "mosquitto_sub -F %j gets each reply before the request: the reply waits for it; the refused requests were never forwarded"},
	{name: "compare-jsonl", args: []string{"--compare"}, status: exitFail,
		stdin: receivedLine(batchTopic, okPayload, 1000) + receivedLine(batchTopic+"_reply", `{"id":"1","code":200,"data":{}}`, 1010) +
			receivedLine(batchTopic, badPayload, 2000) + receivedLine(batchTopic+"_reply", `{"id":"2","code":200,"data":{}}`, 2010),
		reason: "the reply to the second request says 200; pointguard says 1204"},

	// Standard input: no CAPTURE, and "-".
	{name: "stdin-none", stdin: captureLine(batchTopic, okPayload), status: exitOK},
	{name: "stdin-dash", args: []string{"--format", "text", "-"}, stdin: captureLine(batchTopic, okPayload) + captureLine(batchTopic, badPayload), status: exitFail},

	// --topic: each CAPTURE is one raw payload; "line" is its argument index.
	{name: "topic-raw", args: []string{"--topic", batchTopic, "$TMP/ok.json", "$TMP/bad.json", "$TMP/empty.json", "$TMP/notjson.json"},
		files:  map[string]string{"ok.json": okPayload, "bad.json": badPayload, "empty.json": " \n", "notjson.json": `{"id":`},
		status: exitFail},
	{name: "topic-raw-ok", args: []string{"--topic", batchTopic, "--format", "text", "$TMP/ok.json"},
		files: map[string]string{"ok.json": okPayload}, status: exitOK},
	{name: "topic-stdin", args: []string{"--topic", batchTopic}, stdin: okPayload, status: exitOK},
	{name: "topic-refused", args: []string{"--topic", "/sys/gwP/gw1/thing/event/post", "$TMP/ok.json"},
		files: map[string]string{"ok.json": okPayload}, status: exitFail},

	// --max-bytes at the limit and one over, raw and in a capture.
	{name: "max-bytes-raw", args: []string{"--max-bytes", "300", "--topic", batchTopic, "$TMP/at.json", "$TMP/over.json"},
		files: map[string]string{"at.json": padded(300), "over.json": padded(301)}, status: exitFail},
	{name: "max-bytes-capture", args: []string{"--max-bytes=300", "-"},
		stdin: captureLine(batchTopic, padded(300)) + captureLine(batchTopic, padded(301)), status: exitFail},
	// The default limit, 524288 bytes, on capture lines longer than 512 KiB.
	{name: "max-bytes-default", stdin: captureLine(batchTopic, padded(524288)) + captureLine(batchTopic, padded(524289)), status: exitFail},
	{name: "max-bytes-zero", args: []string{"--max-bytes", "0"}, stdin: captureLine(batchTopic, padded(600000)), status: exitOK},

	// Capture lines that are not valid capture JSON are reported on stderr; the
	// run continues and the exit status is at least 1.
	{name: "bad-capture-lines",
		stdin: captureLine(batchTopic, okPayload) + "not json\n\n" + `{"topic":"/t"}` + "\r\n" + "  \n" +
			`{"topic":"` + batchTopic + `","payload_base64":"` + "eyJpZCI6ICIzIn0=" + `"}` + "\n" + captureLine(batchTopic, okPayload),
		status: exitFail},
	{name: "received", args: []string{"--now", "5"},
		stdin: `{"topic":"` + batchTopic + `","payload":` + strconv.Quote(okPayload) + `,"received":1700000000000}` + "\n", status: exitOK},
	{name: "empty-input", status: exitOK},

	// Usage and I/O errors: exit status 2.
	{name: "unknown-flag", args: []string{"--verbose"}, status: exitUsage},
	{name: "bad-profile", args: []string{"--profile", "lenient"}, status: exitUsage},
	{name: "bad-format", args: []string{"--format", "json"}, status: exitUsage},
	{name: "bad-now", args: []string{"--now", "-5"}, status: exitUsage},
	{name: "bad-max-bytes", args: []string{"--max-bytes", "0x10"}, status: exitUsage},
	{name: "flag-after-file", args: []string{"testdata/captures/seed.jsonl", "--profile", "strict"}, status: exitUsage},
	{name: "missing-capture", args: []string{"--format", "text", "$TMP/none.jsonl", "$TMP/ok.jsonl"},
		files: map[string]string{"ok.jsonl": captureLine(batchTopic, okPayload)}, status: exitUsage},
	{name: "missing-env", args: []string{"--env", "$TMP/none.json", "-"}, status: exitUsage},
	{name: "bad-env", args: []string{"--env", "$TMP/env.json", "-"},
		files: map[string]string{"env.json": `{"devices": [{"productKey": "p"}]}`}, status: exitUsage},
	{name: "help", args: []string{"-h"}, status: exitOK},
}

func TestCheckGolden(t *testing.T) {
	fixRunClock(t)
	testGolden(t, "check", goldenCases)
}

// testGolden runs the subcommand cmd from the repository root on each case.
// It compares the exit status with the case's, and the record of the run
// (command line, exit status, stdout and stderr, with $TMP for the temporary
// directory) with testdata/golden/CMD/NAME.golden; -update rewrites the file
// instead.
func testGolden(t *testing.T, cmd string, cases []goldenCase) {
	root := repoRoot(t)
	t.Chdir(root)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := make([]string, len(tt.args))
			shown := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "$TMP", tmp)
				shown[i] = a
				if a == "" {
					shown[i] = `""`
				}
			}
			var stdout, stderr bytes.Buffer
			status := run(append([]string{cmd}, args...), strings.NewReader(tt.stdin), &stdout, &stderr)
			if status != tt.status {
				t.Errorf("exit status = %d, want %d (%s)\nstderr:\n%s", status, tt.status, tt.reason, stderr.String())
			}
			got := strings.TrimSpace("# pointguard "+cmd+" "+strings.Join(shown, " ")) + "\n" +
				"# exit status " + strconv.Itoa(status) + "\n" +
				"-- stdout --\n" + strings.ReplaceAll(stdout.String(), tmp, "$TMP") +
				"-- stderr --\n" + strings.ReplaceAll(stderr.String(), tmp, "$TMP")
			path := filepath.Join(root, "testdata", "golden", cmd, tt.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// The server time of a point: the entry's "time", else the capture line's
// "received", else --now, else the clock (SPEC §4.6, §7.1).
func TestCheckServerTime(t *testing.T) {
	t.Chdir(repoRoot(t))
	const noTime = `{"version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1.5}}]}`
	const withTime = `{"version":"1.0","method":"thing.measurepoint.post.batch","params":[` +
		`{"productKey":"product1","deviceKey":"device1","measurepoints":{"temp":1.5},"time":7}]}`
	input := captureLine(batchTopic, noTime) +
		`{"topic":"` + batchTopic + `","payload":` + strconv.Quote(noTime) + `,"received":2000}` + "\n" +
		`{"topic":"` + batchTopic + `","payload":` + strconv.Quote(withTime) + `,"received":2000}` + "\n"

	var times []int64
	observePoint = func(p *validate.Point) { times = append(times, p.Time) }
	defer func() { observePoint = nil }()
	clock = func() time.Time { return time.UnixMilli(123456) }
	defer func() { clock = time.Now }()

	tests := []struct {
		name string
		args []string
		want []int64
	}{
		{"--now", []string{"--now", "1000"}, []int64{1000, 2000, 7}},
		{"clock", nil, []int64{123456, 2000, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			times = nil
			var stdout, stderr bytes.Buffer
			if status := run(append([]string{"check"}, tt.args...), strings.NewReader(input), &stdout, &stderr); status != exitOK {
				t.Fatalf("status = %d, stdout:\n%s\nstderr:\n%s", status, stdout.String(), stderr.String())
			}
			if diff := cmp.Diff(tt.want, times); diff != "" {
				t.Errorf("point times (-want +got):\n%s", diff)
			}
		})
	}
}

// Without --env, the sample environment compiled into the program is used,
// whatever the working directory holds: here a testdata/envs/sample.json that
// would not load. With --env, that file is read and its error reported.
func TestCheckDefaultEnvAnywhere(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "testdata", "envs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "envs", "sample.json"), []byte(`{"devices": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := []struct {
		name           string
		args           []string
		status         int
		stdout, stderr string
	}{
		{"default", []string{"check"}, exitOK,
			`{"line":1,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"1","code":200,"data":{}},"accepted":2,"skipped":[],"skippedCount":0}` + "\n", ""},
		{"--env", []string{"check", "--env", "testdata/envs/sample.json"}, exitUsage,
			"", "pointguard check: envfile: testdata/envs/sample.json: devices: want an array, got a number\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(tt.args, strings.NewReader(captureLine(batchTopic, okPayload)), &stdout, &stderr)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			if got := withoutSummary(stderr.String()); got != tt.stderr {
				t.Errorf("stderr = %q, want %q", got, tt.stderr)
			}
		})
	}
}

// A capture line over maxCaptureLine is a bad capture line, reported in the
// output and on stderr; the next line is still checked.
func TestCheckLineTooLong(t *testing.T) {
	t.Chdir(repoRoot(t))
	line := captureLine(batchTopic, okPayload)
	defer func(n int) { maxCaptureLine = n }(maxCaptureLine)
	maxCaptureLine = len(line) - 1 // the line without its "\n" fits exactly
	var stdout, stderr bytes.Buffer
	input := strings.TrimSuffix(line, "}\n") + ` }` + "\n" + line
	status := run([]string{"check", "--format", "text"}, strings.NewReader(input), &stdout, &stderr)
	if status != exitFail {
		t.Errorf("status = %d, want 1", status)
	}
	if got, want := stdout.String(), "line 1: not a capture line: line longer than "+strconv.Itoa(maxCaptureLine)+" bytes; use --topic for payloads this large\nline 2: 200 accepted 2 points\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if want := "stdin:1: not a capture line: line longer than " + strconv.Itoa(maxCaptureLine) + " bytes"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// A failure to write the verdicts is an I/O error.
func TestCheckWriteError(t *testing.T) {
	t.Chdir(repoRoot(t))
	var stderr bytes.Buffer
	input := captureLine(batchTopic, okPayload) + captureLine(batchTopic, okPayload)
	if status := run([]string{"check"}, strings.NewReader(input), failingWriter{}, &stderr); status != exitUsage {
		t.Errorf("status = %d, want 2", status)
	}
	if got := strings.Count(stderr.String(), "writing output failed"); got != 1 {
		t.Errorf("stderr reports the failure %d times, want once:\n%s", got, stderr.String())
	}
}

// verdict is the part of a jsonl verdict line the seed tests look at.
type verdict struct {
	Line  int `json:"line"`
	Reply struct {
		Code int `json:"code"`
	} `json:"reply"`
	Error *struct {
		Code    int    `json:"code"`
		Pointer string `json:"pointer"`
	} `json:"error"`
	Accepted int `json:"accepted"`
	Skipped  []struct {
		Pointer string `json:"pointer"`
	} `json:"skipped"`
}

func checkVerdicts(t *testing.T, args []string, stdin string) []verdict {
	t.Helper()
	var stdout, stderr bytes.Buffer
	run(append([]string{"check"}, args...), strings.NewReader(stdin), &stdout, &stderr)
	if rest := withoutSummary(stderr.String()); rest != "" {
		t.Errorf("stderr: %s", rest)
	}
	var vs []verdict
	for _, l := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("verdict line %q: %v", l, err)
		}
		vs = append(vs, v)
	}
	return vs
}

// The seeds' samples, as SPEC reads them.
func TestCheckSeeds(t *testing.T) {
	t.Chdir(repoRoot(t))
	data, err := os.ReadFile("testdata/captures/seed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")

	// Line 1 is the post/batch sample with both flags true: three entries of
	// three points, all valid in compat (numbers in strings are FLOAT, §3.1).
	vs := checkVerdicts(t, nil, lines[0]+"\n")
	if len(vs) != 1 || vs[0].Reply.Code != 200 || vs[0].Accepted != 9 || len(vs[0].Skipped) != 0 {
		t.Errorf("compat, seed line 1: %+v; want 200 with 9 accepted points", vs)
	}

	// In strict, "1.02" is no FLOAT: without skipInvalidMeasurepoints the first
	// invalid point is branchCurr of the first entry.
	var cp struct {
		Topic   string `json:"topic"`
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &cp); err != nil {
		t.Fatal(err)
	}
	noSkip := strings.Replace(cp.Payload, `"skipInvalidMeasurepoints": true`, `"skipInvalidMeasurepoints": false`, 1)
	if noSkip == cp.Payload {
		t.Fatal("seed line 1 no longer has skipInvalidMeasurepoints true")
	}
	vs = checkVerdicts(t, []string{"--profile", "strict"}, captureLine(cp.Topic, noSkip))
	if len(vs) != 1 || vs[0].Reply.Code != 1204 || vs[0].Error == nil ||
		!strings.HasPrefix(vs[0].Error.Pointer, "/params/0/measurepoints/branchCurr") {
		t.Errorf("strict, seed line 1 without skip: %+v; want 1204 under /params/0/measurepoints/branchCurr", vs)
	}

	// Line 3 is the post/batch page's own sample, whose Power values are 1.0:
	// strict takes only integer literals for INT, and Power comes before
	// branchCurr in the document (§4.2).
	vs = checkVerdicts(t, []string{"--profile", "strict"}, lines[2]+"\n")
	if len(vs) != 1 || vs[0].Reply.Code != 1204 || vs[0].Error == nil || vs[0].Error.Pointer != "/params/0/measurepoints/Power/value" {
		t.Errorf("strict, seed line 3: %+v; want 1204 at /params/0/measurepoints/Power/value", vs)
	}
}
