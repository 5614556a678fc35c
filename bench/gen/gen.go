package gen

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Names shared by the model, the payloads, the directory and the environment.
const (
	// ModelID is the modelId of [Model].
	ModelID = "BenchInverter"
	// GatewayProductKey and GatewayDeviceKey name the topic device, the gateway of
	// every sub-device.
	GatewayProductKey = "gwP"
	GatewayDeviceKey  = "gw1"
	// Topic is the topic every generated request is sent on.
	Topic = "/sys/" + GatewayProductKey + "/" + GatewayDeviceKey + "/thing/measurepoint/post/batch"
	// Method is the method of every generated request; it matches Topic.
	Method = "thing.measurepoint.post.batch"
	// SubDevices is how many sub-devices the entries of a batch cycle through.
	SubDevices = 50
	// LargeEntries is the number of entries of [Large].
	LargeEntries = 2000
	// PointsPerEntry is the number of measurepoints in every generated entry; it is
	// also the number of points of [Model].
	PointsPerEntry = 20
	// DefaultSeed is the seed that [Options] uses when Seed is 0.
	DefaultSeed = 1
	// BaseTime is the time of the first entry, in milliseconds since the epoch
	// (2023-11-14T22:13:20Z).
	BaseTime = 1_700_000_000_000
)

// point is one measurepoint of the model. def is the dataDefinition object as JSON
// text, "" for null.
type point struct {
	id         string
	dataType   string
	hasQuality bool
	def        string
}

// points is the model, in the order in which entries report the points.
var points = [PointsPerEntry]point{
	{"Power", "INT", true, ""},
	{"temp", "FLOAT", false, ""},
	{"branchCurr", "ARRAY", false, `{"itemType":"FLOAT"}`},
	{"voltage", "DOUBLE", false, ""},
	{"current", "FLOAT", true, ""},
	{"energy", "DOUBLE", true, ""},
	{"frequency", "DOUBLE", false, `{"minimum":45,"maximum":65}`},
	{"powerFactor", "FLOAT", false, `{"minimum":-1,"maximum":1}`},
	{"state", "ENUM", false, `{"enumType":"INT","enumDesc":{"0":"stopped","1":"running","2":"fault","3":"maintenance"}}`},
	{"mode", "ENUM", false, `{"enumType":"STRING","enumDesc":{"auto":"automatic","manual":"manual","off":"switched off"}}`},
	{"running", "BOOL", false, ""},
	{"alarm", "BOOL", false, ""},
	{"faultCode", "INT", false, `{"minimum":0,"maximum":65535}`},
	{"serial", "STRING", false, `{"maxLength":32}`},
	{"message", "STRING", false, ""},
	{"lastMaint", "DATE", false, ""},
	{"sampleTime", "TIMESTAMP", false, ""},
	{"runHours", "INT", false, ""},
	{"location", "STRUCT", false, `{"items":[` +
		`{"identifier":"lat","dataType":"DOUBLE","required":true},` +
		`{"identifier":"lon","dataType":"DOUBLE","required":true},` +
		`{"identifier":"alt","dataType":"FLOAT"}]}`},
	{"firmware", "STRING", false, `{"maxLength":16}`},
}

// messages are the natural values of the "message" point, as JSON string contents
// (escapes included): plain ASCII, UTF-8 text and escapes, as devices send them.
var messages = [...]string{
	"ok",
	"nominal",
	"grid voltage nominal",
	"fan speed 85%",
	"derating: high temperature",
	"温度正常",
	`door \"A\" open`,
	`restart after update\nfirmware v2.3.17`,
	"MPPT tracking",
	"isolation 2.1 MΩ",
	"",
	"string 3 low",
}

var modes = [...]string{"auto", "auto", "auto", "manual", "off"}

// Model returns the thing model of every generated request, in the platform's
// model JSON shape (SPEC §3).
func Model() []byte {
	b := []byte(`{"modelId":"` + ModelID + `","measurepoints":{`)
	for i, p := range points {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.id)
		b = append(b, `:{"identifier":`...)
		b = appendJSONString(b, p.id)
		b = append(b, `,"dataType":`...)
		b = appendJSONString(b, p.dataType)
		b = append(b, `,"hasQuality":`...)
		b = strconv.AppendBool(b, p.hasQuality)
		b = append(b, `,"dataDefinition":`...)
		if p.def == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, p.def)
		}
		b = append(b, '}')
	}
	return append(b, "}}"...)
}

// Products returns the product-to-model map: every product of [Devices] other
// than the gateway's has [Model].
func Products() map[string]string {
	return map[string]string{
		"pvInv01":  ModelID,
		"pvInv02":  ModelID,
		"product1": ModelID,
		"product2": ModelID,
	}
}

// Device is one device of the topology.
type Device struct {
	ProductKey, DeviceKey               string
	GatewayProductKey, GatewayDeviceKey string // empty for a directly connected device
	Online                              bool
}

// Devices returns the device topology: the gateway, the [SubDevices] sub-devices
// that generated batches report for, and the two devices of [Sample]; every
// sub-device is behind the gateway and online.
func Devices() []Device {
	ds := []Device{{ProductKey: GatewayProductKey, DeviceKey: GatewayDeviceKey, Online: true}}
	for i := range SubDevices {
		pk, dk := subDevice(i)
		ds = append(ds, Device{pk, dk, GatewayProductKey, GatewayDeviceKey, true})
	}
	ds = append(ds,
		Device{"product1", "device1", GatewayProductKey, GatewayDeviceKey, true},
		Device{"product2", "device2", GatewayProductKey, GatewayDeviceKey, true})
	return ds
}

func subDevice(i int) (productKey, deviceKey string) {
	pk := "pvInv01"
	if i%2 == 1 {
		pk = "pvInv02"
	}
	dk := strconv.Itoa(i + 1)
	for len(dk) < 4 {
		dk = "0" + dk
	}
	return pk, "inv-" + dk
}

// Env returns a `pointguard check --env` file (SPEC §7.2) with [Model] inline,
// [Products] and [Devices].
func Env() []byte {
	b := []byte(`{"models":[`)
	b = append(b, Model()...)
	b = append(b, `],"products":`...)
	pm, _ := json.Marshal(Products()) // a map of strings always marshals
	b = append(b, pm...)
	b = append(b, `,"devices":[`...)
	for i, d := range Devices() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"productKey":`...)
		b = appendJSONString(b, d.ProductKey)
		b = append(b, `,"deviceKey":`...)
		b = appendJSONString(b, d.DeviceKey)
		if d.GatewayProductKey != "" {
			b = append(b, `,"gateway":`...)
			b = appendJSONString(b, d.GatewayProductKey+"/"+d.GatewayDeviceKey)
		}
		b = append(b, `,"online":`...)
		b = strconv.AppendBool(b, d.Online)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// Options select a generated request. The zero value is the large batch with seed
// [DefaultSeed] and no flags.
type Options struct {
	// Seed seeds the values; 0 means DefaultSeed.
	Seed uint64
	// Entries is the number of entries of [Batch]; 0 means LargeEntries. WriteSized
	// ignores it.
	Entries int
	// SkipInvalid adds "skipInvalidMeasurepoints":true to the envelope.
	SkipInvalid bool
}

// Large returns the large batch: [LargeEntries] entries of [PointsPerEntry] points,
// about 1.15 MB. skipInvalid adds "skipInvalidMeasurepoints":true.
func Large(skipInvalid bool) []byte {
	return Batch(Options{SkipInvalid: skipInvalid})
}

// Batch returns a request of o.Entries entries.
func Batch(o Options) []byte {
	g := newGenerator(o)
	n := o.Entries
	if n <= 0 {
		n = LargeEntries
	}
	b := g.header(make([]byte, 0, n*600+256))
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.entry(b, i, -1)
	}
	return append(b, footer...)
}

// padThreshold is the room that WriteSized keeps for the last entry: when less
// than this would remain after the next natural entry, the next entry is the last,
// and its message is padded to fill the size exactly. With natural messages under
// 64 bytes, the padding stays within 1024 bytes, the STRING limit.
const padThreshold = 960

// WriteSized writes a request of exactly size bytes to w, entry by entry through a
// 64 KiB buffer, so that its memory use does not grow with size. The last entry's
// "message" is padded with ASCII text to make the size exact. Sizes below about
// 700 bytes, too small for one entry, are an error.
func WriteSized(w io.Writer, size int64, o Options) error {
	g := newGenerator(o)
	hdr := g.header(nil)
	remaining := size - int64(len(hdr)) - int64(len(footer))
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, hdr...)
	var scratch []byte
	for i := 0; ; i++ {
		sep := int64(0)
		if i > 0 {
			sep = 1
		}
		scratch = g.entry(scratch[:0], i, -1)
		last := remaining-sep-int64(len(scratch)) < padThreshold
		if last {
			base := int64(len(g.entry(scratch[:0], i, 0)))
			pad := remaining - sep - base
			if pad < 0 {
				return errors.New("gen: size " + strconv.FormatInt(size, 10) + " is too small for one entry")
			}
			scratch = g.entry(scratch[:0], i, int(pad))
		}
		if sep == 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, scratch...)
		remaining -= sep + int64(len(scratch))
		if last {
			break
		}
		if len(buf) >= 48<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, footer...)
	_, err := w.Write(buf)
	return err
}

// sliceWriter collects WriteSized's output in memory.
type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// Sized returns a request of exactly size bytes, held in memory; see [WriteSized].
func Sized(size int64, o Options) ([]byte, error) {
	w := &sliceWriter{b: make([]byte, 0, size)}
	err := WriteSized(w, size, o)
	return w.b, err
}

const footer = `],"method":"` + Method + `"}`

// generator draws one entry's values from a PCG seeded with (seed, entry index),
// so that an entry can be rendered again with other padding and the same values.
type generator struct {
	seed        uint64
	skipInvalid bool
	pcg         rand.PCG
	r           *rand.Rand
}

func newGenerator(o Options) *generator {
	g := &generator{seed: o.Seed, skipInvalid: o.SkipInvalid}
	if g.seed == 0 {
		g.seed = DefaultSeed
	}
	g.r = rand.New(&g.pcg)
	return g
}

func (g *generator) header(b []byte) []byte {
	b = append(b, `{"id":"1","version":"1.0",`...)
	if g.skipInvalid {
		b = append(b, `"skipInvalidMeasurepoints":true,`...)
	}
	return append(b, `"params":[`...)
}

// entry appends entry i. pad < 0 gives the natural message; pad >= 0 a message of
// exactly pad ASCII bytes.
func (g *generator) entry(b []byte, i, pad int) []byte {
	g.pcg.Seed(g.seed, uint64(i))
	r := g.r
	dev := i % SubDevices
	pk, dk := subDevice(dev)
	t := int64(BaseTime) + int64(i/SubDevices)*60_000 + int64(dev)*37

	b = append(b, `{"productKey":"`...)
	b = append(b, pk...)
	b = append(b, `","deviceKey":"`...)
	b = append(b, dk...)
	b = append(b, `","measurepoints":{`...)

	b = append(b, `"Power":{"value":`...)
	b = strconv.AppendInt(b, int64(r.IntN(55_000)-5_000), 10)
	b = appendQuality(b, r)

	b = append(b, `,"temp":`...)
	b = appendDecimal(b, int64(r.IntN(10_001)-2_000), 2)

	b = append(b, `,"branchCurr":[`...)
	for k := range 5 {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendDecimal(b, int64(r.IntN(2_001)), 2)
	}
	b = append(b, ']')

	b = append(b, `,"voltage":`...)
	b = appendDecimal(b, int64(200_000+r.IntN(40_001)), 3)

	b = append(b, `,"current":{"value":`...)
	b = appendDecimal(b, int64(r.IntN(10_001)), 2)
	b = appendQuality(b, r)

	b = append(b, `,"energy":{"value":`...)
	b = appendDecimal(b, int64(r.IntN(1_000_000_000)), 3)
	b = appendQuality(b, r)

	b = append(b, `,"frequency":`...)
	b = appendDecimal(b, int64(49_900+r.IntN(201)), 3)

	b = append(b, `,"powerFactor":`...)
	pf := int64(800 + r.IntN(201))
	if r.IntN(20) == 0 {
		pf = -pf
	}
	b = appendDecimal(b, pf, 3)

	b = append(b, `,"state":`...)
	state := 1
	if r.IntN(10) == 0 {
		state = r.IntN(4)
	}
	b = strconv.AppendInt(b, int64(state), 10)

	b = append(b, `,"mode":"`...)
	b = append(b, modes[r.IntN(len(modes))]...)

	b = append(b, `","running":`...)
	b = strconv.AppendBool(b, state == 1)
	b = append(b, `,"alarm":`...)
	b = strconv.AppendBool(b, r.IntN(25) == 0)

	b = append(b, `,"faultCode":`...)
	fc := 0
	if state == 2 {
		fc = 1_000 + r.IntN(9_000)
	}
	b = strconv.AppendInt(b, int64(fc), 10)

	b = append(b, `,"serial":"SN-`...)
	b = appendHex8(b, uint32(dev)*2654435761)

	b = append(b, `","message":"`...)
	msg := messages[r.IntN(len(messages))]
	if pad < 0 {
		b = append(b, msg...)
	} else {
		for k := range pad {
			b = append(b, "lorem ipsum dolor sit amet "[k%27])
		}
	}

	b = append(b, `","lastMaint":"`...)
	maint := time.UnixMilli(BaseTime).UTC().AddDate(0, 0, -dev*3).Add(time.Duration(dev%24) * time.Hour)
	b = maint.AppendFormat(b, "2006-01-02 15:04:05")

	b = append(b, `","sampleTime":`...)
	b = strconv.AppendInt(b, t-int64(r.IntN(1_000)), 10)

	b = append(b, `,"runHours":`...)
	b = strconv.AppendInt(b, int64(1_000+r.IntN(89_000)), 10)

	b = append(b, `,"location":{"lat":`...)
	b = appendDecimal(b, int64(312_304+dev*17), 4)
	b = append(b, `,"lon":`...)
	b = appendDecimal(b, int64(1_214_737+dev*23), 4)
	if r.IntN(4) != 0 {
		b = append(b, `,"alt":`...)
		b = appendDecimal(b, int64(r.IntN(2_000)), 1)
	}

	b = append(b, `},"firmware":"v2.3.17"},"time":`...)
	b = strconv.AppendInt(b, t, 10)
	return append(b, '}')
}

// appendQuality appends `,"quality":q}`: mostly 0 (good), sometimes another code.
func appendQuality(b []byte, r *rand.Rand) []byte {
	q := 0
	if r.IntN(8) == 0 {
		q = 1 + r.IntN(9)
	}
	b = append(b, `,"quality":`...)
	b = strconv.AppendInt(b, int64(q), 10)
	return append(b, '}')
}

// appendDecimal appends n / 10^frac with exactly frac decimals: (-205, 2) gives
// "-2.05".
func appendDecimal(b []byte, n int64, frac int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	p := int64(1)
	for range frac {
		p *= 10
	}
	b = strconv.AppendInt(b, n/p, 10)
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	f := strconv.AppendInt(nil, n%p+p, 10) // leading 1 keeps the zeros
	return append(b, f[1:]...)
}

func appendHex8(b []byte, v uint32) []byte {
	const digits = "0123456789ABCDEF"
	for s := 28; s >= 0; s -= 4 {
		b = append(b, digits[v>>uint(s)&0xf])
	}
	return b
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// sample is the post/batch sample request of the protocol documents, minified:
// whitespace between tokens removed, nothing else changed.
const sample = `{"id":"123","version":"1.0","allowOfflineSubDevice":true,"skipInvalidMeasurepoints":true,` +
	`"params":[` +
	`{"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]},"time":123456},` +
	`{"productKey":"product1","deviceKey":"device1","measurepoints":{"Power":{"value":2,"quality":9},"temp":2.02,"branchCurr":["2.02","3.02","9.93"]},"time":123567},` +
	`{"productKey":"product2","deviceKey":"device2","measurepoints":{"Power":{"value":1,"quality":9},"temp":1.02,"branchCurr":["1.02","2.02","7.93"]},"time":123456}` +
	`],"method":"thing.measurepoint.post.batch"}`

// SampleSize is the size of Sample(true) in bytes.
const SampleSize = len(sample)

// Sample returns the post/batch sample request of the protocol documents,
// minified ([SampleSize] bytes). With skipInvalid it is exactly the documents'
// sample, which says "skipInvalidMeasurepoints":true; without, the flag is
// false, one byte more.
func Sample(skipInvalid bool) []byte {
	if skipInvalid {
		return []byte(sample)
	}
	const flag = `"skipInvalidMeasurepoints":true`
	i := strings.Index(sample, flag)
	return []byte(sample[:i] + `"skipInvalidMeasurepoints":false` + sample[i+len(flag):])
}
