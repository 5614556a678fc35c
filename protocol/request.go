package protocol

import (
	"errors"
	"strconv"

	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/internal/scan"
)

// Request is an MQTT measurepoint request (SPEC §2) as a sender builds it;
// [AppendRequest] writes it. (Validators do not decode into it: package
// validate streams payloads.) The zero value is not a request: Method is
// required.
type Request struct {
	// ID is the request's "id" as raw JSON text, a string with its quotes or an
	// integer literal; nil or empty leaves "id" out.
	ID ID
	// Version is the "version"; "" writes "1.0".
	Version string
	// Method is the "method", which must match the topic (SPEC §1).
	Method Method
	// AllowOfflineSubDevice and SkipInvalidMeasurepoints are the request flags
	// (SPEC §4.4, §4.5); each is written only when true.
	AllowOfflineSubDevice, SkipInvalidMeasurepoints bool
	// Params are the entries: any number for the batch methods, exactly one
	// for Post and Resume, whose "params" is that entry's object.
	Params []Entry
}

// Entry is one entry of a request's "params": the points of one device at one
// time.
type Entry struct {
	// ProductKey and DeviceKey name the device; with both empty they are left
	// out, and the entry is the topic's device (SPEC §4.3).
	ProductKey, DeviceKey string
	// HasTime says that Time is written. Time is in milliseconds since the
	// epoch; without it the platform uses its own time (SPEC §4.6).
	HasTime bool
	Time    int64
	// Measurepoints are the entry's points, written in this order.
	Measurepoints []Point
}

// Point is one member of an entry's "measurepoints".
type Point struct {
	// Identifier is the measurepoint's identifier (SPEC §3). It must be
	// non-empty and unique in its entry.
	Identifier string
	// Value is the JSON text of the value, written as it is: 21.5, "on",
	// [1,2], {"a":1}. It must be exactly one JSON value.
	Value []byte
	// HasQuality writes the point as {"value": Value, "quality": Quality}, the
	// form of a point whose model has hasQuality (SPEC §3.1).
	HasQuality bool
	Quality    int
}

// AppendRequest appends the payload of r to dst, compact, with the members in
// the order of SPEC §2: id, version, method, the flags, params. It returns an
// error, and dst unchanged, when r cannot be a payload: a method that is not
// one of SPEC §1, not exactly one entry for a single-entry method, an id that
// is not a JSON string or integer, an empty or repeated identifier, or a Value
// that is not one JSON value. It checks no model: that is the validator's job.
func AppendRequest(dst []byte, r *Request) ([]byte, error) {
	if err := checkRequest(r); err != nil {
		return dst, err
	}
	b := append(dst, '{')
	if len(r.ID) > 0 {
		b = append(b, `"id":`...)
		b = append(b, r.ID...)
		b = append(b, ',')
	}
	version := r.Version
	if version == "" {
		version = "1.0"
	}
	b = append(b, `"version":`...)
	b = quote.JSON(b, version)
	b = append(b, `,"method":`...)
	b = quote.JSON(b, string(r.Method))
	if r.AllowOfflineSubDevice {
		b = append(b, `,"allowOfflineSubDevice":true`...)
	}
	if r.SkipInvalidMeasurepoints {
		b = append(b, `,"skipInvalidMeasurepoints":true`...)
	}
	b = append(b, `,"params":`...)
	if !r.Method.Batch() {
		b = appendEntry(b, &r.Params[0])
	} else {
		b = append(b, '[')
		for i := range r.Params {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEntry(b, &r.Params[i])
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func appendEntry(b []byte, e *Entry) []byte {
	b = append(b, '{')
	if e.ProductKey != "" || e.DeviceKey != "" {
		b = append(b, `"productKey":`...)
		b = quote.JSON(b, e.ProductKey)
		b = append(b, `,"deviceKey":`...)
		b = quote.JSON(b, e.DeviceKey)
		b = append(b, ',')
	}
	if e.HasTime {
		b = append(b, `"time":`...)
		b = strconv.AppendInt(b, e.Time, 10)
		b = append(b, ',')
	}
	b = append(b, `"measurepoints":{`...)
	for i := range e.Measurepoints {
		p := &e.Measurepoints[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = quote.JSON(b, p.Identifier)
		b = append(b, ':')
		if p.HasQuality {
			b = append(b, `{"value":`...)
			b = append(b, p.Value...)
			b = append(b, `,"quality":`...)
			b = strconv.AppendInt(b, int64(p.Quality), 10)
			b = append(b, '}')
		} else {
			b = append(b, p.Value...)
		}
	}
	return append(b, "}}"...)
}

// checkRequest returns why r cannot be written as a payload, or nil.
func checkRequest(r *Request) error {
	if !r.Method.Valid() {
		return errors.New("protocol: AppendRequest: method " + quote.Diag(string(r.Method), 64) + " is not a method of SPEC §1")
	}
	if !r.Method.Batch() && len(r.Params) != 1 {
		return errors.New("protocol: AppendRequest: method " + string(r.Method) + " takes exactly one entry, not " + strconv.Itoa(len(r.Params)))
	}
	if len(r.ID) > 0 && !validID(r.ID) {
		return errors.New("protocol: AppendRequest: id " + quote.Diag(string(r.ID), 64) + " is not a JSON string or integer")
	}
	var rd scan.Reader
	var keys scan.KeySet
	for i := range r.Params {
		e := &r.Params[i]
		where := "protocol: AppendRequest: params[" + strconv.Itoa(i) + "]"
		seen := keys.Open()
		for j := range e.Measurepoints {
			p := &e.Measurepoints[j]
			if p.Identifier == "" {
				return errors.New(where + ": measurepoints[" + strconv.Itoa(j) + "] has no identifier")
			}
			if _, dup := keys.Add(&seen, []byte(p.Identifier), false); dup {
				return errors.New(where + ": identifier " + quote.Diag(p.Identifier, 64) + " is given twice")
			}
			if !oneValue(&rd, &keys, p.Value) {
				return errors.New(where + ": the value of " + quote.Diag(p.Identifier, 64) + " is not one JSON value")
			}
		}
		keys.Close(&seen)
	}
	return nil
}

// validID reports whether id is exactly one JSON string or integer literal.
func validID(id []byte) bool {
	if id[0] == '"' {
		var rd scan.Reader
		rd.ResetBytes(id, 0)
		if _, _, err := rd.ReadString(); err != nil {
			return false
		}
		_, more := rd.Peek()
		return !more && rd.Offset() == int64(len(id))
	}
	n, ok := scan.IsNumber(id)
	return ok && n.Integer()
}

// oneValue reports whether v is exactly one JSON value, white space around it
// allowed, without the hygiene faults a validator refuses (SPEC §4.7).
func oneValue(rd *scan.Reader, keys *scan.KeySet, v []byte) bool {
	rd.ResetBytes(v, 0)
	var faulty bool
	sk := scan.Skipper{R: rd, Keys: keys, MaxDepth: 64, Soft: func(*scan.Error) { faulty = true }}
	if err := sk.Skip(1); err != nil || faulty {
		return false
	}
	_, more := rd.Peek()
	return !more
}
