package natsworker

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pointguard/pointguard/validate"
)

// benchSeq makes every benchmark request unique, across runs, so that no
// result is dropped as a duplicate.
var benchSeq atomic.Int64

// benchPayloads returns n copies of the seeds' sample request (622 bytes, nine
// points of two devices), each with its own id.
func benchPayloads(b *testing.B, n int) [][]byte {
	b.Helper()
	seed, err := os.ReadFile("../../testdata/payloads/valid/seed_002_post_batch.json")
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		id := []byte(`"id":"` + strconv.FormatInt(benchSeq.Add(1), 10) + `"`)
		out[i] = bytes.Replace(seed, []byte(`"id":"123"`), id, 1)
	}
	return out
}

const benchTopic = "/sys/gwP/gw1/thing/measurepoint/post/batch"

// benchValidate returns the validator options for the seeds' sample.
func benchValidate(b *testing.B) validate.Options {
	opts := testValidate(b)
	opts.Directory = nil // the sample's sub-devices are not in the test topology
	return opts
}

// BenchmarkValidateAlone is the baseline: the validator on the same payloads,
// one goroutine, nothing else.
func BenchmarkValidateAlone(b *testing.B) {
	payloads := benchPayloads(b, 1024)
	v := validate.New(benchValidate(b))
	yield := func(*validate.Point) error { return nil }
	b.SetBytes(int64(len(payloads[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, _ := v.Validate(validate.Message{Topic: benchTopic, Now: 1}, payloads[i%len(payloads)], yield); res.Accepted != 9 {
			b.Fatalf("accepted %d", res.Accepted)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkCluster measures requests per second through a three-node cluster
// (R3 streams): b.N requests are queued in the raw stream with the timer
// stopped, then 1 or 2 workers (each Config.Workers goroutines) drain them:
// validate, store the points (two messages per request), reply, ack.
func BenchmarkCluster(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			c := startCluster(b, 3)
			nc, js := connect(b, c.urls())
			cfg := Config{Validate: benchValidate(b), AckWait: 30 * time.Second}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := Setup(ctx, js, cfg); err != nil {
				b.Fatal(err)
			}
			var replies atomic.Int64
			sub, err := nc.Subscribe(ReplySubject(TopicToSubject(benchTopic)), func(*nats.Msg) { replies.Add(1) })
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Unsubscribe()
			b.SetBytes(622)
			b.ResetTimer()
			b.StopTimer()
			queue(b, js, benchPayloads(b, b.N))
			replies.Store(0)
			b.StartTimer()
			var running []*runningWorker
			for range workers {
				running = append(running, startWorker(b, c.urls(), cfg))
			}
			waitFor(b, 5*time.Minute, "all replies", func() bool { return replies.Load() >= int64(b.N) })
			b.StopTimer()
			for _, w := range running {
				w.stop(b)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkClusterStoreOnly is where the time goes: the round trips alone,
// without validation. Config.Workers goroutines each publish a request's two
// points messages to the R3 points stream and wait for their PubAcks, then
// publish a reply, as a worker does.
func BenchmarkClusterStoreOnly(b *testing.B) {
	c := startCluster(b, 3)
	nc, js := connect(b, c.urls())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Setup(ctx, js, Config{}); err != nil {
		b.Fatal(err)
	}
	line := []byte(`{"productKey":"product1","deviceKey":"device1","time":123456,"identifier":"Power","value":1,"quality":9}` + "\n")
	data := bytes.Repeat(line, 4)
	var next atomic.Int64
	b.SetBytes(622)
	b.ResetTimer()
	done := make(chan struct{})
	for range DefaultWorkers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				id := strconv.FormatInt(benchSeq.Add(1), 10)
				f1, err1 := js.PublishMsgAsync(&nats.Msg{Subject: "points.product1.device1", Data: data}, jetstream.WithMsgID("a"+id))
				f2, err2 := js.PublishMsgAsync(&nats.Msg{Subject: "points.product2.device2", Data: data[:len(data)/2]}, jetstream.WithMsgID("b"+id))
				if err1 != nil || err2 != nil {
					b.Error(err1, err2)
					return
				}
				for _, f := range []jetstream.PubAckFuture{f1, f2} {
					select {
					case <-f.Ok():
					case err := <-f.Err():
						b.Error(err)
						return
					}
				}
				nc.Publish("bench.reply", []byte(`{"id":"1","code":200,"data":{}}`))
			}
		}()
	}
	for range DefaultWorkers {
		<-done
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// queue stores payloads in the raw stream and waits until all are stored.
func queue(b *testing.B, js jetstream.JetStream, payloads [][]byte) {
	b.Helper()
	subject := TopicToSubject(benchTopic)
	futs := make([]jetstream.PubAckFuture, 0, 256)
	wait := func() {
		for _, f := range futs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
		futs = futs[:0]
	}
	for _, p := range payloads {
		f, err := js.PublishAsync(subject, p)
		if err != nil {
			b.Fatal(err)
		}
		futs = append(futs, f)
		if len(futs) == cap(futs) {
			wait()
		}
	}
	wait()
}
