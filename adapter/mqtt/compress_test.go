package mqtt_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pointguard/pointguard/adapter/mqtt"
	"github.com/pointguard/pointguard/codes"
)

func gzipOf(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// compressedSample returns the seeds' sample compressed as the Java SDK sends
// it with codec c: gzip by the standard library, LZ4 in lz4-java's block
// format by the tests' own writer, LZO by liblzo (a fixture, see
// testdata/lzo/README.md).
func compressedSample(tb testing.TB, c mqtt.Codec) []byte {
	tb.Helper()
	sample, err := os.ReadFile("testdata/lzo/sample.json")
	if err != nil {
		tb.Fatal(err)
	}
	if string(sample) != samplePayload {
		tb.Fatal("testdata/lzo/sample.json is not samplePayload")
	}
	switch c {
	case mqtt.Gzip:
		return gzipOf(tb, sample)
	case mqtt.LZ4:
		return mqtt.LZ4JavaBlocks(sample, 64<<10)
	case mqtt.LZO:
		raw, err := os.ReadFile("testdata/lzo/sample.lzo1x")
		if err != nil {
			tb.Fatal(err)
		}
		return mqtt.LZOFramed(len(sample), raw)
	}
	return sample
}

// uncompressed decodes a payload the broker sent to a client of codec c.
func uncompressed(tb testing.TB, c mqtt.Codec, b []byte) []byte {
	tb.Helper()
	switch c {
	case mqtt.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			tb.Fatalf("reply is not gzip: %v: %q", err, b)
		}
		var out bytes.Buffer
		if _, err := out.ReadFrom(zr); err != nil {
			tb.Fatal(err)
		}
		return out.Bytes()
	case mqtt.LZ4:
		return mqtt.ReadLZ4Java(tb, b)
	case mqtt.LZO:
		out, err := mqtt.Decompress(mqtt.LZO, b, 1<<20)
		if err != nil {
			tb.Fatalf("reply is not LZO: %v", err)
		}
		return out
	}
	return b
}

// TestCompressedClients has a gateway of each codec post the sample, log in a
// sub-device, and read compressed replies; a plain subscriber reads the
// accepted message as JSON.
func TestCompressedClients(t *testing.T) {
	for _, c := range []mqtt.Codec{mqtt.Gzip, mqtt.LZ4, mqtt.LZO} {
		t.Run(c.String(), func(t *testing.T) {
			opts, _ := securedOptions(t)
			sink := new(collector)
			opts.Sink = sink
			addr := startBroker(t, opts)
			gw := dialGW(t, addr, "gw1", gwSecret, "ip=127.0.0.1,version=2.3,compress="+map[mqtt.Codec]string{mqtt.Gzip: "GZIP", mqtt.LZ4: "LZ4", mqtt.LZO: "LZO"}[c])
			gw.subscribe(t, gwReplyTopic)
			gw.subscribe(t, loginTopic+"_reply")
			plain := dialGW(t, addr, "gw1", gwSecret, "conn=plain")
			plain.subscribe(t, gwTopic)

			gw.publish(t, gwTopic, 1, string(compressedSample(t, c)))
			m := next(t, gw.msgs)
			if got := uncompressed(t, c, m.payload); m.topic != gwReplyTopic || string(got) != sampleReply {
				t.Fatalf("reply on %s: %q, want %s", m.topic, got, sampleReply)
			}
			if len(sink.get()) != 1 || len(sink.get()[0].Points) != 9 {
				t.Errorf("sink got %v", sink.get())
			}
			if m := next(t, plain.msgs); string(m.payload) != samplePayload {
				t.Errorf("plain subscriber got %q, want the JSON", m.payload)
			}

			login := loginRequest("7", "product1", "device1", "d1-secret", mqtt.SHA256)
			var body []byte
			switch c {
			case mqtt.Gzip:
				body = gzipOf(t, []byte(login))
			case mqtt.LZ4:
				body = mqtt.LZ4JavaBlocks([]byte(login), 64<<10)
			case mqtt.LZO:
				// A literal run of the whole request at state 0: 0, then the
				// length - 18 as 255 per zero byte plus a last non-zero byte.
				raw := []byte{0}
				r := len(login) - 18
				for ; r > 255; r -= 255 {
					raw = append(raw, 0)
				}
				raw = append(raw, byte(r))
				raw = append(append(raw, login...), 0x11, 0, 0)
				body = mqtt.LZOFramed(len(login), raw)
			}
			gw.publish(t, loginTopic, 1, string(body))
			m = next(t, gw.msgs)
			if got := uncompressed(t, c, m.payload); !bytes.Contains(got, []byte(`"code":200`)) {
				t.Fatalf("login reply %q", got)
			}
		})
	}
}

// TestCompressedRefusals: a payload that does not decompress is 1206, one that
// decompresses to more than the limit (a bomb) is 1008; neither is delivered.
func TestCompressedRefusals(t *testing.T) {
	opts := sampleOptions(t)
	addr := startBroker(t, opts)
	for i, tc := range []struct {
		name    string
		payload []byte
		code    codes.Code
	}{
		{"plain JSON from a gzip client", []byte(samplePayload), codes.FormatError},
		{"gzip cut short", gzipOf(t, []byte(samplePayload))[:40], codes.FormatError},
		{"64 MiB of zeros", gzipOf(t, make([]byte, 64<<20)), codes.MsgTooLarge},
		{"one byte over the limit", gzipOf(t, append([]byte(samplePayload), bytes.Repeat([]byte(" "), 512<<10-len(samplePayload)+1)...)), codes.MsgTooLarge},
		{"at the limit", gzipOf(t, append([]byte(samplePayload), bytes.Repeat([]byte(" "), 512<<10-len(samplePayload))...)), codes.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each case connects with client ids of its own: the previous
			// case's clients may still be closing, and when the end of an old
			// connection races with a new one of the same id, mochi-mqtt
			// v2.7.9 can remove the new client from its table (attachClient
			// deletes by id), so that nothing is delivered to it.
			gw := dialV5(t, addr, "gw1{version="+strconv.Itoa(i)+",compress=GZIP}|securemode=2,signmethod=sha256,timestamp=1|")
			gw.subscribe(t, gwReplyTopic)
			other := dialV5(t, addr, "watcher"+strconv.Itoa(i))
			other.subscribe(t, gwTopic)
			code, _ := gw.publish(t, gwTopic, 1, string(tc.payload))
			m := next(t, gw.msgs)
			r, err := mqtt.Decompress(mqtt.Gzip, m.payload, 1<<20)
			if err != nil {
				t.Fatalf("reply is not gzip: %v", err)
			}
			want := `{"code":` + strconv.Itoa(int(tc.code)) + `,"message":"` + tc.code.Message() + `","data":{}}`
			if tc.code == codes.OK {
				want = sampleReply
			}
			if string(r) != want {
				t.Errorf("reply %s, want %s", r, want)
			}
			if tc.code != codes.OK {
				if code != 0x99 {
					t.Errorf("PUBACK %#x, want 0x99", code)
				}
				none(t, other.msgs, 50*time.Millisecond)
			}
		})
	}
}
