package mqtt

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	json "github.com/goccy/go-json"
	mochi "github.com/mochi-mqtt/server/v2"

	"github.com/pointguard/pointguard/validate"
)

// Device is what the endpoint knows of one device: its keys, what the
// validator's directory says of it, and its secret.
type Device struct {
	ProductKey, DeviceKey string
	// Device gives the gateway, the online state at start and the assetId.
	validate.Device
	// Secret is the device secret of secure mode 2; empty for a device that
	// cannot authenticate.
	Secret string
}

// Devices is the endpoint's device registry: the topology, the secrets, and
// the live online state of every sub-device. It implements validate.Directory,
// so that the validator's sub-device checks (SPEC §4.4) read the state that
// sessions change:
//
//   - a device starts with the online state of its Device;
//   - a successful sub-device login through its gateway makes it online;
//   - a logout, or the disconnection of the gateway connection it logged in
//     through, makes it offline.
//
// The set of devices is fixed when it is made. It is safe for concurrent use:
// Device reads two atomic values and takes no lock; session changes take one
// mutex, so that a login and a disconnection never leave a device online
// without the connection it is logged in through.
type Devices struct {
	byID    map[deviceKey]*device
	secured bool
	mu      sync.Mutex // serialises session changes
}

type deviceKey struct{ pk, dk string }

// device is one registry entry: static facts and the session state.
type device struct {
	Device
	online atomic.Bool
	// via is the gateway connection the device is logged in through; nil when
	// it is not logged in.
	via atomic.Pointer[mochi.Client]
}

// NewDevices returns a registry of devs. Keys must be non-empty and unique.
func NewDevices(devs []Device) (*Devices, error) {
	d := &Devices{byID: make(map[deviceKey]*device, len(devs))}
	for i := range devs {
		dev := &devs[i]
		if dev.ProductKey == "" || dev.DeviceKey == "" {
			return nil, errors.New("mqtt: device " + strconv.Itoa(i) + " has an empty key")
		}
		id := deviceKey{dev.ProductKey, dev.DeviceKey}
		if _, dup := d.byID[id]; dup {
			return nil, errors.New("mqtt: device " + dev.ProductKey + "/" + dev.DeviceKey + " is listed twice")
		}
		e := &device{Device: *dev}
		e.online.Store(dev.Online)
		d.byID[id] = e
		if dev.Secret != "" {
			d.secured = true
		}
	}
	return d, nil
}

// Secured reports whether any device has a secret, which makes the broker
// authenticate every client and enforce topic permissions.
func (d *Devices) Secured() bool { return d != nil && d.secured }

// Device returns the device's topology and its online state now.
func (d *Devices) Device(productKey, deviceKey string) (validate.Device, bool) {
	e := d.byID[deviceKey2(productKey, deviceKey)]
	if e == nil {
		return validate.Device{}, false
	}
	dev := e.Device.Device
	dev.Online = e.online.Load()
	return dev, true
}

func deviceKey2(pk, dk string) deviceKey { return deviceKey{pk, dk} }

// LoggedIn reports whether the sub-device is logged in through a gateway
// connection now.
func (d *Devices) LoggedIn(productKey, deviceKey string) bool {
	e := d.byID[deviceKey2(productKey, deviceKey)]
	return e != nil && e.via.Load() != nil
}

func (d *Devices) lookup(pk, dk string) *device { return d.byID[deviceKey2(pk, dk)] }

// login records that sub logged in through the gateway connection cl.
func (d *Devices) login(sub *device, cl *mochi.Client) {
	d.mu.Lock()
	sub.via.Store(cl)
	sub.online.Store(true)
	d.mu.Unlock()
}

// logout records that sub logged out.
func (d *Devices) logout(sub *device) {
	d.mu.Lock()
	sub.via.Store(nil)
	sub.online.Store(false)
	d.mu.Unlock()
}

// dropConnection takes offline every sub-device logged in through cl, which
// has disconnected, and returns how many. A sub-device that has meanwhile
// logged in through another connection keeps that session.
func (d *Devices) dropConnection(cl *mochi.Client) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, e := range d.byID {
		if e.via.Load() == cl {
			e.via.Store(nil)
			e.online.Store(false)
			n++
		}
	}
	return n
}

// LoginCode is a return code of the sub-device session topics. It is its own
// code space: the replies carry it in "code", like the measurepoint codes.
type LoginCode int

// The session codes. The values are wire values; never renumber them.
const (
	LoginOK           LoginCode = 200  // "success"
	SubDeviceNotExist LoginCode = 705  // "sub-device does not exist"
	PartialLogin      LoginCode = 723  // "some sub-devices failed to log in" (batch)
	NotItsGateway     LoginCode = 740  // "sub device not belong the gateway"
	SignCheckFailed   LoginCode = 742  // "sign check failed"
	LoginFormatError  LoginCode = 1220 // "payload format error"
	LoginEmpty        LoginCode = 1251 // "Payload is empty"
	LoginMethod       LoginCode = 1260 // "Methods not consistent"
)

// Message returns the code's message.
func (c LoginCode) Message() string {
	switch c {
	case LoginOK:
		return "success"
	case SubDeviceNotExist:
		return "sub-device does not exist"
	case PartialLogin:
		return "some sub-devices failed to log in"
	case NotItsGateway:
		return "sub device not belong the gateway"
	case SignCheckFailed:
		return "sign check failed"
	case LoginFormatError:
		return "payload format error"
	case LoginEmpty:
		return "Payload is empty"
	case LoginMethod:
		return "Methods not consistent"
	}
	return ""
}

// String returns the code and its message, for example "742 sign check failed".
func (c LoginCode) String() string { return strconv.Itoa(int(c)) + " " + c.Message() }

// SessionOp is a sub-device session operation.
type SessionOp uint8

// The operations, by topic.
const (
	OpLogin      SessionOp = 1 // /ext/session/{gwPK}/{gwDK}/combine/login, method combine.login
	OpLoginBatch SessionOp = 2 // .../combine/login/batch, method combine.login.batch
	OpLogout     SessionOp = 3 // .../combine/logout, method combine.logout
)

// String returns the operation's method name.
func (o SessionOp) String() string {
	switch o {
	case OpLogin:
		return "combine.login"
	case OpLoginBatch:
		return "combine.login.batch"
	case OpLogout:
		return "combine.logout"
	}
	return "SessionOp(?)"
}

// parseSessionTopic returns the gateway keys and the operation of a session
// topic; ok is false for any other topic.
func parseSessionTopic(topic string) (pk, dk string, op SessionOp, ok bool) {
	rest, found := strings.CutPrefix(topic, "/ext/session/")
	if !found {
		return "", "", 0, false
	}
	pk, rest, _ = strings.Cut(rest, "/")
	dk, rest, _ = strings.Cut(rest, "/")
	if pk == "" || dk == "" || strings.ContainsAny(pk+dk, "+#") {
		return "", "", 0, false
	}
	switch rest {
	case "combine/login":
		op = OpLogin
	case "combine/login/batch":
		op = OpLoginBatch
	case "combine/logout":
		op = OpLogout
	default:
		return "", "", 0, false
	}
	return pk, dk, op, true
}

// SubResult is the outcome for one sub-device of a session request.
type SubResult struct {
	ProductKey, DeviceKey string
	Code                  LoginCode
	// Detail says why a login failed, without secrets.
	Detail string
}

// sessionRequest is the envelope of a session request.
type sessionRequest struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Params json.RawMessage `json:"params"`
}

// loginParams are the params of combine.login, and (clientId, timestamp,
// signMethod) the shared params of combine.login.batch. Values that the SDKs
// send as strings or numbers are kept as raw JSON.
type loginParams struct {
	ProductKey *string           `json:"productKey"`
	DeviceKey  *string           `json:"deviceKey"`
	ClientID   json.RawMessage   `json:"clientId"`
	Timestamp  json.RawMessage   `json:"timestamp"`
	SignMethod *string           `json:"signMethod"`
	Sign       *string           `json:"sign"`
	SecureMode json.RawMessage   `json:"secureMode"`
	SubDevices []json.RawMessage `json:"subDevices"`
}

// scalarText returns the text of a JSON string or number: the string's
// content, or the number as written. ok is false for anything else.
func scalarText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), true
	}
	return "", false
}

// sessionReply is the reply of a session request, before encoding.
type sessionReply struct {
	ID      json.RawMessage `json:"id,omitempty"`
	Code    int             `json:"code"`
	Message string          `json:"message,omitempty"`
	Data    any             `json:"data"`
}

type subKeys struct {
	AssetID    *string `json:"assetId,omitempty"`
	ProductKey string  `json:"productKey"`
	DeviceKey  string  `json:"deviceKey"`
}

type batchData struct {
	Logined []subKeys `json:"loginedSubDevices"`
	Failed  []subKeys `json:"failedSubDevices"`
}

// maxBatch bounds the sub-devices of one batch login; the payload limit
// bounds it too, this keeps the reply's size in proportion.
const maxBatch = 1000

// handleSession answers one session request published on the session topic
// of gateway (gpk, gdk) by connection cl, and returns the reply and the
// per-device outcomes. devs may not be nil.
func (d *Devices) handleSession(cl *mochi.Client, gpk, gdk string, op SessionOp, payload []byte) ([]byte, LoginCode, []SubResult) {
	reply := func(id json.RawMessage, c LoginCode, msg string, data any, res []SubResult) ([]byte, LoginCode, []SubResult) {
		if data == nil {
			data = struct{}{}
		}
		if msg == "" && c != LoginOK {
			msg = c.Message()
		}
		b, err := json.Marshal(sessionReply{ID: id, Code: int(c), Message: msg, Data: data})
		if err != nil { // only a broken id can fail, and the id came out of a parse
			b, _ = json.Marshal(sessionReply{Code: int(c), Message: msg, Data: data})
		}
		return b, c, res
	}
	if len(strings.TrimSpace(string(payload))) == 0 {
		return reply(nil, LoginEmpty, "", nil, nil)
	}
	var req sessionRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return reply(nil, LoginFormatError, "payload is not a JSON request object", nil, nil)
	}
	id := req.ID
	if len(id) > 0 && id[0] != '"' && (id[0] < '0' || id[0] > '9') && id[0] != '-' {
		id = nil // echo only a string or a number
	}
	if req.Method == nil {
		return reply(id, LoginFormatError, "missing method", nil, nil)
	}
	if *req.Method != op.String() {
		return reply(id, LoginMethod, "", nil, nil)
	}
	var p loginParams
	if len(req.Params) == 0 || req.Params[0] != '{' || json.Unmarshal(req.Params, &p) != nil {
		return reply(id, LoginFormatError, "params is not an object of the method's parameters", nil, nil)
	}

	switch op {
	case OpLogout:
		if p.ProductKey == nil || p.DeviceKey == nil || *p.ProductKey == "" || *p.DeviceKey == "" {
			return reply(id, LoginFormatError, "params needs productKey and deviceKey", nil, nil)
		}
		r := SubResult{ProductKey: *p.ProductKey, DeviceKey: *p.DeviceKey}
		sub, code, detail := d.subOf(gpk, gdk, r.ProductKey, r.DeviceKey)
		r.Code, r.Detail = code, detail
		if code != LoginOK {
			return reply(id, code, "", nil, []SubResult{r})
		}
		d.logout(sub)
		return reply(id, LoginOK, "", subKeys{ProductKey: r.ProductKey, DeviceKey: r.DeviceKey}, []SubResult{r})

	case OpLogin:
		clientID, ok1 := scalarText(p.ClientID)
		ts, ok2 := scalarText(p.Timestamp)
		if p.ProductKey == nil || p.DeviceKey == nil || *p.ProductKey == "" || *p.DeviceKey == "" ||
			!ok1 || !ok2 || p.SignMethod == nil || p.Sign == nil {
			return reply(id, LoginFormatError, "params needs productKey, deviceKey, clientId, timestamp, signMethod and sign", nil, nil)
		}
		r := d.login1(cl, gpk, gdk, *p.ProductKey, *p.DeviceKey, clientID, ts, *p.SignMethod, *p.Sign, p.SecureMode)
		if r.Code != LoginOK {
			return reply(id, r.Code, "", nil, []SubResult{r})
		}
		return reply(id, LoginOK, "", d.keysOf(r), []SubResult{r})

	default: // OpLoginBatch
		clientID, ok1 := scalarText(p.ClientID)
		ts, ok2 := scalarText(p.Timestamp)
		if !ok1 || !ok2 || p.SignMethod == nil || len(p.SubDevices) == 0 {
			return reply(id, LoginFormatError, "params needs clientId, timestamp, signMethod and subDevices", batchData{Logined: []subKeys{}, Failed: []subKeys{}}, nil)
		}
		if len(p.SubDevices) > maxBatch {
			return reply(id, LoginFormatError, "more than "+strconv.Itoa(maxBatch)+" subDevices", batchData{Logined: []subKeys{}, Failed: []subKeys{}}, nil)
		}
		data := batchData{Logined: []subKeys{}, Failed: []subKeys{}}
		results := make([]SubResult, 0, len(p.SubDevices))
		var msg strings.Builder
		for _, raw := range p.SubDevices {
			var s loginParams
			if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &s) != nil ||
				s.ProductKey == nil || s.DeviceKey == nil || s.Sign == nil {
				return reply(id, LoginFormatError, "each of subDevices needs productKey, deviceKey and sign", batchData{Logined: []subKeys{}, Failed: []subKeys{}}, nil)
			}
			r := d.login1(cl, gpk, gdk, *s.ProductKey, *s.DeviceKey, clientID, ts, *p.SignMethod, *s.Sign, s.SecureMode)
			results = append(results, r)
			if r.Code == LoginOK {
				data.Logined = append(data.Logined, d.keysOf(r))
				continue
			}
			data.Failed = append(data.Failed, subKeys{ProductKey: r.ProductKey, DeviceKey: r.DeviceKey})
			msg.WriteString(r.ProductKey + "&" + r.DeviceKey + " has error: " + r.Code.String() + ";")
		}
		if len(data.Failed) > 0 {
			return reply(id, PartialLogin, msg.String(), data, results)
		}
		return reply(id, LoginOK, "", data, results)
	}
}

// keysOf returns the reply data of a logged-in sub-device. assetId is always
// present (empty when the registry has none), because the Java SDK refuses a
// batch reply entry without one.
func (d *Devices) keysOf(r SubResult) subKeys {
	asset := ""
	if e := d.lookup(r.ProductKey, r.DeviceKey); e != nil {
		asset = e.AssetID
	}
	return subKeys{AssetID: &asset, ProductKey: r.ProductKey, DeviceKey: r.DeviceKey}
}

// subOf returns the registry entry of sub-device (pk, dk) of gateway
// (gpk, gdk), or the code that refuses it.
func (d *Devices) subOf(gpk, gdk, pk, dk string) (*device, LoginCode, string) {
	sub := d.lookup(pk, dk)
	if sub == nil {
		return nil, SubDeviceNotExist, "the device is not in the environment"
	}
	if sub.GatewayProductKey != gpk || sub.GatewayDeviceKey != gdk {
		return nil, NotItsGateway, "the device's gateway is not " + gpk + "/" + gdk
	}
	return sub, LoginOK, ""
}

// login1 checks one sub-device login and records it.
func (d *Devices) login1(cl *mochi.Client, gpk, gdk, pk, dk, clientID, ts, method, sign string, mode json.RawMessage) SubResult {
	r := SubResult{ProductKey: pk, DeviceKey: dk}
	sub, code, detail := d.subOf(gpk, gdk, pk, dk)
	if code != LoginOK {
		r.Code, r.Detail = code, detail
		return r
	}
	if m, ok := scalarText(mode); len(mode) > 0 && (!ok || m != "2") {
		r.Code, r.Detail = SignCheckFailed, "secure mode is not 2 (device secret)"
		return r
	}
	m, ok := ParseSignMethod(method)
	switch {
	case !ok:
		r.Code, r.Detail = SignCheckFailed, ErrSignMethod.Error()
		return r
	case d.secured && sub.Secret == "":
		r.Code, r.Detail = SignCheckFailed, "the device has no secret"
		return r
	case sub.Secret != "" && !CheckSign(m, sub.Secret, SignParams{ClientID: clientID, DeviceKey: dk, ProductKey: pk, Timestamp: ts}, sign):
		r.Code, r.Detail = SignCheckFailed, ErrBadSign.Error()
		return r
	}
	d.login(sub, cl)
	r.Code = LoginOK
	return r
}

// may reports whether connection cl, authenticated as device self, may use
// the topics of device (pk, dk): its own, and those of the sub-devices logged
// in through cl.
func (d *Devices) may(self *device, cl *mochi.Client, pk, dk string) bool {
	if self == nil {
		return false
	}
	if pk == self.ProductKey && dk == self.DeviceKey {
		return true
	}
	e := d.lookup(pk, dk)
	return e != nil && e.via.Load() == cl
}

// topicDevice returns the device keys of a device topic,
// /sys/{pk}/{dk}/... or /ext/session/{pk}/{dk}/...; ok is false for any other
// topic, and for a filter with a wildcard in place of a key.
func topicDevice(topic string) (pk, dk string, ok bool) {
	rest, found := strings.CutPrefix(topic, "/sys/")
	if !found {
		if rest, found = strings.CutPrefix(topic, "/ext/session/"); !found {
			return "", "", false
		}
	}
	pk, rest, ok1 := strings.Cut(rest, "/")
	dk, _, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || pk == "" || dk == "" || hasWildcard(pk) || hasWildcard(dk) {
		return "", "", false
	}
	return pk, dk, true
}

// hasWildcard reports whether s holds '+' or '#'; for keys a few bytes long a
// loop is cheaper than strings.ContainsAny.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '#' {
			return true
		}
	}
	return false
}
