// Package natsworker runs pointguard's validator as a pool of workers behind a
// NATS JetStream cluster, so that many processes on many machines share the
// measurepoint traffic of a large fleet and a crash loses no request and
// duplicates no point.
//
//	devices --MQTT--> NATS cluster (MQTT listener) --> raw stream (POINTGUARD_RAW)
//	                        ^                                 | durable pull consumer, shared
//	                        |                                 v
//	                    replies <---- worker × N (validate, store results, reply, ack)
//	                                                          |
//	                                     points.{pk}.{dk} (POINTGUARD_POINTS), rejected.{code} (POINTGUARD_REJECTED)
//
// Devices connect to the NATS server's MQTT listener unchanged. The server
// publishes each MQTT message on a NATS subject ([TopicToSubject]): the request
// topic "/sys/pk/dk/thing/measurepoint/post/batch" is the subject
// "/.sys.pk.dk.thing.measurepoint.post.batch", and a "." inside a level becomes
// "//" (device key "a.b" is the token "a//b"). The raw stream takes exactly the
// four request subjects of SPEC §1 ([RequestSubjects]), never a "_reply"
// subject. The package translates between NATS and package validate; it decides
// nothing itself.
//
// # What a worker does with each request
//
//  1. It validates the payload with a validate.Validator (SPEC §2–§4), the
//     streaming payload path, with the topic the subject maps back to
//     ([SubjectToTopic]). Entries without a "time" get the time at which the
//     raw stream received the request, so that a redelivered request yields the
//     same points.
//
//  2. It stores the results and waits until the server has confirmed them
//     (the PubAck): for 200, the accepted points, one JetStream message per
//     device of the request, on "points.{productKey}.{deviceKey}" ([PointsSubject]),
//     as the JSON lines that "pointguard serve --points" writes,
//
//     {"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":1,"quality":9}
//
//     for any other code, one [Rejection] record on "rejected.{code}". A request
//     accepted with no point stores nothing.
//
//  3. It publishes the platform's reply (SPEC §4.9) on the request subject
//     followed by "_reply" ([ReplySubject]), which the MQTT listener delivers
//     to the devices subscribed to the reply topic.
//
//  4. It acks the request, after the reply, on the same connection.
//
// When the results cannot be stored (no quorum, a full stream, a timeout) the
// request is not answered and not acked: it is given back (a delayed nak) and
// comes again.
//
// Each result message carries a Nats-Msg-Id derived from the request's content:
// a hash of the topic, the payload and, for points, the device. The server
// drops a message whose id it has seen within the stream's duplicate window
// (the PubAck says "duplicate"), so neither a redelivery of the request nor a
// device that sends the same request again after its reply timed out (the
// vendor SDKs do) stores anything twice.
//
// # Delivery promise
//
//   - Every request that the raw stream stored is answered at least once. A
//     worker that dies before acking leaves its requests to the others: the
//     server delivers them again after AckWait. The reply goes out as a core
//     NATS message, which the MQTT listener delivers at QoS 0 to the devices
//     that are connected and subscribed; a reply lost on the way (its node
//     failed, the device was offline), or a request the raw stream never
//     stored (a QoS 1 PUBACK is sent before the stream has stored the message,
//     so a request in flight when a node fails can be lost), is recovered when
//     the device sends the request again, as the SDKs do after their timeout.
//   - The points of a request are stored exactly once, provided that every
//     delivery and re-send of it comes within the duplicate window of the
//     points stream: [DefaultDuplicateWindow] (10 minutes) unless
//     Config.DuplicateWindow says otherwise. The server keeps each id of the
//     window in memory, so a longer window costs memory at high rates.
//     Results are stored before the reply: a device that has read 200 may rely
//     on its points being in the stream.
//   - A "duplicate" is decided by content: two requests with the same topic and
//     the same payload are the same request. A device that means to report the
//     same values twice gives them different ids or times, as it does anyway.
//
// # Order
//
// Per-device order is not kept by default: the workers take messages
// concurrently, and a message redelivered after a worker died is handled after
// later ones. A user who needs the points of each device in the order the
// stream received them runs the consumer with MaxAckPending 1 (the server then
// hands out the next message only when the previous one is acked, and a
// redelivery comes before anything later) and one worker goroutine
// (Config.Workers 1): order is then total, at the speed of one message per
// round trip. To scale with order kept, partition the subjects by device with
// the server's subject mapping (partition(n, ...)) into n streams and run one
// such consumer per stream; the worker does not set this up.
//
// # Streams and consumer
//
// [Setup] creates what is missing and leaves what exists as it is, so that N
// workers started anywhere share the work:
//
//   - the raw stream: the four request subjects, work-queue retention (a
//     request is removed once acked), file storage, discard new when full (a
//     request refused is not answered, and the device sends it again);
//   - the points stream, "points.>", and the rejected stream, "rejected.>":
//     limits retention, file storage, discard new when full (a result that
//     cannot be stored is not answered), the duplicate window;
//   - the durable pull consumer: explicit acks, AckWait, MaxAckPending, no
//     limit on deliveries.
//
// Streams get Config.Replicas replicas: 3 on a cluster and 1 on a single
// server by default. Limits on size and age are left to the operator (nats
// stream edit); until then, the server's JetStream storage is the bound.
//
// # Security
//
// A NATS server lets any client publish on any subject unless told otherwise:
// an MQTT client could publish on "points/pk/dk" (the subject "points.pk.dk")
// or on a reply topic, and forge points or verdicts. Give devices permissions
// that allow publishing only on the request subjects and subscribing only to
// the reply subjects, and give the workers their own user; the README has a
// configuration that does.
//
// # Limits
//
// Payloads are bounded by Config.Validate's MaxBytes (1008 above it) and by the
// server's max_payload (1 MiB by default), which refuses larger MQTT messages
// before they reach a stream. Each goroutine holds at most Config.Prefetch
// messages ahead of the one it is handling, and the results of one request.
//
// # Shutdown
//
// [Worker.Run] returns when its context is done: each goroutine stops taking
// messages, handles and acks those its subscription already holds, and the
// connection is flushed. Messages the server had sent to a stopping
// subscription without the worker receiving them come again after AckWait.
//
// # Concurrency
//
// A Worker runs Config.Workers goroutines, each with its own validator (a
// validate.Validator is not safe for concurrent use) and its own pull
// subscription on the shared consumer. The models and directory of
// Config.Validate are shared by all of them.
package natsworker
