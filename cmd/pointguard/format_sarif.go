package main

import (
	"bufio"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// sarifReporter writes --format sarif: one SARIF 2.1.0 log with one run, whose
// results are the messages that did not get 200 and the capture lines that are
// not valid capture JSON. GitHub code scanning (upload-sarif), Azure DevOps,
// GitLab's SAST reports, SonarQube and Jenkins' warnings plugin read it; it
// places each problem at its file and line, where a JUnit report only lists
// tests.
//
// Each result has the code as its ruleId ("capture" for a bad capture line),
// level "error", the verdict in one line as its message, the CAPTURE file and
// line as its location (for a raw payload file, --topic, the byte offset of
// the offending value), and in its properties the pointer, offset, detail,
// request topic and reply. The results are written as they come: the log is
// streamed, never held.
type sarifReporter struct {
	out     *bufio.Writer
	started bool
	results int
	tmp     []byte
}

// sarifRules are the rules of the log: every code a message can get besides
// 200, in the order of SPEC §4.2, and "capture".
var sarifRules = []codes.Code{
	codes.NoWritePermission, codes.MsgTooLarge, codes.PayloadEmpty, codes.FormatError,
	codes.MethodMismatch, codes.NoSubDevicePerm, codes.ModelInvalid,
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string    `json:"id"`
	ShortDescription sarifText `json:"shortDescription"`
}

type sarifRegion struct {
	StartLine  int    `json:"startLine,omitempty"`
	ByteOffset *int64 `json:"byteOffset,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *sarifRegion `json:"region,omitempty"`
	} `json:"physicalLocation"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

func (r *sarifReporter) start() {
	if r.started {
		return
	}
	r.started = true
	rules := make([]sarifRule, 0, len(sarifRules)+1)
	for _, c := range sarifRules {
		rules = append(rules, sarifRule{ID: strconv.Itoa(int(c)), ShortDescription: sarifText{c.Message()}})
	}
	rules = append(rules, sarifRule{ID: "capture", ShortDescription: sarifText{"not a capture line"}})
	driver := map[string]any{
		"name":           "pointguard",
		"informationUri": "https://github.com/pointguard/pointguard",
		"rules":          rules,
	}
	if v := moduleVersion(); v != "" {
		driver["version"] = v
	}
	d, _ := json.Marshal(driver)
	r.out.WriteString(`{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":`)
	r.out.Write(d)
	r.out.WriteString(`},"results":[`)
}

// moduleVersion returns the version of the module the binary was built from
// when it is a release or pseudo-version, else "".
func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && strings.HasPrefix(info.Main.Version, "v") {
		return info.Main.Version
	}
	return ""
}

// sarifURI returns the artifact URI of a CAPTURE argument: a relative reference
// for a relative path, a file URI for an absolute one, "stdin" for standard
// input.
func sarifURI(src source) string {
	if src.file == "stdin" {
		return "stdin"
	}
	p := filepath.ToSlash(src.file)
	if filepath.IsAbs(src.file) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // a Windows drive letter
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

func (r *sarifReporter) location(src source, offset int64) []sarifLocation {
	var l sarifLocation
	l.PhysicalLocation.ArtifactLocation.URI = sarifURI(src)
	switch {
	case src.packet != nil:
		// A packet capture is binary: it has no lines, and the frame is in
		// the result's properties.
	case !src.raw:
		l.PhysicalLocation.Region = &sarifRegion{StartLine: src.line}
	case offset >= 0:
		l.PhysicalLocation.Region = &sarifRegion{ByteOffset: &offset}
	}
	return []sarifLocation{l}
}

func (r *sarifReporter) write(res sarifResult) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if r.results > 0 {
		r.out.WriteByte(',')
	}
	r.results++
	r.out.WriteByte('\n')
	_, err = r.out.Write(b)
	return err
}

func (r *sarifReporter) verdict(src source, requestTopic string, res *validate.Result) error {
	r.start()
	if res.Code == codes.OK {
		return nil
	}
	e := res.Err
	if e == nil {
		e = &validate.Error{Code: res.Code, Offset: -1}
	}
	index := len(sarifRules) // a code outside the list has no rule entry
	for i, c := range sarifRules {
		if c == res.Code {
			index = i
		}
	}
	r.tmp = appendText(r.tmp[:0], src.line, res)
	msg := string(r.tmp[len("line ")+len(strconv.Itoa(src.line))+len(": ") : len(r.tmp)-1])
	if src.packet != nil {
		msg = "packet " + strconv.FormatInt(src.packet.frame, 10) + ": " + msg
	}
	props := map[string]any{
		"topic":   requestTopic,
		"code":    int(res.Code),
		"pointer": e.Pointer,
		"offset":  e.Offset,
		"detail":  e.Detail,
		"reply":   json.RawMessage(protocol.AppendReply(nil, res.Reply())),
	}
	if src.raw {
		props["argument"] = src.line
	}
	if p := src.packet; p != nil {
		props["packet"] = p.frame
		props["at"] = p.at
		props["stream"] = map[string]string{"client": p.stream.Client.String(), "server": p.stream.Server.String()}
	}
	result := sarifResult{
		RuleID: strconv.Itoa(int(res.Code)), RuleIndex: index, Level: "error",
		Message: sarifText{msg}, Locations: r.location(src, e.Offset), Properties: props,
	}
	if index == len(sarifRules) {
		result.RuleIndex = -1
	}
	return r.write(result)
}

func (r *sarifReporter) badLine(src source, reason, hint string) error {
	r.start()
	text := "not a capture line: " + reason
	if hint != "" {
		text += " (hint: " + hint + ")"
	}
	return r.write(sarifResult{
		RuleID: "capture", RuleIndex: len(sarifRules), Level: "error",
		Message: sarifText{text}, Locations: r.location(src, -1),
	})
}

func (r *sarifReporter) endFile(source) error { return r.out.Flush() }

func (r *sarifReporter) close() error {
	r.start()
	r.out.WriteString("\n]}]}\n")
	return r.out.Flush()
}
