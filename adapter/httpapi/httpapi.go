package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/internal/quote"
	"github.com/pointguard/pointguard/multiset"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/validate"
)

// DefaultMaxBodyBytes is the default limit on a request body: 1 MiB, room for
// thousands of items.
const DefaultMaxBodyBytes = 1 << 20

// Dispatcher receives the items that passed validation, to send the writes to
// the devices. It must be safe for concurrent use.
type Dispatcher interface {
	// Dispatch sends one accepted item. The item is the reply the client will
	// get, with status 0, its productKey and deviceKey filled in when the
	// validator resolved them; the write result is published later, on the
	// item's SetMeasurepointChannelID, as a protocol.WriteResult. ctx is the
	// HTTP request's context. The item must not be kept after Dispatch returns;
	// copy it. An error turns the item's status into 1000205 "write data error".
	Dispatch(ctx context.Context, item *protocol.SetMeasurepointReply) error
}

// Options configure the handler. The zero value validates with the compat
// profile, no models and no directories (the field rules of SPEC §5.2 only),
// knows every orgId, dispatches nothing, reads the system clock and limits
// bodies to DefaultMaxBodyBytes.
type Options struct {
	// Validate configures the validator of each request: Profile (for the
	// inputData values), Models and Directory (the lookups of SPEC §5.2), and
	// Limits.MaxDepth.
	Validate validate.Options
	// Orgs is the organisation directory; nil knows every orgId.
	Orgs multiset.OrgDirectory
	// Assets resolves assetIds; with nil, an item named by assetId alone is
	// accepted only when neither Models nor Directory is set (see
	// package multiset).
	Assets multiset.AssetDirectory
	// Dispatcher receives the accepted items; nil only validates.
	Dispatcher Dispatcher
	// Now returns the server time in milliseconds since the epoch; nil reads
	// time.Now.
	Now func() int64
	// MaxBodyBytes limits the request body; 0 means DefaultMaxBodyBytes and a
	// negative value no limit.
	MaxBodyBytes int64
	// OnDispatchError, when not nil, is told of every error the Dispatcher
	// returns, for logging. It is called on the request's goroutine.
	OnDispatchError func(item *protocol.SetMeasurepointReply, err error)
}

// handler is the http.Handler that New returns.
type handler struct {
	opts Options
	max  int64 // body limit; negative: none
}

// New returns the handler of the multiSet API (SPEC §5) for the given options;
// see the package documentation for what it answers. The options are copied;
// the directories and the Dispatcher they refer to are used by every request.
func New(opts Options) http.Handler {
	h := &handler{opts: opts, max: opts.MaxBodyBytes}
	if h.max == 0 {
		h.max = DefaultMaxBodyBytes
	}
	if h.opts.Now == nil {
		h.opts.Now = func() int64 { return time.Now().UnixMilli() }
	}
	return h
}

// dispatchFailed is the submsg of an item the Dispatcher refused.
const dispatchFailed = "the write command could not be sent"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		writeHTTPError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "use PUT")
		return
	}
	var q multiset.Query
	if vals, ok := r.URL.Query()["orgId"]; ok && len(vals) > 0 {
		q.OrgID, q.HasOrgID = vals[0], true
	}
	q.Orgs, q.Assets = h.opts.Orgs, h.opts.Assets

	body, err := h.readBody(w, r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeHTTPError(w, http.StatusRequestEntityTooLarge, "Payload Too Large",
				"body is larger than "+strconv.FormatInt(tooLarge.Limit, 10)+" bytes")
			return
		}
		writeJSON(w, http.StatusBadRequest, protocol.MultiSetResponse{
			Status: codes.InvalidArgument, Msg: codes.InvalidArgument.Message() + " body", Submsg: "body could not be read",
		})
		return
	}

	now := h.opts.Now()
	resp := multiset.New(h.opts.Validate).Validate(q, body, now)
	if d := h.opts.Dispatcher; d != nil && resp.Status == codes.Success {
		for i := range resp.Data {
			item := &resp.Data[i]
			if item.Status != codes.Success {
				continue
			}
			if err := d.Dispatch(r.Context(), item); err != nil {
				if h.opts.OnDispatchError != nil {
					h.opts.OnDispatchError(item, err)
				}
				*item = item.WithStatus(codes.WriteDataError, dispatchFailed, now)
			}
		}
	}
	writeResponse(w, resp)
}

// readBody reads the whole body, cut off at the limit.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if h.max >= 0 {
		if r.ContentLength > h.max {
			// Refused before reading a byte; MaxBytesReader would say the same
			// after reading max of them.
			return nil, &http.MaxBytesError{Limit: h.max}
		}
		rd = http.MaxBytesReader(w, r.Body, h.max)
	}
	return io.ReadAll(rd)
}

// writeResponse writes a validated response with HTTP status 200, one item
// at a time through a small buffer, so that the response costs memory for one
// item's JSON rather than for the whole body. The bytes are those of
// resp.MarshalJSON and a final newline.
func writeResponse(w http.ResponseWriter, resp protocol.MultiSetResponse) {
	if len(resp.Data) == 0 {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	items := resp.Data
	resp.Data = []protocol.SetMeasurepointReply{}
	head, err := resp.MarshalJSON() // {"status":0,...,"data":[]}
	if err != nil || !bytes.HasSuffix(head, []byte("[]}")) {
		writeJSON(w, http.StatusInternalServerError, protocol.MultiSetResponse{})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.Write(head[:len(head)-2])
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil { // cannot happen, as in writeJSON; cut the response short
			return
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		if _, err := bw.Write(b); err != nil {
			return // the client went away
		}
	}
	bw.WriteString("]}\n")
	bw.Flush()
}

// writeJSON writes resp with the given HTTP status.
func writeJSON(w http.ResponseWriter, status int, resp protocol.MultiSetResponse) {
	b, err := resp.MarshalJSON()
	if err != nil { // cannot happen: the response holds only strings, numbers and validated JSON
		status, b = http.StatusInternalServerError, appendHTTPError(nil, http.StatusInternalServerError, "Internal Server Error", "")
	}
	writeBody(w, status, b)
}

// writeHTTPError answers a request that HTTP refuses before SPEC §5 has a say
// (a method other than PUT, a body over the limit). The body has the shape of
// a multiSet response, but its "status" is the HTTP status, which is no
// codes.Status, so it is not a protocol.MultiSetResponse.
func writeHTTPError(w http.ResponseWriter, status int, msg, submsg string) {
	writeBody(w, status, appendHTTPError(nil, status, msg, submsg))
}

// appendHTTPError appends {"status":STATUS,"msg":MSG,"submsg":SUBMSG}; an
// empty submsg is null.
func appendHTTPError(b []byte, status int, msg, submsg string) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"msg":`...)
	b = quote.JSON(b, msg)
	b = append(b, `,"submsg":`...)
	if submsg == "" {
		b = append(b, "null"...)
	} else {
		b = quote.JSON(b, submsg)
	}
	return append(b, '}')
}

// writeBody writes the JSON body b and a newline with the given HTTP status.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
