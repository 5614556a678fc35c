package main

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	wire "github.com/pointguard/pointguard/adapter/capture"
	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// The input side of check for packet captures (pcap, pcapng) and --compare.

// captureLineOverhead is what a JSON Lines capture line may hold besides its
// payload: the topic, the keys, "received" and metadata of its own.
const captureLineOverhead = 64 << 10

// captureLineBound returns the longest capture line a run reads: a payload at
// the size limit written with the worst escaping JSON allows (6 bytes,
// \u00XX, per byte), plus captureLineOverhead; with no limit, maxCaptureLine.
func captureLineBound(maxBytes int64) int {
	if maxBytes <= 0 || maxBytes > int64(maxCaptureLine) {
		return maxCaptureLine
	}
	return int(min(6*maxBytes+captureLineOverhead, int64(maxCaptureLine)))
}

// mosquittoTime returns the time of a "tst" that mosquitto_sub -F %j
// writes, in ms: local time with microseconds, a "Z", and the local offset,
// as "2026-12-01T11:20:21.045271Z+0000". ok is false for anything else,
// which is then ignored like any other key.
func mosquittoTime(raw []byte) (ms int64, ok bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	local, offset, found := strings.Cut(s, "Z")
	if !found {
		return 0, false
	}
	layout := "2006-01-02T15:04:05.999999999"
	if offset != "" {
		layout += "-0700"
	} else {
		layout += "Z"
		offset = "Z"
	}
	t, err := time.Parse(layout, local+offset)
	if err != nil || t.UnixMilli() < 0 {
		return 0, false
	}
	return t.UnixMilli(), true
}

// mqttOverhead is what an MQTT PUBLISH holds besides its payload: a topic of
// up to 65,535 bytes with its length, a packet identifier, and MQTT 5
// properties, which check bounds at 64 KiB.
const mqttOverhead = 2 + 65535 + 2 + 64<<10

// maxPacketBound returns the largest MQTT packet a capture run decodes: the
// size limit plus mqttOverhead; with no limit, the largest MQTT allows.
func maxPacketBound(maxBytes int64) int {
	if maxBytes <= 0 || maxBytes > wire.MaxPacketLimit-mqttOverhead {
		return wire.MaxPacketLimit
	}
	return int(maxBytes) + mqttOverhead
}

// captureFlags are check's flags for packet captures.
type captureFlags struct {
	compare bool
	ports   []uint16
	version byte
}

// addCaptureFlags registers --compare, --mqtt-port and --mqtt-version.
func addCaptureFlags(f *cmdFlags) *captureFlags {
	cf := &captureFlags{version: 4}
	f.BoolVar(&cf.compare, "compare", false, "")
	f.Func("mqtt-port", "", func(s string) error {
		for _, p := range strings.Split(s, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
			if err != nil || n == 0 {
				return errors.New("want TCP ports from 1 to 65535, separated by commas")
			}
			cf.ports = append(cf.ports, uint16(n))
		}
		return nil
	})
	f.Func("mqtt-version", "", func(s string) error {
		switch s {
		case "3.1.1", "4":
			cf.version = 4
		case "5", "5.0":
			cf.version = 5
		default:
			return errors.New("want 3.1.1 or 5")
		}
		return nil
	})
	return cf
}

// packetPlace is where a request is in a packet capture.
type packetPlace struct {
	frame  int64
	at     int64 // capture time, ms
	stream wire.Stream
}

// maxProblemLines bounds the lines a run writes about what it could not
// decode; the summary counts them all.
const maxProblemLines = 100

// packetFile validates the requests of a pcap or pcapng capture: each PUBLISH
// on a request topic (SPEC §1) sent by the side that sent CONNECT, with the
// capture time as server time unless --now is given.
func (c *checkRun) packetFile(name string, r io.Reader) {
	rd, err := wire.NewReader(r, wire.Options{
		MQTTPorts:   c.capFlags.ports,
		MQTTVersion: c.capFlags.version,
		MaxPacket:   c.maxPacket,
		Problem:     func(p wire.Problem) { c.packetProblem(name, p) },
	})
	if err != nil {
		c.ioError(displayName(name) + ": " + err.Error())
		return
	}
	defer c.endInput()
	for c.out != nil {
		m, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			c.ioError(displayName(name) + ": " + err.Error())
			return
		}
		at := m.At.UnixMilli()
		if protocol.IsReplyTopic(m.Topic) {
			if c.cmp != nil {
				c.cmp.observe(c, m.Topic, m.Payload, at)
			}
			continue
		}
		if !m.FromClient {
			continue // a copy the broker forwards, or the broker's own
		}
		if t, err := protocol.ParseTopic(m.Topic); err != nil || !t.Method.Valid() {
			c.sum.others++
			continue
		}
		now := at
		if c.nowGiven {
			now = c.now
		}
		res, err := c.v.Validate(validate.Message{Topic: m.Topic, Now: now}, m.Payload, c.yield)
		var verr *validate.Error
		if err != nil && !errors.As(err, &verr) {
			c.ioError(displayName(name) + ": packet " + strconv.FormatInt(m.Frame, 10) + ": " + err.Error())
			continue
		}
		c.place = &packetPlace{frame: m.Frame, at: at, stream: m.Stream}
		c.at = at
		c.report(int(m.Frame), m.Topic, &res)
		c.place = nil
	}
}

// packetProblem reports what a capture reader could not decode.
func (c *checkRun) packetProblem(name string, p wire.Problem) {
	c.sum.skip(p.Reason.String())
	if c.sum.problemLines >= maxProblemLines {
		if c.sum.problemLines == maxProblemLines {
			io.WriteString(c.stderr, "pointguard check: more packets could not be decoded; the summary counts them\n")
			c.sum.problemLines++
		}
		return
	}
	c.sum.problemLines++
	b := []byte("pointguard check: " + displayName(name) + ": packet " + strconv.FormatInt(p.Frame, 10) + ": ")
	if p.Stream.Client.IsValid() {
		b = append(b, p.Stream.String()+": "...)
	}
	b = appendPrintable(b, p.Detail)
	b = append(b, '\n')
	c.stderr.Write(b)
}

// appendPacketPlace appends the place of a request in a packet capture, in
// a jsonl record: "packet":N,"at":MS,"stream":{"client":"...","server":"..."}.
func appendPacketPlace(b []byte, p *packetPlace) []byte {
	b = append(b, `"packet":`...)
	b = strconv.AppendInt(b, p.frame, 10)
	b = append(b, `,"at":`...)
	b = strconv.AppendInt(b, p.at, 10)
	b = append(b, `,"stream":{"client":`...)
	b = quote.JSON(b, p.stream.Client.String())
	b = append(b, `,"server":`...)
	b = quote.JSON(b, p.stream.Server.String())
	return append(b, '}')
}

// Comparing with the captured replies (--compare).

// compareWindow is how long, in capture time, a request waits for its reply
// before its verdict is written without one; maxPendingVerdicts bounds how
// many wait at once. Replies to the platform's requests come within seconds.
const (
	compareWindow      = 60_000
	maxPendingVerdicts = 10_000
	// maxReplyMessage bounds the "message" of an observed reply that is kept.
	maxReplyMessage = 1 << 10
)

// maxPendingBytes bounds the bytes of the verdict records that wait: a
// record lists up to 1,000 skipped points, so 10,000 of them could otherwise
// hold gigabytes. It is a variable so that tests can lower it.
var maxPendingBytes = 64 << 20

// observedReply is a reply found in the capture.
type observedReply struct {
	code    int64
	message string
	at      int64
}

// pendingVerdict is a verdict record waiting for its reply.
type pendingVerdict struct {
	rec    []byte
	prefix int // text: the length of "packet N: "
	code   codes.Code
	key    string
	at     int64
	obs    *observedReply
}

// comparer holds the verdicts that wait for their replies, in input order,
// and writes each when its reply is found, when it has waited compareWindow,
// or at the end of the input.
//
// A reply may also come before its request: a subscriber such as
// mosquitto_sub receives the platform's reply before the broker forwards it
// the request. Replies that match no waiting request are kept, at most
// maxPendingVerdicts of them and for compareWindow, for a request still to
// come.
type comparer struct {
	bytes   int // of the records in queue
	queue   []*pendingVerdict
	waiting map[string][]*pendingVerdict // by reply topic and id
	early   []earlyReply                 // in input order
}

// earlyReply is a reply that came before any request it answers.
type earlyReply struct {
	key  string
	obs  observedReply
	used bool
}

func newComparer() *comparer { return &comparer{waiting: map[string][]*pendingVerdict{}} }

// takeEarly returns the first kept reply for key, or nil; it drops the kept
// replies older than compareWindow before now.
func (cm *comparer) takeEarly(c *checkRun, key string, now int64) *observedReply {
	n := 0
	for n < len(cm.early) && (cm.early[n].used || now-cm.early[n].obs.at > compareWindow) {
		if !cm.early[n].used {
			c.sum.unmatchedReplies++
		}
		n++
	}
	cm.early = append(cm.early[:0], cm.early[n:]...)
	for i := range cm.early {
		if e := &cm.early[i]; !e.used && e.key == key {
			e.used = true
			obs := e.obs
			return &obs
		}
	}
	return nil
}

func replyKey(topic, id string) string { return topic + "\x00" + id }

// add queues the verdict record rec on a request published on requestTopic.
func (cm *comparer) add(c *checkRun, rec []byte, requestTopic string, res *validate.Result, at int64) {
	prefix := 0
	if c.lines.text {
		prefix = strings.Index(string(rec), ": ") + 2
	}
	p := &pendingVerdict{rec: append([]byte(nil), rec...), prefix: prefix, code: res.Code,
		key: replyKey(replyTopic(requestTopic, res), res.ID.Text()), at: at}
	cm.queue = append(cm.queue, p)
	cm.bytes += len(p.rec)
	if p.obs = cm.takeEarly(c, p.key, at); p.obs == nil {
		cm.waiting[p.key] = append(cm.waiting[p.key], p)
	}
	cm.flush(c, at, false)
}

// observe takes a reply published on topic at capture time at: the first
// reply to a waiting request with its id wins.
func (cm *comparer) observe(c *checkRun, topic string, payload []byte, at int64) {
	var reply struct {
		ID      json.RawMessage `json:"id"`
		Code    *int64          `json:"code"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(payload, &reply); err != nil || reply.Code == nil {
		c.sum.badReplies++
		return
	}
	key := replyKey(topic, protocol.ID(reply.ID).Text())
	list := cm.waiting[key]
	if len(list) == 0 {
		if len(cm.early) >= maxPendingVerdicts {
			cm.early = cm.early[1:]
			c.sum.unmatchedReplies++
		}
		cm.early = append(cm.early, earlyReply{key: key, obs: observedReply{code: *reply.Code, message: truncate(reply.Message, maxReplyMessage), at: at}})
	} else {
		list[0].obs = &observedReply{code: *reply.Code, message: truncate(reply.Message, maxReplyMessage), at: at}
		if len(list) == 1 {
			delete(cm.waiting, key)
		} else {
			cm.waiting[key] = list[1:]
		}
	}
	cm.flush(c, at, false)
}

// flush writes the verdicts at the head of the queue that no longer wait:
// all of them when all is set (the end of an input).
func (cm *comparer) flush(c *checkRun, now int64, all bool) {
	n := 0
	for ; n < len(cm.queue); n++ {
		p := cm.queue[n]
		if !(all || p.obs != nil || now-p.at > compareWindow || len(cm.queue)-n > maxPendingVerdicts || cm.bytes > maxPendingBytes) {
			break
		}
		cm.bytes -= len(p.rec)
		if p.obs == nil {
			list := cm.waiting[p.key]
			for i, q := range list {
				if q == p {
					list = append(list[:i:i], list[i+1:]...)
					break
				}
			}
			if len(list) == 0 {
				delete(cm.waiting, p.key)
			} else {
				cm.waiting[p.key] = list
			}
		}
		c.writeCompared(p)
	}
	cm.queue = append(cm.queue[:0], cm.queue[n:]...)
}

// writeCompared writes a verdict record with the reply the capture holds.
func (c *checkRun) writeCompared(p *pendingVerdict) {
	agree := p.obs != nil && p.obs.code == int64(p.code)
	switch {
	case p.obs == nil:
		c.sum.noReply++
	case agree:
		c.sum.observed++
	default:
		c.sum.observed++
		c.sum.disagree++
		c.raise(exitFail)
	}
	if c.out == nil {
		return
	}
	rec := p.rec
	var b []byte
	if c.lines.text {
		switch {
		case p.obs == nil:
			b = append(append(b, rec[:len(rec)-1]...), " (no reply in the capture)\n"...)
		case agree:
			b = rec
		default:
			b = append(b, rec[:p.prefix]...)
			b = append(b, "platform "...)
			b = strconv.AppendInt(b, p.obs.code, 10)
			b = append(b, ", pointguard "...)
			b = append(b, rec[p.prefix:]...)
		}
	} else {
		b = append(b, rec[:len(rec)-2]...) // drop "}\n"
		b = append(b, `,"observed":`...)
		if p.obs == nil {
			b = append(b, `null,"agree":null}`...)
		} else {
			b = append(b, `{"code":`...)
			b = strconv.AppendInt(b, p.obs.code, 10)
			b = append(b, `,"message":`...)
			b = quote.JSON(b, p.obs.message)
			b = append(b, `,"at":`...)
			b = strconv.AppendInt(b, p.obs.at, 10)
			b = append(b, `},"agree":`...)
			b = strconv.AppendBool(b, agree)
			b = append(b, '}')
		}
		b = append(b, '\n')
	}
	c.written(c.lines.write(b))
}

// truncate returns s cut to at most n bytes, at a UTF-8 boundary, with "…"
// when it was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// endInput writes what waits at the end of an input; the replies kept for a
// request that never came count as replies without a request.
func (c *checkRun) endInput() {
	if c.cmp != nil {
		c.cmp.flush(c, 0, true)
		for _, e := range c.cmp.early {
			if !e.used {
				c.sum.unmatchedReplies++
			}
		}
		c.cmp.early = c.cmp.early[:0]
	}
}
