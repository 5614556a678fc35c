// Package bench holds the benchmark suite of pointguard: the validator beside the
// baselines that a platform engineer would otherwise reach for, on the same
// payloads, in the same run. It is its own module so that the library's users
// never see the baselines' dependencies.
//
// Everything is in the package's tests; see README.md for what is measured and
// how to reproduce it, and the run script beside this file for the whole suite.
// The payloads, model and directory come from [github.com/pointguard/pointguard/bench/gen];
// the suite's own syntax scanner is [github.com/pointguard/pointguard/bench/scan].
package bench
