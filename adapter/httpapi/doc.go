// Package httpapi serves the asynchronous multi-point set REST API of SPEC §5
// over net/http, the way the platform answers it, so that a client can be
// pointed at it during development and see the responses it would get.
//
// The package translates between HTTP and package validate; it decides nothing
// itself. [New] returns an http.Handler; the embedding program mounts it at
// protocol.MultiSetPath and implements a [Dispatcher] to receive the accepted
// items:
//
//	env, err := environment.Load(os.DirFS("."), "env.json") // package environment
//	...
//	mux := http.NewServeMux()
//	mux.Handle(protocol.MultiSetPath, httpapi.New(httpapi.Options{
//		Validate:   validate.Options{Models: env.Models(), Directory: env.Directory()},
//		Orgs:       env,
//		Assets:     env.Assets(),
//		Dispatcher: d,
//	}))
//
// Mount it with a pattern without a method ("/dataService/devices/multiSet",
// not "PUT /dataService/..."), so that a wrong method gets this package's JSON
// answer rather than the ServeMux's plain-text one.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
//
// For a PUT request, the handler
//
//  1. reads the query parameter orgId (the first one, when it is repeated; an
//     empty value counts as missing, SPEC §7.3);
//  2. reads the body, at most Options.MaxBodyBytes of it;
//  3. validates it with multiset.Validator.Validate (SPEC §5), at the time
//     Options.Now gives, in milliseconds;
//  4. hands every item whose status is 0 to the [Dispatcher], in request
//     order, before answering;
//  5. answers HTTP 200 with the response JSON of SPEC §5, whatever its status:
//     like the platform, the HTTP status says the request was served and the
//     body's "status" says how it went, 400 included.
//
// # Decisions where SPEC is silent
//
//   - A method other than PUT gets HTTP 405, an "Allow: PUT" header and the
//     body {"status":405,"msg":"Method Not Allowed","submsg":"use PUT"}.
//   - A body over Options.MaxBodyBytes (default [DefaultMaxBodyBytes], 1 MiB)
//     gets HTTP 413 and {"status":413,"msg":"Payload Too Large","submsg":...};
//     it is cut off by http.MaxBytesReader, never read whole.
//   - A body that cannot be read for another reason (the client went away)
//     gets HTTP 400 and the SPEC §5.1 answer for a bad body.
//   - The request path, the Content-Type and other query parameters are not
//     checked: the mount point decides the path, and the body is read as JSON
//     whatever it is labelled.
//   - A status 0 in the response means "accepted for delivery" (the platform's
//     documentation: the command was issued, not yet written). An item the
//     Dispatcher refuses therefore gets status 1000205 "write data error",
//     submsg "the write command could not be sent", instead; the error itself
//     goes to Options.OnDispatchError and is not shown to the client.
//   - Without a Dispatcher the handler only validates: accepted items are
//     answered with status 0 and go nowhere.
//   - Responses are application/json, not HTML-escaped, with a final newline.
//     A response with items is written one item at a time, through a 32 KiB
//     buffer, without a Content-Length when it is larger than that.
//
// # Limits
//
// A request costs memory for its body (Options.MaxBodyBytes, 1 MiB by
// default) and for at most validate.Limits.MaxItems items (1000 by default,
// SPEC §6, set in Options.Validate.Limits): a body with more items gets 400
// "Invalid Argument data", and the items past the limit are read for syntax
// only, never kept. The response is produced item by item from those. The
// timeouts and the connection cap belong to the http.Server the handler is
// mounted on; set ReadHeaderTimeout, ReadTimeout, WriteTimeout and
// IdleTimeout there.
//
// # Concurrency
//
// The handler is safe for concurrent use: each request gets its own
// validate.Validator. The options' models and directories, and the
// Dispatcher, are shared by all requests and must be safe for concurrent use.
package httpapi
