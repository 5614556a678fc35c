package validate_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

const inverter = `{"modelId": "Inverter", "measurepoints": {
   "Power":      {"identifier": "Power", "dataType": "INT", "hasQuality": true, "dataDefinition": null},
   "temp":       {"identifier": "temp", "dataType": "FLOAT"},
   "branchCurr": {"identifier": "branchCurr", "dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"}}}`

const topic = "/sys/gwP/gw1/thing/measurepoint/post/batch"

type dir map[string]validate.Device

func (d dir) Device(pk, dk string) (validate.Device, bool) {
	dev, ok := d[pk+"/"+dk]
	return dev, ok
}

var testDir = dir{
	"product1/device1":  {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: true},
	"product1/offline1": {GatewayProductKey: "gwP", GatewayDeviceKey: "gw1", Online: false},
	"product1/other1":   {GatewayProductKey: "gwP", GatewayDeviceKey: "gw9", Online: true},
}

func catalog(t testing.TB) *thingmodel.Catalog {
	t.Helper()
	return catalogOf(t, inverter, map[string]string{"product1": "Inverter", "gwP": "Inverter"})
}

// catalogOf returns the catalog of the one model src, for the products it
// maps to the model's id.
func catalogOf(t testing.TB, src string, products map[string]string) *thingmodel.Catalog {
	t.Helper()
	m, err := thingmodel.ParseModel("model.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := thingmodel.NewCatalog([]*thingmodel.Model{m}, products)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// verdict is what a test compares: the verdict, its diagnostic, and the points.
type verdict struct {
	Code    codes.Code
	Pointer string
	Offset  int64
	Points  []string
	Skipped []string
}

func run(t testing.TB, v *validate.Validator, topic, payload string, r io.Reader) verdict {
	t.Helper()
	var o verdict
	yield := func(p *validate.Point) error {
		o.Points = append(o.Points, p.DeviceKey+":"+p.Identifier()+"="+string(p.Value.AppendJSON(nil)))
		return nil
	}
	var res validate.Result
	var err error
	if r == nil {
		res, err = v.Validate(validate.Message{Topic: topic, Now: 42}, []byte(payload), yield)
	} else {
		res, err = v.ValidateReader(validate.Message{Topic: topic, Now: 42}, r, yield)
	}
	o.Code = res.Code
	if res.Code != codes.OK {
		var ve *validate.Error
		if !errors.As(err, &ve) || ve != res.Err {
			t.Fatalf("code %v: returned error %v is not Result.Err", res.Code, err)
		}
		if !errors.Is(err, res.Code) {
			t.Errorf("errors.Is(err, %v) = false", res.Code)
		}
		o.Pointer, o.Offset = res.Err.Pointer, res.Err.Offset
		o.Points = nil // not final
	} else if err != nil {
		t.Fatalf("code 200 with error %v", err)
	}
	for _, s := range res.Skipped {
		o.Skipped = append(o.Skipped, s.Pointer)
	}
	return o
}

func entry(dk, points string) string {
	return `{"productKey":"product1","deviceKey":"` + dk + `","measurepoints":{` + points + `}}`
}

func batch(flags string, entries ...string) string {
	return `{"id":"1","version":"1.0",` + flags + `"params":[` + strings.Join(entries, ",") + `],"method":"thing.measurepoint.post.batch"}`
}

func TestVerdictOrder(t *testing.T) {
	good := entry("device1", `"temp":1.5`)
	badPoint := entry("device1", `"temp":"warm"`)
	tests := []struct {
		name, reason string
		payload      string
		want         verdict
	}{
		{"accepted", "", batch("", good), verdict{Code: 200, Points: []string{"device1:temp=1.5"}}},
		{"model error", "", batch("", good, badPoint),
			verdict{Code: 1204, Pointer: "/params/1/measurepoints/temp", Offset: 184}},
		{"skip", "the bad point is dropped, the good one kept", batch(`"skipInvalidMeasurepoints":true,`, good, badPoint),
			verdict{Code: 200, Points: []string{"device1:temp=1.5"}, Skipped: []string{"/params/1/measurepoints/temp"}}},
		{"skip after params", "a flag after params still decides (SPEC §2 leaves key order free)",
			`{"version":"1.0","params":[` + badPoint + `,` + good + `],"skipInvalidMeasurepoints":true,"method":"thing.measurepoint.post.batch"}`,
			verdict{Code: 200, Points: []string{"device1:temp=1.5"}, Skipped: []string{"/params/0/measurepoints/temp"}}},
		{"first entry wins", "1204 in entry 0 beats 1212 in entry 1", batch("", badPoint, entry("other1", `"temp":1`)),
			verdict{Code: 1204, Pointer: "/params/0/measurepoints/temp", Offset: 107}},
		{"1212 before 1204 in an entry", "", batch("", entry("other1", `"temp":"x"`)),
			verdict{Code: 1212, Pointer: "/params/0", Offset: 36}},
		{"offline 1212 before 1204 in an entry", "the entry is checked (allowOfflineSubDevice may come later), yet 1212 wins",
			batch("", entry("offline1", `"temp":"x"`)),
			verdict{Code: 1212, Pointer: "/params/0", Offset: 36}},
		{"offline refused", "", batch("", entry("offline1", `"temp":1`)),
			verdict{Code: 1212, Pointer: "/params/0", Offset: 36}},
		{"offline allowed", "", batch(`"allowOfflineSubDevice":true,`, entry("offline1", `"temp":1`)),
			verdict{Code: 200, Points: []string{"offline1:temp=1"}}},
		{"offline allowed after params", "", `{"version":"1.0","params":[` + entry("offline1", `"temp":1`) + `],"allowOfflineSubDevice":true,"method":"thing.measurepoint.post.batch"}`,
			verdict{Code: 200, Points: []string{"offline1:temp=1"}}},
		{"unknown sub-device", "skip does not skip 1212", batch(`"skipInvalidMeasurepoints":true,`, entry("nobody", `"temp":1`)),
			verdict{Code: 1212, Pointer: "/params/0", Offset: 68}},
		{"method mismatch beats 1204", "", strings.Replace(batch("", badPoint), `post.batch"}`, `resume.batch"}`, 1),
			verdict{Code: 1260, Pointer: "/method", Offset: 126}},
		{"syntax error after 1204", "the payload is read to the end", strings.TrimSuffix(batch("", badPoint), "}") + ",}",
			verdict{Code: 1206, Pointer: "", Offset: 158}},
		{"earliest 1206 wins", "a bad version comes before the bad time", `{"version":2,"params":[{"measurepoints":{},"time":1.5}],"method":"thing.measurepoint.post.batch"}`,
			verdict{Code: 1206, Pointer: "/version", Offset: 11}},
		{"missing key reported at the object", "", `{"params":[],"method":"thing.measurepoint.post.batch"}`,
			verdict{Code: 1206, Pointer: "", Offset: 0}},
		{"duplicate via escape", "", batch("", entry("device1", `"temp":1,"\u0074emp":2`)),
			verdict{Code: 1206, Pointer: "/params/0/measurepoints/temp", Offset: 121}},
		{"empty", "", " \n\t", verdict{Code: 1251, Offset: -1}},
		{"empty batch", "", batch(""), verdict{Code: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Models: catalog(t), Directory: testDir})
			got := run(t, v, topic, tt.payload, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tt.reason, diff)
			}
			// The same through a one-byte reader (SPEC: streaming equals whole buffer).
			if got2 := run(t, v, topic, tt.payload, iotest.OneByteReader(strings.NewReader(tt.payload))); !cmp.Equal(got, got2) {
				t.Errorf("one-byte reader differs:\n%s", cmp.Diff(got, got2))
			}
		})
	}
}

func TestTopicAndSize(t *testing.T) {
	payload := batch("", entry("device1", `"temp":1`))
	v := validate.New(validate.Options{Models: catalog(t), Limits: validate.Limits{MaxBytes: int64(len(payload))}})
	if got := run(t, v, topic, payload, nil); got.Code != codes.OK {
		t.Errorf("payload of exactly MaxBytes: code %v, want 200", got.Code)
	}
	over := payload + " "
	if got := run(t, v, topic, over, nil); got.Code != codes.MsgTooLarge {
		t.Errorf("payload of MaxBytes+1: code %v, want 1008", got.Code)
	}
	if got := run(t, v, topic, over, strings.NewReader(over)); got.Code != codes.MsgTooLarge {
		t.Errorf("streamed payload of MaxBytes+1: code %v, want 1008", got.Code)
	}
	broken := "{" + payload
	if got := run(t, v, topic, broken, strings.NewReader(broken)); got.Code != codes.MsgTooLarge {
		t.Errorf("oversize payload with a syntax error: code %v, want 1008 (it outranks 1206)", got.Code)
	}
	if got := run(t, v, "/sys/gwP/gw1/thing/event/post", payload, nil); got.Code != codes.NoWritePermission {
		t.Errorf("bad topic: code %v, want 1009", got.Code)
	}
	if got := run(t, v, "/sys/gwP/gw1/thing/event/post", broken+broken, nil); got.Code != codes.NoWritePermission {
		t.Errorf("bad topic and oversize: code %v, want 1009 (it comes first)", got.Code)
	}
	unlimited := validate.New(validate.Options{Models: catalog(t), Limits: validate.Limits{MaxBytes: -1}})
	big := batch("", strings.Repeat(entry("device1", `"temp":1`)+",", 60000)+entry("device1", `"temp":1`))
	if got := run(t, unlimited, "/sys/product1/device1/thing/measurepoint/post/batch", big, strings.NewReader(big)); got.Code != codes.OK || len(got.Points) != 60001 {
		t.Errorf("%d-byte payload without a limit: code %v with %d points", len(big), got.Code, len(got.Points))
	}
}

func TestLimits(t *testing.T) {
	nest := func(n int) string { // n levels of arrays inside an ignored key at depth 2
		return `{"version":"1.0","method":"thing.measurepoint.post.batch","params":[],"x":` +
			strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	}
	tests := []struct {
		name    string
		limits  validate.Limits
		payload string
		want    codes.Code
	}{
		{"depth at limit", validate.Limits{MaxDepth: 5}, nest(4), 200},
		{"depth over limit", validate.Limits{MaxDepth: 5}, nest(5), 1206},
		{"default depth at limit", validate.Limits{}, nest(63), 200},
		{"default depth over limit", validate.Limits{}, nest(64), 1206},
		{"string at limit", validate.Limits{MaxString: 29}, batch(`"x":"12345678901234567890123456789",`), 200},
		{"string over limit", validate.Limits{MaxString: 29}, batch(`"x":"123456789012345678901234567890",`), 1206},
		{"array at limit", validate.Limits{MaxArray: 3}, batch(`"x":[1,2,3],`), 200},
		{"array over limit", validate.Limits{MaxArray: 3}, batch(`"x":[1,2,3,4],`), 1206},
		{"entry at limit", validate.Limits{MaxEntry: 12}, batch("", entry("device1", `"temp":1.5`)), 200},
		{"entry over limit", validate.Limits{MaxEntry: 12}, batch("", entry("device1", `"temp":1.55`)), 1206},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Models: catalog(t), Directory: testDir, Limits: tt.limits})
			if got := run(t, v, topic, tt.payload, nil); got.Code != tt.want {
				t.Errorf("code %v (%s at %d), want %v", got.Code, got.Pointer, got.Offset, tt.want)
			}
			if got := run(t, v, topic, tt.payload, iotest.OneByteReader(strings.NewReader(tt.payload))); got.Code != tt.want {
				t.Errorf("streamed: code %v, want %v", got.Code, tt.want)
			}
		})
	}
}

func TestErrorsPassThrough(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t)})
	payload := batch("", entry("device1", `"temp":1`))
	boom := errors.New("boom")
	_, err := v.ValidateReader(validate.Message{Topic: topic}, iotest.TimeoutReader(iotest.HalfReader(strings.NewReader(payload))), nil)
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("reader error: got %v, want iotest.ErrTimeout unwrapped", err)
	}
	_, err = v.Validate(validate.Message{Topic: topic}, []byte(payload), func(*validate.Point) error { return boom })
	if err != boom {
		t.Errorf("yield error: got %v, want it unchanged", err)
	}
}

func TestSinglePost(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t), Directory: testDir})
	payload := `{"version":"1.1","method":"thing.measurepoint.post","params":{"measurepoints":{"Power":{"value":7,"quality":0}}}}`
	got := run(t, v, "/sys/gwP/gw1/thing/measurepoint/post", payload, nil)
	want := verdict{Code: 200, Points: []string{"gw1:Power=7"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTimeFilled(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t)})
	payload := batch("", `{"measurepoints":{"temp":1},"time":7}`, `{"measurepoints":{"temp":2}}`)
	var times []int64
	_, err := v.Validate(validate.Message{Topic: topic, Now: 99}, []byte(payload), func(p *validate.Point) error {
		times = append(times, p.Time)
		return nil
	})
	if err != nil || !cmp.Equal(times, []int64{7, 99}) {
		t.Errorf("times = %v (err %v), want [7 99]: the entry's time, else Message.Now", times, err)
	}
}

// An empty key is a key like any other: its pointer segment is empty, "/params/0/measurepoints/".
func TestEmptyKeyPointer(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t)})
	for _, payload := range []string{
		batch("", entry("device1", `"":1`)),
		`{"":{"":[1,]},"version":"1.0"}`,
	} {
		got := run(t, v, topic, payload, nil)
		want := map[bool]string{true: "/params/0/measurepoints/", false: "///1"}[strings.Contains(payload, "params")]
		if got.Pointer != want {
			t.Errorf("%s: pointer %q, want %q", payload, got.Pointer, want)
		}
	}
}

// A syntax error must be reported alike whether the payload is in memory (points
// checked while reading) or streamed (measurepoints captured first).
func TestSyntaxErrorSameInBothModes(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t)})
	for _, points := range []string{`"temp" 1`, `"temp":1,"Power" {"value":1}`, `"temp":[1,]`, `"temp":{"value":1 "quality":2}`, `"Power":{"value" 1}`} {
		payload := batch("", entry("device1", points))
		mem := run(t, v, topic, payload, nil)
		streamed := run(t, v, topic, payload, iotest.OneByteReader(strings.NewReader(payload)))
		if mem.Code != codes.FormatError || !cmp.Equal(mem, streamed) {
			t.Errorf("%s: in memory %+v, streamed %+v", points, mem, streamed)
		}
	}
}
