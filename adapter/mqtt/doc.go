// Package mqtt is a local ingest endpoint: an embedded MQTT broker (mochi-mqtt v2)
// that answers measurepoint messages the way the platform does, so that a gateway
// can be pointed at it during development and see the verdicts it would get.
//
// The package translates between MQTT and package validate; it decides nothing
// itself. [New] returns a broker with the validation [Hook] attached; the caller
// adds listeners, calls Serve and, at the end, [Shutdown] (graceful) or [Close]
// (at once). Both replace the broker's own Close method, which can deadlock in
// mochi-mqtt v2.7.9 when a client leaves while it runs.
//
// # Specification
//
// SPEC is PROTOCOL.md at the root of the module; "SPEC §N" cites its section N.
//
// For every PUBLISH on one of the four request topics of SPEC §1
// (protocol.ParseTopic), the hook
//
//  1. validates the payload with a validate.Validator (SPEC §2–§4), giving
//     entries without a "time" the broker's clock in milliseconds (§4.6);
//  2. when the code is 200 and points were accepted, hands them to the [Sink]
//     in one [Batch], in document order (§4.8);
//  3. publishes the reply of §4.9 (protocol.AppendReply of Result.Reply()) on
//     the reply topic, protocol.Topic.ReplyTopic(): the request topic followed
//     by "_reply";
//  4. reports the [Verdict] to Options.OnVerdict, for logging.
//
// An accepted message is then delivered to the subscribers of its topic like on
// any broker. A rejected message is acknowledged but not delivered to anyone:
// an MQTT 5 client that published it at QoS 1 gets a PUBACK with reason code
// 0x99 (payload format invalid) whose reason string is the platform code, for
// example "1204 Model validate failed"; an MQTT 3.1.1 client, which has no way
// to learn of a rejection from its PUBACK, gets a plain PUBACK; either learns the
// code from the reply.
//
// # Decisions where SPEC is silent
//
//   - Replies are published by the broker itself at the QoS of the request
//     (at most 1) and never retained, so a gateway that publishes at QoS 0 is
//     not asked for acknowledgements it did not ask for either.
//   - Reply topics belong to the broker. A client's publication on a reply topic
//     (protocol.IsReplyTopic) is acknowledged and dropped, so that no client can
//     forge a verdict for another; an MQTT 5 client at QoS 1 gets reason code
//     0x87 (not authorized). The broker's own replies pass through the hook like
//     any publication and are recognised by their inline origin.
//   - Other topics (neither a request topic of §1 nor a reply topic) are
//     delivered untouched by default, so that the broker can carry a gateway's
//     other traffic; with [Options.OtherTopics] set to [Refuse] they are
//     acknowledged and dropped like forged replies.
//   - Every rejection of a request (any code but 200) gets the same PUBACK
//     reason code, 0x99: the reply, not the PUBACK, carries the platform code.
//   - The points of an accepted message go to the Sink before the reply is
//     published, so a client that has read its 200 reply may rely on the points
//     being in the sink. A 200 is sent only when the Sink returned nil: when it
//     fails, the message was valid but is not kept, so it is not accepted. Its
//     reply has code 500 (codes.ServerError, "Internal server error": not a
//     platform code, as SPEC names none for a server-side failure), an MQTT 5
//     client publishing at QoS 1 gets a PUBACK with reason code 0x80
//     (unspecified error), the message is not delivered to subscribers, and
//     the error is reported in the Verdict. The device sends it again, as it
//     would after a lost reply.
//   - Accepted requests are delivered with the retain flag cleared: a request
//     is answered once, and a stored one would be replayed to every later
//     subscriber as if it were new. Rejected ones are neither delivered nor
//     retained.
//   - Messages that are accepted without any point (an empty batch, or every
//     point skipped under skipInvalidMeasurepoints) do not reach the Sink.
//   - MQTT 5 clients are told Maximum QoS 1 in CONNACK, and a QoS 2
//     publication from one is treated as QoS 1. MQTT 3.1.1 clients cannot be
//     told: a QoS 2 publication from one gets the full QoS 2 exchange (PUBREC,
//     then PUBCOMP for its PUBREL) and is validated once, when its PUBLISH is
//     first read; a PUBLISH sent again before the PUBREL is not validated
//     again. Its reply is published at QoS 1.
//   - The broker's maximum packet size is the payload limit
//     (validate.Limits.MaxBytes, 512 KiB by default) plus [PacketOverhead]
//     (64 KiB). A payload over the limit by less than that still reaches the
//     validator and gets its 1008 reply, as on the platform; a larger packet is
//     refused by the broker before it is read into memory, and the connection is
//     closed. With no payload limit (MaxBytes < 0) the broker sets none either.
//
// # Limits
//
// The payload limit is validate.Limits.MaxBytes (SPEC §6: 512 KiB by default);
// the broker's maximum packet size follows from it (see above). The points of one
// message are held until its verdict, in buffers that grow with the payload and
// are reused from message to message; buffers that one message made larger than
// 1 MiB are dropped afterwards rather than kept.
//
// # Broker limits
//
// [Limits] (Options.Limits, and [NewListener] for connections) bound what
// clients can make the broker hold; each has a default:
//
//	limit              default  at the limit
//	MaxConnections     1000     a connection beyond it is closed at accept
//	ConnectTimeout     10s      a connection without CONNECT is closed
//	ServerKeepalive    60s      a client asking keepalive 0 gets it (MQTT 5: in CONNACK);
//	                            silent for 1.5 times it (or stalled in a packet), it is closed
//	MaxQueuedMessages  1000     a client whose queue is full is disconnected (0x97),
//	MaxQueuedBytes     16 MiB   the message dropped, counted and logged with its id
//	MaxInflight        100      Receive Maximum; more unacknowledged QoS 1/2: disconnect
//	MaxSessionExpiry   1h       a session whose client went away is dropped
//	MaxMessageExpiry   1h       a message kept for a client (or retained) is dropped
//	MaxRetained        1000     a retained publication beyond either is delivered,
//	MaxRetainedBytes   16 MiB   not retained, and logged
//	MaxTopicAliases    16       Topic Alias Maximum in CONNACK; a larger alias: disconnect
//	max packet size    payload limit + 64 KiB, announced in CONNACK (see above)
//
// mochi-mqtt enforces the connection count after CONNECT, the message queue,
// the inflight window, the session and message expiry and the topic alias
// maximum itself; the rest is enforced by the limits hook the broker attaches
// (LimitsHookID) and by NewListener. Memory held for connections is bounded
// by MaxConnections times the maximum packet size (a packet being read) plus
// the queues.
//
// A known race of mochi-mqtt v2.7.9: when a client reconnects under its client
// id while its old connection is still ending (a clean session), the end of
// the old connection can remove the new one from the broker's client table,
// and publications for it, replies included, are then not delivered until it
// connects again. A client that reconnects after its old connection has
// closed is not affected.
//
// # Logging
//
// The hook logs nothing itself: each verdict goes to Options.OnVerdict. The
// broker's own records go to Options.Logger, except the error record mochi
// writes for every negative PUBACK the hook asks for (a verdict, not a broker
// error), and the records mochi's listener writes without a message or client
// id when a connection ends with an error. The limits hook logs instead each
// disconnection with the client id, remote address and error, and NewListener
// each connection closed before its session began. Packets in mochi's records
// are logged as their type, topic and payload size, never their payload.
//
// # Security
//
// The broker refuses every client unless an authentication hook accepts it. For
// local use, [Options.AllowAll] attaches [AllowAll], which accepts every client
// without credentials and lets it publish and subscribe on any topic: use it only
// on a loopback address or a network you trust. Without it, attach your own
// authentication hook with AddHook before calling Serve.
//
// With a device registry ([Options.Devices], [NewDevices]) in which any device
// has a secret, the broker is the platform's device endpoint instead, as the
// vendor's device SDKs expect it (secure mode 2):
//
//  1. CONNECT: username "{deviceKey}&{productKey}", client id
//     "{base}[{extra}]|securemode=2,signmethod={m},timestamp={ts}|", password
//     [Sign] of clientId (base and extra), deviceKey, productKey and timestamp
//     with the device's secret. A bad or missing signature, an unknown device
//     or one without a secret, another secure mode (3 and 4 use product
//     secrets, which the registry does not hold) or an unknown sign method gets
//     CONNACK "not authorized" (MQTT 5 0x87, MQTT 3.1.1 0x05), reported as an
//     [AccessEvent] with the reason and never a secret or a password.
//  2. Permissions: a client may publish, subscribe and receive only on the
//     topics of its own device (/sys/{pk}/{dk}/... and /ext/session/{pk}/{dk}/...)
//     and of the sub-devices logged in through its connection. Another
//     publication gets the platform's 1009 treatment: not validated, not
//     delivered, no reply, MQTT 5 PUBACK 0x87 "1009 ...". A filter with a
//     wildcard in place of a device key ("#" included) gets a SUBACK failure.
//     Deliveries are checked too, so a subscription made while a sub-device was
//     logged in reads nothing once it has logged out.
//
// Timestamps are not checked for freshness (the SDKs send milliseconds,
// seconds with a fraction, or floats), so a captured CONNECT can be replayed,
// and the hook encrypts nothing: encryption is the listener's (a TLS listener
// of mochi-mqtt), independent of authentication.
//
// # Sub-device sessions
//
// The session topics of a gateway, /ext/session/{pk}/{dk}/combine/login,
// .../combine/login/batch and .../combine/logout, are answered on the topic
// followed by "_reply" with {"id", "code", "message"?, "data"} and never
// delivered (they carry signatures). The codes are [LoginCode] values: 705 the
// sub-device is not in the registry, 740 its gateway is another (or it is the
// gateway itself), 742 the sign does not check (wrong secret, unknown sign
// method, a secureMode other than 2, or, in a secured registry, a sub-device
// without a secret), 1220 the request is not JSON or lacks a parameter, 1251
// it is empty, 1260 its method is not the topic's, 723 a batch in which some
// sub-devices failed (reply data loginedSubDevices and failedSubDevices, the
// message naming each failure). A logout of a sub-device that is not logged
// in succeeds. A registry without any secret checks existence and gateways
// but cannot check signs. The online state the validator reads follows the
// sessions (see [Devices]).
//
// # Compression
//
// A client whose client id carries compress=GZIP, LZ4 or LZO in its extra
// block (the Java SDK's setting) publishes every payload compressed so and
// reads every payload it receives that way: the broker decompresses its
// publications before validating and delivering them (subscribers receive the
// JSON, or their own codec) and compresses every publication it sends to such
// a client, replies included ([Codec]). The payload limit applies to the
// decompressed JSON: a payload that decompresses to more gets 1008 however
// small it is, and decompression stops at the limit, so a bomb costs no more
// memory than a payload at the limit; one that does not decompress gets 1206.
// Both replies have no id (the request was never read). LZO replies are valid
// LZO1X made of literal runs: replies are a few dozen bytes, too short to gain
// from compression.
//
// # Set commands
//
// [Dispatcher] is the other half of the multiSet API (SPEC §5): it implements
// the HTTP adapter's dispatcher, so each accepted item becomes a measurepoint
// set command to its device, and the device's answer becomes the item's write
// result on its channel. [NewDispatcher] adds it to a broker as a hook; an
// embedding service with its own broker (made by [New]) does the same.
//
//  1. Command: {"id":ID,"version":"1.0","params":{MEASUREPOINTID:VALUE},
//     "method":"thing.service.measurepoint.set"}, published at QoS 1 on
//     /sys/{productKey}/{deviceKey}/thing/service/measurepoint/set ([SetTopic]),
//     the topic the vendor's SDKs subscribe to. A sub-device gets it on its own
//     topic, which its gateway subscribes to after logging it in. ID is a
//     decimal string, unique for the dispatcher's life.
//  2. VALUE is the value of inputData's one member, whatever its name (the
//     platform's examples use "arg" and "testArg"): package multiset checks
//     every inputData value against the point's dataType, so each one is a
//     whole value for the point, and a STRUCT point's value is that member's
//     object ({"arg": {"f1": 1, "f2": "x"}}). An inputData that is absent,
//     empty or has several members names no single value, and the platform's
//     set command carries one: Dispatch refuses it ([ErrNoValue]) and the REST
//     response gives the item 1000205.
//  3. Answer: the device publishes {"id":ID,"code":N,"data":{}} (a "message"
//     is optional) on the command topic followed by "_reply". The answer is
//     matched by the device of its topic and its id (a string, or a number
//     with the same digits). Code 200 gives status 0, msg and submsg
//     "SUCCESS", as in the platform's example; any other code (the Java SDK
//     lets devices answer codes from 2000 up, and warns about others, but
//     sends them) or a missing or non-integer code gives 1000205 "write data
//     error", submsg "the device answered code N[: message]".
//  4. Result: {"data":[ITEM]}, one message per item, published at QoS 1, not
//     retained, on the topic named by the item's setMeasurepointChannelId (one
//     topic level, such as DATASVC.SET.ch1), as soon as the item's outcome is
//     known: ITEM is the item as the REST response gave it, with status, msg,
//     submsg and gmtServiceReply (the time of the outcome) replaced.
//  5. No answer within the item's timeout (ms): [StatusResponseTimeout],
//     11915 "response timeout". The multiSet document names no code for it;
//     11915 is the platform's code for "the command was sent, but the response
//     timed out" in its single-point set command API.
//  6. A device that cannot receive the command: [StatusDeviceOffline], 11900
//     "device offline" (that API's "the device is offline"), published at
//     once, no command sent. It cannot receive it when no connected client
//     subscribes to the command topic, or, with a secured registry, none that
//     may read it; with a registry ([DispatcherOptions.Devices]), also when the
//     device is a sub-device that is offline (not logged in). A device that
//     goes away after the command was sent gets the timeout.
//  7. [Dispatcher.Close] publishes the result of every item still waiting with
//     11915, submsg "the server stopped before the device answered", and makes
//     Dispatch refuse new items. Close it before the broker.
//
// Every result is published exactly once: an item waits in a map bounded by
// [DispatcherOptions.MaxPending] items (10000 by default) and
// [DispatcherOptions.MaxPendingBytes] (64 MiB by default: a request body is at
// most 1 MiB, but a mute device can keep many of them waiting for up to 300
// s), beyond which Dispatch refuses items with [ErrTooManyPending], and
// whoever removes it (the answer, its timer, Close) publishes its result;
// answering removes it and stops its timer, so nothing is left behind. Each
// result is reported to DispatcherOptions.OnResult, for logging. Delivering it
// to the channel's subscribers is then the broker's work, within its limits: a
// subscriber that leaves more than Limits.MaxInflight QoS 1 messages
// unacknowledged, or lets its queue fill, loses messages as it would any
// other, and mochi-mqtt or the limits hook logs each loss.
//
// A set reply is consumed: acknowledged, never delivered to subscribers,
// whether or not it matched a command (an unmatched one, too late or with an
// unknown id, is dropped and reported to DispatcherOptions.OnStrayReply), so
// that a device cannot make another client see a result. Permissions are the access hook's: in a secured registry a client may
// publish a set reply only on its own device's topics and those of the
// sub-devices logged in through it (see Security). Compression is too: a
// client that compresses gets its command compressed in its codec, and its
// compressed answer is decompressed before the dispatcher reads it.
//
// The dispatcher's hook runs after the validation hook, which with
// [Options.OtherTopics] set to [Refuse] drops set replies before the
// dispatcher sees them: use the default Forward with a dispatcher. In a
// secured registry network clients may read only device topics, so the
// results reach the embedding program's inline subscriptions (mochi's
// Server.Subscribe) and DispatcherOptions.OnResult, not network clients.
//
// # Concurrency
//
// The broker calls the hook on the goroutine of the publishing client, so many
// messages are validated at once. A validate.Validator is not safe for concurrent
// use; the hook keeps a sync.Pool of them (with their point buffers), so each
// message is validated by a validator that no other goroutine holds. The models
// and the directory in Options.Validate are shared by all of them and must be
// safe for concurrent use (a thingmodel.Catalog is). The Sink and OnVerdict are
// called concurrently from many clients.
package mqtt
