package validate

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
)

// OrgDirectory is the caller's organisation directory for multiSet (SPEC §5.1).
// It must be safe for concurrent use when validators on several goroutines share
// it.
type OrgDirectory interface {
	// KnowsOrg reports whether orgID is an organisation of the platform.
	KnowsOrg(orgID string) bool
}

// AssetDirectory resolves the assetId of a multiSet item to its device. It must
// be safe for concurrent use when validators on several goroutines share it.
type AssetDirectory interface {
	// Asset returns the keys of the device whose asset id is assetID, and false
	// when no device has it.
	Asset(assetID string) (productKey, deviceKey string, ok bool)
}

// MultiSetQuery is the context of one multiSet request: its orgId query
// parameter and the directories to resolve names against. The zero value is a
// request without orgId.
type MultiSetQuery struct {
	// OrgID is the value of the orgId query parameter. An empty OrgID counts as
	// a missing parameter (SPEC §7.3).
	OrgID string
	// HasOrgID reports that the parameter was present in the query. It only
	// changes the submsg of a request whose OrgID is empty: "orgId is empty"
	// rather than "orgId is required".
	HasOrgID bool
	// Orgs, when not nil, must know OrgID, else the request gets 400 "orgId does
	// not exist". With nil, every orgId is known.
	Orgs OrgDirectory
	// Assets resolves items that name their device by assetId. With nil, an
	// assetId cannot be resolved: see the package documentation.
	Assets AssetDirectory
}

// Names of the fields of a multiSet item, in the order of the table of SPEC
// §5.2, which is the order in which they are checked.
const (
	msFRequestID = iota
	msFOrgID
	msFCallType
	msFChannelID
	msFProductKey
	msFDeviceKey
	msFAssetID
	msFMeasurepointID
	msFInputData
	msFTimeout
	msFGmtServiceRequest
	msFCallbackURL
	msNumFields
)

var msFieldNames = [msNumFields]string{
	msFRequestID:         "requestId",
	msFOrgID:             "orgId",
	msFCallType:          "callType",
	msFChannelID:         "setMeasurepointChannelId",
	msFProductKey:        "productKey",
	msFDeviceKey:         "deviceKey",
	msFAssetID:           "assetId",
	msFMeasurepointID:    "measurepointId",
	msFInputData:         "inputData",
	msFTimeout:           "timeout",
	msFGmtServiceRequest: "gmtServiceRequest",
	msFCallbackURL:       "callbackUrl",
}

func msFieldIndex(name []byte) int {
	for i, n := range msFieldNames {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// MultiSet validates one multiSet request body (SPEC §5) sent with the query q,
// and returns the response the platform gives. now is the server time in
// milliseconds since the epoch: the gmtServiceReply of every item, and the
// gmtServiceRequest of items that give none. MultiSet never reads a clock and
// never fails: every problem is a status in the response, which shares no
// memory with body. Like every method of a Validator, it must not be called by
// two goroutines at once.
//
// # Whole request
//
// These checks come first, in this order; the first that fails gives status 400
// (codes.InvalidArgument), msg "Invalid Argument <field>", a submsg that says
// why, and no data:
//
//  1. orgId missing or empty: field orgId.
//  2. body empty, not UTF-8, or not one JSON value nested at most
//     Limits.MaxDepth deep (default 64): field body. The body is read by the
//     scanner of the MQTT path, which does not recurse; of a nesting and a
//     syntax error, the one nearer the start of the body is reported. A
//     syntax error is worded as goccy/go-json words it.
//  3. body not an object; "data" absent, null, not an array, given twice,
//     empty, or holding more than Limits.MaxItems items (default 1000, SPEC
//     §6): field data. Other top-level keys are ignored. Items past the limit
//     are only checked for syntax, so a large body costs memory for at most
//     MaxItems items.
//  4. q.Orgs does not know orgId: field orgId, submsg "orgId does not exist".
//     The body is read first because it costs nothing to ask about.
//
// Otherwise the status is 0, msg "Success", submsg null, and data holds one
// reply per item, in request order.
//
// # Items
//
// Each item is checked on its own: one bad item does not fail the others. The
// first rule an item breaks gives its status; the rules are checked in this
// order, which is that of the table of SPEC §5.2. Each 1000 "para error" has a
// submsg that starts with the name of the field at fault.
//
//  1. The item must be a JSON object (submsg "data[i] must be ..."), with no
//     known key given twice (two parsers would read it differently). Keys are
//     matched exactly, case included, after unescaping. Keys that SPEC does
//     not name, such as the "requestMethod" of the platform's own replies, are
//     ignored and not echoed.
//  2. requestId: a non-empty string, not used by an earlier item of the
//     request. Every item with a usable requestId claims it, even one that
//     fails for another reason; the later items with the same id get 1000.
//  3. orgId: a non-empty string equal to the query's orgId.
//  4. callType: any value, or absent; whatever it says, the reply says "ASYNC".
//  5. setMeasurepointChannelId: "DATASVC.SET." (case-sensitive) followed by
//     one or more of A-Z a-z 0-9 _ . -, at most 64 bytes in all.
//  6. productKey, deviceKey, assetId: strings; a non-empty assetId, or both
//     keys non-empty. An empty string counts as absent when naming the device.
//  7. measurepointId: an identifier (SPEC §3: 1 to 128 of A-Z a-z 0-9 _ - .).
//  8. inputData: an object (or absent), with no key given twice.
//  9. timeout: a JSON integer literal (no fraction, no exponent, no string) in
//     [1, 300000]; absent: 30000.
//  10. gmtServiceRequest: a JSON integer literal in [0, 2^63-1]; absent: now.
//  11. callbackUrl: any value, or absent; it is ignored.
//
// A field given as JSON null counts as absent, for every field. A field of the
// wrong JSON type is a 1000 that names the field. These field rules do not
// depend on the Profile: the profile applies to inputData values only.
//
// Then the lookups, in this order:
//
//  12. Device. When both keys are given they name the device. When q.Assets
//     is not nil, a given assetId must be known to it (else 1000201 "device
//     does not exist") and name the same device as any key given with it
//     (else 1000 naming assetId, or the lone key); an assetId alone then names
//     the device. When q.Assets is nil, an item named by assetId alone cannot
//     be placed: if Directory or Models is set, it gets 1000201 with submsg
//     "assetId ... cannot be resolved: no asset directory"; otherwise nothing
//     needs its device and it is accepted.
//  13. With a Directory, the device must be known to it, else 1000201.
//  14. With Models, the device's product must have a model, else 1000211 "can
//     not find model", and the model must define measurepointId, else 1000213
//     "can not find device point". A nil Models turns these checks off; this
//     differs from MQTT validation, where a nil catalog means that no product
//     has a model, because a multiSet caller without models wants the field
//     rules alone.
//  15. inputData values, in document order: null gives 1000212 "control value
//     is null" (with or without Models: a null can never be written); with
//     Models, a value that CheckValue refuses for the point's type gives 1004
//     "data type error", submsg "inputData.<key>: <detail>".
//
// # What inputData means
//
// inputData maps argument names to values to write to the one point that
// measurepointId names; SPEC §5.2 says each value is checked against the
// point's dataType. The names are not checked (the platform's examples use
// "arg" and "testArg"). An absent or empty inputData is accepted: there is
// then no value to check. Values are checked with CheckValue, the code that
// checks MQTT point values, under the Validator's Profile. A control value is
// bare: a point with hasQuality takes a plain number, and a {"value", "quality"}
// object is a 1004, since quality describes measured data, not commands.
//
// # Replies
//
// An item's reply echoes each of its fields with the JSON type and value it
// came with (SPEC §5.2): a non-empty string in the reply's string field; an
// empty string, a number or any other value in Verbatim as its compacted text,
// so "" stays "" and 5 stays 5, also in a field that failed its rule; null for
// a field that was absent or null. Strings are re-encoded (the same value,
// escapes written plainly) and inputData is compacted. The reply adds status,
// msg ("Success" or the error's message), submsg (null on success), callType
// "ASYNC", the effective timeout and gmtServiceRequest (the default when absent
// or not an integer, the value as sent when it is an integer out of range), and
// gmtServiceReply = now. When the lookups resolve the device, the reply is
// completed with what the request left out or sent as "": productKey and
// deviceKey from the asset directory, assetId from the Directory; a service
// dispatching the accepted items can then rely on productKey and deviceKey.
func (v *Validator) MultiSet(q MultiSetQuery, body []byte, now int64) protocol.MultiSetResponse {
	if q.OrgID == "" {
		if q.HasOrgID {
			return msInvalidArgument("orgId", "orgId is empty")
		}
		return msInvalidArgument("orgId", "orgId is required")
	}
	s := msState{v: v, q: &q, now: now}
	items, field, submsg := s.p.body(body, v.msMaxDepth(), v.msMaxItems())
	if field != "" {
		return msInvalidArgument(field, submsg)
	}
	if q.Orgs != nil && !q.Orgs.KnowsOrg(q.OrgID) {
		return msInvalidArgument("orgId", "orgId does not exist")
	}
	s.seen = make(map[string]int, len(items))
	resp := protocol.MultiSetResponse{
		Status: codes.Success,
		Msg:    codes.Success.Message(),
		Data:   make([]protocol.SetMeasurepointReply, len(items)),
	}
	for i := range items {
		resp.Data[i] = s.item(i, &items[i])
	}
	return resp
}

func (v *Validator) msMaxDepth() int {
	if v.opts.Limits.MaxDepth > 0 {
		return v.opts.Limits.MaxDepth
	}
	return DefaultMaxDepth
}

func (v *Validator) msMaxItems() int {
	switch n := v.opts.Limits.MaxItems; {
	case n > 0:
		return n
	case n < 0:
		return -1
	}
	return DefaultMaxItems
}

func msInvalidArgument(field, submsg string) protocol.MultiSetResponse {
	return protocol.MultiSetResponse{
		Status: codes.InvalidArgument,
		Msg:    codes.InvalidArgument.Message() + " " + field,
		Submsg: submsg,
	}
}

// msParser reads a multiSet body with the scanner of the MQTT path, so that one
// JSON reader serves both APIs. It reads from memory: every raw value it returns
// is a sub-slice of the body, and replies copy what they keep.
type msParser struct {
	r    scan.Reader
	keys scan.KeySet
	sk   scan.Skipper
}

// body reads the whole body and returns its items, or the field and submsg of
// its whole-request error (SPEC §5.1). The body is read to its end before the
// data rules apply, so that a syntax error anywhere wins over them. Unlike an
// MQTT payload, a body may repeat keys (the item rules judge the keys they
// know) and hold lone surrogates in \u escapes (decoded to U+FFFD).
func (p *msParser) body(body []byte, maxDepth, maxItems int) (items []msItem, field, submsg string) {
	p.r.ResetBytes(body, 0)
	p.sk = scan.Skipper{R: &p.r, Keys: &p.keys, MaxDepth: maxDepth}
	top, ok := p.r.Peek()
	if !ok {
		return nil, "body", "body is empty"
	}
	if !utf8.Valid(body) {
		// Checked first and on the whole body: invalid UTF-8 outside strings
		// is reported as such, not as a syntax error.
		return nil, "body", "body is not valid UTF-8"
	}
	var data byte // the first byte of data's value; 0 when absent
	twice := false
	over := false // data holds more than maxItems items
	var err *scan.Error
	if top == '{' {
		err = p.members(1, func(key []byte, dup bool) *scan.Error {
			if string(key) != "data" {
				return p.sk.Skip(2)
			}
			twice = twice || dup
			data, _ = p.r.Peek()
			if data != '[' {
				return p.sk.Skip(2)
			}
			items = items[:0]
			over = false
			return p.elements(2, func() *scan.Error {
				if maxItems >= 0 && len(items) >= maxItems {
					over = true
					return p.sk.Skip(3)
				}
				items = append(items, msItem{})
				return p.item(&items[len(items)-1], 3)
			})
		})
	} else {
		err = p.sk.Skip(1)
	}
	if c, ok := p.r.Peek(); err == nil && ok {
		err = &scan.Error{Kind: scan.ErrTrailing, Offset: p.r.Offset(), Byte: c}
	}
	switch {
	case err != nil:
		return nil, "body", msNotJSON(body, err)
	case top != '{':
		return nil, "data", "body must be a JSON object with a data array, not " + msKindName(top)
	case twice:
		return nil, "data", "data is given twice"
	case data == 0 || data == 'n':
		return nil, "data", "data is required"
	case data != '[':
		return nil, "data", "data must be an array, not " + msKindName(data)
	case len(items) == 0:
		return nil, "data", "data is empty"
	case over:
		return nil, "data", "data has more than " + strconv.Itoa(maxItems) + " items"
	}
	return items, "", ""
}

// msNotJSON returns the submsg of a body that the scanner refused. A syntax
// error keeps the wording of goccy/go-json, which the response has always
// carried and which readers of earlier responses know; the scanner's own detail
// is the fallback. goccy/go-json stops at the first error, at most as deep as
// the scanner has read, and bounds its nesting itself.
func msNotJSON(body []byte, e *scan.Error) string {
	if e.Kind == scan.ErrDepth {
		return "body nests deeper than " + strconv.Itoa(e.Limit) + " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	var raw json.RawMessage
	var se *json.SyntaxError
	if errors.As(json.Unmarshal(body, &raw), &se) {
		return "body is not JSON: " + se.Error() + " (offset " + strconv.FormatInt(se.Offset, 10) + ")"
	}
	return "body is not JSON: " + e.Detail() + " (offset " + strconv.FormatInt(e.Offset, 10) + ")"
}

// members reads the object that starts at the next byte, whose own depth is
// depth. After each key and its colon it calls fn with the decoded key (valid
// until the object ends) and whether the object gave it before; fn reads the
// member's value.
func (p *msParser) members(depth int, fn func(key []byte, dup bool) *scan.Error) *scan.Error {
	r := &p.r
	if depth > p.sk.MaxDepth {
		return r.FailAt(scan.ErrDepth, r.Offset(), p.sk.MaxDepth)
	}
	r.Skip1()
	obj := p.keys.Open()
	defer p.keys.Close(&obj)
	c, ok := r.Peek()
	if ok && c == '}' {
		r.Skip1()
		return nil
	}
	for {
		if !ok || c != '"' {
			return r.Fail(c, ok, "string key")
		}
		raw, esc, err := r.ReadKey()
		if err != nil && err.Kind.Fatal() {
			return err
		}
		key, dup := p.keys.Add(&obj, raw, esc)
		if err := fn(key, dup); err != nil {
			return err
		}
		switch c, ok = r.Peek(); {
		case ok && c == ',':
			r.Skip1()
			c, ok = r.Peek()
		case ok && c == '}':
			r.Skip1()
			return nil
		default:
			return r.Fail(c, ok, "',' or '}'")
		}
	}
}

// elements reads the array that starts at the next byte, whose own depth is
// depth, calling fn to read each element.
func (p *msParser) elements(depth int, fn func() *scan.Error) *scan.Error {
	r := &p.r
	if depth > p.sk.MaxDepth {
		return r.FailAt(scan.ErrDepth, r.Offset(), p.sk.MaxDepth)
	}
	r.Skip1()
	if c, ok := r.Peek(); ok && c == ']' {
		r.Skip1()
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch c, ok := r.Peek(); {
		case ok && c == ',':
			r.Skip1()
		case ok && c == ']':
			r.Skip1()
			return nil
		default:
			return r.Fail(c, ok, "',' or ']'")
		}
	}
}

// value reads one value, whose own depth is depth, and returns its raw text.
func (p *msParser) value(depth int) ([]byte, *scan.Error) {
	p.r.Peek()
	p.r.StartCapture(0)
	err := p.sk.Skip(depth)
	raw, _, _ := p.r.EndCapture()
	return raw, err
}

// item reads one element of data, whose own depth is depth, into it: the raw
// value of each field SPEC §5.2 names. Other keys are skipped.
func (p *msParser) item(it *msItem, depth int) *scan.Error {
	it.kind, _ = p.r.Peek()
	if it.kind != '{' {
		return p.sk.Skip(depth)
	}
	return p.members(depth, func(key []byte, _ bool) *scan.Error {
		f := msFieldIndex(key)
		val, err := p.value(depth + 1)
		if f >= 0 && err == nil {
			if it.raw[f] != nil && it.twice == "" {
				it.twice = msFieldNames[f]
			}
			it.raw[f] = val
		}
		return err
	})
}

// msArg is one member of an item's inputData.
type msArg struct {
	key string // decoded
	val []byte // raw
}

// args returns the members of inputData, the raw object in, in document order,
// and the first key given twice, or "". No error can occur: body has read the
// object already.
func (p *msParser) args(in []byte) (args []msArg, dup string) {
	p.r.ResetBytes(in, 0)
	p.keys.Reset()
	p.r.Peek()
	p.members(1, func(key []byte, twice bool) *scan.Error {
		if twice && dup == "" {
			dup = string(key)
		}
		val, err := p.value(2)
		args = append(args, msArg{key: string(key), val: val})
		return err
	})
	return args, dup
}

// msState is the state of one MultiSet call.
type msState struct {
	v    *Validator
	q    *MultiSetQuery
	now  int64
	seen map[string]int // requestId -> index of the first item with it
	p    msParser
}

// msItem holds what was read of one item.
type msItem struct {
	kind  byte                // the item's first byte: '{' for an object
	raw   [msNumFields][]byte // each field's raw value; nil when absent
	twice string              // the first key given twice, or ""
	str   [msNumFields]string // decoded string fields
	args  []msArg             // inputData's members, once its rule has read them
	reply protocol.SetMeasurepointReply
}

// fail sets the item's status and returns its reply.
func (it *msItem) fail(c codes.Status, submsg string) protocol.SetMeasurepointReply {
	it.reply.Status = c
	it.reply.Msg = c.Message()
	it.reply.Submsg = submsg
	return it.reply
}

// present reports whether field f was given a value other than null.
func (it *msItem) present(f int) bool { return it.raw[f] != nil && it.raw[f][0] != 'n' }

// isString reports whether field f is absent, null or a string: anything else
// is the wrong JSON type.
func (it *msItem) isString(f int) bool { return !it.present(f) || it.raw[f][0] == '"' }

func (s *msState) item(index int, it *msItem) protocol.SetMeasurepointReply {
	it.reply.CallType = protocol.CallTypeAsync
	it.reply.Timeout = protocol.DefaultSetTimeout
	it.reply.GmtServiceRequest = s.now
	it.reply.GmtServiceReply = s.now
	if it.kind != '{' {
		return it.fail(codes.ParaError, "data["+strconv.Itoa(index)+"] must be an object, not "+msKindName(it.kind))
	}
	s.echo(it)

	// Registered before any rule is checked, so that uniqueness does not depend
	// on whether the first item with the id passes the other rules.
	duplicateOf := -1
	if id := it.str[msFRequestID]; id != "" {
		if first, ok := s.seen[id]; ok {
			duplicateOf = first
		} else {
			s.seen[id] = index
		}
	}

	if it.twice != "" {
		return it.fail(codes.ParaError, it.twice+" is given twice")
	}
	if submsg := s.checkFields(it, duplicateOf); submsg != "" {
		return it.fail(codes.ParaError, submsg)
	}
	return s.lookup(it)
}

// echo fills the reply with the item's fields, as far as they have the right
// JSON types, and the effective timeout and gmtServiceRequest.
func (s *msState) echo(it *msItem) {
	r := &it.reply
	for _, f := range [...]int{msFRequestID, msFOrgID, msFCallType, msFChannelID, msFProductKey, msFDeviceKey, msFAssetID, msFMeasurepointID, msFCallbackURL} {
		if !it.present(f) {
			continue
		}
		if it.raw[f][0] == '"' {
			it.str[f] = msText(it.raw[f])
		}
		if f != msFCallType && it.str[f] == "" {
			// "" and values that are not strings are echoed as they came
			// (SPEC §5.2); the string fields of the reply cannot hold them.
			if r.Verbatim == nil {
				r.Verbatim = make(map[string]json.RawMessage, 1)
			}
			r.Verbatim[msFieldNames[f]] = msCompact(it.raw[f])
		}
	}
	r.RequestID = it.str[msFRequestID]
	r.OrgID = it.str[msFOrgID]
	r.SetMeasurepointChannelID = it.str[msFChannelID]
	r.ProductKey = it.str[msFProductKey]
	r.DeviceKey = it.str[msFDeviceKey]
	r.AssetID = it.str[msFAssetID]
	r.MeasurepointID = it.str[msFMeasurepointID]
	r.CallbackURL = it.str[msFCallbackURL]
	if it.present(msFInputData) {
		r.InputData = msCompact(it.raw[msFInputData])
	}
	if n, ok := msInt(it.raw[msFTimeout]); ok {
		r.Timeout = n
	}
	if n, ok := msInt(it.raw[msFGmtServiceRequest]); ok {
		r.GmtServiceRequest = n
	}
}

// checkFields applies the rules of SPEC §5.2 in the order of its table and
// returns the submsg of the first that fails, or "".
func (s *msState) checkFields(it *msItem, duplicateOf int) string {
	// requestId
	if !it.isString(msFRequestID) {
		return msWrongType(it, msFRequestID, "a string")
	}
	if it.str[msFRequestID] == "" {
		return "requestId is required"
	}
	if duplicateOf >= 0 {
		return "requestId " + msQuote(it.str[msFRequestID]) + " is not unique: item " + strconv.Itoa(duplicateOf) + " has it too"
	}
	// orgId
	if !it.isString(msFOrgID) {
		return msWrongType(it, msFOrgID, "a string")
	}
	if it.str[msFOrgID] == "" {
		return "orgId is required"
	}
	if it.str[msFOrgID] != s.q.OrgID {
		return "orgId " + msQuote(it.str[msFOrgID]) + " differs from the query's orgId " + msQuote(s.q.OrgID)
	}
	// callType: any value; the reply says ASYNC.
	// setMeasurepointChannelId
	if !it.isString(msFChannelID) {
		return msWrongType(it, msFChannelID, "a string")
	}
	if msg := msCheckChannelID(it.str[msFChannelID]); msg != "" {
		return msg
	}
	// assetId, or productKey and deviceKey
	for _, f := range [...]int{msFProductKey, msFDeviceKey, msFAssetID} {
		if !it.isString(f) {
			return msWrongType(it, f, "a string")
		}
	}
	pk, dk, asset := it.str[msFProductKey], it.str[msFDeviceKey], it.str[msFAssetID]
	if asset == "" {
		switch {
		case pk == "" && dk == "":
			return "assetId, or productKey and deviceKey, are required"
		case dk == "":
			return "deviceKey is required with productKey, unless assetId is given"
		case pk == "":
			return "productKey is required with deviceKey, unless assetId is given"
		}
	}
	// measurepointId
	if !it.isString(msFMeasurepointID) {
		return msWrongType(it, msFMeasurepointID, "a string")
	}
	if id := it.str[msFMeasurepointID]; id == "" {
		return "measurepointId is required"
	} else if !thingmodel.ValidIdentifier(id) {
		return "measurepointId " + msQuote(id) + " is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)"
	}
	// inputData
	if in := it.raw[msFInputData]; it.present(msFInputData) {
		if in[0] != '{' {
			return msWrongType(it, msFInputData, "an object")
		}
		var dup string
		if it.args, dup = s.p.args(in); dup != "" {
			return "inputData has the key " + msQuote(dup) + " twice"
		}
	}
	// timeout
	if it.present(msFTimeout) {
		n, ok := msInt(it.raw[msFTimeout])
		if !ok {
			return "timeout must be an integer of milliseconds, not " + msDescribe(it.raw[msFTimeout])
		}
		if n < protocol.MinSetTimeout || n > protocol.MaxSetTimeout {
			return "timeout " + strconv.FormatInt(n, 10) + " is outside [1, 300000]"
		}
	}
	// gmtServiceRequest
	if it.present(msFGmtServiceRequest) {
		n, ok := msInt(it.raw[msFGmtServiceRequest])
		if !ok {
			return "gmtServiceRequest must be an integer of milliseconds, not " + msDescribe(it.raw[msFGmtServiceRequest])
		}
		if n < 0 {
			return "gmtServiceRequest " + strconv.FormatInt(n, 10) + " is negative"
		}
	}
	// callbackUrl: any value, ignored.
	return ""
}

// msCheckChannelID applies the setMeasurepointChannelId rule of SPEC §5.2.
func msCheckChannelID(id string) string {
	const p = protocol.ChannelPrefix
	if id == "" {
		return "setMeasurepointChannelId is required"
	}
	if len(id) <= len(p) || id[:len(p)] != p {
		return "setMeasurepointChannelId " + msQuote(id) + " does not start with " + msQuote(p) + " followed by a name"
	}
	for i := len(p); i < len(id); i++ {
		if c := id[i]; !msChannelChar(c) {
			return "setMeasurepointChannelId " + msQuote(id) + " has " + msQuote(id[i:i+1]) + " at byte " + strconv.Itoa(i) +
				"; allowed after the prefix: A-Z a-z 0-9 _ . -"
		}
	}
	if len(id) > protocol.MaxChannelIDLength {
		return "setMeasurepointChannelId is " + strconv.Itoa(len(id)) + " bytes, more than " + strconv.Itoa(protocol.MaxChannelIDLength)
	}
	return ""
}

func msChannelChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func msWrongType(it *msItem, f int, want string) string {
	return msFieldNames[f] + " must be " + want + ", not " + msDescribe(it.raw[f])
}

// lookup applies the checks that need the caller's directories and models
// (SPEC §5.2, second paragraph), fills in the device the item resolved to, and
// returns the reply.
func (s *msState) lookup(it *msItem) protocol.SetMeasurepointReply {
	r := &it.reply
	pk, dk, asset := r.ProductKey, r.DeviceKey, r.AssetID
	resolved := pk != "" && dk != ""
	if asset != "" && s.q.Assets != nil {
		apk, adk, ok := s.q.Assets.Asset(asset)
		if !ok {
			return it.fail(codes.DeviceNotExist, "assetId "+msQuote(asset)+" does not exist")
		}
		switch {
		case resolved && (apk != pk || adk != dk):
			return it.fail(codes.ParaError, "assetId "+msQuote(asset)+" is the device "+msQuote(apk+"/"+adk)+
				", not productKey/deviceKey "+msQuote(pk+"/"+dk))
		case pk != "" && pk != apk:
			return it.fail(codes.ParaError, "productKey "+msQuote(pk)+" is not the product of assetId "+msQuote(asset)+", "+msQuote(apk))
		case dk != "" && dk != adk:
			return it.fail(codes.ParaError, "deviceKey "+msQuote(dk)+" is not the device key of assetId "+msQuote(asset)+", "+msQuote(adk))
		}
		pk, dk, resolved = apk, adk, true
	}
	dir, models := s.v.opts.Directory, s.v.opts.Models
	if !resolved && (dir != nil || models != nil) {
		return it.fail(codes.DeviceNotExist, "assetId "+msQuote(asset)+" cannot be resolved: no asset directory")
	}
	if resolved && (r.ProductKey == "" || r.DeviceKey == "") {
		// Named by assetId: the keys are filled in, in place of any ""
		// that came for them.
		r.ProductKey, r.DeviceKey = pk, dk
		delete(r.Verbatim, msFieldNames[msFProductKey])
		delete(r.Verbatim, msFieldNames[msFDeviceKey])
	}
	if dir != nil {
		dev, ok := dir.Device(pk, dk)
		if !ok {
			return it.fail(codes.DeviceNotExist, "device "+msQuote(pk+"/"+dk)+" does not exist")
		}
		if r.AssetID == "" && dev.AssetID != "" {
			r.AssetID = dev.AssetID
			delete(r.Verbatim, msFieldNames[msFAssetID])
		}
	}
	var point *thingmodel.Measurepoint
	if models != nil {
		m := models.Model(pk)
		if m == nil {
			return it.fail(codes.ModelNotFound, "product "+msQuote(pk)+" has no model")
		}
		point = m.Measurepoint(r.MeasurepointID)
		if point == nil {
			return it.fail(codes.PointNotFound, "model "+msQuote(m.ID())+" has no measurepoint "+msQuote(r.MeasurepointID))
		}
	}
	for _, a := range it.args {
		name := "inputData." + a.key
		if a.val[0] == 'n' {
			return it.fail(codes.ControlValueNull, name+" is null")
		}
		if point == nil {
			continue
		}
		if _, err := s.v.CheckValue(point.Type(), a.val); err != nil {
			code, detail := codes.DataTypeError, err.Error()
			var ve *Error
			if errors.As(err, &ve) {
				detail = ve.Detail
				if ve.Code == codes.FormatError {
					// The body is well-formed JSON, so this is the hygiene of
					// SPEC §4.7 (a key twice in a STRUCT value, say): a
					// malformed field, not a value of the wrong type.
					code = codes.ParaError
				}
			}
			return it.fail(code, name+": "+detail)
		}
	}
	return it.fail(codes.Success, "")
}

// msText returns the text of a raw JSON string.
func msText(raw []byte) string {
	return string(scan.AppendUnescaped(nil, raw[1:len(raw)-1]))
}

// msInt returns the value of a JSON integer literal (no fraction, no exponent)
// that fits an int64.
func msInt(raw []byte) (int64, bool) {
	if num, ok := scan.IsNumber(raw); !ok || !num.Integer() {
		return 0, false
	}
	n, st := scan.ParseInt(raw)
	return n, st == scan.IntOK
}

// msCompact returns a copy of the well-formed JSON value raw without
// insignificant white space; strings stay as they were written.
func msCompact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		// Not reached: the body was read whole. A copy keeps the reply
		// independent of the body all the same.
		return append([]byte(nil), raw...)
	}
	return b.Bytes()
}

// msKindName names the JSON type of the value that starts with c.
func msKindName(c byte) string {
	switch k := describeStart(c); k {
	case "null":
		return k
	case "object", "array":
		return "an " + k
	default:
		return "a " + k
	}
}

// msDescribe names the JSON type of a raw value, with the value itself when it is
// short.
func msDescribe(raw []byte) string {
	k := msKindName(raw[0])
	if len(raw) <= 32 && raw[0] != '{' && raw[0] != '[' {
		return k + " " + string(raw)
	}
	return k
}

// msQuote returns s in double quotes for a submsg, cut at 64 bytes.
func msQuote(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strconv.Quote(s)
}
