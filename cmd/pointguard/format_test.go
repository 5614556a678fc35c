package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	// mosquittoJLine is what mosquitto_sub -F %J prints for a JSON payload:
	// the payload is a JSON value, not a string.
	mosquittoJLine = `{"tst":"2026-12-01T10:00:00.000000+0000","topic":"` + batchTopic + `","qos":1,"retain":0,"payloadlen":5,"payload":` + okPayload + `}` + "\n"
	// mosquittoJBad is a -F %J line whose payload gets 1204 at
	// /params/0/measurepoints/temp: the offset counts in the payload as printed.
	mosquittoJBad = `{"tst":"2026-12-01T10:00:01.000000+0000","topic":"` + batchTopic + `","qos":1,"retain":0,"payloadlen":5,"payload":` + badPayload + `}` + "\n"
	// prettyPayload is okPayload as an editor writes it, on several lines.
	prettyPayload = "{\n  \"id\": \"1\",\n  \"version\": \"1.0\",\n  \"method\": \"thing.measurepoint.post.batch\",\n  \"params\": []\n}\n"
)

// The output side of check: several inputs, bad capture lines, hints, the BOM,
// --quiet, and the JUnit and SARIF formats. The golden files are under
// testdata/golden/check; the JUnit and SARIF ones are also checked against
// their schemas (TestCheckJUnitSchema, TestCheckSARIFSchema).
var formatCases = []goldenCase{
	{name: "multi-jsonl", args: []string{"testdata/captures/seed.jsonl", "-"}, stdin: captureLine(batchTopic, badPayload) + "not json\n",
		status: exitFail, reason: "every record names its file when there are several inputs"},
	{name: "multi-text", args: []string{"--format", "text", "testdata/captures/seed.jsonl", "-"}, stdin: captureLine(batchTopic, badPayload) + "not json\n",
		status: exitFail, reason: "text records start with FILE:LINE: when there are several inputs"},
	{name: "bad-lines-text", args: []string{"--format", "text"}, stdin: "not json\n" + captureLine(batchTopic, okPayload) + `{"topic":"/t"}` + "\n",
		status: exitFail, reason: "bad capture lines are records in the output as well as on stderr"},
	{name: "hint-raw-payload", args: []string{"$TMP/payload.json"}, files: map[string]string{"payload.json": prettyPayload},
		status: exitFail, reason: "a pretty-printed payload without --topic: one hint, the other lines counted on stderr"},
	{name: "hint-raw-payload-line", args: []string{"--format", "text", "-"}, stdin: okPayload + "\n" + okPayload + "\n",
		status: exitFail, reason: "a payload on one line, without --topic"},
	{name: "mosquitto-J", stdin: captureLine(batchTopic, okPayload) + mosquittoJLine + mosquittoJBad,
		status: exitFail, reason: "mosquitto_sub -F %J embeds JSON payloads as JSON values: each is checked as its text, with one warning per file that the text is mosquitto's, not the device's"},
	{name: "mosquitto-J-scalar", stdin: `{"topic":"` + batchTopic + `","payload":5}` + "\n",
		status: exitFail, reason: "a payload that is a JSON number is neither a string nor a -F %J request: a bad capture line"},
	{name: "no-hint", stdin: captureLine(batchTopic, okPayload) + `{"id":"1","method":"x"}` + "\n",
		status: exitFail, reason: "a payload-like line after good capture lines gets no raw-payload hint: the file is a capture"},
	{name: "bom", args: []string{"--format", "text", "$TMP/bom.jsonl"},
		files:  map[string]string{"bom.jsonl": "\ufeff" + captureLine(batchTopic, okPayload) + "\ufeff" + captureLine(batchTopic, okPayload)},
		status: exitFail, reason: "a BOM at the start of a file is skipped; one at the start of a later line is not JSON"},
	{name: "empty-files", args: []string{"$TMP/empty.jsonl", "$TMP/blank.jsonl", "$TMP/ok.jsonl"},
		files:  map[string]string{"empty.jsonl": "", "blank.jsonl": "\n  \n", "ok.jsonl": captureLine(batchTopic, okPayload)},
		status: exitOK, reason: "each input without messages says so on stderr; the exit status stays 0"},
	{name: "quiet-jsonl", args: []string{"--quiet", "testdata/captures/mixed.jsonl"}, status: exitFail,
		reason: "only what did not get 200"},
	{name: "quiet-text", args: []string{"--quiet", "--format", "text", "-"}, stdin: captureLine(batchTopic, okPayload) + "not json\n" + captureLine(batchTopic, badPayload),
		status: exitFail, reason: "bad capture lines are not 200 either"},
	{name: "quiet-all-ok", args: []string{"--quiet", "testdata/captures/seed.jsonl"}, status: exitOK, reason: "nothing to print"},
	{name: "junit-mixed", args: []string{"--format", "junit", "testdata/captures/mixed.jsonl"}, status: exitFail},
	{name: "junit-multi", args: []string{"--format", "junit", "testdata/captures/seed.jsonl", "-"},
		stdin: captureLine(batchTopic, badPayload) + "not json\n", status: exitFail},
	{name: "junit-raw", args: []string{"--format", "junit", "--topic", batchTopic, "$TMP/ok.json", "$TMP/bad.json"},
		files: map[string]string{"ok.json": okPayload, "bad.json": badPayload}, status: exitFail},
	{name: "junit-empty", args: []string{"--format", "junit"}, status: exitOK},
	{name: "sarif-mixed", args: []string{"--format", "sarif", "testdata/captures/mixed.jsonl"}, status: exitFail},
	{name: "sarif-multi", args: []string{"--format", "sarif", "testdata/captures/seed.jsonl", "-"},
		stdin: captureLine(batchTopic, badPayload) + "not json\n", status: exitFail},
	{name: "sarif-raw", args: []string{"--format", "sarif", "--topic", batchTopic, "$TMP/ok.json", "$TMP/bad.json", "$TMP/empty.json"},
		files: map[string]string{"ok.json": okPayload, "bad.json": badPayload, "empty.json": ""}, status: exitFail},
	{name: "sarif-ok", args: []string{"--format", "sarif", "testdata/captures/seed.jsonl"}, status: exitOK},
	{name: "sarif-pcap", args: []string{"--format", "sarif", "testdata/captures/loopback.pcap"}, status: exitFail,
		reason: "a packet capture has no lines: the frame is in the message and the properties"},
	{name: "junit-pcap", args: []string{"--format", "junit", "testdata/captures/loopback.pcap"}, status: exitFail,
		reason: "test cases are named by packet"},
}

func TestCheckFormatsGolden(t *testing.T) {
	fixRunClock(t)
	testGolden(t, "check", formatCases)
}

// goldenStdout returns the stdout section of a golden file of check.
func goldenStdout(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "golden", "check", name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := bytes.Cut(b, []byte("-- stdout --\n"))
	out, _, ok2 := bytes.Cut(rest, []byte("-- stderr --\n"))
	if !ok1 || !ok2 {
		t.Fatalf("%s.golden has no stdout section", name)
	}
	return out
}

// The SARIF outputs are valid against the SARIF 2.1.0 JSON schema
// (testdata/schemas/sarif-2.1.0.json), and place each problem where it is.
func TestCheckSARIFSchema(t *testing.T) {
	schemaFile := filepath.Join(repoRoot(t), "testdata", "schemas", "sarif-2.1.0.json")
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		results int // problems: messages that did not get 200, bad capture lines
	}{
		{"sarif-mixed", 10}, {"sarif-multi", 2}, {"sarif-raw", 2}, {"sarif-ok", 0}, {"sarif-pcap", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := goldenStdout(t, tt.name)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("not valid SARIF 2.1.0: %v", err)
			}
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID    string `json:"ruleId"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string } `json:"artifactLocation"`
								Region           *struct {
									StartLine  int   `json:"startLine"`
									ByteOffset int64 `json:"byteOffset"`
								} `json:"region"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(out, &log); err != nil {
				t.Fatal(err)
			}
			if len(log.Runs) != 1 || len(log.Runs[0].Results) != tt.results {
				t.Fatalf("got %d runs, results %v; want 1 run with %d results", len(log.Runs), log.Runs, tt.results)
			}
			for _, r := range log.Runs[0].Results {
				if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
					t.Errorf("result %s has no file: %+v", r.RuleID, r.Locations)
				}
			}
		})
	}
}

// A planted fault must make the SARIF schema check fail: the same log with a
// result level SARIF does not define.
func TestCheckSARIFSchemaCatches(t *testing.T) {
	out := goldenStdout(t, "sarif-multi")
	bad := bytes.Replace(out, []byte(`"level":"error"`), []byte(`"level":"fatal"`), 1)
	if bytes.Equal(bad, out) {
		t.Fatal("no level to replace")
	}
	f, _ := os.Open(filepath.Join(repoRoot(t), "testdata", "schemas", "sarif-2.1.0.json"))
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AddResource("s.json", doc)
	schema, err := c.Compile("s.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(inst) == nil {
		t.Error("a result with level \"fatal\" passed the SARIF schema")
	}
}

// The JUnit outputs follow the JUnit XML schema that Jenkins' JUnit plugin
// defines (junit-10.xsd) and GitLab, Azure Pipelines and CircleCI read:
// checkJUnit checks its element and attribute rules; see its comment.
func TestCheckJUnitSchema(t *testing.T) {
	for _, tt := range []struct {
		name                    string
		suites, tests, failures int
		errors                  int
	}{
		{"junit-mixed", 1, 13, 10, 0},
		{"junit-multi", 2, 5, 1, 1},
		{"junit-raw", 2, 2, 1, 0},
		{"junit-empty", 1, 0, 0, 0},
		{"junit-pcap", 1, 5, 2, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkJUnit(goldenStdout(t, tt.name))
			if err != nil {
				t.Fatal(err)
			}
			want := junitCounts{tt.suites, tt.tests, tt.failures, tt.errors}
			if got != want {
				t.Errorf("counts = %+v, want %+v", got, want)
			}
		})
	}
}

// Planted faults that checkJUnit must catch.
func TestCheckJUnitCatches(t *testing.T) {
	good := string(goldenStdout(t, "junit-multi"))
	for _, tt := range []struct{ name, old, new string }{
		{"wrong count", `tests="3"`, `tests="4"`},
		{"testcase without name", `<testcase classname="testdata/captures/seed.jsonl" name="line 1: ` + batchTopic + `">`, `<testcase classname="x">`},
		{"unknown element", `<failure `, `<fail `},
		{"failure outside a test case", "<testsuite ", "<failure/><testsuite "},
		{"not well-formed", "</testsuites>", "</testsuite>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(good, tt.old, tt.new, 1)
			if bad == good {
				t.Fatalf("%q is not in the report", tt.old)
			}
			if _, err := checkJUnit([]byte(bad)); err == nil {
				t.Errorf("checkJUnit accepted the report with %s", tt.name)
			}
		})
	}
}

type junitCounts struct{ suites, tests, failures, errors int }

// checkJUnit checks a JUnit report against the rules of junit-10.xsd (the
// schema of Jenkins' JUnit plugin), as far as this tool's reports use it:
//
//  1. the document is well-formed XML whose root is testsuites;
//  2. testsuites holds only testsuite elements; testsuite holds only
//     properties, testcase, system-out and system-err; testcase holds only
//     skipped, error, failure, system-out and system-err; failure, error,
//     skipped, system-out and system-err hold only text;
//  3. testsuite has the required name and tests; testcase has the required
//     name; every count attribute (tests, failures, errors, skipped) is a
//     non-negative integer, and a suite's counts equal its test cases;
//  4. attributes are those the schema defines for each element.
//
// No XSD validator for Go is kept well enough to depend on (the ones that
// exist bind libxml2 through cgo), so the rules are checked here.
func checkJUnit(doc []byte) (junitCounts, error) {
	var n junitCounts
	children := map[string][]string{
		"":           {"testsuites"},
		"testsuites": {"testsuite"},
		"testsuite":  {"properties", "testcase", "system-out", "system-err"},
		"properties": {"property"},
		"testcase":   {"skipped", "error", "failure", "system-out", "system-err"},
	}
	attrs := map[string][]string{
		"testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
		"testsuite":  {"name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
		"testcase":   {"name", "assertions", "time", "classname", "status", "file", "line"},
		"failure":    {"message", "type"},
		"error":      {"message", "type"},
		"skipped":    {"message"},
		"property":   {"name", "value"},
	}
	required := map[string][]string{"testsuite": {"name", "tests"}, "testcase": {"name"}, "property": {"name", "value"}}
	textOnly := map[string]bool{"failure": true, "error": true, "skipped": true, "system-out": true, "system-err": true}

	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	var suite junitCounts // counts of the test cases of the open suite
	var declared [3]int   // tests, failures, errors the open suite declares
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name, parent := t.Name.Local, ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			if textOnly[parent] {
				return n, fmt.Errorf("<%s> inside <%s>, which holds only text", name, parent)
			}
			if !contains(children[parent], name) {
				return n, fmt.Errorf("<%s> is not allowed inside <%s>", name, parent)
			}
			got := map[string]string{}
			for _, a := range t.Attr {
				if !contains(attrs[name], a.Name.Local) {
					return n, fmt.Errorf("<%s> has no attribute %q", name, a.Name.Local)
				}
				got[a.Name.Local] = a.Value
			}
			for _, r := range required[name] {
				if _, ok := got[r]; !ok {
					return n, fmt.Errorf("<%s> lacks the required attribute %q", name, r)
				}
			}
			for _, k := range []string{"tests", "failures", "errors", "skipped", "disabled"} {
				if v, ok := got[k]; ok {
					if i, err := strconv.Atoi(v); err != nil || i < 0 {
						return n, fmt.Errorf("<%s %s=%q>: not a non-negative integer", name, k, v)
					}
				}
			}
			switch name {
			case "testsuite":
				n.suites++
				suite = junitCounts{}
				declared[0], _ = strconv.Atoi(got["tests"])
				declared[1], _ = strconv.Atoi(got["failures"])
				declared[2], _ = strconv.Atoi(got["errors"])
			case "testcase":
				suite.tests++
			case "failure":
				suite.failures++
			case "error":
				suite.errors++
			}
			stack = append(stack, name)
		case xml.EndElement:
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if name == "testsuite" {
				if [3]int{suite.tests, suite.failures, suite.errors} != declared {
					return n, fmt.Errorf("a testsuite declares tests, failures, errors %v but holds %d, %d, %d", declared, suite.tests, suite.failures, suite.errors)
				}
				n.tests += suite.tests
				n.failures += suite.failures
				n.errors += suite.errors
			}
		case xml.CharData:
			if len(stack) > 0 && !textOnly[stack[len(stack)-1]] && len(bytes.TrimSpace(t)) > 0 {
				return n, fmt.Errorf("text %q inside <%s>", t, stack[len(stack)-1])
			}
		}
	}
	if n.suites == 0 && !bytes.Contains(doc, []byte("<testsuites")) {
		return n, errors.New("no testsuites element")
	}
	return n, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// With the memory bound lowered to a few bytes, the test cases go through the
// temporary file and the report is the same, byte for byte; the file is
// removed at the end.
func TestCheckJUnitSpill(t *testing.T) {
	defer func(n int) { junitSpill = n }(junitSpill)
	junitSpill = 64
	t.Setenv("TMPDIR", t.TempDir())
	for _, name := range []string{"junit-multi", "junit-mixed", "junit-pcap"} {
		var tc goldenCase
		for _, c := range formatCases {
			if c.name == name {
				tc = c
			}
		}
		want := string(goldenStdout(t, name))
		t.Run(name, func(t *testing.T) {
			t.Chdir(repoRoot(t))
			var stdout, stderr bytes.Buffer
			run(append([]string{"check"}, tc.args...), strings.NewReader(tc.stdin), &stdout, &stderr)
			if diff := cmp.Diff(want, stdout.String()); diff != "" {
				t.Errorf("report through the temporary file differs (-golden +got):\n%s", diff)
			}
			left, _ := os.ReadDir(os.Getenv("TMPDIR"))
			if len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
