package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

func TestParseCapture(t *testing.T) {
	tests := []struct {
		name string
		line string
		want capture
		err  string // "" for a valid line; else a substring of the reason
	}{
		{"payload", `{"topic":"/t","payload":"{\"a\":1}"}`, capture{"/t", []byte(`{"a":1}`), -1, false}, ""},
		{"payload with received", `{"received": 1700000000000, "topic":"/t","payload":"x"}`, capture{"/t", []byte("x"), 1700000000000, false}, ""},
		{"received zero", `{"topic":"/t","payload":"x","received":0}`, capture{"/t", []byte("x"), 0, false}, ""},
		{"received max", `{"topic":"/t","payload":"x","received":9223372036854775807}`, capture{"/t", []byte("x"), 1<<63 - 1, false}, ""},
		{"empty payload", `{"topic":"/t","payload":""}`, capture{"/t", []byte{}, -1, false}, ""},
		{"empty topic", `{"topic":"","payload":"x"}`, capture{"", []byte("x"), -1, false}, ""},
		{"escapes decoded", `{"topic":"/t\u0041","payload":"\u00e9\n"}`, capture{"/tA", []byte("é\n"), -1, false}, ""},
		{"base64", `{"topic":"/t","payload_base64":"/wA="}`, capture{"/t", []byte{0xff, 0}, -1, false}, ""},
		{"base64 without padding", `{"topic":"/t","payload_base64":"/wA"}`, capture{"/t", []byte{0xff, 0}, -1, false}, ""},
		{"other keys ignored", `{"qos":1,"topic":"/t","meta":{"a":[1]},"payload":"x"}`, capture{"/t", []byte("x"), -1, false}, ""},

		{"not JSON", `{"topic":`, capture{}, "not JSON"},
		{"trailing data", `{"topic":"/t","payload":"x"} x`, capture{}, "not JSON"},
		{"array", `["/t","x"]`, capture{}, "want a JSON object"},
		{"string", `"x"`, capture{}, "want a JSON object"},
		{"no topic", `{"payload":"x"}`, capture{}, `no "topic"`},
		{"topic number", `{"topic":1,"payload":"x"}`, capture{}, `"topic" is not a string`},
		{"topic null", `{"topic":null,"payload":"x"}`, capture{}, `"topic" is not a string`},
		{"no payload", `{"topic":"/t"}`, capture{}, `no "payload" or "payload_base64"`},
		{"both payloads", `{"topic":"/t","payload":"x","payload_base64":"eA=="}`, capture{}, "both"},
		{"payload object (mosquitto_sub -F %J)", `{"topic":"/t","payload":{"id": "1"}}`, capture{"/t", []byte(`{"id": "1"}`), -1, true}, ""},
		{"payload array (mosquitto_sub -F %J)", `{"topic":"/t","payload":[1, 2]}`, capture{"/t", []byte(`[1, 2]`), -1, true}, ""},
		{"payload number", `{"topic":"/t","payload":5}`, capture{}, `"payload" is not a string`},
		{"payload null", `{"topic":"/t","payload":null}`, capture{}, `"payload" is not a string`},
		{"bad base64", `{"topic":"/t","payload_base64":"!!!"}`, capture{}, "not base64"},
		{"base64 not a string", `{"topic":"/t","payload_base64":1}`, capture{}, `"payload_base64" is not a string`},
		{"duplicate topic", `{"topic":"/a","payload":"x","topic":"/b"}`, capture{}, `duplicate key "topic"`},
		{"duplicate payload", `{"topic":"/a","payload":"x","payload":"y"}`, capture{}, `duplicate key "payload"`},
		{"received negative", `{"topic":"/t","payload":"x","received":-1}`, capture{}, `"received"`},
		{"received float", `{"topic":"/t","payload":"x","received":1.5}`, capture{}, `"received"`},
		{"received exponent", `{"topic":"/t","payload":"x","received":1e3}`, capture{}, `"received"`},
		{"received string", `{"topic":"/t","payload":"x","received":"1"}`, capture{}, `"received"`},
		{"received too large", `{"topic":"/t","payload":"x","received":9223372036854775808}`, capture{}, `"received"`},
		{"received null", `{"topic":"/t","payload":"x","received":null}`, capture{}, `"received"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := parseCapture([]byte(tt.line))
			if tt.err != "" {
				if reason == "" || !strings.Contains(reason, tt.err) {
					t.Errorf("reason = %q, want one containing %q", reason, tt.err)
				}
				return
			}
			if reason != "" {
				t.Fatalf("reason = %q for a valid capture line", reason)
			}
			if got.topic != tt.want.topic || string(got.payload) != string(tt.want.payload) || got.received != tt.want.received || got.reencoded != tt.want.reencoded {
				t.Errorf("got {%q %q %d reencoded=%v}, want {%q %q %d reencoded=%v}", got.topic, got.payload, got.received, got.reencoded,
					tt.want.topic, tt.want.payload, tt.want.received, tt.want.reencoded)
			}
		})
	}
}

type line struct {
	text    string
	tooLong bool
}

// readAll reads every line as captureFile does.
func readAll(t *testing.T, input string, bufSize, max int) ([]line, error) {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(input), bufSize)
	var lines []line
	var buf []byte
	for {
		l, tooLong, err := readLine(br, buf[:0], max)
		buf = l
		if err != nil && err != io.EOF {
			return lines, err
		}
		if err == io.EOF && len(l) == 0 && !tooLong {
			return lines, nil
		}
		lines = append(lines, line{string(l), tooLong})
		if err == io.EOF {
			return lines, nil
		}
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		max    int
		want   []line
		reason string
	}{
		{"empty input", "", 100, nil, ""},
		{"one line", "abc\n", 100, []line{{"abc", false}}, ""},
		{"no final newline", "abc\ndef", 100, []line{{"abc", false}, {"def", false}}, "the last line counts without its newline"},
		{"crlf", "abc\r\ndef\r\n", 100, []line{{"abc", false}, {"def", false}}, ""},
		{"empty lines kept", "\n\nabc\n", 100, []line{{"", false}, {"", false}, {"abc", false}}, "they count in line numbers"},
		{"longer than the buffer", strings.Repeat("x", 50) + "\nab\n", 100, []line{{strings.Repeat("x", 50), false}, {"ab", false}}, "the 16-byte buffer fills several times"},
		{"at the limit", strings.Repeat("x", 20) + "\n", 20, []line{{strings.Repeat("x", 20), false}}, "N bytes is allowed"},
		{"at the limit with crlf", strings.Repeat("x", 20) + "\r\n", 20, []line{{strings.Repeat("x", 20), false}}, "the line ending does not count"},
		{"one over the limit", strings.Repeat("x", 21) + "\nab\n", 20, []line{{"", true}, {"ab", false}}, "N+1 is too long; the next line is still read"},
		{"far over the limit", strings.Repeat("x", 100) + "\nab", 20, []line{{"", true}, {"ab", false}}, ""},
		{"over the limit at the end", strings.Repeat("x", 100), 20, []line{{"", true}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.input, 16, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(line{})); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadLineError(t *testing.T) {
	br := bufio.NewReader(io.MultiReader(strings.NewReader("abc"), failingReader{}))
	_, _, err := readLine(br, nil, 100)
	if err == nil || err.Error() != "disk on fire" {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

// The verdict lines are built by hand here from SPEC §7.1, independently of the
// validator.
func TestAppendVerdict(t *testing.T) {
	topic := protocol.Topic{ProductKey: "gwP", DeviceKey: "gw1", Method: protocol.PostBatch}
	tests := []struct {
		name  string
		line  int
		topic string
		res   validate.Result
		jsonl string
		text  string
	}{
		{
			name:  "accepted with skipped points",
			line:  1,
			topic: "/sys/gwP/gw1/thing/measurepoint/post/batch",
			res: validate.Result{Code: codes.OK, Topic: topic, ID: protocol.ID(`"123"`), Accepted: 9,
				Skipped: []validate.Error{
					{Code: codes.ModelInvalid, Pointer: "/params/0/measurepoints/x", Offset: 40, Detail: `x: not in model "Inverter"`},
					{Code: codes.ModelInvalid, Pointer: "/params/1/measurepoints/x", Offset: 90, Detail: "d"},
				}, SkippedTotal: 2},
			jsonl: `{"line":1,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"123","code":200,"data":{}},"accepted":9,` +
				`"skipped":[{"pointer":"/params/0/measurepoints/x","offset":40,"detail":"x: not in model \"Inverter\""},{"pointer":"/params/1/measurepoints/x","offset":90,"detail":"d"}],"skippedCount":2}`,
			text: "line 1: 200 accepted 9 points (2 skipped)",
		},
		{
			name:  "more skipped points than listed",
			line:  6,
			topic: "/sys/gwP/gw1/thing/measurepoint/post/batch",
			res: validate.Result{Code: codes.OK, Topic: topic, Accepted: 0,
				Skipped:      []validate.Error{{Code: codes.ModelInvalid, Pointer: "/params/0/measurepoints/x", Offset: 40, Detail: "d"}},
				SkippedTotal: 1500},
			jsonl: `{"line":6,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"code":200,"data":{}},"accepted":0,` +
				`"skipped":[{"pointer":"/params/0/measurepoints/x","offset":40,"detail":"d"}],"skippedCount":1500}`,
			text: "line 6: 200 accepted 0 points (1500 skipped)",
		},
		{
			name:  "accepted, one point, integer id",
			line:  4,
			topic: "/sys/gwP/gw1/thing/measurepoint/post/batch",
			res:   validate.Result{Code: codes.OK, Topic: topic, ID: protocol.ID(`7`), Accepted: 1},
			jsonl: `{"line":4,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":7,"code":200,"data":{}},"accepted":1,"skipped":[],"skippedCount":0}`,
			text:  "line 4: 200 accepted 1 point",
		},
		{
			name:  "model error",
			line:  3,
			topic: "/sys/gwP/gw1/thing/measurepoint/post/batch",
			res: validate.Result{Code: codes.ModelInvalid, Topic: topic, ID: protocol.ID(`"123"`), Accepted: 2,
				Err: &validate.Error{Code: codes.ModelInvalid, Pointer: "/params/0/measurepoints/temp", Offset: 97, Detail: `want FLOAT, got string "warm"`}},
			jsonl: `{"line":3,"topic":"/sys/gwP/gw1/thing/measurepoint/post/batch_reply","reply":{"id":"123","code":1204,"message":"Model validate failed","data":{}},` +
				`"error":{"code":1204,"pointer":"/params/0/measurepoints/temp","offset":97,"detail":"want FLOAT, got string \"warm\""},"accepted":0,"skipped":[],"skippedCount":0}`,
			text: `line 3: 1204 Model validate failed at /params/0/measurepoints/temp (offset 97): want FLOAT, got string "warm"`,
			// accepted is 0 although the validator counted 2 points before the error.
		},
		{
			name:  "refused topic",
			line:  2,
			topic: "/sys/gwP/gw1/thing/event/post",
			res: validate.Result{Code: codes.NoWritePermission,
				Err: &validate.Error{Code: codes.NoWritePermission, Offset: -1, Detail: "topic is not a measurepoint post or resume topic"}},
			jsonl: `{"line":2,"topic":"/sys/gwP/gw1/thing/event/post_reply","reply":{"code":1009,"message":"Publish to topic with no write permission","data":{}},` +
				`"error":{"code":1009,"pointer":"","offset":-1,"detail":"topic is not a measurepoint post or resume topic"},"accepted":0,"skipped":[],"skippedCount":0}`,
			text: "line 2: 1009 Publish to topic with no write permission: topic is not a measurepoint post or resume topic",
		},
		{
			name:  "control characters in a detail stay on one line",
			line:  5,
			topic: "/t\n",
			res: validate.Result{Code: codes.FormatError,
				Err: &validate.Error{Code: codes.FormatError, Pointer: "/a\nb", Offset: 0, Detail: "bad\x00\xff"}},
			jsonl: `{"line":5,"topic":"/t\n_reply","reply":{"code":1206,"message":"Measurepoint post data format error","data":{}},` +
				`"error":{"code":1206,"pointer":"/a\nb","offset":0,"detail":"bad\u0000\ufffd"},"accepted":0,"skipped":[],"skippedCount":0}`,
			text: `line 5: 1206 Measurepoint post data format error at /a\x0ab (offset 0): bad\x00\xff`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendJSONL(nil, tt.line, tt.topic, &tt.res))
			if got != tt.jsonl+"\n" {
				t.Errorf("jsonl:\n got %s\nwant %s", got, tt.jsonl)
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(got), &v); err != nil {
				t.Errorf("jsonl line is not JSON: %v", err)
			}
			if got := string(appendText(nil, tt.line, &tt.res)); got != tt.text+"\n" {
				t.Errorf("text:\n got %s\nwant %s", got, tt.text)
			}
		})
	}
}

// FuzzParseCapture: a line that parses re-encodes, with the payload in base64,
// to a line that parses to the same message.
func FuzzParseCapture(f *testing.F) {
	f.Add([]byte(`{"topic":"/t","payload":"{\"a\":1}","received":5}`))
	f.Add([]byte(`{"topic":"/t","payload_base64":"/wA="}`))
	f.Add([]byte(`{"topic":"/t","payload":"x","topic":"/u"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		cp, reason := parseCapture(line)
		if reason != "" {
			return
		}
		again := `{"topic":` + string(quote.JSON(nil, cp.topic)) +
			`,"payload_base64":"` + base64.StdEncoding.EncodeToString(cp.payload) + `"`
		if cp.received >= 0 {
			again += `,"received":` + strconv.FormatInt(cp.received, 10)
		}
		again += "}"
		cp2, reason := parseCapture([]byte(again))
		if reason != "" {
			t.Fatalf("re-encoded line %s: %s", again, reason)
		}
		if string(cp2.payload) != string(cp.payload) || cp2.received != cp.received {
			t.Fatalf("re-encoded line %s: got %+v, want %+v", again, cp2, cp)
		}
		// The topic survives unless it held invalid UTF-8, which quote.JSON
		// replaces.
		if utf8.ValidString(cp.topic) && cp2.topic != cp.topic {
			t.Fatalf("topic %q became %q", cp.topic, cp2.topic)
		}
	})
}

// TestCheckSkippedCount checks SPEC §7.1: "skipped" lists at most 1000 points,
// the first in document order, and "skippedCount" counts them all; at 1000
// and 1001 skipped points.
func TestCheckSkippedCount(t *testing.T) {
	t.Chdir(repoRoot(t))
	for _, n := range []int{1000, 1001} {
		var b strings.Builder
		b.WriteString(`{"version":"1.0","method":"thing.measurepoint.post.batch","skipInvalidMeasurepoints":true,"params":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"measurepoints":{"unknown":1}}`)
		}
		b.WriteString(`,{"measurepoints":{"voltage":1.5}}]}`)
		var stdout, stderr bytes.Buffer
		status := run([]string{"check", "--now", "1"}, strings.NewReader(captureLine(batchTopic, b.String())), &stdout, &stderr)
		if status != exitOK {
			t.Fatalf("%d: exit status %d, stderr %s", n, status, stderr.String())
		}
		var line struct {
			Accepted int `json:"accepted"`
			Skipped  []struct {
				Pointer string `json:"pointer"`
			} `json:"skipped"`
			SkippedCount *int `json:"skippedCount"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &line); err != nil {
			t.Fatalf("%d: %v: %s", n, err, stdout.String())
		}
		if line.SkippedCount == nil {
			t.Errorf("%d: no skippedCount", n)
		} else if *line.SkippedCount != n {
			t.Errorf("%d: skippedCount %d, want %d", n, *line.SkippedCount, n)
		}
		if len(line.Skipped) != 1000 || line.Skipped[999].Pointer != "/params/999/measurepoints/unknown" {
			t.Errorf("%d: %d listed, want the first 1000", n, len(line.Skipped))
		}
		if line.Accepted != 1 {
			t.Errorf("%d: accepted %d, want 1", n, line.Accepted)
		}
	}
}
