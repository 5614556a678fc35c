// Command pointguard is the conformance tool of SPEC §7 (PROTOCOL.md at the root
// of the module; "SPEC §N" cites its section N): it validates captured
// measurepoint messages and multiSet requests against a platform environment.
//
//	pointguard check [flags] [CAPTURE ...]      validate captured MQTT messages (SPEC §7.1)
//	pointguard multiset [flags] --org ORG BODY  validate a multiSet request (SPEC §7.3)
//	pointguard serve [flags]                    an MQTT broker and HTTP endpoint that validate and reply
//	pointguard worker --nats URLS [flags]       validation workers on a NATS JetStream cluster
//	pointguard sign [flags] PK/DK               the CONNECT credentials (or --login request) of a device with a secret
//	pointguard version                          the module version, VCS revision and Go version (also --version)
//	pointguard help [command]
//
// Exit statuses, for every command: 0 when every verdict is positive, 1 when
// any is not, 2 for a usage or I/O error.
//
// # Commands
//
// Every subcommand is a [command] in the [commands] registry, registered from an
// init function in its own file, so that subcommands can be added without
// touching this one:
//
//	func init() {
//		commands["example"] = command{
//			name:    "example",
//			summary: "one line for the usage text",
//			run:     runExample,
//		}
//	}
//
// main only calls run, which tests call in-process.
//
// # check
//
// check implements SPEC §7.1 over the environment of §7.2 (package
// environment). Without --env every command uses the sample environment
// compiled into the program (testdata/envs/sample.json and its models), so it
// works from any directory; --env FILE reads FILE, and the model files it names
// relative to FILE, from the file system.
// Where SPEC is silent it decides:
//
//  1. Flags come before the CAPTURE files; an argument that looks like a flag
//     after a file is a usage error (name a file "./-x" to check it).
//  2. "line" counts the lines of each CAPTURE file from 1, restarting with each
//     file; empty lines and lines of only white space are skipped but counted.
//     With --topic, "line" is the 1-based index of the CAPTURE argument.
//  3. A refused topic (1009) has no reply topic; "topic" is then the request
//     topic followed by "_reply", since scripts match verdicts by it.
//  4. For errors decided before the payload is parsed (1008, 1009, 1251),
//     "error" has "pointer": "" and "offset": -1, as validate.Error does.
//  5. "skipped" lists at most validate.DefaultMaxSkipped points, the first in
//     document order, and "skippedCount" is the total (SPEC §7.1); the text
//     format prints the total.
//  6. A capture line is valid when it is one JSON object with a string "topic",
//     exactly one of "payload" (a string) and "payload_base64" (standard
//     base64, padding optional), and an optional "received" that is an integer
//     in [0, 2^63-1]. Other keys are ignored; a duplicate of one of these keys
//     makes the line invalid. An invalid line is reported on stderr as
//     "pointguard check: FILE:LINE: not a capture line: REASON" ("stdin" for
//     standard input) and in the output, as the record
//     {"line":N,"error":{"code":"capture","detail":REASON}} (no "topic", no
//     "reply": there was no message), so that a program reading stdout counts
//     every line; it makes the exit status at least 1.
//  7. A capture line may be up to six times --max-bytes (a payload at the
//     limit with every byte escaped as \u00XX) plus 64 KiB for the rest of
//     the line, and at most 256 MiB (also with --max-bytes 0); a longer one
//     is an invalid capture line, reported with its line number and read
//     through without being held. Larger payloads are checked with --topic,
//     which streams them.
//  8. A CAPTURE file that cannot be read is reported on stderr and the run goes
//     on with the next one; the exit status is 2. So it is when stdout fails.
//  9. The clock is read once per run, for messages that have neither
//     "received" nor --now. Each verdict is flushed as soon as it is written.
//  10. No messages at all is success (exit status 0); an input without a single
//     message says so on stderr ("pointguard check: FILE: no messages (empty
//     input)").
//  11. With several inputs every record names its file: "file" (as given,
//     "stdin" for "-") comes first in jsonl, and text records start with
//     "FILE:LINE: " instead of "line LINE: ". With one input the records are
//     as SPEC §7.1 shows them.
//  12. A UTF-8 byte order mark at the start of a capture file is skipped
//     (editors write one); anywhere else it is not JSON. A raw payload file
//     (--topic) is checked byte for byte, as the platform would see it.
//  13. When a capture file's first bad line suggests what the file is instead,
//     one hint goes to stderr and into that line's record ("hint"): a raw
//     payload (the first non-empty line is "{", "[", or an object with
//     "method", "params" or "version" and no "topic": check it with --topic).
//     The file's further bad lines are then counted on stderr, not listed;
//     they all stay in the output. A "payload" that is a JSON object or
//     array, as mosquitto_sub -F %J writes a payload that parses as JSON, is
//     not a bad line: it is checked as the text of that value in the line.
//     mosquitto prints that text again from its own parse (1.0 becomes 1, 1e2
//     becomes 100, white space goes), so the verdict is on what mosquitto
//     printed, which may not be what the device sent; stderr says so once per
//     file. -F %j keeps payloads exact.
//  14. --quiet leaves out of jsonl and text the messages that got 200. It does
//     not change junit (a test report lists every test) or sarif (which lists
//     only problems).
//  15. --format junit writes one test suite per input and one test case per
//     message (failure: type the code, message the verdict, text the pointer,
//     offset, detail and reply; a bad capture line is an error of type
//     "capture"). --format sarif writes one SARIF 2.1.0 run whose results are
//     the problems, each at its file and line (for --topic, its byte offset).
//     See format_junit.go and format_sarif.go.
//  16. A CAPTURE is a packet capture when it begins with a pcap or pcapng magic
//     number (package adapter/capture), and JSON Lines otherwise. In a packet
//     capture, a request is a PUBLISH on a request topic (SPEC §1) sent by
//     the side that sent CONNECT: copies a broker forwards to subscribers,
//     and PUBLISHes on other topics, are not checked (the summary counts the
//     latter). Its server time is the capture time of the frame that
//     completed it, in ms, unless --now is given. Its verdict carries
//     "packet" (that frame's number, from 1), "at" (that time) and "stream"
//     ({"client": "ip:port", "server": "ip:port"}) in place of "line"; the
//     text format says "packet N:" (with several inputs, "FILE: packet N:").
//  17. What a packet capture holds but check cannot decode (TLS, connections
//     that are not MQTT, bytes missing from a stream, a file cut mid-record,
//     MQTT packets over --max-bytes plus 128 KiB) is reported on stderr as
//     "pointguard check: FILE: packet N: [CLIENT -> SERVER: ]SENTENCE", at
//     most 100 lines a run, and counted in the summary; it does not change
//     the exit status. A read error is an I/O error (exit status 2).
//  18. --compare (jsonl and text only) matches each request with the first PUBLISH on its reply
//     topic, in either direction, whose "id" has the same text; a request
//     waits for it at most 60 s of capture time, behind at most 10,000
//     others and 64 MiB of waiting records, and then gets "observed": null
//     and "agree": null; an observed "message" is kept up to 1 KiB. In JSON Lines
//     captures, with --compare, lines on reply topics are replies, not
//     messages to check, and a "tst" as mosquitto_sub -F %j writes it is the
//     server time of a line without "received". A reply that comes before any
//     request it answers (a subscriber gets the reply first) waits for one,
//     under the same bounds. A reply that is not JSON with an integer "code" is
//     counted, not matched. The exit status then says whether the replies
//     agree: 1 when one disagrees, else 0; verdicts other than 200 alone do
//     not make it 1.
//  19. Every run that reads its inputs ends with one summary line on stderr:
//     "pointguard check: N messages (COUNT × CODE, ...); ...; ELAPSED s", with
//     the bad capture lines, the replies with --compare, and what was not
//     decoded, each when there is any. When stderr is a terminal and the run
//     lasts over 2 s, a progress line is rewritten at most once a second.
//  20. With --max-bytes 0 there is no 1008, so once the verdict is known the
//     rest of a --topic file is not read: an endless input ends.
//
// # worker
//
// worker runs package natsworker: it connects to the NATS servers of --nats,
// creates the streams and the durable consumer when they are missing
// (natsworker.Setup) and runs --workers goroutines until SIGINT or SIGTERM.
// Where SPEC is silent it decides:
//
//  1. --creds and --user exclude each other; without --password the password
//     of --user comes from $NATS_PASSWORD, so that it need not appear in the
//     process list.
//  2. The connection reconnects forever (a worker outlives a cluster's
//     rolling restart); disconnections and reconnections are logged.
//  3. No verdict is logged one by one (a worker handles thousands a second):
//     a summary every --stats-every (10s) and at the stop, and every result
//     that could not be stored, at error level.
//  4. The exit status is 0 after a stop by signal, 2 when the servers cannot
//     be reached or set up at the start, or a worker fails while running.
package main
