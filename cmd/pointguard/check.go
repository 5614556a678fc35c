package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard"
	wire "github.com/pointguard/pointguard/adapter/capture"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

func init() {
	commands["check"] = command{
		name:    "check",
		summary: "validate captured measurepoint messages against an environment (SPEC §7.1)",
		run:     runCheck,
	}
}

// maxCaptureLine bounds one line of a JSON Lines capture. A line holds a whole
// payload, escaped, so it may be several times larger than the payload limit; a
// line over the bound is reported as a bad capture line without being held in
// memory. Payloads larger than this are checked with --topic, which streams them.
// It is a variable so that tests can lower it.
var maxCaptureLine = 256 << 20

// observePoint, when not nil, is given every point the validator yields. It is
// nil except in tests, which use it to see the time each point gets.
var observePoint func(*validate.Point)

const checkUsage = `usage: pointguard check [flags] [CAPTURE ...]

Validates captured MQTT measurepoint messages (SPEC §7.1) and writes one verdict
per message, in input order. With no CAPTURE, or "-", reads standard input.
Flags come before the CAPTURE files.

A CAPTURE is a packet capture (pcap or pcapng, as tcpdump and Wireshark
write them), or else JSON Lines, one message a line:
  {"topic": "...", "payload": "<payload text>", "received": MS}
with "payload_base64" instead of "payload" for bytes that are not UTF-8, and
"received" (optional) the message's server time in milliseconds; what
mosquitto_sub -F %j prints is JSON Lines too. In a packet capture,
each PUBLISH on a request topic from the side that sent CONNECT is checked,
at its capture time.

flags:
  --env FILE        platform environment (default ` + pointguard.SampleEnvironment + `)
  --profile NAME    compat or strict (default compat)
  --now MS          server time for messages without "received" (default: the clock)
  --format NAME     jsonl, text, junit or sarif (default jsonl)
  --quiet           print only the messages that did not get 200 (jsonl, text)
  --topic TOPIC     each CAPTURE is one raw payload file, sent on TOPIC
  --max-bytes N     payload size limit in bytes (default 524288; 0: no limit)
  --compare         set each verdict beside the reply the capture holds
  --mqtt-port PORTS TCP ports (comma-separated) whose connections are MQTT even
                    without a CONNECT in the capture
  --mqtt-version V  3.1.1 or 5: the version of those connections (default 3.1.1)

A summary is written on standard error at the end.

Exit status: 0 when every message got 200; 1 when any did not, or a capture
line was not valid capture JSON; 2 for a usage or I/O error. With --compare:
0 when every captured reply agrees with pointguard, 1 when any disagrees.
`

// checkRun is the state of one check run.
type checkRun struct {
	v      *validate.Validator
	now    int64
	rep    reporter // writes the records in the --format
	src    source   // where the current message comes from
	multi  bool     // several inputs: every record names its file
	cur    inputState
	out    *bufio.Writer
	stderr io.Writer
	status int    // the exit status so far
	line   []byte // capture line scratch, reused
	yield  func(*validate.Point) error

	// The input side: packet captures, --compare and the summary.
	capFlags  *captureFlags
	nowGiven  bool
	lineMax   int           // the longest JSON Lines capture line read
	maxPacket int           // the largest MQTT packet decoded
	place     *packetPlace  // where the message being reported is, in a packet capture
	at        int64         // the server time of the message being reported, or its capture time
	cmp       *comparer     // nil without --compare
	lines     *lineReporter // c.rep in the line formats, which --compare needs
	sum       *summary
}

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := newCmdFlags("check")
	flags.addNow()
	flags.addValidate()
	format := flags.String("format", "jsonl", "")
	topic := flags.String("topic", "", "")
	quiet := flags.Bool("quiet", false, "")
	capFlags := addCaptureFlags(flags)
	usageError := func(msg string) int { return checkUsageError(stderr, msg) }
	if status, done := flags.parse(args, stdout, checkUsage, usageError); done {
		return status
	}
	files := flags.Args()
	for _, f := range files {
		if len(f) > 1 && f[0] == '-' {
			return checkUsageError(stderr, "flag "+quote.Diag(f, 0)+" after a CAPTURE file: flags come first (write ./"+f+" for a file of that name)")
		}
	}
	opts, err := flags.validateOptions()
	if err != nil {
		return checkUsageError(stderr, err.Error())
	}
	if !slices.Contains(checkFormats, *format) {
		return checkUsageError(stderr, "--format must be jsonl, text, junit or sarif, not "+quote.Diag(*format, 0))
	}
	if capFlags.compare && flags.given["topic"] {
		return checkUsageError(stderr, "--compare needs captures, which hold replies; --topic files hold none")
	}
	if capFlags.compare && *format != "jsonl" && *format != "text" {
		return checkUsageError(stderr, "--compare writes jsonl or text, not "+quote.Diag(*format, 0))
	}
	now := flags.serverTime()

	env, err := flags.loadEnv()
	if err != nil {
		io.WriteString(stderr, "pointguard check: "+err.Error()+"\n")
		return exitUsage
	}

	opts.Models, opts.Directory = env.Models(), env.Directory()
	c := &checkRun{
		v:      validate.New(opts),
		now:    now,
		out:    bufio.NewWriterSize(stdout, 64<<10),
		stderr: stderr,

		capFlags:  capFlags,
		nowGiven:  flags.given["now"],
		lineMax:   captureLineBound(flags.maxBytes),
		maxPacket: maxPacketBound(flags.maxBytes),
		sum:       newSummary(stderr, capFlags.compare),
	}
	if capFlags.compare {
		c.cmp = newComparer()
	}
	c.rep = newReporter(*format, c.out, *quiet)
	c.lines, _ = c.rep.(*lineReporter)
	if observePoint != nil {
		c.yield = func(p *validate.Point) error { observePoint(p); return nil }
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	c.multi = len(files) > 1
	for i, name := range files {
		if flags.given["topic"] {
			c.rawFile(i+1, name, *topic, stdin)
		} else {
			c.captureFile(name, stdin)
		}
		if c.status == exitUsage && c.out == nil {
			break // stdout failed
		}
	}
	// close also when stdout failed: a reporter may hold a temporary file.
	if err := c.rep.close(); err != nil && c.out != nil {
		c.out = nil
		c.ioError("writing output failed")
	}
	if c.out != nil {
		if err := c.out.Flush(); err != nil {
			c.ioError("writing output: " + err.Error())
		}
	}
	c.sum.write(stderr)
	return c.status
}

func checkUsageError(stderr io.Writer, msg string) int {
	io.WriteString(stderr, "pointguard check: "+msg+"\n"+
		"usage: pointguard check [flags] [CAPTURE ...]; run \"pointguard help check\" for more\n")
	return exitUsage
}

// raise lifts the exit status to s if it is higher.
func (c *checkRun) raise(s int) {
	if s > c.status {
		c.status = s
	}
}

func (c *checkRun) ioError(msg string) {
	io.WriteString(c.stderr, "pointguard check: "+msg+"\n")
	c.raise(exitUsage)
}

// open opens a CAPTURE argument; "-" is standard input. It returns nil after
// reporting an error.
func (c *checkRun) open(name string, stdin io.Reader) (io.Reader, func()) {
	if name == "-" {
		return stdin, func() {}
	}
	f, err := os.Open(name)
	if err != nil {
		c.ioError(err.Error())
		return nil, nil
	}
	return f, func() { f.Close() }
}

// displayName names a CAPTURE argument in messages.
func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// rawFile validates one raw payload file sent on topic (--topic). The file is
// streamed through the validator, never read whole.
func (c *checkRun) rawFile(index int, name, topic string, stdin io.Reader) {
	r, closeFn := c.open(name, stdin)
	if r == nil {
		return
	}
	defer closeFn()
	c.src = source{file: displayName(name), line: index, named: c.multi, raw: true}
	defer c.endFile()
	res, err := c.v.ValidateReader(validate.Message{Topic: topic, Now: c.now}, r, c.yield)
	var verr *validate.Error
	if err != nil && !errors.As(err, &verr) {
		// An error from reading the file: there is no verdict to report.
		c.ioError(displayName(name) + ": " + err.Error())
		return
	}
	c.report(index, topic, &res)
}

// captureFile validates every message of a JSON Lines capture.
func (c *checkRun) captureFile(name string, stdin io.Reader) {
	r, closeFn := c.open(name, stdin)
	if r == nil {
		return
	}
	defer closeFn()
	c.src = source{file: displayName(name), named: c.multi}
	defer c.endFile()
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(wire.MagicLen); wire.Detect(magic) != wire.JSONLines {
		c.packetFile(name, br)
		return
	}
	defer c.endInput()
	for n := 1; ; n++ {
		c.src.line = n
		line, tooLong, err := readLine(br, c.line[:0], c.lineMax)
		c.line = line[:0]
		if n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if err != nil && err != io.EOF {
			c.ioError(displayName(name) + ": " + err.Error())
			return
		}
		end := err == io.EOF
		if end && len(line) == 0 && !tooLong {
			return
		}
		switch {
		case tooLong:
			c.badLine(name, n, "line longer than "+strconv.Itoa(c.lineMax)+" bytes; use --topic for payloads this large")
		case len(bytes.TrimSpace(line)) == 0:
			// Empty lines are skipped; they still count in line numbers.
		default:
			cp, msg := parseCapture(line)
			if msg != "" {
				c.badCapture(name, n, msg, line)
				break
			}
			if cp.reencoded && !c.cur.reencoded {
				c.cur.reencoded = true
				io.WriteString(c.stderr, "pointguard check: "+displayName(name)+":"+strconv.Itoa(n)+": "+warnReencoded+"\n")
			}
			now := c.now
			if cp.received >= 0 {
				now = cp.received
			}
			if c.cmp != nil && protocol.IsReplyTopic(cp.topic) {
				c.cmp.observe(c, cp.topic, cp.payload, now)
				break
			}
			c.at = now
			res, err := c.v.Validate(validate.Message{Topic: cp.topic, Now: now}, cp.payload, c.yield)
			var verr *validate.Error
			if err != nil && !errors.As(err, &verr) {
				c.ioError(displayName(name) + ":" + strconv.Itoa(n) + ": " + err.Error())
				break
			}
			c.report(n, cp.topic, &res)
		}
		if end || c.out == nil {
			return
		}
	}
}

func (c *checkRun) badLine(name string, n int, msg string) {
	io.WriteString(c.stderr, "pointguard check: "+displayName(name)+":"+strconv.Itoa(n)+": not a capture line: "+msg+"\n")
	c.raise(exitFail)
	c.badLineRecord(n, msg, "")
}

// readLine appends the next line of br to dst, without its "\n" or "\r\n". A
// line longer than max is consumed but not kept: tooLong is set and the line
// returned is empty. err is io.EOF when the input ended, possibly after a last
// line without "\n", or the reader's error.
func readLine(br *bufio.Reader, dst []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(dst)+len(chunk) > max+2 { // +2: the line ending does not count
				tooLong = true
				dst = dst[:0]
			} else {
				dst = append(dst, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(dst) > 0 && dst[len(dst)-1] == '\n' {
			dst = dst[:len(dst)-1]
			if len(dst) > 0 && dst[len(dst)-1] == '\r' {
				dst = dst[:len(dst)-1]
			}
		}
		if !tooLong && len(dst) > max {
			tooLong, dst = true, dst[:0]
		}
		return dst, tooLong, err
	}
}

// capture is one message of a JSON Lines capture.
type capture struct {
	topic    string
	payload  []byte
	received int64 // -1 when absent
	// reencoded says that "payload" was a JSON value, not a string: what
	// mosquitto_sub -F %J writes for a payload that parses as JSON. mosquitto
	// prints such a payload again from its own parse, so it is not byte for byte
	// what the device sent (numbers in particular: 1.0 becomes 1).
	reencoded bool
}

// parseCapture decodes one capture line. It returns a reason, a phrase, when the
// line is not valid capture JSON: not one JSON object; a duplicate key; "topic"
// missing or not a string; not exactly one of "payload" (a string, or an
// object or array whose text is then the payload: mosquitto_sub -F %J) and
// "payload_base64" (standard base64, padding optional); "received" not an
// integer in [0, 2^63-1]. Other keys are ignored, so that captures may carry
// metadata of their own.
func parseCapture(line []byte) (capture, string) {
	cp := capture{received: -1}
	if !json.Valid(line) {
		return cp, "not JSON"
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return cp, "want a JSON object"
	}
	var topic, payload, payload64, received, tst json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return cp, "not JSON"
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return cp, "not JSON"
		}
		var dst *json.RawMessage
		switch key {
		case "topic":
			dst = &topic
		case "payload":
			dst = &payload
		case "payload_base64":
			dst = &payload64
		case "received":
			dst = &received
		case "tst": // mosquitto_sub -F %j
			dst = &tst
		default:
			continue
		}
		if *dst != nil {
			return cp, "duplicate key " + strconv.Quote(key)
		}
		*dst = raw
	}

	if topic == nil {
		return cp, `no "topic"`
	}
	if err := json.Unmarshal(topic, &cp.topic); err != nil || topic[0] != '"' {
		return cp, `"topic" is not a string`
	}
	switch {
	case payload != nil && payload64 != nil:
		return cp, `both "payload" and "payload_base64"`
	case payload != nil && (payload[0] == '{' || payload[0] == '['):
		// mosquitto_sub -F %J embeds a payload that is JSON as a JSON value;
		// the value's text, as written in the line, is the payload.
		cp.payload = payload
		cp.reencoded = true
	case payload != nil:
		var s string
		if err := json.Unmarshal(payload, &s); err != nil || payload[0] != '"' {
			return cp, `"payload" is not a string`
		}
		cp.payload = []byte(s)
	case payload64 != nil:
		var s string
		if err := json.Unmarshal(payload64, &s); err != nil || payload64[0] != '"' {
			return cp, `"payload_base64" is not a string`
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil && len(s)%4 != 0 {
			b, err = base64.RawStdEncoding.DecodeString(s)
		}
		if err != nil {
			return cp, `"payload_base64" is not base64: ` + err.Error()
		}
		cp.payload = b
	default:
		return cp, `no "payload" or "payload_base64"`
	}
	if received != nil {
		n, err := strconv.ParseInt(string(received), 10, 64)
		if err != nil || n < 0 || received[0] == '-' {
			return cp, `"received" is not an integer in [0, 2^63-1]`
		}
		cp.received = n
	} else if ms, ok := mosquittoTime(tst); ok {
		cp.received = ms
	}
	return cp, ""
}

// report writes the verdict on one message.
func (c *checkRun) report(line int, requestTopic string, res *validate.Result) {
	c.sum.verdict(res.Code, c.stderr)
	if res.Code != codes.OK && c.cmp == nil {
		c.raise(exitFail) // with --compare, the status says whether the replies agree
	}
	c.cur.records++
	if c.out == nil {
		return
	}
	c.src.line = line
	c.src.packet = c.place
	if c.cmp != nil {
		if rec := c.lines.render(c.src, requestTopic, res); rec != nil {
			c.cmp.add(c, rec, requestTopic, res, c.at)
		}
		return
	}
	c.written(c.rep.verdict(c.src, requestTopic, res))
}

// replyTopic returns the topic of the reply. A refused topic (1009) has no reply
// topic; the request topic + "_reply" is written anyway, since scripts match
// verdicts to messages by it.
func replyTopic(requestTopic string, res *validate.Result) string {
	if res.Topic.Method.Valid() {
		return res.Topic.ReplyTopic()
	}
	return requestTopic + "_reply"
}

// appendJSONL appends the verdict line of SPEC §7.1:
//
//	{"line":1,"topic":"...","reply":{...},"error":{...},"accepted":0,"skipped":[...],"skippedCount":0}
//
// skipped lists at most Limits.MaxSkipped points (1000 by default, to bound
// memory); skippedCount is the total.
func appendJSONL(b []byte, line int, requestTopic string, res *validate.Result) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(line), 10)
	b = append(b, `,"topic":`...)
	b = quote.JSON(b, replyTopic(requestTopic, res))
	b = append(b, `,"reply":`...)
	b = protocol.AppendReply(b, res.Reply())
	accepted := 0
	if res.Code == codes.OK {
		accepted = res.Accepted
	} else {
		e := res.Err
		if e == nil {
			e = &validate.Error{Code: res.Code, Offset: -1}
		}
		b = append(b, `,"error":{"code":`...)
		b = strconv.AppendInt(b, int64(e.Code), 10)
		b = append(b, `,"pointer":`...)
		b = quote.JSON(b, e.Pointer)
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, e.Offset, 10)
		b = append(b, `,"detail":`...)
		b = quote.JSON(b, e.Detail)
		b = append(b, '}')
	}
	b = append(b, `,"accepted":`...)
	b = strconv.AppendInt(b, int64(accepted), 10)
	b = append(b, `,"skipped":[`...)
	for i := range res.Skipped {
		s := &res.Skipped[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"pointer":`...)
		b = quote.JSON(b, s.Pointer)
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, s.Offset, 10)
		b = append(b, `,"detail":`...)
		b = quote.JSON(b, s.Detail)
		b = append(b, '}')
	}
	b = append(b, `],"skippedCount":`...)
	b = strconv.AppendInt(b, int64(res.SkippedTotal), 10)
	return append(b, "}\n"...)
}

// appendText appends the readable verdict line:
//
//	line 3: 1204 Model validate failed at /params/0/measurepoints/temp (offset 97): want FLOAT, got string "warm"
//	line 1: 200 accepted 9 points (2 skipped)
func appendText(b []byte, line int, res *validate.Result) []byte {
	b = append(b, "line "...)
	b = strconv.AppendInt(b, int64(line), 10)
	b = append(b, ": "...)
	if res.Code == codes.OK {
		b = append(b, "200 accepted "...)
		b = strconv.AppendInt(b, int64(res.Accepted), 10)
		if res.Accepted == 1 {
			b = append(b, " point"...)
		} else {
			b = append(b, " points"...)
		}
		if res.SkippedTotal > 0 {
			b = append(b, " ("...)
			b = strconv.AppendInt(b, int64(res.SkippedTotal), 10)
			b = append(b, " skipped)"...)
		}
		return append(b, '\n')
	}
	b = append(b, res.Code.String()...)
	if e := res.Err; e != nil {
		if e.Pointer != "" {
			b = append(b, " at "...)
			b = appendPrintable(b, e.Pointer)
		}
		if e.Offset >= 0 {
			b = append(b, " (offset "...)
			b = strconv.AppendInt(b, e.Offset, 10)
			b = append(b, ')')
		}
		if e.Detail != "" {
			b = append(b, ": "...)
			b = appendPrintable(b, e.Detail)
		}
	}
	return append(b, '\n')
}

// hexDigits are the digits of the \xXX escapes of appendPrintable.
const hexDigits = "0123456789abcdef"

// appendPrintable appends s with control characters and invalid UTF-8 escaped,
// so that one verdict stays on one line of a terminal.
func appendPrintable(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = append(b, hexDigits[s[i]>>4], hexDigits[s[i]&15])
		case r < 0x20 || r == 0x7f:
			b = append(b, `\x`...)
			b = append(b, hexDigits[r>>4], hexDigits[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
