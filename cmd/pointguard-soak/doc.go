// Command pointguard-soak runs the MQTT endpoint of pointguard serve in
// process under a mixed load for a while, and reports what a well-behaved
// gateway would have seen:
//
//	go run ./cmd/pointguard-soak -clients 50 -hostile 10 -duration 1m
//
// Well-behaved clients publish requests at QoS 1, each waiting for its reply
// before the next; the report counts their requests, 200 replies and the
// replies lost (a request acknowledged but never answered, which must be 0).
// Hostile clients take turns at three behaviours: a slow reader subscribed to
// every topic that never reads, a client that sends most of a PUBLISH and
// stalls, and a client that publishes forged replies on reply topics. The
// broker runs with serve's default limits and a points sink writing to
// /dev/null. The report gives the throughput and the peak resident set size
// (VmHWM) of the process. It is not run by go test: it takes as long as
// -duration.
package main
