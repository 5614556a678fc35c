package mqtt

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"strings"
)

// SignMethod is a digest method of the platform's device signature. The
// method names say "hmac", but none of them is an HMAC: the signature is a
// plain digest of the signed text followed by the secret.
type SignMethod uint8

// The sign methods. The zero value is no method.
const (
	SHA256 SignMethod = 1 // "sha256", alias "hmacsha256": SHA-256, lower-case hex
	SHA1   SignMethod = 2 // "sha1", alias "hmacsha1": SHA-1, upper-case hex
	MD5    SignMethod = 3 // "md5", alias "hmacmd5": MD5, lower-case hex
)

// String returns the method's name: "sha256", "sha1" or "md5".
func (m SignMethod) String() string {
	switch m {
	case SHA256:
		return "sha256"
	case SHA1:
		return "sha1"
	case MD5:
		return "md5"
	}
	return "SignMethod(" + strconv.Itoa(int(m)) + ")"
}

// ParseSignMethod returns the method a client names: "sha256", "sha1" or "md5",
// or their aliases "hmacsha256", "hmacsha1" and "hmacmd5", in any letter case
// and with surrounding blanks ignored, as the vendor's Java SDK reads them. The
// second result is false for any other name.
func ParseSignMethod(name string) (SignMethod, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sha256", "hmacsha256":
		return SHA256, true
	case "sha1", "hmacsha1":
		return SHA1, true
	case "md5", "hmacmd5":
		return MD5, true
	}
	return 0, false
}

// SignParams are the four signed parameters of a CONNECT or a sub-device
// login. Their values are signed as the client sent them, as text.
type SignParams struct {
	ClientID   string // the client id without its "|...|" suffix, {extra} included
	DeviceKey  string
	ProductKey string
	Timestamp  string
}

// Sign returns the signature of p with secret: the digest of
//
//	"clientId" + ClientID + "deviceKey" + DeviceKey + "productKey" + ProductKey + "timestamp" + Timestamp + secret
//
// (the parameter names in sorted order, each followed by its value, then the
// secret) in hexadecimal: lower case for SHA256 and MD5, upper case for SHA1,
// as the vendor's SDKs write it. It returns "" for an unknown method.
func Sign(m SignMethod, secret string, p SignParams) string {
	var h hash.Hash
	switch m {
	case SHA256:
		h = sha256.New()
	case SHA1:
		h = sha1.New()
	case MD5:
		h = md5.New()
	default:
		return ""
	}
	for _, s := range [...]string{"clientId", p.ClientID, "deviceKey", p.DeviceKey,
		"productKey", p.ProductKey, "timestamp", p.Timestamp, secret} {
		h.Write([]byte(s))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if m == SHA1 {
		sum = strings.ToUpper(sum)
	}
	return sum
}

// CheckSign reports whether sign is the signature of p with secret. Hex digits
// are compared in either letter case (the vendor's Node.js SDK writes every
// digest in upper case), in constant time.
func CheckSign(m SignMethod, secret string, p SignParams, sign string) bool {
	want := Sign(m, secret, p)
	if want == "" || len(sign) != len(want) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(want)), []byte(strings.ToLower(sign))) == 1
}

// ClientID is a client identifier in the platform's form,
//
//	{base}[{extra}]|securemode=2,signmethod=sha256,timestamp=1700000000000|
//
// where {extra} is an optional "{key=value,...}" block (the Java SDK sends
// "{ip=...,version=...,compress=GZIP}").
type ClientID struct {
	// Signed is the part before the first '|': the base and the extra block.
	// It is the clientId parameter of the signature.
	Signed string
	// Extra holds the key=value pairs of the extra block, keys in lower case;
	// nil when there is none.
	Extra map[string]string
	// SecureMode is the securemode parameter (2: device secret).
	SecureMode int
	// Method is the signmethod parameter.
	Method SignMethod
	// Timestamp is the timestamp parameter, as sent.
	Timestamp string
}

// Errors of ParseClientID, ParseUsername and authentication.
var (
	ErrClientIDForm  = errors.New(`client id is not "{base}[{extra}]|securemode=2,signmethod=...,timestamp=...|"`)
	ErrSecureMode    = errors.New("secure mode is not 2 (device secret); product-secret modes are not supported")
	ErrSignMethod    = errors.New("sign method is not sha256, sha1 or md5 (or hmacsha256, hmacsha1, hmacmd5)")
	ErrUsernameForm  = errors.New(`username is not "{deviceKey}&{productKey}"`)
	ErrUnknownDevice = errors.New("unknown device, or a device without a secret")
	ErrBadSign       = errors.New("bad signature")
)

// ParseClientID parses a client identifier of the platform's form. Parameter
// names are read in any letter case and order; a missing timestamp or
// securemode, an unknown sign method or a secure mode other than 2 is an
// error (ErrClientIDForm, ErrSignMethod, ErrSecureMode).
func ParseClientID(id string) (ClientID, error) {
	signed, rest, ok := strings.Cut(id, "|")
	if !ok || !strings.HasSuffix(rest, "|") {
		return ClientID{}, ErrClientIDForm
	}
	c := ClientID{Signed: signed}
	if i := strings.IndexByte(signed, '{'); i >= 0 {
		if !strings.HasSuffix(signed, "}") {
			return ClientID{}, ErrClientIDForm
		}
		c.Extra = parsePairs(signed[i+1 : len(signed)-1])
	}
	params := parsePairs(rest[:len(rest)-1])
	mode, ok := params["securemode"]
	ts, ok2 := params["timestamp"]
	if !ok || !ok2 {
		return ClientID{}, ErrClientIDForm
	}
	c.Timestamp = ts
	var err error
	if c.SecureMode, err = strconv.Atoi(mode); err != nil {
		return ClientID{}, ErrClientIDForm
	}
	if c.SecureMode != 2 {
		return c, ErrSecureMode
	}
	if c.Method, ok = ParseSignMethod(params["signmethod"]); !ok {
		return c, ErrSignMethod
	}
	return c, nil
}

// parsePairs reads "k=v,k=v"; keys are lower-cased, pairs without '=' are
// skipped, a later pair wins.
func parsePairs(s string) map[string]string {
	m := make(map[string]string)
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return m
}

// ParseUsername splits a CONNECT username "{deviceKey}&{productKey}" at its
// last '&'. Both keys must be non-empty (ErrUsernameForm).
func ParseUsername(u string) (productKey, deviceKey string, err error) {
	i := strings.LastIndexByte(u, '&')
	if i <= 0 || i == len(u)-1 {
		return "", "", ErrUsernameForm
	}
	return u[i+1:], u[:i], nil
}

// Credentials returns the CONNECT username, client id and password with which
// a device authenticates with secret (secure mode 2), as the vendor's SDKs
// build them. extra, when not empty, is the content of the client id's extra
// block without braces, for example "compress=GZIP".
func Credentials(m SignMethod, productKey, deviceKey, secret, timestamp, extra string) (username, clientID, password string) {
	signed := deviceKey
	if extra != "" {
		signed += "{" + extra + "}"
	}
	username = deviceKey + "&" + productKey
	clientID = signed + "|securemode=2,signmethod=" + m.String() + ",timestamp=" + timestamp + "|"
	password = Sign(m, secret, SignParams{ClientID: signed, DeviceKey: deviceKey, ProductKey: productKey, Timestamp: timestamp})
	return username, clientID, password
}
