package validate

import (
	"io"
	"unicode/utf8"
	"unsafe"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
)

// Validator validates messages. It owns scratch buffers that it reuses from one
// message to the next, so a Validator must not be used by two goroutines at once;
// use one per goroutine. The Options, models and directory it refers to may be
// shared. A Validator does not allocate in steady state on accepted requests.
type Validator struct {
	opts Options
	lim  limits

	r    scan.Reader // the payload
	r2   scan.Reader // one entry's measurepoints, second pass
	keys scan.KeySet
	sk   scan.Skipper // hygiene-checking skipper over r
	path path         // the path to the value being read, outside the skipper

	msg   Message
	yield func(*Point) error
	res   Result
	idBuf []byte

	// Verdict state (SPEC §4.2).
	found       findings
	stop        bool // a fatal error: nothing more is read
	yieldErr    error
	methodSeen  bool
	versionSeen bool
	paramsSeen  bool
	allow, skip flag

	ent      entry
	cur      *scan.Reader // v.r, or v.r2 in a second pass
	pending  []pending
	escKeys  []byte
	seenGen  []uint32 // per model point: the generation of the object it was seen in
	gen      uint32
	seq      []*thingmodel.Measurepoint // the points of the last entry, in order
	nextSeq  []*thingmodel.Measurepoint
	seqModel *thingmodel.Model
	pointErr Error // first error inside the point being checked
	text     []byte
	items    []Value
	fields   []Value
	names    []string
	seen     []bool
	point    Point

	topic       string         // the last valid topic
	topicParsed protocol.Topic // what topic parses to
	lastDev     device         // the last sub-device fastEntry resolved, in this message
	orders      [4]pointOrder  // point orders of the models fastEntry read last
	products    [4]product     // the sub-devices' products with a model resolved last (product)
	ready       []Point        // the points of the entry fastEntry reads
	// fastEntries counts the entries of this message that fastEntry took.
	fastEntries int
	// fastMisses counts the entries in a row that fastEntry gave up on, and
	// fastRest the entries entry reads before fastEntry tries again;
	// fastMissOpen is whether the verdict was open at the last of them.
	fastMisses, fastRest int
	fastMissOpen         bool

	// Device keys of sub-devices, see internBytes.
	intern     map[string]string
	internSize int // bytes counted in intern, at most internMaxBytes
}

type flag struct{ set, val, early bool }

// findings are the errors found in a message so far, one of each kind of SPEC
// §4.2, from which the verdict is picked when the message is read.
type findings struct {
	format        Error    // earliest 1206; Code is 0 when none
	methodBad     Error    // 1260 when Code set
	hard, offline entryErr // 1212: unconditional, and for an offline device
	model         entryErr // first 1204
}

// first returns the error that SPEC §4.2 puts first, given the flags of the
// request, or nil when there is none: 1206, then 1260, then the entries in
// array order, within one entry 1212 before 1204. An offline device counts
// only without allowOfflineSubDevice, a 1204 only without
// skipInvalidMeasurepoints.
func (f *findings) first(allow, skip bool) *Error {
	switch {
	case f.format.Code != 0:
		return &f.format
	case f.methodBad.Code != 0:
		return &f.methodBad
	}
	var best *entryErr
	consider := func(e *entryErr) {
		if e.set && (best == nil || e.entry < best.entry) {
			best = e
		}
	}
	consider(&f.hard)
	if !allow {
		consider(&f.offline)
	}
	if !skip {
		consider(&f.model)
	}
	if best == nil {
		return nil
	}
	return &best.err
}

// recordFormat keeps e as the 1206 unless an earlier one is kept already.
func (f *findings) recordFormat(e Error) {
	if !f.formatBefore(e.Offset) {
		f.format = e
	}
}

// decided reports whether the findings fix the verdict whatever later
// entries hold: a 1206 or an unconditional 1212, or an offline device or a
// 1204 that a flag read before params can no longer excuse.
func (f *findings) decided(allow, skip flag) bool {
	return f.format.Code != 0 || f.hard.set ||
		(f.offline.set && allow.early && !allow.val) ||
		(f.model.set && skip.early && !skip.val)
}

// formatBefore reports whether a 1206 at or before off is kept already, so
// that the caller need not word one.
func (f *findings) formatBefore(off int64) bool {
	return f.format.Code != 0 && f.format.Offset <= off
}

type entryErr struct {
	set   bool
	entry int
	err   Error
}

type entry struct {
	index        int
	off          int64
	pk, dk       []byte
	pkSet, dkSet bool
	keyBad       bool // a key given, but not a string (its 1206 is recorded)
	pkOff, dkOff int64
	time         int64
	timeSet      bool
	timeBad      bool   // "time" given, but not a valid time (its 1206 is recorded)
	mp           []byte // captured, for a second pass
	mpOff        int64
	mpDepth      int
	mpSet        bool
	mpBad        bool // "measurepoints" given, but not an object (its 1206 is recorded)
	fused        bool // points checked while reading
	accepted     int  // valid points, handed over at the end of the entry
	devPK        string
	devDK        string
	model        *thingmodel.Model
}

type limits struct {
	maxBytes                                            int64
	maxDepth, maxString, maxArray, maxEntry, maxSkipped int
}

func resolveLimits(l Limits) limits {
	r := limits{maxBytes: l.MaxBytes, maxDepth: l.MaxDepth, maxString: l.MaxString,
		maxArray: l.MaxArray, maxEntry: l.MaxEntry, maxSkipped: l.MaxSkipped}
	if r.maxBytes == 0 {
		r.maxBytes = DefaultMaxBytes
	}
	if r.maxDepth <= 0 {
		r.maxDepth = DefaultMaxDepth
	}
	if r.maxString <= 0 {
		r.maxString = DefaultMaxString
	}
	if r.maxArray < 0 {
		r.maxArray = 0
	}
	if r.maxEntry == 0 {
		r.maxEntry = DefaultMaxEntry
	}
	if r.maxSkipped == 0 {
		r.maxSkipped = DefaultMaxSkipped
	}
	return r
}

// New returns a Validator with the given options.
func New(opts Options) *Validator {
	v := &Validator{opts: opts, lim: resolveLimits(opts.Limits), intern: map[string]string{}}
	v.r.MaxToken = v.lim.maxString
	v.sk = scan.Skipper{R: &v.r, Keys: &v.keys, MaxDepth: v.lim.maxDepth, MaxArray: v.lim.maxArray}
	v.sk.Soft = v.scanError
	v.cur = &v.r
	return v
}

// Options returns the options the Validator was made with.
func (v *Validator) Options() Options { return v.opts }

func (v *Validator) begin(msg Message, yield func(*Point) error) {
	v.msg = msg
	v.yield = yield
	v.res = Result{Skipped: v.res.Skipped[:0]}
	v.found = findings{}
	v.stop = false
	v.yieldErr = nil
	v.methodSeen, v.versionSeen, v.paramsSeen = false, false, false
	v.allow, v.skip = flag{}, flag{}
	v.keys.Reset()
	v.path = v.path[:0]
	v.sk.Reset()
	v.idBuf = v.idBuf[:0]
	v.lastDev = device{}
	v.fastEntries = 0
	v.fastMisses, v.fastRest, v.fastMissOpen = 0, 0, false
}

// preflight decides what is decided before parsing (SPEC §4.2 step 1): 1009, then
// 1008 when the size is known.
func (v *Validator) preflight(size int64) bool {
	if v.msg.Topic != "" && v.msg.Topic == v.topic {
		// A validator mostly sees one device's topic after another.
		v.res.Topic = v.topicParsed
	} else if !v.parseTopic() {
		return false
	}
	if size >= 0 && v.lim.maxBytes > 0 && size > v.lim.maxBytes {
		v.tooLarge()
		return false
	}
	return true
}

// parseTopic parses the message's topic into the result, and keeps it for
// the next message when it is valid.
func (v *Validator) parseTopic() bool {
	t, err := protocol.ParseTopic(v.msg.Topic)
	if err != nil {
		v.res.Code = codes.NoWritePermission
		v.res.Err = &Error{Code: codes.NoWritePermission, Offset: -1, Err: err,
			Detail: "topic " + quoteString(v.msg.Topic) + " " + err.(*protocol.TopicError).Reason}
		return false
	}
	v.res.Topic = t
	v.topic, v.topicParsed = v.msg.Topic, t
	return true
}

func (v *Validator) tooLarge() {
	// 1008 is decided before parsing (SPEC §4.2): whatever a streamed read found
	// on the way is not part of the verdict.
	v.res.Skipped = v.res.Skipped[:0]
	v.res.SkippedTotal = 0
	v.res.Code = codes.MsgTooLarge
	v.res.Err = &Error{Code: codes.MsgTooLarge, Offset: -1,
		Detail: "payload is larger than the limit of " + itoa(v.lim.maxBytes) + " bytes"}
	v.res.ID = nil
}

// Validate validates one message held in memory. See ValidateReader.
func (v *Validator) Validate(msg Message, payload []byte, yield func(*Point) error) (Result, error) {
	v.begin(msg, yield)
	if !v.preflight(int64(len(payload))) {
		return v.result()
	}
	v.r.ResetBytes(payload, 0)
	return v.run()
}

// ValidateReader validates one message whose payload is read from r, without
// holding the whole payload in memory: one entry's "measurepoints" at most.
//
// The accepted points are passed to yield in document order as soon as each entry
// is complete; they are final only if the verdict is codes.OK, so a caller that
// acts on them must be able to discard them. yield may be nil.
//
// The returned error is nil when the request is accepted; a *Error (also in
// Result.Err) when it is rejected; or, unchanged, an error returned by r (other
// than io.EOF) or by yield, in which case the Result is incomplete.
func (v *Validator) ValidateReader(msg Message, r io.Reader, yield func(*Point) error) (Result, error) {
	v.begin(msg, yield)
	if !v.preflight(-1) {
		return v.result()
	}
	limit := v.lim.maxBytes
	if limit < 0 {
		limit = -1
	}
	v.r.ResetReader(r, limit)
	return v.run()
}

func (v *Validator) result() (Result, error) {
	if v.res.Err != nil {
		return v.res, v.res.Err
	}
	return v.res, nil
}

func (v *Validator) run() (Result, error) {
	r := &v.r
	if _, ok := r.Peek(); !ok {
		if err := r.ReadErr(); err != nil {
			return v.res, err
		}
		if r.Over() {
			v.tooLarge()
			return v.result()
		}
		v.res.Code = codes.PayloadEmpty
		v.res.Err = &Error{Code: codes.PayloadEmpty, Offset: -1, Detail: "payload is empty or only white space"}
		return v.result()
	}
	v.envelope()
	v.checkTrailing()
	if v.yieldErr != nil {
		return v.res, v.yieldErr
	}
	// 1008 outranks every parsing error: read to the limit to know the size.
	// With no limit there is no 1008, and the verdict is already final: the
	// rest is not read, so that an endless input after an error ends.
	if v.lim.maxBytes >= 0 {
		r.Drain()
	}
	if err := r.ReadErr(); err != nil {
		return v.res, err
	}
	if r.Over() {
		v.tooLarge()
		return v.result()
	}
	v.verdict()
	return v.result()
}

// verdict picks the first error of SPEC §4.2 among those recorded.
func (v *Validator) verdict() {
	e := v.found.first(v.allow.val, v.skip.val)
	if !v.skip.val || e != nil {
		// Points are skipped only from a request that is accepted (SPEC
		// §4.5): a rejected one is refused whole, and which of its points were
		// checked before the verdict was decided depends on where its flags
		// stand, which must not change the result.
		v.res.Skipped = v.res.Skipped[:0]
		v.res.SkippedTotal = 0
	}
	if e == nil {
		v.res.Code = codes.OK
		return
	}
	v.res.Code = e.Code
	v.res.Err = new(Error)
	*v.res.Err = *e
}

// decided reports whether the verdict can no longer depend on later entries, so
// that they need only be checked for well-formedness.
func (v *Validator) decided() bool { return v.found.decided(v.allow, v.skip) }

// formatError records a 1206 of the given cause (one of the sentinels) at the
// current path; the earliest in the payload wins.
func (v *Validator) formatError(off int64, cause error, detail string) {
	if v.found.formatBefore(off) {
		return // the pointer is worded only for an error that is kept
	}
	v.found.recordFormat(Error{Code: codes.FormatError, Pointer: v.pointer(), Offset: off, Detail: detail, Err: cause})
}

// scanError records a scanning error; a fatal one stops the reading.
func (v *Validator) scanError(e *scan.Error) {
	if e.Kind.Fatal() {
		v.stop = true
	}
	if v.found.formatBefore(e.Offset) {
		return
	}
	v.found.recordFormat(Error{Code: codes.FormatError, Pointer: v.pointer(), Offset: e.Offset, Detail: e.Detail(), Err: scanCause(e.Kind)})
}

// checkTrailing records a 1206 when anything but white space follows the
// top-level value of v.r.
func (v *Validator) checkTrailing() {
	if v.stop {
		return
	}
	if c, ok := v.r.Peek(); ok {
		v.path = v.path[:0]
		v.scanError(&scan.Error{Kind: scan.ErrTrailing, Offset: v.r.Offset(), Byte: c})
	}
}

// checksPoints reports whether an entry whose keys resolved (ok) needs its
// points checked: not when the verdict can no longer depend on it, which
// includes an entry whose own device is refused outright (decided counts
// every unconditional 1212).
func (v *Validator) checksPoints(ok bool) bool {
	return ok && !v.decided()
}

// skipValue reads a value of any shape at the given depth, with the hygiene checks.
func (v *Validator) skipValue(depth int) {
	if err := v.sk.Skip(depth); err != nil {
		v.scanError(err)
	}
}

// member reads the next member's key of an object whose '{' is consumed, from
// v.cur, sets it as the top frame of the path (the caller pushes a frame for the
// object and pops it), and consumes the ':'. It returns false at the closing '}'
// (consumed) or on a fatal error. The caller checks duplicates (claim, or marks of
// its own); an escaped key, or any key of a streaming window, is copied into
// scratch that lives as long as the entry.
func (v *Validator) member(first bool, objOff int64) ([]byte, bool) {
	if !v.nextMember(first) {
		return nil, false
	}
	return v.memberKey(objOff)
}

// nextMember moves to the next member of an object: past the ',' that must
// separate it from the previous one. It returns false at the closing '}'
// (consumed) or on a fatal error.
func (v *Validator) nextMember(first bool) bool {
	if v.stop {
		return false // nothing can be read after a fatal error
	}
	r := v.cur
	c, ok := r.Peek()
	if ok && c == '}' {
		r.Skip1()
		return false
	}
	v.path[len(v.path)-1] = scan.Frame{} // until the key is read, errors are the object's
	if !first {
		if !ok || c != ',' {
			v.scanError(r.Fail(c, ok, "',' or '}'"))
			return false
		}
		r.Skip1()
	}
	return true
}

// memberKey reads the key and ':' of the member nextMember moved to, in the
// object that starts at objOff.
func (v *Validator) memberKey(objOff int64) ([]byte, bool) {
	r := v.cur
	c, ok := r.Peek()
	if !ok || c != '"' {
		v.scanError(r.Fail(c, ok, "string key"))
		return nil, false
	}
	raw, esc, err := r.ReadKey()
	var keyErr scan.Error
	if err != nil {
		if err.Kind == scan.ErrTokenLength {
			// A key is no value: the error names the object, at its first byte.
			err.Offset = objOff
		}
		if err.Kind.Fatal() {
			if raw != nil { // the key was read; the ':' is missing: name the member
				key := raw
				if esc {
					key = scan.AppendUnescaped(nil, raw)
				}
				v.path[len(v.path)-1] = scan.Frame{Key: key}
			}
			v.scanError(err)
			return nil, false
		}
		keyErr = *err
	}
	var key []byte
	switch {
	case esc:
		start := len(v.escKeys)
		v.escKeys = scan.AppendUnescaped(v.escKeys, raw)
		key = v.escKeys[start:len(v.escKeys):len(v.escKeys)]
	case !r.InMemory():
		// The window may move before the point is done with its key.
		start := len(v.escKeys)
		v.escKeys = append(v.escKeys, raw...)
		key = v.escKeys[start:len(v.escKeys):len(v.escKeys)]
	default:
		key = raw
	}
	if key == nil {
		key = emptyKey // a nil Key marks a frame that names nothing
	}
	v.path[len(v.path)-1] = scan.Frame{Key: key}
	if keyErr.Kind != 0 {
		r.Peek()
		keyErr.Offset = r.Offset() // errors about a key are reported at its value
		v.scanError(&keyErr)
	}
	return key, true
}

// open consumes the '{' or '[' of a value at depth, from v.cur, after checking the
// depth limit.
func (v *Validator) open(depth int) bool {
	if depth > v.lim.maxDepth {
		v.scanError(v.cur.FailAt(scan.ErrDepth, v.cur.Offset(), v.lim.maxDepth))
		return false
	}
	v.cur.Skip1()
	return true
}

func (v *Validator) envelope() {
	r := &v.r
	c, _ := r.Peek()
	off := r.Offset()
	if c != '{' {
		v.formatError(off, ErrEnvelope, "payload must be a JSON object, got "+describeStart(c))
		v.skipValue(1)
		return
	}
	if !v.open(1) {
		return
	}
	obj := v.keys.Open()
	v.path = append(v.path, scan.Frame{})
	var seen uint32
	for first := true; ; first = false {
		k := v.knownMember(first, envelopeKeys, envelopeFirst, &seen)
		if k < 0 {
			key, ok := v.member(first, off)
			if !ok {
				break
			}
			k = v.claim(&obj, key, envelopeKeys, &seen)
		}
		switch k {
		case 0:
			v.readID()
		case 1:
			v.readVersion()
		case 2:
			v.readMethod()
		case 3:
			v.readFlag(&v.allow, "allowOfflineSubDevice")
		case 4:
			v.readFlag(&v.skip, "skipInvalidMeasurepoints")
		case 5:
			v.paramsSeen = true
			v.readParams()
		default:
			v.skipValue(2)
		}
	}
	v.path = v.path[:len(v.path)-1]
	v.keys.Close(&obj)
	if v.stop {
		return
	}
	switch {
	case !v.versionSeen:
		v.formatError(off, ErrEnvelope, `the request has no "version"`)
	case !v.methodSeen:
		v.formatError(off, ErrEnvelope, `the request has no "method"`)
	case !v.paramsSeen:
		v.formatError(off, ErrEnvelope, `the request has no "params"`)
	}
}

// readString reads a string value and returns its decoded bytes (valid until the
// next read), or reports false after recording a 1206 saying that field must be a
// string.
func (v *Validator) readString(field string) ([]byte, bool) {
	r := &v.r
	c, ok := r.Peek()
	if !ok || c != '"' {
		cause := ErrEnvelope
		if field == "productKey" || field == "deviceKey" {
			cause = ErrEntry
		}
		v.formatError(r.Offset(), cause, field+" must be a string, got "+describeStart(c))
		v.skipValue(len(v.path) + 1)
		return nil, false
	}
	raw, esc, err := r.ReadString()
	if err != nil {
		v.scanError(err)
		if err.Kind.Fatal() {
			return nil, false
		}
	}
	if esc {
		v.text = scan.AppendUnescaped(v.text[:0], raw)
		return v.text, true
	}
	return raw, true
}

func (v *Validator) readID() {
	r := &v.r
	c, _ := r.Peek()
	off := r.Offset()
	switch {
	case c == '"':
		raw, _, err := r.ReadString()
		if err != nil {
			v.scanError(err)
			if err.Kind.Fatal() {
				return
			}
		}
		v.idBuf = append(appendValidUTF8(append(v.idBuf[:0], '"'), raw), '"')
	case c == '-' || (c >= '0' && c <= '9'):
		raw, num, err := r.ReadNumber()
		if err != nil {
			v.scanError(err)
			return
		}
		if !num.Integer() {
			v.formatError(off, ErrEnvelope, "id must be a string or an integer, got number "+clip(raw))
			return
		}
		v.idBuf = append(v.idBuf[:0], raw...)
	default:
		v.formatError(off, ErrEnvelope, "id must be a string or an integer, got "+describeStart(c))
		v.skipValue(2)
		return
	}
	v.res.ID = protocol.ID(v.idBuf)
}

// appendValidUTF8 appends s to dst with each byte that is not part of valid
// UTF-8 replaced by U+FFFD, so that an id echoed in a reply keeps the reply
// valid JSON (SPEC §4.9); the request is 1206 anyway.
func appendValidUTF8(dst, s []byte) []byte {
	if utf8.Valid(s) {
		return append(dst, s...)
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

func (v *Validator) readVersion() {
	v.versionSeen = true
	v.r.Peek()
	off := v.r.Offset()
	s, ok := v.readString("version")
	if ok && string(s) != "1.0" && string(s) != "1.1" {
		v.formatError(off, ErrEnvelope, `version must be "1.0" or "1.1", got `+quoteBytes(s))
	}
}

func (v *Validator) readMethod() {
	v.methodSeen = true
	v.r.Peek()
	off := v.r.Offset()
	s, ok := v.readString("method")
	if ok && string(s) != string(v.res.Topic.Method) {
		v.found.methodBad = Error{Code: codes.MethodMismatch, Pointer: v.pointer(), Offset: off,
			Detail: "method " + quoteBytes(s) + " does not match the topic's " + quoteString(string(v.res.Topic.Method))}
	}
}

func (v *Validator) readFlag(f *flag, name string) {
	r := &v.r
	c, _ := r.Peek()
	off := r.Offset()
	f.set = true
	f.early = !v.paramsSeen
	switch c {
	case 't', 'f', 'n':
		lit, err := r.ReadLiteral()
		if err != nil {
			v.scanError(err)
			return
		}
		if lit == 'n' {
			v.formatError(off, ErrEnvelope, name+" must be a boolean, got null")
			return
		}
		f.val = lit == 't'
		return
	case '"':
		s, ok := v.readString(name)
		if ok && len(s) == 0 && v.opts.Profile == Compat {
			f.val = false
			return
		}
		if ok {
			v.formatError(off, ErrEnvelope, name+" must be a boolean, got string "+quoteBytes(s))
		}
		return
	}
	v.formatError(off, ErrEnvelope, name+" must be a boolean, got "+describeStart(c))
	v.skipValue(2)
}

func (v *Validator) readParams() {
	r := &v.r
	c, _ := r.Peek()
	off := r.Offset()
	if !v.res.Topic.Method.Batch() {
		if c != '{' {
			v.formatError(off, ErrEnvelope, "params must be an object for "+string(v.res.Topic.Method)+", got "+describeStart(c))
			v.skipValue(2)
			return
		}
		v.entry(0, 2)
		return
	}
	if c != '[' {
		v.formatError(off, ErrEnvelope, "params must be an array for "+string(v.res.Topic.Method)+", got "+describeStart(c))
		v.skipValue(2)
		return
	}
	if !v.open(2) {
		return
	}
	v.path = append(v.path, scan.Frame{IsIndex: true})
	if c, ok := r.Peek(); ok && c == ']' {
		r.Skip1()
		v.path = v.path[:len(v.path)-1]
		return
	}
	for i := 0; ; i++ {
		v.path[len(v.path)-1].Index = i
		if v.lim.maxArray > 0 && i >= v.lim.maxArray {
			r.Peek()
			v.scanError(r.FailAt(scan.ErrArrayLength, r.Offset(), v.lim.maxArray))
			return
		}
		v.entry(i, 3)
		if v.stop || v.yieldErr != nil {
			v.stop = true
			return
		}
		c, ok := r.Peek()
		if ok && c == ',' {
			r.Skip1()
			continue
		}
		if ok && c == ']' {
			r.Skip1()
			v.path = v.path[:len(v.path)-1]
			return
		}
		v.scanError(r.Fail(c, ok, "',' or ']'"))
		return
	}
}

// entry reads one entry at the given depth (SPEC §2): its keys, time and
// measurepoints, then checks it.
//
// When both keys come before "measurepoints" (the usual order, the seeds' too),
// the device is known when the points are read, so they are checked as they are
// read and only handed over at the end of the entry, when its time is known; what
// a waiting point refers to is copied out of a streaming window. Otherwise
// "measurepoints" is captured and checked in a second pass at the end of the
// entry.
func (v *Validator) entry(index, depth int) {
	if v.fastTry(depth, index) {
		return
	}
	r := &v.r
	c, _ := r.Peek()
	e := &v.ent
	*e = entry{index: index, off: r.Offset(), pk: e.pk[:0], dk: e.dk[:0]}
	v.resetEntry()
	if c != '{' {
		v.formatError(e.off, ErrEntry, "an entry must be an object, got "+describeStart(c))
		v.skipValue(depth)
		return
	}
	if !v.open(depth) {
		return
	}
	formatBefore := v.found.format
	single := !v.res.Topic.Method.Batch()
	obj := v.keys.Open()
	v.path = append(v.path, scan.Frame{})
	var seen uint32
	for first := true; ; first = false {
		key, ok := v.member(first, e.off)
		if !ok {
			break
		}
		k := v.claim(&obj, key, entryKeys, &seen)
		if single && (k == 0 || k == 1) {
			k = -1 // SPEC §1: a single method's params are the topic device's; its keys are unknown keys
		}
		switch k {
		case 0:
			r.Peek()
			e.pkOff = r.Offset()
			if s, ok := v.readString("productKey"); ok {
				e.pk = append(e.pk[:0], s...)
				e.pkSet = true
			} else {
				e.keyBad = true
			}
		case 1:
			r.Peek()
			e.dkOff = r.Offset()
			if s, ok := v.readString("deviceKey"); ok {
				e.dk = append(e.dk[:0], s...)
				e.dkSet = true
			} else {
				e.keyBad = true
			}
		case 2:
			v.readMeasurepoints(e, depth+1)
		case 3:
			v.readTime(e)
		default:
			v.skipValue(depth + 1)
		}
	}
	v.path = v.path[:len(v.path)-1]
	v.keys.Close(&obj)
	if v.stop {
		return // nothing more can be read: the verdict is the 1206 found so far
	}
	if v.found.format != formatBefore {
		// A malformed entry: the verdict is 1206, and the entry rules may
		// still place one before it (SPEC §4.2: the smallest offset wins,
		// whatever the key order).
		v.entryRules(e)
		return
	}
	v.finishEntry(e)
}

// entryRules records the 1206 of the entry rules of SPEC §2, §4.3 and §4.6
// that a malformed entry breaks, if any: a missing "measurepoints", a strict
// resume entry without time, the productKey/deviceKey rules. Keys already
// checked while reading (both before "measurepoints") are not checked again.
func (v *Validator) entryRules(e *entry) {
	if !v.entryMembers(e) || e.fused {
		return
	}
	v.path = append(v.path, scan.Frame{})
	v.keyRules(e)
	v.path = v.path[:len(v.path)-1]
}

// entryMembers records the 1206 of a missing "measurepoints" (SPEC §2) or of a
// strict resume entry without time (§4.6), at the entry's first byte, and
// reports whether the entry has neither fault.
func (v *Validator) entryMembers(e *entry) bool {
	if !e.mpSet {
		if !e.mpBad {
			v.formatError(e.off, ErrEntry, `the entry has no "measurepoints"`)
		}
		return false
	}
	if v.opts.Profile == Strict && !e.timeSet && !e.timeBad && v.res.Topic.Method.Resume() {
		v.formatError(e.off, ErrTime, "an entry of "+string(v.res.Topic.Method)+" must have a time in the strict profile")
		return false
	}
	return true
}

func (v *Validator) readMeasurepoints(e *entry, depth int) {
	r := &v.r
	c, _ := r.Peek()
	e.mpOff = r.Offset()
	if c != '{' {
		v.formatError(e.mpOff, ErrEntry, "measurepoints must be an object, got "+describeStart(c))
		e.mpBad = true
		v.skipValue(depth)
		return
	}
	e.mpSet = true
	if e.pkSet && e.dkSet {
		e.fused = true
		top := v.path[len(v.path)-1]
		ok := v.resolve(e)
		v.path[len(v.path)-1] = top
		if v.checksPoints(ok) {
			v.points(e, depth)
		} else {
			v.skipValue(depth)
		}
		// The same limit as a capture, so that the verdict does not depend on how
		// the payload is read.
		if size := r.Offset() - e.mpOff; !v.stop && v.lim.maxEntry > 0 && size > int64(v.lim.maxEntry) {
			v.scanError(r.FailAt(scan.ErrCapture, e.mpOff, v.lim.maxEntry))
		}
		return
	}
	r.StartCapture(v.lim.maxEntry)
	v.skipValue(depth)
	mp, _, ok := r.EndCapture()
	if !ok && !v.stop {
		v.scanError(r.FailAt(scan.ErrCapture, e.mpOff, v.lim.maxEntry))
	}
	e.mp, e.mpDepth = mp, depth
}

func (v *Validator) readTime(e *entry) {
	r := &v.r
	c, _ := r.Peek()
	off := r.Offset()
	e.timeBad = true // until the time is read
	if c != '-' && (c < '0' || c > '9') {
		v.formatError(off, ErrTime, "time must be an integer number of milliseconds, got "+describeStart(c))
		v.skipValue(len(v.path) + 1)
		return
	}
	raw, num, err := r.ReadNumber()
	if err != nil {
		v.scanError(err)
		return
	}
	n, st := scan.ParseInt(raw)
	switch {
	case !num.Integer():
		v.formatError(off, ErrTime, "time must be an integer, got "+clip(raw))
	case st != scan.IntOK || n < 0:
		v.formatError(off, ErrTime, "time must be in [0, 2^63-1], got "+clip(raw))
	default:
		e.time, e.timeSet, e.timeBad = n, true, false
	}
}

// finishEntry applies the entry rules of SPEC §4.3, §4.6 and §4.4, checks the
// points of a captured "measurepoints" (§3.1, §4.5), and hands the accepted points
// over.
func (v *Validator) finishEntry(e *entry) {
	if !v.entryMembers(e) {
		return
	}
	if !e.fused {
		v.path = append(v.path, scan.Frame{})
		ok := v.resolve(e)
		v.path[len(v.path)-1] = scan.Frame{Key: keyMeasurepoints}
		if v.checksPoints(ok) {
			v.cur = &v.r2
			v.sk.R = &v.r2
			v.r2.ResetBytes(e.mp, e.mpOff)
			v.points(e, e.mpDepth)
			v.cur = &v.r
			v.sk.R = &v.r
		}
		v.path = v.path[:len(v.path)-1]
		if v.stop {
			return
		}
	}
	if v.found.format.Code != 0 {
		return // the verdict is 1206: nothing is delivered
	}
	if v.yield == nil {
		v.res.Accepted += e.accepted // what would have been delivered
		return
	}
	t := e.time
	if !e.timeSet {
		t = v.msg.Now
	}
	for i := range v.pending {
		p := &v.pending[i]
		v.point = Point{Entry: e.index, ProductKey: e.devPK, DeviceKey: e.devDK, Time: t,
			Measurepoint: p.mp, Value: p.val, Quality: p.quality, Offset: p.off}
		v.res.Accepted++
		if err := v.yield(&v.point); err != nil {
			v.yieldErr = err
			v.stop = true
			return
		}
	}
}

// resolve applies the key rules (SPEC §4.3) and the sub-device rules (§4.4) to
// an entry, and finds its device and model. It reports false when the keys are
// malformed (a 1206 is recorded). The top frame of the path is scratch: errors
// about a key point at it.
func (v *Validator) resolve(e *entry) bool {
	if !v.keyRules(e) {
		return false
	}
	pkSet := e.pkSet && len(e.pk) > 0 // both or neither, by keyRules
	topic := &v.res.Topic
	e.devPK, e.devDK = topic.ProductKey, topic.DeviceKey
	if pkSet && (string(e.pk) != topic.ProductKey || string(e.dk) != topic.DeviceKey) {
		e.devPK, e.model = v.product(e.pk)
		e.devDK = v.internBytes(e.dk)
		if f := v.subDeviceFault(e.devPK, e.devDK); f == deviceOffline {
			v.refuse(&v.found.offline, e, v.deviceDetail(f, e.devPK, e.devDK))
		} else if f != deviceOK {
			v.refuse(&v.found.hard, e, v.deviceDetail(f, e.devPK, e.devDK))
		}
		return true
	}
	e.model = v.opts.Models.Model(e.devPK) // nil-safe: no catalog, no models
	return true
}

// deviceFault is what the directory says of a sub-device an entry names.
type deviceFault uint8

const (
	deviceOK        deviceFault = iota
	deviceUnknown               // not in the directory
	deviceElsewhere             // behind another gateway
	deviceOffline               // the refusal allowOfflineSubDevice excuses
)

// subDeviceFault asks the directory about the sub-device pk/dk of the
// topic's gateway (SPEC §4.4); without a directory every device is OK.
func (v *Validator) subDeviceFault(pk, dk string) deviceFault {
	dir := v.opts.Directory
	if dir == nil {
		return deviceOK
	}
	topic := &v.res.Topic
	dev, ok := dir.Device(pk, dk)
	switch {
	case !ok:
		return deviceUnknown
	case dev.GatewayProductKey != topic.ProductKey || dev.GatewayDeviceKey != topic.DeviceKey:
		return deviceElsewhere
	case !dev.Online:
		return deviceOffline
	}
	return deviceOK
}

// deviceDetail words the refusal f of the sub-device pk/dk.
func (v *Validator) deviceDetail(f deviceFault, pk, dk string) string {
	topic := &v.res.Topic
	switch f {
	case deviceUnknown:
		return "device " + quoteString(pk+"/"+dk) + " is unknown"
	case deviceElsewhere:
		return "device " + quoteString(pk+"/"+dk) + " is not a sub-device of gateway " +
			quoteString(topic.ProductKey+"/"+topic.DeviceKey)
	}
	return "sub-device " + quoteString(pk+"/"+dk) + " is offline and allowOfflineSubDevice is not true"
}

// keyRules applies the key rules of SPEC §4.3 to an entry and reports whether
// it keeps them; a 1206 is recorded when not. A key that was given but is not a
// string has its 1206 already, and then the pair is not judged: the key is not
// absent. The top frame of the path is scratch: errors point at the key.
func (v *Validator) keyRules(e *entry) bool {
	if e.keyBad {
		return false
	}
	setFrame := func(key []byte) { v.path[len(v.path)-1] = scan.Frame{Key: key} }
	pkSet, dkSet := e.pkSet, e.dkSet
	if v.opts.Profile == Strict {
		if pkSet && len(e.pk) == 0 {
			setFrame(keyProductKey)
			v.formatError(e.pkOff, ErrEntry, "productKey must not be empty in the strict profile")
			return false
		}
		if dkSet && len(e.dk) == 0 {
			setFrame(keyDeviceKey)
			v.formatError(e.dkOff, ErrEntry, "deviceKey must not be empty in the strict profile")
			return false
		}
	} else {
		pkSet = pkSet && len(e.pk) > 0
		dkSet = dkSet && len(e.dk) > 0
	}
	if pkSet != dkSet {
		if pkSet {
			setFrame(keyProductKey)
			v.formatError(e.pkOff, ErrEntry, "productKey is given without deviceKey")
		} else {
			setFrame(keyDeviceKey)
			v.formatError(e.dkOff, ErrEntry, "deviceKey is given without productKey")
		}
		return false
	}
	return true
}

// Path keys, allocated once.
var (
	keyProductKey    = []byte("productKey")
	keyDeviceKey     = []byte("deviceKey")
	keyMeasurepoints = []byte("measurepoints")
	emptyKey         = []byte{}

	// The keys of the envelope and of an entry that SPEC §2 names, in the order
	// the switches on claim's result expect.
	envelopeKeys = [][]byte{[]byte("id"), []byte("version"), []byte("method"),
		[]byte("allowOfflineSubDevice"), []byte("skipInvalidMeasurepoints"), []byte("params")}
	entryKeys = [][]byte{keyProductKey, keyDeviceKey, keyMeasurepoints, []byte("time")}

	// envelopeFirst maps the first byte of each of envelopeKeys to its index
	// plus one (their first bytes differ), for knownMember.
	envelopeFirst = firstBytes(envelopeKeys)
)

// firstBytes returns the table of envelopeFirst for keys, whose first bytes
// must differ.
func firstBytes(keys [][]byte) *[256]int8 {
	var t [256]int8
	for k, key := range keys {
		if t[key[0]] != 0 {
			panic("validate: two known keys start with " + string(key[:1]))
		}
		t[key[0]] = int8(k + 1)
	}
	return &t
}

// knownMember reads the next member's key and ':', as member and claim do,
// when it is one of known written plainly, and not seen before, in the read
// window: it returns the key's index, with the path's top frame naming it.
// firsts is the table of known's first bytes (firstBytes). Otherwise, and at
// the closing '}', it consumes nothing and returns -1, and member reads on.
func (v *Validator) knownMember(first bool, known [][]byte, firsts *[256]int8, seen *uint32) int {
	if v.stop {
		return -1
	}
	b, i, _ := v.cur.Window()
	i = scan.SkipSpace(b, i)
	if !first {
		if i >= len(b) || b[i] != ',' {
			return -1
		}
		i = scan.SkipSpace(b, i+1)
	}
	if i+1 >= len(b) || b[i] != '"' {
		return -1
	}
	k := int(firsts[b[i+1]]) - 1
	if k < 0 {
		return -1
	}
	key := known[k]
	n := len(key)
	if len(b)-i < n+2 || b[i+1+n] != '"' || string(b[i+1:i+1+n]) != string(key) {
		return -1
	}
	j := scan.SkipSpace(b, i+n+2)
	if *seen&(1<<k) != 0 || n > v.lim.maxString || j >= len(b) || b[j] != ':' {
		return -1
	}
	*seen |= 1 << k
	v.path[len(v.path)-1] = scan.Frame{Key: key}
	v.cur.SetPos(j + 1)
	return k
}

// claim files the key of a member just read. A key of known (at most 32) is
// checked for duplicates with the bit mask seen, the others with the key set; the
// path frame gets a copy of the key that lasts as long as the object. It returns
// the index in known, or -1.
func (v *Validator) claim(obj *scan.Obj, key []byte, known [][]byte, seen *uint32) int {
	for i, k := range known {
		if string(key) == string(k) {
			v.path[len(v.path)-1] = scan.Frame{Key: k}
			if *seen&(1<<i) != 0 {
				v.cur.Peek()
				v.duplicate(v.cur.Offset(), k)
			}
			*seen |= 1 << i
			return i
		}
	}
	stable, dup := v.keys.Add(obj, key, false)
	v.path[len(v.path)-1] = scan.Frame{Key: stable}
	if dup {
		v.cur.Peek()
		v.duplicate(v.cur.Offset(), stable)
	}
	return -1
}

// refuse records a 1212 for the entry, pointing at the entry, unless dst has one.
func (v *Validator) refuse(dst *entryErr, e *entry, detail string) {
	if dst.set {
		return
	}
	entryPath := v.path[:len(v.path)-1] // the entry: below the scratch frame
	*dst = entryErr{set: true, entry: e.index, err: Error{Code: codes.NoSubDevicePerm,
		Pointer: entryPath.pointer(nil), Offset: e.off, Detail: detail}}
}

// pending is an accepted point waiting for the end of its entry.
type pending struct {
	mp      *thingmodel.Measurepoint
	val     Value
	quality int
	off     int64
}

// points reads an entry's "measurepoints" object from v.cur and checks every
// point; the accepted ones wait in v.pending. The path's top frame is the entry's
// "measurepoints" member.
func (v *Validator) points(e *entry, depth int) {
	if !v.open(depth) {
		return
	}
	model := e.model
	v.startMarks(model)
	obj := v.keys.Open()
	v.path = append(v.path, scan.Frame{})
	v.nextSeq = v.nextSeq[:0]
	n := 0
	for first := true; v.nextMember(first); first = false {
		key, mp, ok := v.pointKey(e, model, n)
		if !ok {
			break
		}
		n++
		if v.checkPoint(e, model, mp, key, &obj, depth) {
			continue
		}
		if v.stop {
			break
		}
		v.rejectPoint(e)
	}
	v.path = v.path[:len(v.path)-1]
	v.keys.Close(&obj)
	if model != nil {
		v.seq, v.nextSeq, v.seqModel = v.nextSeq, v.seq, model
	}
	if n == 0 && model == nil && !v.stop {
		v.pointErr = Error{}
		v.bad(e.mpOff, "product "+quoteString(e.devPK)+" has no model")
		if !v.found.model.set {
			v.found.model = entryErr{set: true, entry: e.index, err: v.pointErr}
		}
	}
}

// startMarks starts a generation of the marks that find a measurepoint of
// model given twice in one entry, without clearing them for every entry.
func (v *Validator) startMarks(model *thingmodel.Model) {
	if model == nil {
		return
	}
	v.gen++
	if n := model.NumMeasurepoints(); len(v.seenGen) < n {
		v.seenGen = make([]uint32, n)
	}
	if v.gen == 0 { // wrapped: forget every mark
		clear(v.seenGen)
		v.gen = 1
	}
}

// pointKey reads the key of the n-th point of the entry and returns it with
// its measurepoint in model (nil when the model has none, or there is no
// model); ok is false when no key could be read. The path's top frame is set
// to the key.
func (v *Validator) pointKey(e *entry, model *thingmodel.Model, n int) (key []byte, mp *thingmodel.Measurepoint, ok bool) {
	// Entries of one product usually list their points in the same order:
	// expect the previous entry's point at this position, and compare its
	// name in place before reading and hashing the key.
	if model != nil && model == v.seqModel && n < len(v.seq) {
		if id := v.seq[n].Identifier(); v.cur.TryKey(id) {
			mp = v.seq[n]
			key = unsafe.Slice(unsafe.StringData(id), len(id)) // read only: for pointers
			v.path[len(v.path)-1] = scan.Frame{Key: key}
		}
	}
	if key == nil {
		if key, ok = v.memberKey(e.mpOff); !ok {
			return nil, nil, false
		}
		if model != nil {
			mp = model.MeasurepointBytes(key)
		}
	}
	if mp != nil {
		v.nextSeq = append(v.nextSeq, mp)
	}
	return key, mp, true
}

// checkPoint checks the value of the point key, whose measurepoint is mp, in the
// entry's "measurepoints" object obj, and reports whether it was accepted: it
// then waits in v.pending, or is counted when nobody takes points. A refused
// point's error is in v.pointErr.
func (v *Validator) checkPoint(e *entry, model *thingmodel.Model, mp *thingmodel.Measurepoint, key []byte, obj *scan.Obj, depth int) bool {
	c, _ := v.cur.Peek()
	off := v.cur.Offset()
	v.pointErr.Code = 0 // bad() writes every field when it records
	var dup bool
	if mp != nil {
		dup = v.seenGen[mp.Index()] == v.gen
		v.seenGen[mp.Index()] = v.gen
	} else {
		_, dup = v.keys.Add(obj, key, false)
	}
	if dup {
		v.scanError(&scan.Error{Kind: scan.ErrDuplicate, Offset: off, Want: quoteBytes(key)})
	}
	switch {
	case model == nil:
		v.bad(off, "product "+quoteString(e.devPK)+" has no model")
		v.skipValue(depth + 1)
		return false
	case mp == nil:
		v.bad(off, "measurepoint "+quoteBytes(key)+" is not defined in model "+quoteString(model.ID()))
		v.skipValue(depth + 1)
		return false
	}
	v.pending = append(v.pending, pending{mp: mp, quality: -1, off: off})
	p := &v.pending[len(v.pending)-1]
	if mp.HasQuality() {
		p.quality = v.checkQuality(mp.Type(), c, off, depth+1, &p.val)
	} else {
		v.checkValue(mp.Type(), c, off, depth+1, &p.val)
	}
	if v.pointErr.Code == 0 {
		e.accepted++
		if v.yield == nil {
			v.pending = v.pending[:len(v.pending)-1] // nobody to hand it to
		}
		return true
	}
	v.pending = v.pending[:len(v.pending)-1]
	return false
}

// rejectPoint records the current point's error as the first 1204 and as skipped.
func (v *Validator) rejectPoint(e *entry) {
	if !v.found.model.set {
		v.found.model = entryErr{set: true, entry: e.index, err: v.pointErr}
	}
	v.res.SkippedTotal++
	if v.lim.maxSkipped > 0 && len(v.res.Skipped) < v.lim.maxSkipped {
		v.res.Skipped = append(v.res.Skipped, v.pointErr)
	}
}

// bad records a 1204 at the current path unless the point already has one.
func (v *Validator) bad(off int64, detail string) {
	if v.pointErr.Code != 0 {
		return
	}
	v.pointErr = Error{Code: codes.ModelInvalid, Pointer: v.pointer(), Offset: off, Detail: detail}
}

// The cache of device keys is bounded in bytes (see "Concurrency and memory" in
// the package documentation): a key longer than internMaxKey is not cached, and
// each cached key counts its length plus internOverhead (its map slot); a key
// that would take the count over internMaxBytes empties the cache first.
const (
	internMaxKey   = 128
	internOverhead = 64
	internMaxBytes = 64 << 10
)

// internBytes returns b as a string, from the cache when the same key was seen
// before, so that the device keys of a steady stream of messages cost no
// allocation.
func (v *Validator) internBytes(b []byte) string {
	if s, ok := v.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(s) > internMaxKey {
		return s
	}
	if v.internSize+len(s)+internOverhead > internMaxBytes {
		clear(v.intern)
		v.internSize = 0
	}
	v.intern[s] = s
	v.internSize += len(s) + internOverhead
	return s
}

// resetEntry empties the scratch that lives as long as one entry.
func (v *Validator) resetEntry() {
	v.pending = v.pending[:0]
	v.text = v.text[:0]
	v.items = v.items[:0]
	v.fields = v.fields[:0]
	v.names = v.names[:0]
	v.escKeys = v.escKeys[:0]
}
