package multiset

import (
	"errors"
	"strconv"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
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

// Query is the context of one multiSet request: its orgId query
// parameter and the directories to resolve names against. The zero value is a
// request without orgId.
type Query struct {
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
	fRequestID = iota
	fOrgID
	fCallType
	fChannelID
	fProductKey
	fDeviceKey
	fAssetID
	fMeasurepointID
	fInputData
	fTimeout
	fGmtServiceRequest
	fCallbackURL
	numFields
)

var fieldNames = [numFields]string{
	fRequestID:         "requestId",
	fOrgID:             "orgId",
	fCallType:          "callType",
	fChannelID:         "setMeasurepointChannelId",
	fProductKey:        "productKey",
	fDeviceKey:         "deviceKey",
	fAssetID:           "assetId",
	fMeasurepointID:    "measurepointId",
	fInputData:         "inputData",
	fTimeout:           "timeout",
	fGmtServiceRequest: "gmtServiceRequest",
	fCallbackURL:       "callbackUrl",
}

func fieldIndex(name []byte) int {
	for i, n := range fieldNames {
		if string(name) == n {
			return i
		}
	}
	return -1
}

// Validator validates multiSet requests. It holds a validate.Validator for
// the inputData values and the scanner's buffers, reused from request to
// request; like a validate.Validator it is not safe for concurrent use: use one
// per goroutine. The Options it was made with are shared, read-only.
type Validator struct {
	v    *validate.Validator // CheckValue, under opts.Profile
	opts validate.Options
}

// New returns a Validator with the given options. The options are those of
// package validate: Models and Directory are the lookups of SPEC §5.2,
// Profile applies to inputData values, and Limits.MaxDepth bounds the nesting
// of a body (default validate.DefaultMaxDepth); the other fields do not apply.
func New(opts validate.Options) *Validator {
	return &Validator{v: validate.New(opts), opts: opts}
}

// Validate validates one multiSet request body (SPEC §5) sent with the query
// q, and returns the response the platform gives. now is the server time in
// milliseconds since the epoch: the gmtServiceReply of every item, and the
// gmtServiceRequest of items that give none. Validate never reads a clock and
// never fails: every problem is a status in the response, which shares no
// memory with body. The rules, in the order they are checked, are in the
// package documentation.
func (v *Validator) Validate(q Query, body []byte, now int64) protocol.MultiSetResponse {
	if q.OrgID == "" {
		if q.HasOrgID {
			return invalidArgument("orgId", "orgId is empty")
		}
		return invalidArgument("orgId", "orgId is required")
	}
	s := state{v: v, q: &q, now: now}
	items, field, submsg := s.p.body(body, v.maxDepth(), v.maxItems())
	if field != "" {
		return invalidArgument(field, submsg)
	}
	if q.Orgs != nil && !q.Orgs.KnowsOrg(q.OrgID) {
		return invalidArgument("orgId", "orgId does not exist")
	}
	s.seen = make(map[string]int, len(items))
	resp := protocol.MultiSetResponse{
		Status: codes.Success,
		Msg:    codes.Success.Message(),
		Data:   make([]protocol.SetMeasurepointReply, len(items)),
	}
	for i := range items {
		resp.Data[i] = s.check(i, &items[i])
	}
	return resp
}

func (v *Validator) maxDepth() int {
	if v.opts.Limits.MaxDepth > 0 {
		return v.opts.Limits.MaxDepth
	}
	return validate.DefaultMaxDepth
}

func (v *Validator) maxItems() int {
	switch n := v.opts.Limits.MaxItems; {
	case n > 0:
		return n
	case n < 0:
		return -1
	}
	return validate.DefaultMaxItems
}

func invalidArgument(field, submsg string) protocol.MultiSetResponse {
	return protocol.MultiSetResponse{
		Status: codes.InvalidArgument,
		Msg:    codes.InvalidArgument.Message() + " " + field,
		Submsg: submsg,
	}
}

// parser reads a multiSet body with the scanner of the MQTT path, so that one
// JSON reader serves both APIs. It reads from memory: every raw value it returns
// is a sub-slice of the body, and replies copy what they keep.
type parser struct {
	r    scan.Reader
	keys scan.KeySet
	sk   scan.Skipper
}

// body reads the whole body and returns its items, or the field and submsg of
// its whole-request error (SPEC §5.1). The body is read to its end before the
// data rules apply, so that a syntax error anywhere wins over them. Unlike an
// MQTT payload, a body may repeat keys (the item rules judge the keys they
// know) and hold lone surrogates in \u escapes (decoded to U+FFFD).
func (p *parser) body(body []byte, maxDepth, maxItems int) (items []item, field, submsg string) {
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
				items = append(items, item{})
				return p.readItem(&items[len(items)-1], 3)
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
		return nil, "body", notJSON(err)
	case top != '{':
		return nil, "data", "body must be a JSON object with a data array, not " + kindName(top)
	case twice:
		return nil, "data", "data is given twice"
	case data == 0 || data == 'n':
		return nil, "data", "data is required"
	case data != '[':
		return nil, "data", "data must be an array, not " + kindName(data)
	case len(items) == 0:
		return nil, "data", "data is empty"
	case over:
		return nil, "data", "data has more than " + strconv.Itoa(maxItems) + " items"
	}
	return items, "", ""
}

// notJSON returns the submsg of a body that the scanner refused, with the
// byte offset of the fault.
func notJSON(e *scan.Error) string {
	off := " (offset " + strconv.FormatInt(e.Offset, 10) + ")"
	switch e.Kind {
	case scan.ErrDepth:
		return "body nests deeper than " + strconv.Itoa(e.Limit) + " at offset " + strconv.FormatInt(e.Offset, 10)
	case scan.ErrEOF:
		return "body is not JSON: unexpected end of JSON input" + off
	}
	return "body is not JSON: " + e.Detail() + off
}

// members reads the object that starts at the next byte, whose own depth is
// depth. After each key and its colon it calls fn with the decoded key (valid
// until the object ends) and whether the object gave it before; fn reads the
// member's value.
func (p *parser) members(depth int, fn func(key []byte, dup bool) *scan.Error) *scan.Error {
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
func (p *parser) elements(depth int, fn func() *scan.Error) *scan.Error {
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
func (p *parser) value(depth int) ([]byte, *scan.Error) {
	p.r.Peek()
	p.r.StartCapture(0)
	err := p.sk.Skip(depth)
	raw, _, _ := p.r.EndCapture()
	return raw, err
}

// readItem reads one element of data, whose own depth is depth, into it: the raw
// value of each field SPEC §5.2 names. Other keys are skipped.
func (p *parser) readItem(it *item, depth int) *scan.Error {
	it.kind, _ = p.r.Peek()
	if it.kind != '{' {
		return p.sk.Skip(depth)
	}
	return p.members(depth, func(key []byte, _ bool) *scan.Error {
		f := fieldIndex(key)
		val, err := p.value(depth + 1)
		if f >= 0 && err == nil {
			if it.raw[f] != nil && it.twice == "" {
				it.twice = fieldNames[f]
			}
			it.raw[f] = val
		}
		return err
	})
}

// arg is one member of an item's inputData.
type arg struct {
	key string // decoded
	val []byte // raw
}

// args returns the members of inputData, the raw object in, in document order,
// and the first key given twice, or "". No error can occur: body has read the
// object already.
func (p *parser) args(in []byte) (args []arg, dup string) {
	p.r.ResetBytes(in, 0)
	p.keys.Reset()
	p.r.Peek()
	p.members(1, func(key []byte, twice bool) *scan.Error {
		if twice && dup == "" {
			dup = string(key)
		}
		val, err := p.value(2)
		args = append(args, arg{key: string(key), val: val})
		return err
	})
	return args, dup
}

// state is the state of one MultiSet call.
type state struct {
	v    *Validator
	q    *Query
	now  int64
	seen map[string]int // requestId -> index of the first item with it
	p    parser
}

// item holds what was read of one item.
type item struct {
	kind  byte              // the item's first byte: '{' for an object
	raw   [numFields][]byte // each field's raw value; nil when absent
	twice string            // the first key given twice, or ""
	str   [numFields]string // decoded string fields
	args  []arg             // inputData's members, once its rule has read them
	reply protocol.SetMeasurepointReply
}

// fail sets the item's status and returns its reply.
func (it *item) fail(c codes.Status, submsg string) protocol.SetMeasurepointReply {
	it.reply.Status = c
	it.reply.Msg = c.Message()
	it.reply.Submsg = submsg
	return it.reply
}

// present reports whether field f was given a value other than null.
func (it *item) present(f int) bool { return it.raw[f] != nil && it.raw[f][0] != 'n' }

// isString reports whether field f is absent, null or a string: anything else
// is the wrong JSON type.
func (it *item) isString(f int) bool { return !it.present(f) || it.raw[f][0] == '"' }

// check applies the rules of SPEC §5.2 to the item index and returns its
// reply.
func (s *state) check(index int, it *item) protocol.SetMeasurepointReply {
	it.reply.CallType = protocol.CallTypeAsync
	it.reply.Timeout = protocol.DefaultSetTimeout
	it.reply.GmtServiceRequest = s.now
	it.reply.GmtServiceReply = s.now
	if it.kind != '{' {
		return it.fail(codes.ParaError, "data["+strconv.Itoa(index)+"] must be an object, not "+kindName(it.kind))
	}
	s.echo(it)

	// Registered before any rule is checked, so that uniqueness does not depend
	// on whether the first item with the id passes the other rules.
	duplicateOf := -1
	if id := it.str[fRequestID]; id != "" {
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
func (s *state) echo(it *item) {
	r := &it.reply
	for _, f := range [...]int{fRequestID, fOrgID, fCallType, fChannelID, fProductKey, fDeviceKey, fAssetID, fMeasurepointID, fCallbackURL} {
		if !it.present(f) {
			continue
		}
		if it.raw[f][0] == '"' {
			it.str[f] = text(it.raw[f])
		}
		if f != fCallType && it.str[f] == "" {
			// "" and values that are not strings are echoed as they came
			// (SPEC §5.2); the string fields of the reply cannot hold them.
			if r.Verbatim == nil {
				r.Verbatim = make(map[string]json.RawMessage, 1)
			}
			r.Verbatim[fieldNames[f]] = compact(it.raw[f])
		}
	}
	r.RequestID = it.str[fRequestID]
	r.OrgID = it.str[fOrgID]
	r.SetMeasurepointChannelID = it.str[fChannelID]
	r.ProductKey = it.str[fProductKey]
	r.DeviceKey = it.str[fDeviceKey]
	r.AssetID = it.str[fAssetID]
	r.MeasurepointID = it.str[fMeasurepointID]
	r.CallbackURL = it.str[fCallbackURL]
	if it.present(fInputData) {
		r.InputData = compact(it.raw[fInputData])
	}
	if n, ok := intLiteral(it.raw[fTimeout]); ok {
		r.Timeout = n
	}
	if n, ok := intLiteral(it.raw[fGmtServiceRequest]); ok {
		r.GmtServiceRequest = n
	}
}

// checkFields applies the rules of SPEC §5.2 in the order of its table and
// returns the submsg of the first that fails, or "".
func (s *state) checkFields(it *item, duplicateOf int) string {
	if msg := s.checkRouting(it, duplicateOf); msg != "" {
		return msg
	}
	if msg := checkDevice(it); msg != "" {
		return msg
	}
	// callbackUrl: any value, ignored.
	return s.checkCommand(it)
}

// checkRouting applies the rules of requestId, orgId, callType and
// setMeasurepointChannelId.
func (s *state) checkRouting(it *item, duplicateOf int) string {
	// requestId
	if !it.isString(fRequestID) {
		return wrongType(it, fRequestID, "a string")
	}
	if it.str[fRequestID] == "" {
		return "requestId is required"
	}
	if duplicateOf >= 0 {
		return "requestId " + quote.Diag(it.str[fRequestID], 64) + " is not unique: item " + strconv.Itoa(duplicateOf) + " has it too"
	}
	// orgId
	if !it.isString(fOrgID) {
		return wrongType(it, fOrgID, "a string")
	}
	if it.str[fOrgID] == "" {
		return "orgId is required"
	}
	if it.str[fOrgID] != s.q.OrgID {
		return "orgId " + quote.Diag(it.str[fOrgID], 64) + " differs from the query's orgId " + quote.Diag(s.q.OrgID, 64)
	}
	// callType: any value; the reply says ASYNC.
	// setMeasurepointChannelId
	if !it.isString(fChannelID) {
		return wrongType(it, fChannelID, "a string")
	}
	if msg := checkChannelID(it.str[fChannelID]); msg != "" {
		return msg
	}
	return ""
}

// checkDevice applies the rule that names the device: an assetId, or
// productKey and deviceKey.
func checkDevice(it *item) string {
	// assetId, or productKey and deviceKey
	for _, f := range [...]int{fProductKey, fDeviceKey, fAssetID} {
		if !it.isString(f) {
			return wrongType(it, f, "a string")
		}
	}
	pk, dk, asset := it.str[fProductKey], it.str[fDeviceKey], it.str[fAssetID]
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
	return ""
}

// checkCommand applies the rules of measurepointId, inputData, timeout and
// gmtServiceRequest.
func (s *state) checkCommand(it *item) string {
	// measurepointId
	if !it.isString(fMeasurepointID) {
		return wrongType(it, fMeasurepointID, "a string")
	}
	if id := it.str[fMeasurepointID]; id == "" {
		return "measurepointId is required"
	} else if !thingmodel.ValidIdentifier(id) {
		return "measurepointId " + quote.Diag(id, 64) + " is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)"
	}
	// inputData
	if in := it.raw[fInputData]; it.present(fInputData) {
		if in[0] != '{' {
			return wrongType(it, fInputData, "an object")
		}
		var dup string
		if it.args, dup = s.p.args(in); dup != "" {
			return "inputData has the key " + quote.Diag(dup, 64) + " twice"
		}
	}
	// timeout
	if it.present(fTimeout) {
		n, ok := intLiteral(it.raw[fTimeout])
		if !ok {
			return "timeout must be an integer of milliseconds, not " + describe(it.raw[fTimeout])
		}
		if n < protocol.MinSetTimeout || n > protocol.MaxSetTimeout {
			return "timeout " + strconv.FormatInt(n, 10) + " is outside [1, 300000]"
		}
	}
	// gmtServiceRequest
	if it.present(fGmtServiceRequest) {
		n, ok := intLiteral(it.raw[fGmtServiceRequest])
		if !ok {
			return "gmtServiceRequest must be an integer of milliseconds, not " + describe(it.raw[fGmtServiceRequest])
		}
		if n < 0 {
			return "gmtServiceRequest " + strconv.FormatInt(n, 10) + " is negative"
		}
	}
	return ""
}

// checkChannelID applies the setMeasurepointChannelId rule of SPEC §5.2.
func checkChannelID(id string) string {
	const p = protocol.ChannelPrefix
	if id == "" {
		return "setMeasurepointChannelId is required"
	}
	if len(id) <= len(p) || id[:len(p)] != p {
		return "setMeasurepointChannelId " + quote.Diag(id, 64) + " does not start with " + quote.Diag(p, 64) + " followed by a name"
	}
	for i := len(p); i < len(id); i++ {
		if c := id[i]; !channelChar(c) {
			return "setMeasurepointChannelId " + quote.Diag(id, 64) + " has " + quote.Diag(id[i:i+1], 64) + " at byte " + strconv.Itoa(i) +
				"; allowed after the prefix: A-Z a-z 0-9 _ . -"
		}
	}
	if len(id) > protocol.MaxChannelIDLength {
		return "setMeasurepointChannelId is " + strconv.Itoa(len(id)) + " bytes, more than " + strconv.Itoa(protocol.MaxChannelIDLength)
	}
	return ""
}

func channelChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func wrongType(it *item, f int, want string) string {
	return fieldNames[f] + " must be " + want + ", not " + describe(it.raw[f])
}

// lookup applies the checks that need the caller's directories and models
// (SPEC §5.2, second paragraph), fills in the device the item resolved to, and
// returns the reply.
func (s *state) lookup(it *item) protocol.SetMeasurepointReply {
	r := &it.reply
	pk, dk, asset := r.ProductKey, r.DeviceKey, r.AssetID
	resolved := pk != "" && dk != ""
	if asset != "" && s.q.Assets != nil {
		apk, adk, ok := s.q.Assets.Asset(asset)
		if !ok {
			return it.fail(codes.DeviceNotExist, "assetId "+quote.Diag(asset, 64)+" does not exist")
		}
		switch {
		case resolved && (apk != pk || adk != dk):
			return it.fail(codes.ParaError, "assetId "+quote.Diag(asset, 64)+" is the device "+quote.Diag(apk+"/"+adk, 64)+
				", not productKey/deviceKey "+quote.Diag(pk+"/"+dk, 64))
		case pk != "" && pk != apk:
			return it.fail(codes.ParaError, "productKey "+quote.Diag(pk, 64)+" is not the product of assetId "+quote.Diag(asset, 64)+", "+quote.Diag(apk, 64))
		case dk != "" && dk != adk:
			return it.fail(codes.ParaError, "deviceKey "+quote.Diag(dk, 64)+" is not the device key of assetId "+quote.Diag(asset, 64)+", "+quote.Diag(adk, 64))
		}
		pk, dk, resolved = apk, adk, true
	}
	dir, models := s.v.opts.Directory, s.v.opts.Models
	if !resolved && (dir != nil || models != nil) {
		return it.fail(codes.DeviceNotExist, "assetId "+quote.Diag(asset, 64)+" cannot be resolved: no asset directory")
	}
	if resolved && (r.ProductKey == "" || r.DeviceKey == "") {
		// Named by assetId: the keys are filled in, in place of any ""
		// that came for them.
		r.ProductKey, r.DeviceKey = pk, dk
		delete(r.Verbatim, fieldNames[fProductKey])
		delete(r.Verbatim, fieldNames[fDeviceKey])
	}
	if dir != nil {
		dev, ok := dir.Device(pk, dk)
		if !ok {
			return it.fail(codes.DeviceNotExist, "device "+quote.Diag(pk+"/"+dk, 64)+" does not exist")
		}
		if r.AssetID == "" && dev.AssetID != "" {
			r.AssetID = dev.AssetID
			delete(r.Verbatim, fieldNames[fAssetID])
		}
	}
	var point *thingmodel.Measurepoint
	if models != nil {
		m := models.Model(pk)
		if m == nil {
			return it.fail(codes.ModelNotFound, "product "+quote.Diag(pk, 64)+" has no model")
		}
		point = m.Measurepoint(r.MeasurepointID)
		if point == nil {
			return it.fail(codes.PointNotFound, "model "+quote.Diag(m.ID(), 64)+" has no measurepoint "+quote.Diag(r.MeasurepointID, 64))
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
		if _, err := s.v.v.CheckValue(point.Type(), a.val); err != nil {
			code, detail := codes.DataTypeError, err.Error()
			var ve *validate.Error
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

// text returns the text of a raw JSON string.
func text(raw []byte) string {
	return string(scan.AppendUnescaped(nil, raw[1:len(raw)-1]))
}

// intLiteral returns the value of a JSON integer literal (no fraction, no exponent)
// that fits an int64.
func intLiteral(raw []byte) (int64, bool) {
	if num, ok := scan.IsNumber(raw); !ok || !num.Integer() {
		return 0, false
	}
	n, st := scan.ParseInt(raw)
	return n, st == scan.IntOK
}

// compact returns a copy of the well-formed JSON value raw without
// insignificant white space; strings stay as they were written. raw has been
// read by the scanner, so only strings need telling apart.
func compact(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '"':
			inString = true
		}
		out = append(out, c)
	}
	return out
}

// kindName names the JSON type of the value that starts with c.
func kindName(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "a invalid JSON"
}

// describe names the JSON type of a raw value, with the value itself when it is
// short.
func describe(raw []byte) string {
	k := kindName(raw[0])
	if len(raw) <= 32 && raw[0] != '{' && raw[0] != '[' {
		return k + " " + string(raw)
	}
	return k
}
