//go:build !race

package natsworker

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = false
