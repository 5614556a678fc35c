package main

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"strconv"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// junitReporter writes --format junit: JUnit XML, the test report that Jenkins,
// GitLab, Azure Pipelines, CircleCI and the test-report actions of GitHub read.
//
//	<testsuites name="pointguard check">
//	  <testsuite name="FILE" tests="3" failures="1" errors="1" skipped="0">
//	    <testcase classname="FILE" name="line 1: TOPIC"></testcase>
//	    <testcase classname="FILE" name="line 2: TOPIC"><failure type="1204" message="...">...</failure></testcase>
//	    <testcase classname="FILE" name="line 3"><error type="capture" message="...">...</error></testcase>
//	  </testsuite>
//	</testsuites>
//
// One test suite per input, one test case per message. A message that did not
// get 200 is a failure whose type is the code and whose message is the verdict
// in one line; its text gives the code, pointer, offset, detail and the reply.
// A capture line that is not valid capture JSON is an error of type "capture".
// The points skipped under skipInvalidMeasurepoints are listed in the test
// case's system-out. The test cases of one input are held until the input ends,
// since the suite's counts come first: in memory up to junitSpill bytes, then
// in a temporary file, so that a capture of any size takes bounded memory.
type junitReporter struct {
	out     *bufio.Writer
	started bool
	cases   bytes.Buffer // the test cases of the current input not yet spilled
	spilled *os.File     // the test cases of the current input beyond junitSpill; nil until needed
	spillN  int64        // bytes of spilled holding the current input's cases
	tests   int
	failed  int
	errors  int
	tmp     []byte
}

func (r *junitReporter) start() {
	if !r.started {
		r.started = true
		r.out.WriteString(xml.Header + `<testsuites name="pointguard check">` + "\n")
	}
}

func (r *junitReporter) caseStart(src source, topic string) {
	r.tests++
	r.cases.WriteString(`    <testcase classname="`)
	xmlAttr(&r.cases, src.file)
	r.cases.WriteString(`" name="`)
	switch {
	case src.packet != nil:
		r.cases.WriteString("packet " + strconv.FormatInt(src.packet.frame, 10))
	case src.raw:
		r.cases.WriteString("argument " + strconv.Itoa(src.line))
	default:
		r.cases.WriteString("line " + strconv.Itoa(src.line))
	}
	if topic != "" {
		r.cases.WriteString(": ")
		xmlAttr(&r.cases, topic)
	}
	r.cases.WriteString(`">`)
}

func (r *junitReporter) verdict(src source, requestTopic string, res *validate.Result) error {
	r.start()
	r.caseStart(src, requestTopic)
	if res.Code == codes.OK {
		if res.SkippedTotal > 0 {
			r.cases.WriteString("\n      <system-out>")
			var b bytes.Buffer
			b.WriteString(strconv.Itoa(res.SkippedTotal) + " skipped under skipInvalidMeasurepoints:\n")
			for i := range res.Skipped {
				s := &res.Skipped[i]
				b.WriteString(s.Pointer + " (offset " + strconv.FormatInt(s.Offset, 10) + "): " + s.Detail + "\n")
			}
			xmlText(&r.cases, b.Bytes())
			r.cases.WriteString("</system-out>\n    ")
		}
		r.cases.WriteString("</testcase>\n")
		return r.spill()
	}
	r.failed++
	e := res.Err
	if e == nil {
		e = &validate.Error{Code: res.Code, Offset: -1}
	}
	r.cases.WriteString("\n      <failure type=\"")
	r.cases.WriteString(strconv.Itoa(int(res.Code)))
	r.cases.WriteString(`" message="`)
	xmlAttr(&r.cases, r.verdictText(src, res))
	r.cases.WriteString(`">`)
	var b bytes.Buffer
	b.WriteString("code: " + res.Code.String() + "\n")
	b.WriteString("pointer: " + e.Pointer + "\n")
	b.WriteString("offset: " + strconv.FormatInt(e.Offset, 10) + "\n")
	b.WriteString("detail: " + e.Detail + "\n")
	if src.packet != nil {
		b.WriteString("packet: " + strconv.FormatInt(src.packet.frame, 10) + " at " + strconv.FormatInt(src.packet.at, 10) +
			" ms, client " + src.packet.stream.Client.String() + ", server " + src.packet.stream.Server.String() + "\n")
	}
	b.WriteString("reply: ")
	b.Write(protocol.AppendReply(nil, res.Reply()))
	b.WriteByte('\n')
	xmlText(&r.cases, b.Bytes())
	r.cases.WriteString("</failure>\n    </testcase>\n")
	return r.spill()
}

func (r *junitReporter) badLine(src source, reason, hint string) error {
	r.start()
	r.errors++
	r.caseStart(src, "")
	r.cases.WriteString("\n      <error type=\"capture\" message=\"not a capture line: ")
	xmlAttr(&r.cases, reason)
	r.cases.WriteString(`">`)
	if hint != "" {
		xmlText(&r.cases, []byte("hint: "+hint+"\n"))
	}
	r.cases.WriteString("</error>\n    </testcase>\n")
	return r.spill()
}

// junitSpill is how many bytes of test cases are held in memory before they
// go to a temporary file. It is a variable so that tests can lower it.
var junitSpill = 1 << 20

// spill moves the held test cases to the temporary file once they exceed
// junitSpill. When no temporary file can be made, they stay in memory.
func (r *junitReporter) spill() error {
	if r.cases.Len() < junitSpill {
		return nil
	}
	if r.spilled == nil {
		f, err := os.CreateTemp("", "pointguard-junit-*")
		if err != nil {
			return nil // keep them in memory
		}
		r.spilled = f
	}
	n, err := r.spilled.Write(r.cases.Bytes())
	r.spillN += int64(n)
	r.cases.Reset()
	return err
}

func (r *junitReporter) endFile(src source) error {
	r.start()
	r.out.WriteString(`  <testsuite name="`)
	xmlAttr(r.out, src.file)
	r.out.WriteString(`" tests="` + strconv.Itoa(r.tests) + `" failures="` + strconv.Itoa(r.failed) +
		`" errors="` + strconv.Itoa(r.errors) + `" skipped="0">` + "\n")
	if r.spillN > 0 {
		if _, err := r.spilled.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.CopyN(r.out, r.spilled, r.spillN); err != nil {
			return err
		}
		if _, err := r.spilled.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if err := r.spilled.Truncate(0); err != nil {
			return err
		}
		r.spillN = 0
	}
	r.out.Write(r.cases.Bytes())
	r.out.WriteString("  </testsuite>\n")
	r.cases.Reset()
	r.tests, r.failed, r.errors = 0, 0, 0
	return r.out.Flush()
}

func (r *junitReporter) close() error {
	if r.spilled != nil {
		r.spilled.Close()
		os.Remove(r.spilled.Name())
		r.spilled = nil
	}
	r.start()
	r.out.WriteString("</testsuites>\n")
	return r.out.Flush()
}

// xmlAttr writes s escaped for an XML attribute value: xml.EscapeText escapes
// quotes, and tabs and line ends too, so that they survive attribute-value
// normalisation; bytes that XML cannot hold become U+FFFD.
func xmlAttr(w interface{ Write([]byte) (int, error) }, s string) {
	xml.EscapeText(w, []byte(s))
}

// xmlText writes s escaped as XML character data. Line ends stay line ends, so
// that a CI system shows the failure text as lines.
func xmlText(w *bytes.Buffer, s []byte) {
	var b bytes.Buffer
	xml.EscapeText(&b, s)
	w.Write(bytes.ReplaceAll(b.Bytes(), []byte("&#xA;"), []byte("\n")))
}

// verdictText returns the verdict in one line, without its place: what
// appendText writes after "line N: ".
func (r *junitReporter) verdictText(src source, res *validate.Result) string {
	r.tmp = appendText(r.tmp[:0], src.line, res)
	return string(r.tmp[len("line ")+len(strconv.Itoa(src.line))+len(": ") : len(r.tmp)-1])
}
