//go:build race

package natsworker

// raceEnabled is true when the tests run under the race detector, which
// slows the servers down several times: the cluster tests then send fewer
// requests, enough to exercise every path concurrently.
const raceEnabled = true
