// Command genpayload writes a generated measurepoint batch of an exact size to a
// file, for measuring the memory and throughput of `pointguard check` on payloads
// far over what fits comfortably in memory:
//
//	genpayload -size 300MB -out payload.json -env env.json
//	pointguard check --env env.json --topic /sys/gwP/gw1/thing/measurepoint/post/batch --max-bytes 0 payload.json
//
// The payload is written entry by entry through a small buffer, so genpayload
// itself uses a few hundred kilobytes whatever the size. -env also writes the
// matching `--env` file (SPEC §7.2): the model, products and devices the payload
// refers to. The topic to send the payload on is printed on standard output.
package main
