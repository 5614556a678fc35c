package protocol

import (
	"bytes"
	"errors"

	json "github.com/goccy/go-json"

	"github.com/pointguard/pointguard/codes"
)

// MultiSetPath is the path of the asynchronous multi-point set REST API (SPEC §5).
// Requests are PUT to it with the query parameter orgId.
const MultiSetPath = "/dataService/devices/multiSet"

// Constants of the item rules of SPEC §5.2.
const (
	// CallTypeAsync is the only call type of multiSet: every item reply says it,
	// whatever the request sent.
	CallTypeAsync = "ASYNC"
	// ChannelPrefix starts every setMeasurepointChannelId.
	ChannelPrefix = "DATASVC.SET."
	// MaxChannelIDLength is the longest setMeasurepointChannelId, in bytes.
	MaxChannelIDLength = 64
	// DefaultSetTimeout is the timeout, in milliseconds, of an item that gives none.
	DefaultSetTimeout = 30000
	// MinSetTimeout and MaxSetTimeout bound an item's timeout, in milliseconds.
	MinSetTimeout = 1
	MaxSetTimeout = 300000
)

// MultiSetRequest is the body of a multiSet request: {"data": [...]}.
type MultiSetRequest struct {
	Data []SetMeasurepointRequest `json:"data"`
}

// SetMeasurepointRequest is one item of a multiSet request: a value to write to
// one measurepoint of one device (SPEC §5.2).
//
// Empty strings stand for absent fields, and a zero Timeout or GmtServiceRequest
// for an absent number: encoding a request leaves them out. Decoding with
// encoding functions of this package is for clients and tests that trust the
// body; package validate reads untrusted bodies itself and reports every broken
// rule.
type SetMeasurepointRequest struct {
	// RequestID identifies the write; it is unique within a request.
	RequestID string
	// OrgID is the organisation; it equals the query's orgId.
	OrgID string
	// CallType is ignored in requests; replies always say [CallTypeAsync].
	CallType string
	// SetMeasurepointChannelID is the channel on which the write result arrives:
	// [ChannelPrefix] followed by letters, digits, '_', '.' and '-'.
	SetMeasurepointChannelID string
	// ProductKey and DeviceKey name the device, unless AssetID does.
	ProductKey, DeviceKey string
	// AssetID names the device, unless both keys do.
	AssetID string
	// MeasurepointID is the identifier of the point to write.
	MeasurepointID string
	// CallbackURL is accepted and ignored.
	CallbackURL string
	// InputData is the JSON object of values to write, as raw JSON text; nil
	// when absent. When encoding it must be valid JSON; it is written compacted.
	InputData json.RawMessage
	// Timeout is the write's timeout in milliseconds; 0 when absent.
	Timeout int64
	// GmtServiceRequest is the time of the request in milliseconds since the
	// epoch; 0 when absent.
	GmtServiceRequest int64
}

// SetMeasurepointReply is the answer to one item: the item's fields echoed, its
// status, and the times. The same shape is used in the immediate multiSet
// response (where status 0 means "accepted for delivery") and in the
// [WriteResult] that arrives later on the channel.
//
// In a reply, Timeout and GmtServiceRequest hold the effective values (the
// defaults filled in), CallType is [CallTypeAsync], and an empty string or a nil
// InputData is written as null unless Verbatim holds the field.
type SetMeasurepointReply struct {
	SetMeasurepointRequest
	// Verbatim holds the JSON text of echoed fields that the string fields
	// cannot carry: an empty string (which they read as absent) or a value that
	// is not a string, such as a number (SPEC §5.2: a field is echoed with the
	// JSON type and value it came with). Keys are the fields' JSON names, among
	// requestId, orgId, setMeasurepointChannelId, productKey, deviceKey,
	// assetId, measurepointId and callbackUrl; an entry wins over the string
	// field and must be one valid JSON value. Verbatim is nil when no field
	// needs it, which is the usual case; decoding a reply fills it.
	Verbatim map[string]json.RawMessage
	// Status is codes.Success or the item's error.
	Status codes.Status
	// Msg is the status's message, such as "Success" or "para error".
	Msg string
	// Submsg says more about the status, for example which field is wrong;
	// written as null when empty.
	Submsg string
	// GmtServiceReply is the time of the reply in milliseconds since the epoch.
	GmtServiceReply int64
}

// WithStatus returns a copy of r with the given status, its message, submsg and
// reply time. A service uses it to build the [WriteResult] of an accepted item.
func (r SetMeasurepointReply) WithStatus(c codes.Status, submsg string, replyTime int64) SetMeasurepointReply {
	r.Status = c
	r.Msg = c.Message()
	r.Submsg = submsg
	r.GmtServiceReply = replyTime
	return r
}

// MultiSetResponse is the synchronous answer to a multiSet request (SPEC §5.1).
//
// Status is codes.Success when the request as a whole was read, and Data then
// holds one reply per item, in request order; each item has its own status.
// Otherwise Status is codes.InvalidArgument, Msg "Invalid Argument <field>",
// and Data is nil and not written.
type MultiSetResponse struct {
	Status codes.Status
	Msg    string
	// Submsg says more about the status; written as null when empty.
	Submsg string
	Data   []SetMeasurepointReply
}

// OK reports whether the request was read and every item was accepted: the
// condition for exit status 0 of "pointguard multiset" (SPEC §7.3).
func (r *MultiSetResponse) OK() bool {
	if r.Status != codes.Success {
		return false
	}
	for i := range r.Data {
		if r.Data[i].Status != codes.Success {
			return false
		}
	}
	return true
}

// WriteResult is the message that arrives later on an item's
// setMeasurepointChannelId with the outcome of the write: {"data": [reply, ...]},
// each reply with status 0 or an error such as codes.WriteDataError (1000205
// "write data error").
type WriteResult struct {
	Data []SetMeasurepointReply
}

// Wire forms. Field order is the order of the platform's documentation; encoding
// goes through goccy/go-json.

// wireItem holds the fields that a request item and a reply share, in the order
// both write them; a request leaves out the empty ones. wireReplyItem is the
// same struct without omitempty, for replies, which write them as null: the two
// convert into each other, so one piece of code fills both.
type wireItem struct {
	RequestID                *string         `json:"requestId,omitempty"`
	OrgID                    *string         `json:"orgId,omitempty"`
	CallType                 *string         `json:"callType,omitempty"`
	SetMeasurepointChannelID *string         `json:"setMeasurepointChannelId,omitempty"`
	ProductKey               *string         `json:"productKey,omitempty"`
	DeviceKey                *string         `json:"deviceKey,omitempty"`
	AssetID                  *string         `json:"assetId,omitempty"`
	MeasurepointID           *string         `json:"measurepointId,omitempty"`
	CallbackURL              *string         `json:"callbackUrl,omitempty"`
	InputData                json.RawMessage `json:"inputData,omitempty"`
}

type wireReplyItem struct {
	RequestID                echoField       `json:"requestId"`
	OrgID                    echoField       `json:"orgId"`
	CallType                 echoField       `json:"callType"`
	SetMeasurepointChannelID echoField       `json:"setMeasurepointChannelId"`
	ProductKey               echoField       `json:"productKey"`
	DeviceKey                echoField       `json:"deviceKey"`
	AssetID                  echoField       `json:"assetId"`
	MeasurepointID           echoField       `json:"measurepointId"`
	CallbackURL              echoField       `json:"callbackUrl"`
	InputData                json.RawMessage `json:"inputData"`
}

// echoField is the wire form of an echoed field of a reply: raw JSON text when
// set, else the string when it is not empty, else null.
type echoField struct {
	s   string
	raw json.RawMessage
}

// MarshalJSON writes the raw text, the string or null.
func (f echoField) MarshalJSON() ([]byte, error) {
	switch {
	case f.raw != nil:
		return f.raw, nil
	case f.s != "":
		return marshal(f.s)
	}
	return []byte("null"), nil
}

// UnmarshalJSON keeps a non-empty string as a string and any other value but
// null as raw text.
func (f *echoField) UnmarshalJSON(b []byte) error {
	*f = echoField{}
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &f.s); err != nil {
			return err
		}
		if f.s != "" {
			return nil
		}
	}
	f.raw = append(json.RawMessage(nil), b...)
	return nil
}

// The JSON names of the fields a reply echoes through Verbatim.
const (
	echoRequestID      = "requestId"
	echoOrgID          = "orgId"
	echoChannelID      = "setMeasurepointChannelId"
	echoProductKey     = "productKey"
	echoDeviceKey      = "deviceKey"
	echoAssetID        = "assetId"
	echoMeasurepointID = "measurepointId"
	echoCallbackURL    = "callbackUrl"
)

// echo returns the wire form of one echoed field of r.
func (r *SetMeasurepointReply) echo(name, s string) echoField {
	if raw, ok := r.Verbatim[name]; ok {
		return echoField{raw: raw}
	}
	return echoField{s: s}
}

// replyItem returns the wire form of the fields that a reply echoes.
func (r *SetMeasurepointReply) replyItem() wireReplyItem {
	return wireReplyItem{
		RequestID:                r.echo(echoRequestID, r.RequestID),
		OrgID:                    r.echo(echoOrgID, r.OrgID),
		CallType:                 echoField{s: r.CallType},
		SetMeasurepointChannelID: r.echo(echoChannelID, r.SetMeasurepointChannelID),
		ProductKey:               r.echo(echoProductKey, r.ProductKey),
		DeviceKey:                r.echo(echoDeviceKey, r.DeviceKey),
		AssetID:                  r.echo(echoAssetID, r.AssetID),
		MeasurepointID:           r.echo(echoMeasurepointID, r.MeasurepointID),
		CallbackURL:              r.echo(echoCallbackURL, r.CallbackURL),
		InputData:                rawOrNil(r.InputData),
	}
}

type wireRequest struct {
	wireItem
	Timeout           *int64 `json:"timeout,omitempty"`
	GmtServiceRequest *int64 `json:"gmtServiceRequest,omitempty"`
}

type wireReply struct {
	wireReplyItem
	Status            *int64  `json:"status"`
	Msg               *string `json:"msg"`
	Submsg            *string `json:"submsg"`
	Timeout           *int64  `json:"timeout"`
	GmtServiceRequest *int64  `json:"gmtServiceRequest"`
	GmtServiceReply   *int64  `json:"gmtServiceReply"`
}

type wireResponse struct {
	Status *int64      `json:"status"`
	Msg    *string     `json:"msg"`
	Submsg *string     `json:"submsg"`
	Data   []wireReply `json:"data,omitempty"`
}

type wireMultiSetRequest struct {
	Data []wireRequest `json:"data"`
}

type wireWriteResult struct {
	Data []wireReply `json:"data"`
}

// strPtr returns nil for "" so that it is omitted or written as null.
func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func intPtr(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// rawOrNil returns nil for an absent or null raw value, and otherwise the
// compacted text; invalid text becomes nil rather than corrupting the output.
func rawOrNil(r json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(r) == 0 || !json.Valid(r) || json.Compact(&b, r) != nil || b.String() == "null" {
		return nil
	}
	return b.Bytes()
}

// marshal encodes without HTML escaping: the output is an API body, never HTML,
// and "<" should stay readable in submsg and inputData.
func marshal(v any) ([]byte, error) {
	return json.MarshalWithOption(v, json.DisableHTMLEscape())
}

// unmarshal decodes b into the wire form w; what names the message in errors.
func unmarshal(b []byte, w any, what string) error {
	if err := json.Unmarshal(b, w); err != nil {
		return errors.New("protocol: multiSet " + what + ": " + err.Error())
	}
	return nil
}

// decode decodes b into the wire form W and stores the value it stands for in
// dst: the UnmarshalJSON of every message but the response, which checks more.
func decode[W any, PW interface {
	*W
	fromWire() T
}, T any](b []byte, what string, dst *T) error {
	var w W
	if err := unmarshal(b, &w, what); err != nil {
		return err
	}
	*dst = PW(&w).fromWire()
	return nil
}

// item returns the wire form of the fields that a request and a reply share.
func (r *SetMeasurepointRequest) item() wireItem {
	return wireItem{
		RequestID:                strPtr(r.RequestID),
		OrgID:                    strPtr(r.OrgID),
		CallType:                 strPtr(r.CallType),
		SetMeasurepointChannelID: strPtr(r.SetMeasurepointChannelID),
		ProductKey:               strPtr(r.ProductKey),
		DeviceKey:                strPtr(r.DeviceKey),
		AssetID:                  strPtr(r.AssetID),
		MeasurepointID:           strPtr(r.MeasurepointID),
		CallbackURL:              strPtr(r.CallbackURL),
		InputData:                rawOrNil(r.InputData),
	}
}

// request returns the request item of the shared fields and the two numbers.
func (w *wireItem) request(timeout, gmtServiceRequest *int64) SetMeasurepointRequest {
	return SetMeasurepointRequest{
		RequestID:                str(w.RequestID),
		OrgID:                    str(w.OrgID),
		CallType:                 str(w.CallType),
		SetMeasurepointChannelID: str(w.SetMeasurepointChannelID),
		ProductKey:               str(w.ProductKey),
		DeviceKey:                str(w.DeviceKey),
		AssetID:                  str(w.AssetID),
		MeasurepointID:           str(w.MeasurepointID),
		CallbackURL:              str(w.CallbackURL),
		InputData:                rawOrNil(w.InputData),
		Timeout:                  num(timeout),
		GmtServiceRequest:        num(gmtServiceRequest),
	}
}

func (r *SetMeasurepointRequest) toWire() wireRequest {
	return wireRequest{wireItem: r.item(), Timeout: intPtr(r.Timeout), GmtServiceRequest: intPtr(r.GmtServiceRequest)}
}

func (w *wireRequest) fromWire() SetMeasurepointRequest {
	return w.wireItem.request(w.Timeout, w.GmtServiceRequest)
}

func (r *SetMeasurepointReply) toWire() wireReply {
	status := int64(r.Status)
	timeout, gsr, gsp := r.Timeout, r.GmtServiceRequest, r.GmtServiceReply
	return wireReply{
		wireReplyItem:     r.replyItem(),
		Status:            &status,
		Msg:               strPtr(r.Msg),
		Submsg:            strPtr(r.Submsg),
		Timeout:           &timeout,
		GmtServiceRequest: &gsr,
		GmtServiceReply:   &gsp,
	}
}

func (w *wireReply) fromWire() SetMeasurepointReply {
	r := SetMeasurepointReply{
		SetMeasurepointRequest: SetMeasurepointRequest{
			CallType:  w.CallType.s,
			InputData: rawOrNil(w.InputData),
			Timeout:   num(w.Timeout),

			GmtServiceRequest: num(w.GmtServiceRequest),
		},
		Status:          codes.Status(num(w.Status)),
		Msg:             str(w.Msg),
		Submsg:          str(w.Submsg),
		GmtServiceReply: num(w.GmtServiceReply),
	}
	for _, f := range [...]struct {
		name string
		w    *echoField
		dst  *string
	}{
		{echoRequestID, &w.RequestID, &r.RequestID},
		{echoOrgID, &w.OrgID, &r.OrgID},
		{echoChannelID, &w.SetMeasurepointChannelID, &r.SetMeasurepointChannelID},
		{echoProductKey, &w.ProductKey, &r.ProductKey},
		{echoDeviceKey, &w.DeviceKey, &r.DeviceKey},
		{echoAssetID, &w.AssetID, &r.AssetID},
		{echoMeasurepointID, &w.MeasurepointID, &r.MeasurepointID},
		{echoCallbackURL, &w.CallbackURL, &r.CallbackURL},
	} {
		*f.dst = f.w.s
		if f.w.raw != nil {
			if r.Verbatim == nil {
				r.Verbatim = make(map[string]json.RawMessage)
			}
			r.Verbatim[f.name] = f.w.raw
		}
	}
	return r
}

func repliesToWire(rs []SetMeasurepointReply) []wireReply {
	if rs == nil {
		return nil
	}
	w := make([]wireReply, len(rs))
	for i := range rs {
		w[i] = rs[i].toWire()
	}
	return w
}

func repliesFromWire(ws []wireReply) []SetMeasurepointReply {
	if ws == nil {
		return nil
	}
	rs := make([]SetMeasurepointReply, len(ws))
	for i := range ws {
		rs[i] = ws[i].fromWire()
	}
	return rs
}

// MarshalJSON encodes the item as a client sends it; absent fields are left out.
func (r SetMeasurepointRequest) MarshalJSON() ([]byte, error) {
	return marshal(r.toWire())
}

// UnmarshalJSON decodes an item whose fields have their documented JSON types.
func (r *SetMeasurepointRequest) UnmarshalJSON(b []byte) error {
	return decode[wireRequest](b, "item", r)
}

// MarshalJSON encodes the request body {"data": [...]}.
func (r MultiSetRequest) MarshalJSON() ([]byte, error) {
	w := wireMultiSetRequest{Data: make([]wireRequest, len(r.Data))}
	for i := range r.Data {
		w.Data[i] = r.Data[i].toWire()
	}
	return marshal(w)
}

// UnmarshalJSON decodes a request body whose fields have their documented JSON
// types.
func (r *MultiSetRequest) UnmarshalJSON(b []byte) error {
	return decode[wireMultiSetRequest](b, "request", r)
}

func (w *wireMultiSetRequest) fromWire() MultiSetRequest {
	r := MultiSetRequest{Data: make([]SetMeasurepointRequest, len(w.Data))}
	for i := range w.Data {
		r.Data[i] = w.Data[i].fromWire()
	}
	return r
}

// MarshalJSON encodes the reply with every field of SPEC §5, null where empty.
func (r SetMeasurepointReply) MarshalJSON() ([]byte, error) {
	return marshal(r.toWire())
}

// UnmarshalJSON decodes a reply as MarshalJSON writes it.
func (r *SetMeasurepointReply) UnmarshalJSON(b []byte) error {
	return decode[wireReply](b, "reply", r)
}

// MarshalJSON encodes the response:
//
//	{"status":0,"msg":"Success","submsg":null,"data":[...]}
//	{"status":400,"msg":"Invalid Argument orgId","submsg":"orgId does not exist"}
//
// data is written when the status is codes.Success or Data is not nil.
func (r MultiSetResponse) MarshalJSON() ([]byte, error) {
	status := int64(r.Status)
	w := wireResponse{Status: &status, Msg: strPtr(r.Msg), Submsg: strPtr(r.Submsg), Data: repliesToWire(r.Data)}
	if r.Status == codes.Success && w.Data == nil {
		w.Data = []wireReply{}
	}
	if w.Data == nil {
		// omitempty leaves out data; the struct tag keeps one code path.
		return marshal(w)
	}
	// An empty non-nil slice would be left out by omitempty; write it explicitly.
	type withData struct {
		Status *int64      `json:"status"`
		Msg    *string     `json:"msg"`
		Submsg *string     `json:"submsg"`
		Data   []wireReply `json:"data"`
	}
	return marshal(withData(w))
}

// UnmarshalJSON decodes a response as MarshalJSON writes it.
func (r *MultiSetResponse) UnmarshalJSON(b []byte) error {
	var w wireResponse
	if err := unmarshal(b, &w, "response"); err != nil {
		return err
	}
	if w.Status == nil {
		return errors.New(`protocol: multiSet response has no "status"`)
	}
	*r = MultiSetResponse{Status: codes.Status(*w.Status), Msg: str(w.Msg), Submsg: str(w.Submsg), Data: repliesFromWire(w.Data)}
	return nil
}

// MarshalJSON encodes the channel message {"data": [...]}.
func (r WriteResult) MarshalJSON() ([]byte, error) {
	w := wireWriteResult{Data: repliesToWire(r.Data)}
	if w.Data == nil {
		w.Data = []wireReply{}
	}
	return marshal(w)
}

// UnmarshalJSON decodes a channel message as MarshalJSON writes it.
func (r *WriteResult) UnmarshalJSON(b []byte) error {
	return decode[wireWriteResult](b, "write result", r)
}

func (w *wireWriteResult) fromWire() WriteResult { return WriteResult{Data: repliesFromWire(w.Data)} }
