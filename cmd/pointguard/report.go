package main

import (
	"bufio"
	"bytes"
	"io"
	"strconv"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/validate"
)

// The output side of check: a reporter per --format receives every message of
// the run in input order, every capture line that is not valid capture JSON,
// and the end of each input and of the run.

// source says where a message came from.
type source struct {
	file string // the CAPTURE argument as the user named it; "stdin" for "-"
	line int    // the line in the file, or the argument index with --topic
	// named is set when the run has several inputs: then every record names
	// its file.
	named bool
	raw   bool // the file is one raw payload (--topic), not JSON Lines
	// packet, in a packet capture, is where the message is; nil otherwise.
	packet *packetPlace
}

// reporter writes the outcome of a check run in one output format. Each
// method returns the error of writing to standard output; the run stops
// writing after the first.
type reporter interface {
	// verdict reports the verdict on one message published on requestTopic.
	verdict(src source, requestTopic string, res *validate.Result) error
	// badLine reports a capture line that is not valid capture JSON, for the
	// reason given, with a hint of what the file may be instead (or "").
	badLine(src source, reason, hint string) error
	// endFile marks the end of one input.
	endFile(src source) error
	// close ends the run.
	close() error
}

// newReporter returns the reporter for format, one of checkFormats, writing to
// out. quiet leaves out the messages that got 200 in the line formats; a
// JUnit report lists every test, and SARIF lists only problems anyway.
func newReporter(format string, out *bufio.Writer, quiet bool) reporter {
	switch format {
	case "junit":
		return &junitReporter{out: out}
	case "sarif":
		return &sarifReporter{out: out}
	}
	return &lineReporter{out: out, text: format == "text", quiet: quiet}
}

// checkFormats are the values of --format.
var checkFormats = []string{"jsonl", "text", "junit", "sarif"}

// lineReporter writes one line per record, flushed as it is written, in the
// jsonl or the text format.
type lineReporter struct {
	out   *bufio.Writer
	text  bool
	quiet bool
	buf   []byte // the record, reused
	tmp   []byte // scratch, reused
}

func (r *lineReporter) verdict(src source, requestTopic string, res *validate.Result) error {
	if b := r.render(src, requestTopic, res); b != nil {
		return r.write(b)
	}
	return nil
}

// render returns the record of a verdict, valid until the next call, or nil
// when --quiet leaves it out.
func (r *lineReporter) render(src source, requestTopic string, res *validate.Result) []byte {
	if r.quiet && res.Code == codes.OK {
		return nil
	}
	b := r.buf[:0]
	if r.text {
		// appendText starts with "line N: "; the place replaces it.
		r.tmp = appendText(r.tmp[:0], src.line, res)
		b = appendTextPlace(b, src)
		b = append(b, r.tmp[len("line ")+len(strconv.Itoa(src.line))+len(": "):]...)
	} else {
		b = appendJSONLFile(b, src)
		start := len(b)
		b = appendJSONLTail(b, src.line, requestTopic, res)
		if src.packet != nil {
			// "line":N becomes "packet", "at" and "stream".
			r.tmp = append(r.tmp[:0], b[start+len(`"line":`)+len(strconv.Itoa(src.line)):]...)
			b = appendPacketPlace(b[:start], src.packet)
			b = append(b, r.tmp...)
		}
	}
	r.buf = b
	return b
}

func (r *lineReporter) badLine(src source, reason, hint string) error {
	b := r.buf[:0]
	if r.text {
		b = appendTextPlace(b, src)
		b = append(b, "not a capture line: "...)
		b = appendPrintable(b, reason)
		if hint != "" {
			b = append(b, " (hint: "...)
			b = appendPrintable(b, hint)
			b = append(b, ')')
		}
		b = append(b, '\n')
	} else {
		b = appendCaptureError(b, src, reason, hint)
	}
	r.buf = b
	return r.write(b)
}

func (r *lineReporter) write(b []byte) error {
	if _, err := r.out.Write(b); err != nil {
		return err
	}
	return r.out.Flush() // a script may read the verdicts as they come
}

func (r *lineReporter) endFile(source) error { return nil }
func (r *lineReporter) close() error         { return nil }

// appendTextPlace appends where a text record comes from: "FILE:LINE: " when
// the run has several inputs, else "line LINE: "; in a packet capture,
// "[FILE: ]packet N: ".
func appendTextPlace(b []byte, src source) []byte {
	if src.packet != nil {
		if src.named {
			b = appendPrintable(b, src.file)
			b = append(b, ": "...)
		}
		b = append(b, "packet "...)
		b = strconv.AppendInt(b, src.packet.frame, 10)
		return append(b, ": "...)
	}
	if src.named {
		b = appendPrintable(b, src.file)
		b = append(b, ':')
	} else {
		b = append(b, "line "...)
	}
	b = strconv.AppendInt(b, int64(src.line), 10)
	return append(b, ": "...)
}

// appendJSONLFile opens a jsonl record, with its "file" when the run has
// several inputs.
func appendJSONLFile(b []byte, src source) []byte {
	b = append(b, '{')
	if src.named {
		b = append(b, `"file":`...)
		b = quote.JSON(b, src.file)
		b = append(b, ',')
	}
	return b
}

// appendJSONLTail appends the verdict record of SPEC §7.1 after the "{" (and
// "file") that appendJSONLFile wrote.
func appendJSONLTail(b []byte, line int, requestTopic string, res *validate.Result) []byte {
	start := len(b)
	b = appendJSONL(b, line, requestTopic, res)
	// appendJSONL writes a whole object; drop its "{", already written.
	return append(b[:start], b[start+1:]...)
}

// appendCaptureError appends the jsonl record of a capture line that is not
// valid capture JSON:
//
//	{"file":"a.jsonl","line":2,"error":{"code":"capture","detail":"not JSON","hint":"..."}}
//
// "file" is there when the run has several inputs and "hint" when there is
// one. The record has no "topic" and no "reply": there was no message.
func appendCaptureError(b []byte, src source, reason, hint string) []byte {
	b = appendJSONLFile(b, src)
	b = append(b, `"line":`...)
	b = strconv.AppendInt(b, int64(src.line), 10)
	b = append(b, `,"error":{"code":"capture","detail":`...)
	b = quote.JSON(b, reason)
	if hint != "" {
		b = append(b, `,"hint":`...)
		b = quote.JSON(b, hint)
	}
	return append(b, "}}\n"...)
}

// hintRawPayload is the hint for a file that looks like a raw payload, not a
// JSON Lines capture.
const hintRawPayload = "this looks like a raw payload, not a JSON Lines capture: check it with --topic TOPIC"

// warnReencoded is said once per file that has a payload written as a JSON
// value (mosquitto_sub -F %J): mosquitto prints such payloads again from its
// own parse, so their numbers and white space may not be what the device sent.
const warnReencoded = "payloads written as JSON values (mosquitto_sub -F %J) are checked as mosquitto printed them, which may differ from what the device sent (1.0 becomes 1, 1e2 becomes 100); record with -F %j for exact payloads"

// captureHint returns a hint for the first bad line of a file, or "". first
// says whether the line is the first non-empty line of the file.
func captureHint(line []byte, first bool) string {
	t := bytes.TrimSpace(line)
	if !first {
		return ""
	}
	if bytes.Equal(t, []byte("{")) || bytes.Equal(t, []byte("[")) ||
		(len(t) > 0 && t[0] == '{' && !bytes.Contains(t, []byte(`"topic"`)) &&
			(bytes.Contains(t, []byte(`"method"`)) || bytes.Contains(t, []byte(`"params"`)) || bytes.Contains(t, []byte(`"version"`)))) {
		return hintRawPayload
	}
	return ""
}

// utf8BOM is the byte order mark that some editors write at the start of a
// UTF-8 file. It is not JSON; check skips it at the start of a capture file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// inputState is what check knows about the input being read.
type inputState struct {
	records int  // verdicts and bad capture lines reported from it
	hinted  bool // a hint was given for it
	// reencoded says that the warning about payloads written as JSON values
	// (mosquitto_sub -F %J) was given for it.
	reencoded bool
	quieted   int // bad capture lines after the hint, not repeated on stderr
}

// written handles the result of writing a record: after an error, nothing more
// is written and the exit status is 2.
func (c *checkRun) written(err error) {
	if err != nil && c.out != nil {
		c.out = nil
		c.ioError("writing output failed")
	}
}

// badCapture reports a capture line that is not valid capture JSON, with a hint
// when the line suggests what the file is instead: at most one hint per file,
// on stderr and in the record.
func (c *checkRun) badCapture(name string, n int, msg string, line []byte) {
	hint := ""
	if c.cur.hinted {
		// The hint said what the file is: the rest of its bad lines are
		// counted on stderr, not listed (they are all in the output).
		c.cur.quieted++
	} else {
		hint = captureHint(line, c.cur.records == 0)
		c.cur.hinted = hint != ""
		io.WriteString(c.stderr, "pointguard check: "+displayName(name)+":"+strconv.Itoa(n)+": not a capture line: "+msg+"\n")
	}
	if hint != "" {
		io.WriteString(c.stderr, "pointguard check: "+displayName(name)+": hint: "+hint+"\n")
	}
	c.raise(exitFail)
	c.badLineRecord(n, msg, hint)
}

// badLineRecord writes the record of a bad capture line to the output.
func (c *checkRun) badLineRecord(n int, msg, hint string) {
	c.cur.records++
	c.sum.badLines++
	if c.out == nil {
		return
	}
	c.src.line = n
	c.written(c.rep.badLine(c.src, msg, hint))
}

// endFile ends the current input: an input without a single message says so on
// stderr, since an empty result is otherwise easy to take for success.
func (c *checkRun) endFile() {
	if c.cur.records == 0 && !c.src.raw {
		io.WriteString(c.stderr, "pointguard check: "+c.src.file+": no messages (empty input)\n")
	}
	if c.cur.quieted > 0 {
		more := strconv.Itoa(c.cur.quieted) + " more lines are not capture lines"
		if c.cur.quieted == 1 {
			more = "1 more line is not a capture line"
		}
		io.WriteString(c.stderr, "pointguard check: "+c.src.file+": "+more+"\n")
	}
	c.cur = inputState{}
	if c.out != nil {
		c.written(c.rep.endFile(c.src))
	}
}
