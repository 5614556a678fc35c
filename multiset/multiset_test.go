package multiset

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/protocol"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// The model of SPEC §3 and a Meter, products and devices like those of the
// sample environment.
const msInverter = `{"modelId": "Inverter", "measurepoints": {
   "Power":      {"identifier": "Power", "dataType": "INT", "hasQuality": true, "dataDefinition": null},
   "temp":       {"identifier": "temp", "dataType": "FLOAT"},
   "branchCurr": {"identifier": "branchCurr", "dataType": "ARRAY", "dataDefinition": "{\"itemType\":\"FLOAT\"}"}}}`

const msStructModel = `{"modelId": "S", "measurepoints": {
   "st": {"identifier": "st", "dataType": "STRUCT", "dataDefinition": {"items": [
           {"identifier": "a", "dataType": "INT", "required": true}]}}}}`

func msCatalog(t testing.TB) *thingmodel.Catalog {
	t.Helper()
	m, err := thingmodel.ParseModel("inverter", []byte(msInverter))
	if err != nil {
		t.Fatal(err)
	}
	st, err := thingmodel.ParseModel("struct", []byte(msStructModel))
	if err != nil {
		t.Fatal(err)
	}
	c, err := thingmodel.NewCatalog([]*thingmodel.Model{m, st}, map[string]string{"product1": "Inverter", "structP": "S"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type msDir map[[2]string]validate.Device

func (d msDir) Device(pk, dk string) (validate.Device, bool) {
	dev, ok := d[[2]string{pk, dk}]
	return dev, ok
}

type msAssets map[string][2]string

func (a msAssets) Asset(id string) (string, string, bool) {
	k, ok := a[id]
	return k[0], k[1], ok
}

type msOrgs []string

func (o msOrgs) KnowsOrg(id string) bool {
	for _, x := range o {
		if x == id {
			return true
		}
	}
	return false
}

var (
	msTestDir = msDir{
		{"product1", "device1"}: {AssetID: "asset1", Online: true},
		{"product1", "noAsset"}: {Online: true},
		{"noModelP", "nm1"}:     {Online: true},
		{"structP", "s1"}:       {Online: true},
	}
	msTestAssets = msAssets{
		"asset1":  {"product1", "device1"},
		"assetNM": {"noModelP", "nm1"},
		"ghost":   {"product1", "ghost1"}, // known asset of a device the directory lacks
	}
)

const msNow = 1700000000000

// msItemJSON returns a valid item, changed by kv: pairs of key and raw JSON
// value; an empty value removes the key, a new key is appended. The base item
// names device1 of product1 by its keys and writes 1.5 to temp.
func msItemJSON(kv ...string) string {
	keys := []string{"requestId", "orgId", "setMeasurepointChannelId", "productKey", "deviceKey", "measurepointId", "inputData"}
	vals := map[string]string{
		"requestId":                `"r1"`,
		"orgId":                    `"o1"`,
		"setMeasurepointChannelId": `"DATASVC.SET.ch1"`,
		"productKey":               `"product1"`,
		"deviceKey":                `"device1"`,
		"measurepointId":           `"temp"`,
		"inputData":                `{"arg":1.5}`,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if _, ok := vals[kv[i]]; !ok {
			keys = append(keys, kv[i])
		}
		vals[kv[i]] = kv[i+1]
	}
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, k := range keys {
		if vals[k] == "" {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(`"` + k + `":` + vals[k])
	}
	b.WriteByte('}')
	return b.String()
}

func msBody(items ...string) []byte {
	return []byte(`{"data":[` + strings.Join(items, ",") + `]}`)
}

// TestMultiSetWholeRequest covers SPEC §5.1: each failure is status 400 with
// "Invalid Argument <field>" and no data.
func TestMultiSetWholeRequest(t *testing.T) {
	good := msBody(msItemJSON())
	tests := []struct {
		name   string
		query  Query
		body   []byte
		field  string // of the msg "Invalid Argument <field>"
		submsg string
		reason string
	}{
		{"orgId missing", Query{}, good, "orgId", "orgId is required", ""},
		{"orgId empty", Query{HasOrgID: true}, good, "orgId", "orgId is empty",
			"an empty orgId counts as missing (SPEC §7.3)"},
		{"orgId missing wins over a bad body", Query{}, []byte("{"), "orgId", "orgId is required",
			"the query is checked before the body"},
		{"body empty", msQ("o1"), nil, "body", "body is empty", ""},
		{"body white space", msQ("o1"), []byte(" \n"), "body", "body is empty", ""},
		{"body not JSON", msQ("o1"), []byte(`{"data":[}`), "body", "", "submsg checked by prefix below"},
		{"body trailing garbage", msQ("o1"), append(append([]byte{}, good...), 'x'), "body", "", ""},
		{"body not UTF-8", msQ("o1"), []byte("{\"data\":[\"\xff\"]}"), "body", "body is not valid UTF-8", ""},
		{"body array", msQ("o1"), []byte(`[]`), "data", "body must be a JSON object with a data array, not an array", ""},
		{"data absent", msQ("o1"), []byte(`{"items":[]}`), "data", "data is required", ""},
		{"data null", msQ("o1"), []byte(`{"data":null}`), "data", "data is required", ""},
		{"data object", msQ("o1"), []byte(`{"data":{}}`), "data", "data must be an array, not an object", ""},
		{"data in other case", msQ("o1"), []byte(`{"DATA":[` + msItemJSON() + `]}`), "data", "data is required",
			"keys are case-sensitive"},
		{"data twice", msQ("o1"), []byte(`{"data":[],"data":[` + msItemJSON() + `]}`), "data", "data is given twice",
			"two parsers would read different items"},
		{"data empty", msQ("o1"), []byte(` {"data" : [ ] } `), "data", "data is empty", ""},
		{"unknown org", Query{OrgID: "nope", Orgs: msOrgs{"o1"}}, good, "orgId", "orgId does not exist", ""},
		{"unknown org after body", Query{OrgID: "nope", Orgs: msOrgs{"o1"}}, []byte(`{}`), "data", "data is required",
			"the body is read before the org directory is asked (SPEC §5.1 order)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(validate.Options{}).Validate(tt.query, tt.body, msNow)
			if got.Status != codes.InvalidArgument || got.Msg != "Invalid Argument "+tt.field || got.Data != nil {
				t.Errorf("got status %d msg %q data %v, want 400 %q and no data (%s)", got.Status, got.Msg, got.Data,
					"Invalid Argument "+tt.field, tt.reason)
			}
			if tt.submsg != "" && got.Submsg != tt.submsg {
				t.Errorf("submsg = %q, want %q", got.Submsg, tt.submsg)
			}
			if tt.field == "body" && tt.submsg == "" && !strings.HasPrefix(got.Submsg, "body is not JSON") {
				t.Errorf("submsg = %q, want it to start with %q", got.Submsg, "body is not JSON")
			}
		})
	}
}

func msQ(org string) Query { return Query{OrgID: org, HasOrgID: true} }

func TestMultiSetDepthLimit(t *testing.T) {
	nest := func(n int) []byte { // the body object is level 1, data level 2, the item level 3
		return msBody(msItemJSON("inputData", `{"a":`+strings.Repeat("[", n-4)+strings.Repeat("]", n-4)+`}`))
	}
	v := New(validate.Options{Limits: validate.Limits{MaxDepth: 10}})
	if got := v.Validate(msQ("o1"), nest(10), msNow); got.Status != codes.Success {
		t.Errorf("depth 10 with MaxDepth 10: status %d %q, want 0", got.Status, got.Submsg)
	}
	got := v.Validate(msQ("o1"), nest(11), msNow)
	if got.Status != codes.InvalidArgument || !strings.HasPrefix(got.Submsg, "body nests deeper than 10") {
		t.Errorf("depth 11 with MaxDepth 10: status %d %q, want 400 body nests deeper than 10", got.Status, got.Submsg)
	}
	deep := []byte(`{"data":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`)
	if got := New(validate.Options{}).Validate(msQ("o1"), deep, msNow); got.Status != codes.InvalidArgument || got.Msg != "Invalid Argument body" {
		t.Errorf("100000 levels: status %d %q, want 400 Invalid Argument body", got.Status, got.Msg)
	}
}

// TestMultiSetItemLimit covers the item limit of SPEC §6 at N and N+1, with the
// default (1000) and a configured one, and checks that a syntax error after the
// limit still wins (the body is read to its end) and that the items past the
// limit are not kept (a tiny-item body cannot amplify into a huge response).
func TestMultiSetItemLimit(t *testing.T) {
	items := func(n int) []byte {
		it := make([]string, n)
		for i := range it {
			it[i] = msItemJSON("requestId", `"r`+strconv.Itoa(i)+`"`)
		}
		return msBody(it...)
	}
	tests := []struct {
		name   string
		limit  int
		n      int
		status codes.Status
		submsg string
	}{
		{"default at 1000", 0, 1000, codes.Success, ""},
		{"default over at 1001", 0, 1001, codes.InvalidArgument, "data has more than 1000 items"},
		{"configured at 3", 3, 3, codes.Success, ""},
		{"configured over at 4", 3, 4, codes.InvalidArgument, "data has more than 3 items"},
		{"no limit", -1, 1001, codes.Success, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(validate.Options{Limits: validate.Limits{MaxItems: tt.limit}}).Validate(msQ("o1"), items(tt.n), msNow)
			if got.Status != tt.status || got.Submsg != tt.submsg {
				t.Fatalf("status %d submsg %q, want %d %q", got.Status, got.Submsg, tt.status, tt.submsg)
			}
			if tt.status == codes.Success && len(got.Data) != tt.n {
				t.Errorf("%d replies, want %d", len(got.Data), tt.n)
			}
			if tt.status == codes.InvalidArgument && (got.Msg != "Invalid Argument data" || got.Data != nil) {
				t.Errorf("msg %q data %d, want Invalid Argument data and no data", got.Msg, len(got.Data))
			}
		})
	}
	// 1 MiB of empty items: without the limit they would be kept, some 300
	// bytes each, and answered one reply each.
	tiny := []byte(`{"data":[{}` + strings.Repeat(`,{}`, 349000) + `]}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := New(validate.Options{}).Validate(msQ("o1"), tiny, msNow)
	runtime.ReadMemStats(&after)
	if got.Status != codes.InvalidArgument {
		t.Errorf("349001 items: status %d, want 400", got.Status)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("349001 items allocated %d bytes, want at most 8 MiB: items past the limit are kept", n)
	}
	bad := items(5)
	bad = append(bad[:len(bad)-2], []byte(`,}]}`)...)
	if got := New(validate.Options{Limits: validate.Limits{MaxItems: 3}}).Validate(msQ("o1"), bad, msNow); got.Msg != "Invalid Argument body" {
		t.Errorf("syntax error after the limit: %q %q, want Invalid Argument body", got.Msg, got.Submsg)
	}
}

// TestMultiSetItemRules covers SPEC §5.2, one rule a case. The lookups are off
// except where a case turns them on.
func TestMultiSetItemRules(t *testing.T) {
	ch64 := `"DATASVC.SET.` + strings.Repeat("c", 64-len("DATASVC.SET.")) + `"`
	ch65 := `"DATASVC.SET.` + strings.Repeat("c", 65-len("DATASVC.SET.")) + `"`
	id128 := `"` + strings.Repeat("m", 128) + `"`
	id129 := `"` + strings.Repeat("m", 129) + `"`
	tests := []struct {
		name   string
		item   string
		status codes.Status
		submsg string
		reason string
	}{
		{"valid", msItemJSON(), codes.Success, "", ""},
		{"not an object", `"r1"`, codes.ParaError, "data[0] must be an object, not a string", ""},
		{"duplicate key", strings.Replace(msItemJSON(), `"orgId":"o1"`, `"orgId":"o1","orgId":"o2"`, 1), codes.ParaError,
			"orgId is given twice", "two parsers would disagree on the org"},
		{"unknown keys ignored", msItemJSON("requestMethod", `"thing.service.d"`, "extra", `{"x":[1]}`), codes.Success, "",
			"the seed's replies carry requestMethod"},

		{"requestId absent", msItemJSON("requestId", ""), codes.ParaError, "requestId is required", ""},
		{"requestId null", msItemJSON("requestId", "null"), codes.ParaError, "requestId is required", ""},
		{"requestId empty", msItemJSON("requestId", `""`), codes.ParaError, "requestId is required", ""},
		{"requestId number", msItemJSON("requestId", "12"), codes.ParaError, "requestId must be a string, not a number 12", ""},

		{"orgId absent", msItemJSON("orgId", ""), codes.ParaError, "orgId is required", ""},
		{"orgId other", msItemJSON("orgId", `"o2"`), codes.ParaError, `orgId "o2" differs from the query's orgId "o1"`, ""},
		{"orgId array", msItemJSON("orgId", `["o1"]`), codes.ParaError, "orgId must be a string, not an array", ""},

		{"callType SYNC", msItemJSON("callType", `"SYNC"`), codes.Success, "", "the reply says ASYNC whatever was sent"},
		{"callType number", msItemJSON("callType", "1"), codes.Success, "", "SPEC §5.2: callType takes any value"},
		{"callType object", msItemJSON("callType", `{"a":1}`), codes.Success, "", "SPEC §5.2: callType takes any value"},

		{"channel absent", msItemJSON("setMeasurepointChannelId", ""), codes.ParaError, "setMeasurepointChannelId is required", ""},
		{"channel bad prefix", msItemJSON("setMeasurepointChannelId", `"DATASVC.GET.x"`), codes.ParaError,
			`setMeasurepointChannelId "DATASVC.GET.x" does not start with "DATASVC.SET." followed by a name`, ""},
		{"channel prefix only", msItemJSON("setMeasurepointChannelId", `"DATASVC.SET."`), codes.ParaError,
			`setMeasurepointChannelId "DATASVC.SET." does not start with "DATASVC.SET." followed by a name`,
			"one or more characters must follow the prefix"},
		{"channel lower-case prefix", msItemJSON("setMeasurepointChannelId", `"datasvc.set.x"`), codes.ParaError,
			`setMeasurepointChannelId "datasvc.set.x" does not start with "DATASVC.SET." followed by a name`, "the prefix is case-sensitive"},
		{"channel bad char", msItemJSON("setMeasurepointChannelId", `"DATASVC.SET.a/b"`), codes.ParaError,
			`setMeasurepointChannelId "DATASVC.SET.a/b" has "/" at byte 13; allowed after the prefix: A-Z a-z 0-9 _ . -`, ""},
		{"channel all chars", msItemJSON("setMeasurepointChannelId", `"DATASVC.SET.aZ09_.-"`), codes.Success, "", ""},
		{"channel 64 bytes", msItemJSON("setMeasurepointChannelId", ch64), codes.Success, "", "the limit itself"},
		{"channel 65 bytes", msItemJSON("setMeasurepointChannelId", ch65), codes.ParaError,
			"setMeasurepointChannelId is 65 bytes, more than 64", ""},
		{"channel number", msItemJSON("setMeasurepointChannelId", "7"), codes.ParaError,
			"setMeasurepointChannelId must be a string, not a number 7", ""},

		{"no device", msItemJSON("productKey", "", "deviceKey", ""), codes.ParaError,
			"assetId, or productKey and deviceKey, are required", ""},
		{"productKey alone", msItemJSON("deviceKey", ""), codes.ParaError,
			"deviceKey is required with productKey, unless assetId is given", ""},
		{"deviceKey alone", msItemJSON("productKey", `""`), codes.ParaError,
			"productKey is required with deviceKey, unless assetId is given", "an empty key counts as absent"},
		{"assetId alone", msItemJSON("productKey", "", "deviceKey", "", "assetId", `"asset1"`), codes.Success, "", ""},
		{"assetId empty", msItemJSON("productKey", "", "deviceKey", "", "assetId", `""`), codes.ParaError,
			"assetId, or productKey and deviceKey, are required", ""},
		{"assetId number", msItemJSON("assetId", "5"), codes.ParaError, "assetId must be a string, not a number 5", ""},
		{"productKey bool", msItemJSON("productKey", "true"), codes.ParaError, "productKey must be a string, not a boolean true", ""},

		{"measurepointId absent", msItemJSON("measurepointId", ""), codes.ParaError, "measurepointId is required", ""},
		{"measurepointId bad char", msItemJSON("measurepointId", `"te mp"`), codes.ParaError,
			`measurepointId "te mp" is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)`, ""},
		{"measurepointId 128", msItemJSON("measurepointId", id128), codes.Success, "", "the limit itself"},
		{"measurepointId 129", msItemJSON("measurepointId", id129), codes.ParaError,
			`measurepointId "` + strings.Repeat("m", 64) + `"... is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)`,
			"long values are cut in the submsg"},

		{"inputData absent", msItemJSON("inputData", ""), codes.Success, "", "inputData is optional"},
		{"inputData null", msItemJSON("inputData", "null"), codes.Success, "", "null is absent"},
		{"inputData empty", msItemJSON("inputData", "{}"), codes.Success, "", ""},
		{"inputData array", msItemJSON("inputData", "[1]"), codes.ParaError, "inputData must be an object, not an array", ""},
		{"inputData number", msItemJSON("inputData", "10"), codes.ParaError, "inputData must be an object, not a number 10", ""},
		{"inputData key twice", msItemJSON("inputData", `{"a":1,"a":2}`), codes.ParaError, `inputData has the key "a" twice`, ""},
		{"inputData null value", msItemJSON("inputData", `{"a":1,"b":null}`), codes.ControlValueNull, "inputData.b is null",
			"checked even without models: a null can never be written"},

		{"timeout 1", msItemJSON("timeout", "1"), codes.Success, "", "lower limit"},
		{"timeout 300000", msItemJSON("timeout", "300000"), codes.Success, "", "upper limit"},
		{"timeout 0", msItemJSON("timeout", "0"), codes.ParaError, "timeout 0 is outside [1, 300000]", ""},
		{"timeout 300001", msItemJSON("timeout", "300001"), codes.ParaError, "timeout 300001 is outside [1, 300000]", ""},
		{"timeout negative", msItemJSON("timeout", "-5"), codes.ParaError, "timeout -5 is outside [1, 300000]", ""},
		{"timeout fraction", msItemJSON("timeout", "30000.0"), codes.ParaError,
			"timeout must be an integer of milliseconds, not a number 30000.0", "an integer literal only"},
		{"timeout exponent", msItemJSON("timeout", "3e4"), codes.ParaError,
			"timeout must be an integer of milliseconds, not a number 3e4", ""},
		{"timeout string", msItemJSON("timeout", `"30000"`), codes.ParaError,
			`timeout must be an integer of milliseconds, not a string "30000"`, ""},
		{"timeout null", msItemJSON("timeout", "null"), codes.Success, "", "null is absent"},
		{"timeout beyond int64", msItemJSON("timeout", "99999999999999999999"), codes.ParaError,
			"timeout must be an integer of milliseconds, not a number 99999999999999999999", ""},

		{"gmtServiceRequest given", msItemJSON("gmtServiceRequest", "132132465464"), codes.Success, "", ""},
		{"gmtServiceRequest 0", msItemJSON("gmtServiceRequest", "0"), codes.Success, "", ""},
		{"gmtServiceRequest negative", msItemJSON("gmtServiceRequest", "-1"), codes.ParaError, "gmtServiceRequest -1 is negative", ""},
		{"gmtServiceRequest float", msItemJSON("gmtServiceRequest", "1.5"), codes.ParaError,
			"gmtServiceRequest must be an integer of milliseconds, not a number 1.5", ""},
		{"gmtServiceRequest string", msItemJSON("gmtServiceRequest", `"1"`), codes.ParaError,
			`gmtServiceRequest must be an integer of milliseconds, not a string "1"`, ""},

		{"callbackUrl null", msItemJSON("callbackUrl", "null"), codes.Success, "", "as the seed sends it"},
		{"callbackUrl any string", msItemJSON("callbackUrl", `"not a url"`), codes.Success, "", "ignored"},
		{"callbackUrl object", msItemJSON("callbackUrl", `{}`), codes.Success, "", "SPEC §5.2: callbackUrl takes any value"},
		{"callbackUrl number", msItemJSON("callbackUrl", `5`), codes.Success, "", "SPEC §5.2: callbackUrl takes any value"},

		{"first rule in table order wins", msItemJSON("requestId", "", "timeout", "0", "orgId", `"o2"`), codes.ParaError,
			"requestId is required", "rules are checked in the order of the table of SPEC §5.2"},
		{"key case differs", strings.Replace(msItemJSON(), `"requestId"`, `"RequestId"`, 1), codes.ParaError, "requestId is required",
			"keys are case-sensitive; RequestId is an unknown key"},
		{"escaped key", strings.Replace(msItemJSON(), `"requestId"`, `"request\u0049d"`, 1), codes.Success, "",
			"keys are compared after unescaping"},
		{"escaped value", msItemJSON("requestId", `"r\u00e9"`), codes.Success, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(validate.Options{}).Validate(Query{OrgID: "o1", Assets: msTestAssets}, msBody(tt.item), msNow)
			if got.Status != codes.Success || len(got.Data) != 1 {
				t.Fatalf("whole request: status %d %q %q, %d items", got.Status, got.Msg, got.Submsg, len(got.Data))
			}
			r := got.Data[0]
			if r.Status != tt.status || r.Submsg != tt.submsg || r.Msg != tt.status.Message() {
				t.Errorf("item: %d %q %q\nwant %d %q %q\n(%s)", r.Status, r.Msg, r.Submsg,
					tt.status, tt.status.Message(), tt.submsg, tt.reason)
			}
			if r.CallType != protocol.CallTypeAsync || r.GmtServiceReply != msNow {
				t.Errorf("callType %q gmtServiceReply %d, want ASYNC and %d", r.CallType, r.GmtServiceReply, int64(msNow))
			}
		})
	}
}

func TestMultiSetRequestIDUnique(t *testing.T) {
	body := msBody(
		msItemJSON("requestId", `"a"`, "orgId", `"bad"`), // fails, but still holds the id
		msItemJSON("requestId", `"b"`),
		msItemJSON("requestId", `"a"`),
		msItemJSON("requestId", `"b"`),
	)
	got := New(validate.Options{}).Validate(msQ("o1"), body, msNow)
	want := []struct {
		status codes.Status
		submsg string
	}{
		{codes.ParaError, `orgId "bad" differs from the query's orgId "o1"`},
		{codes.Success, ""},
		{codes.ParaError, `requestId "a" is not unique: item 0 has it too`},
		{codes.ParaError, `requestId "b" is not unique: item 1 has it too`},
	}
	if len(got.Data) != len(want) {
		t.Fatalf("%d items, want %d", len(got.Data), len(want))
	}
	for i, w := range want {
		if r := got.Data[i]; r.Status != w.status || r.Submsg != w.submsg {
			t.Errorf("item %d: %d %q, want %d %q", i, r.Status, r.Submsg, w.status, w.submsg)
		}
	}
}

// TestMultiSetLookups covers the second paragraph of SPEC §5.2: the checks that
// need the caller's device directory, asset directory and models.
func TestMultiSetLookups(t *testing.T) {
	models := msCatalog(t)
	full := validate.Options{Directory: msTestDir, Models: models}
	byAsset := func(asset string, kv ...string) string {
		return msItemJSON(append([]string{"productKey", "", "deviceKey", "", "assetId", `"` + asset + `"`}, kv...)...)
	}
	tests := []struct {
		name   string
		opts   validate.Options
		assets AssetDirectory
		item   string
		status codes.Status
		submsg string
		reason string
	}{
		{"valid", full, msTestAssets, msItemJSON(), codes.Success, "", ""},
		{"valid by asset", full, msTestAssets, byAsset("asset1"), codes.Success, "", ""},
		{"unknown device", full, msTestAssets, msItemJSON("deviceKey", `"nope"`), codes.DeviceNotExist,
			`device "product1/nope" does not exist`, ""},
		{"unknown asset", full, msTestAssets, byAsset("nope"), codes.DeviceNotExist, `assetId "nope" does not exist`, ""},
		{"unknown asset without checks", validate.Options{}, msTestAssets, byAsset("nope"), codes.DeviceNotExist,
			`assetId "nope" does not exist`, "an asset directory that is given is always asked"},
		{"asset of an unlisted device", full, msTestAssets, byAsset("ghost"), codes.DeviceNotExist,
			`device "product1/ghost1" does not exist`, ""},
		{"no asset directory", full, nil, byAsset("asset1"), codes.DeviceNotExist,
			`assetId "asset1" cannot be resolved: no asset directory`, "device checks are on but the item cannot be placed"},
		{"no asset directory, models only", validate.Options{Models: models}, nil, byAsset("asset1"), codes.DeviceNotExist,
			`assetId "asset1" cannot be resolved: no asset directory`, "the model is found by the device's product"},
		{"no asset directory, no checks", validate.Options{}, nil, byAsset("asset1"), codes.Success, "",
			"nothing needs the device"},
		{"asset and keys agree", full, msTestAssets, msItemJSON("assetId", `"asset1"`), codes.Success, "", ""},
		{"asset and keys disagree", full, msTestAssets, msItemJSON("assetId", `"assetNM"`), codes.ParaError,
			`assetId "assetNM" is the device "noModelP/nm1", not productKey/deviceKey "product1/device1"`, ""},
		{"asset and lone productKey disagree", full, msTestAssets, msItemJSON("deviceKey", "", "productKey", `"gwP"`, "assetId", `"asset1"`),
			codes.ParaError, `productKey "gwP" is not the product of assetId "asset1", "product1"`, ""},
		{"asset and lone deviceKey disagree", full, msTestAssets, msItemJSON("productKey", "", "deviceKey", `"x"`, "assetId", `"asset1"`),
			codes.ParaError, `deviceKey "x" is not the device key of assetId "asset1", "device1"`, ""},
		{"asset with lone agreeing key", full, msTestAssets, msItemJSON("deviceKey", "", "assetId", `"asset1"`), codes.Success, "", ""},
		{"no model", full, msTestAssets, msItemJSON("productKey", `"noModelP"`, "deviceKey", `"nm1"`), codes.ModelNotFound,
			`product "noModelP" has no model`, ""},
		{"no model by asset", full, msTestAssets, byAsset("assetNM"), codes.ModelNotFound, `product "noModelP" has no model`, ""},
		{"unknown point", full, msTestAssets, msItemJSON("measurepointId", `"voltage"`), codes.PointNotFound,
			`model "Inverter" has no measurepoint "voltage"`, ""},
		{"point case differs", full, msTestAssets, msItemJSON("measurepointId", `"power"`), codes.PointNotFound,
			`model "Inverter" has no measurepoint "power"`, "identifiers are case-sensitive"},
		{"null value", full, msTestAssets, msItemJSON("inputData", `{"arg":null}`), codes.ControlValueNull, "inputData.arg is null", ""},
		{"null after bad value", full, msTestAssets, msItemJSON("inputData", `{"a":true,"b":null}`), codes.DataTypeError, "",
			"values are checked in document order; submsg checked by prefix"},
		{"bad value", full, msTestAssets, msItemJSON("inputData", `{"arg":true}`), codes.DataTypeError, "", "temp is FLOAT"},
		{"INT point takes an integer", full, msTestAssets, msItemJSON("measurepointId", `"Power"`, "inputData", `{"arg":10}`), codes.Success, "",
			"a control value is bare, without quality"},
		{"INT point refuses quality object", full, msTestAssets,
			msItemJSON("measurepointId", `"Power"`, "inputData", `{"arg":{"value":10,"quality":0}}`), codes.DataTypeError, "",
			"the {value, quality} form is for reported data only"},
		{"INT point refuses a fraction", full, msTestAssets, msItemJSON("measurepointId", `"Power"`, "inputData", `{"arg":1.5}`),
			codes.DataTypeError, "", ""},
		{"ARRAY point", full, msTestAssets, msItemJSON("measurepointId", `"branchCurr"`, "inputData", `{"arg":[1.5,2]}`), codes.Success, "", ""},
		{"ARRAY point refuses a number", full, msTestAssets, msItemJSON("measurepointId", `"branchCurr"`, "inputData", `{"arg":1.5}`),
			codes.DataTypeError, "", ""},
		{"STRUCT value", full, msTestAssets, msItemJSON("productKey", `"structP"`, "deviceKey", `"s1"`, "measurepointId", `"st"`,
			"inputData", `{"arg":{"a":1}}`), codes.Success, "", ""},
		{"STRUCT value without a required item", full, msTestAssets, msItemJSON("productKey", `"structP"`, "deviceKey", `"s1"`,
			"measurepointId", `"st"`, "inputData", `{"arg":{}}`), codes.DataTypeError, "", ""},
		{"STRUCT value with a key twice", full, msTestAssets, msItemJSON("productKey", `"structP"`, "deviceKey", `"s1"`,
			"measurepointId", `"st"`, "inputData", `{"arg":{"a":1,"a":2}}`), codes.ParaError, "",
			"a key twice is malformed input (SPEC §4.7 hygiene), as it is at the item's level"},
		{"every value checked", full, msTestAssets, msItemJSON("inputData", `{"a":1.5,"b":2,"c":"warm"}`), codes.DataTypeError, "", ""},
		{"device checks only", validate.Options{Directory: msTestDir}, msTestAssets, msItemJSON("measurepointId", `"voltage"`, "inputData", `{"a":true}`),
			codes.Success, "", "without models neither points nor values are checked"},
		{"models only", validate.Options{Models: models}, msTestAssets, msItemJSON("deviceKey", `"nope"`), codes.Success, "",
			"without a directory the device is not looked up"},
		{"para error before lookups", full, msTestAssets, msItemJSON("deviceKey", `"nope"`, "timeout", "0"), codes.ParaError,
			"timeout 0 is outside [1, 300000]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(tt.opts).Validate(Query{OrgID: "o1", Assets: tt.assets}, msBody(tt.item), msNow)
			if got.Status != codes.Success || len(got.Data) != 1 {
				t.Fatalf("whole request: status %d %q %q", got.Status, got.Msg, got.Submsg)
			}
			r := got.Data[0]
			if r.Status != tt.status || r.Msg != tt.status.Message() {
				t.Errorf("item: %d %q %q, want %d %q (%s)", r.Status, r.Msg, r.Submsg, tt.status, tt.status.Message(), tt.reason)
			}
			switch {
			case tt.status == codes.DataTypeError || tt.submsg == "" && tt.status != codes.Success:
				if !strings.HasPrefix(r.Submsg, "inputData.") {
					t.Errorf("submsg %q does not name the inputData key", r.Submsg)
				}
			case r.Submsg != tt.submsg:
				t.Errorf("submsg = %q, want %q (%s)", r.Submsg, tt.submsg, tt.reason)
			}
		})
	}
}

// The profile of the options applies to inputData values: compat takes a
// number in a string (SPEC §3.1), strict does not.
func TestMultiSetProfile(t *testing.T) {
	body := msBody(msItemJSON("inputData", `{"arg":"1.5"}`))
	for _, tt := range []struct {
		profile validate.Profile
		want    codes.Status
	}{
		{validate.Compat, codes.Success},
		{validate.Strict, codes.DataTypeError},
	} {
		got := New(validate.Options{Profile: tt.profile, Models: msCatalog(t)}).Validate(msQ("o1"), body, msNow)
		if r := got.Data[0]; r.Status != tt.want {
			t.Errorf("%v: status %d %q, want %d", tt.profile, r.Status, r.Submsg, tt.want)
		}
	}
}

// The value check is the one of the MQTT validator: 1004's submsg carries its
// detail, and the key names the value.
func TestMultiSetValueDetail(t *testing.T) {
	v := New(validate.Options{Models: msCatalog(t)})
	raw := []byte(`"warm"`)
	m := msCatalog(t).Model("product1").Measurepoint("temp")
	_, err := validate.New(validate.Options{Models: msCatalog(t)}).CheckValue(m.Type(), raw)
	var ve *validate.Error
	if !errors.As(err, &ve) {
		t.Fatalf("CheckValue(FLOAT, %s) = %v, want a *Error", raw, err)
	}
	got := v.Validate(msQ("o1"), msBody(msItemJSON("inputData", `{"x":1,"y":"warm"}`)), msNow)
	if want := "inputData.y: " + ve.Detail; got.Data[0].Submsg != want {
		t.Errorf("submsg = %q, want %q", got.Data[0].Submsg, want)
	}
}

// TestMultiSetResponse checks one mixed batch field by field: order kept,
// fields echoed, defaults filled, the device completed from the directories.
func TestMultiSetResponse(t *testing.T) {
	body := []byte(`{"data":[
	 {"requestId":"r1","orgId":"o1","callType":"SYNC","setMeasurepointChannelId":"DATASVC.SET.ch1",
	  "productKey":"product1","deviceKey":"device1","measurepointId":"temp","callbackUrl":null,
	  "inputData":{ "arg" : 21.5 },"timeout":5000,"gmtServiceRequest":132132465464},
	 {"requestId":"r2","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.ch1","assetId":"asset1",
	  "measurepointId":"Power","inputData":{"arg":10}},
	 {"requestId":"r3","orgId":"o1","setMeasurepointChannelId":"DATASVC.SET.ch1","productKey":"product1",
	  "deviceKey":"device1","measurepointId":"nope","inputData":{"arg":1},"timeout":0}
	]}`)
	v := New(validate.Options{Directory: msTestDir, Models: msCatalog(t)})
	got := v.Validate(Query{OrgID: "o1", HasOrgID: true, Orgs: msOrgs{"o1"}, Assets: msTestAssets}, body, msNow)
	item := func(id string) protocol.SetMeasurepointRequest {
		return protocol.SetMeasurepointRequest{RequestID: id, OrgID: "o1", CallType: "ASYNC",
			SetMeasurepointChannelID: "DATASVC.SET.ch1", ProductKey: "product1", DeviceKey: "device1", AssetID: "asset1"}
	}
	r1, r2, r3 := item("r1"), item("r2"), item("r3")
	r1.MeasurepointID, r1.InputData, r1.Timeout, r1.GmtServiceRequest = "temp", json.RawMessage(`{"arg":21.5}`), 5000, 132132465464
	r2.MeasurepointID, r2.InputData, r2.Timeout, r2.GmtServiceRequest = "Power", json.RawMessage(`{"arg":10}`), 30000, msNow
	r3.MeasurepointID, r3.InputData, r3.Timeout, r3.GmtServiceRequest = "nope", json.RawMessage(`{"arg":1}`), 0, msNow
	r3.AssetID = "" // not filled: the item failed before the lookups
	want := protocol.MultiSetResponse{
		Status: codes.Success,
		Msg:    "Success",
		Data: []protocol.SetMeasurepointReply{
			{SetMeasurepointRequest: r1, Status: codes.Success, Msg: "Success", GmtServiceReply: msNow},
			{SetMeasurepointRequest: r2, Status: codes.Success, Msg: "Success", GmtServiceReply: msNow},
			{SetMeasurepointRequest: r3, Status: codes.ParaError, Msg: "para error",
				Submsg: "timeout 0 is outside [1, 300000]", GmtServiceReply: msNow},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if got.OK() {
		t.Error("OK() = true with a failed item")
	}
}

// An item that cannot be read at all still gets a reply with the defaults.
func TestMultiSetItemNotObject(t *testing.T) {
	got := New(validate.Options{}).Validate(msQ("o1"), []byte(`{"data":[null, 5, `+msItemJSON()+`]}`), msNow)
	want := []protocol.SetMeasurepointReply{
		{SetMeasurepointRequest: protocol.SetMeasurepointRequest{CallType: "ASYNC", Timeout: 30000, GmtServiceRequest: msNow},
			Status: codes.ParaError, Msg: "para error", Submsg: "data[0] must be an object, not null", GmtServiceReply: msNow},
		{SetMeasurepointRequest: protocol.SetMeasurepointRequest{CallType: "ASYNC", Timeout: 30000, GmtServiceRequest: msNow},
			Status: codes.ParaError, Msg: "para error", Submsg: "data[1] must be an object, not a number", GmtServiceReply: msNow},
	}
	if len(got.Data) != 3 {
		t.Fatalf("%d items, want 3", len(got.Data))
	}
	if diff := cmp.Diff(want, got.Data[:2]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got.Data[2].Status != codes.Success {
		t.Errorf("item 2: %d %q, want 0", got.Data[2].Status, got.Data[2].Submsg)
	}
}

// The response shares no memory with the body.
func TestMultiSetNoAliasing(t *testing.T) {
	body := msBody(msItemJSON())
	got := New(validate.Options{}).Validate(msQ("o1"), body, msNow)
	for i := range body {
		body[i] = 'x'
	}
	r := got.Data[0]
	if r.RequestID != "r1" || string(r.InputData) != `{"arg":1.5}` {
		t.Errorf("reply changed with the body: %q %s", r.RequestID, r.InputData)
	}
}

// FuzzMultiSet asserts properties, not only the absence of panics:
//  1. the response encodes to valid JSON;
//  2. a status-0 response has one reply per item of data, and a whole-request
//     error has none;
//  3. an accepted item has no submsg, a refused one has its code's message and a
//     submsg;
//  4. white space does not matter: the compacted body gets the same response.
func FuzzMultiSet(f *testing.F) {
	f.Add([]byte(`{"data":[` + msItemJSON() + `]}`))
	f.Add(msBody(msItemJSON("productKey", "", "deviceKey", "", "assetId", `"asset1"`, "measurepointId", `"Power"`, "inputData", `{"a":1,"b":null}`)))
	f.Add(msBody(msItemJSON("inputData", `{"a":[1,"2"],"b":{"value":1,"quality":0}}`, "timeout", "0"), `null`, `[]`))
	f.Add(msBody(msItemJSON("productKey", `"structP"`, "deviceKey", `"s1"`, "measurepointId", `"st"`, "inputData", `{"x":{"a":1,"a":2}}`)))
	f.Add([]byte(`{"data":[{"requestId":"a","requestId":"b"}],"data":[]}`))
	f.Add([]byte(`{"data":[{}],"dATA":[]}`)) // found by fuzzing: keys are case-sensitive
	f.Add([]byte(` { "data" : [ { "requestId" : "r\u0031" , "orgId" : "o1" } ] } `))
	models := msCatalog(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		v := New(validate.Options{Directory: msTestDir, Models: models})
		query := Query{OrgID: "o1", HasOrgID: true, Assets: msTestAssets}
		resp := v.Validate(query, body, msNow)
		out, err := resp.MarshalJSON()
		if err != nil || !json.Valid(out) {
			t.Fatalf("response does not encode: %v\n%s", err, out)
		}
		if resp.Status == codes.Success {
			// A map, not a struct: struct fields would match "dATA" too, and
			// keys are case-sensitive.
			var top map[string]json.RawMessage
			var items []json.RawMessage
			if err := json.Unmarshal(body, &top); err != nil {
				t.Fatalf("status 0 for a body that is not an object: %v", err)
			}
			if err := json.Unmarshal(top["data"], &items); err != nil || len(items) != len(resp.Data) {
				t.Fatalf("%d replies for %d items (%v)", len(resp.Data), len(items), err)
			}
		} else if resp.Status != codes.InvalidArgument || resp.Data != nil || resp.Submsg == "" {
			t.Fatalf("whole-request error %d %q %q with %d items", resp.Status, resp.Msg, resp.Submsg, len(resp.Data))
		}
		for i, r := range resp.Data {
			if (r.Status == codes.Success) != (r.Submsg == "") || r.Msg != r.Status.Message() {
				t.Fatalf("item %d: %d %q %q", i, r.Status, r.Msg, r.Submsg)
			}
		}
		if resp.Status == codes.Success {
			var compacted bytes.Buffer
			if err := json.Compact(&compacted, body); err != nil {
				t.Fatalf("a body MultiSet read cannot be compacted: %v", err)
			}
			again := New(validate.Options{Directory: msTestDir, Models: models}).Validate(query, compacted.Bytes(), msNow)
			if diff := cmp.Diff(resp, again); diff != "" {
				t.Fatalf("compacting the body changed the response (-before +after):\n%s", diff)
			}
		}
	})
}

// The body is read once, front to back: of a syntax error and a nesting error,
// the one nearer the start of the body is reported.
func TestMultiSetBodyErrorOrder(t *testing.T) {
	v := New(validate.Options{Limits: validate.Limits{MaxDepth: 3}})
	tests := []struct {
		name   string
		body   string
		submsg string // a prefix
	}{
		{"syntax first", `{"a":x,"data":[[[[1]]]]}`, "body is not JSON: "},
		{"nesting first", `{"data":[[[[1]]]],"a":x}`, "body nests deeper than 3 at offset 10"},
		{"nesting at the limit", `{"data":[[1]],"a":x}`, "body is not JSON: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Validate(msQ("o1"), []byte(tt.body), msNow)
			if got.Msg != "Invalid Argument body" || !strings.HasPrefix(got.Submsg, tt.submsg) {
				t.Errorf("got %q %q, want Invalid Argument body %q...", got.Msg, got.Submsg, tt.submsg)
			}
		})
	}
}

// A lone surrogate in a \u escape is not an error of the body; it decodes to
// U+FFFD, as the platform's JSON decoders do.
func TestMultiSetLoneSurrogate(t *testing.T) {
	got := New(validate.Options{}).Validate(msQ("o1"), msBody(msItemJSON("requestId", `"r\ud800"`)), msNow)
	if got.Status != codes.Success || len(got.Data) != 1 {
		t.Fatalf("whole request: %d %q %q", got.Status, got.Msg, got.Submsg)
	}
	if r := got.Data[0]; r.Status != codes.Success || r.RequestID != "r\uFFFD" {
		t.Errorf("item: %d %q, requestId %q; want 0 and %q", r.Status, r.Submsg, r.RequestID, "r\uFFFD")
	}
}

// TestMultiSetEcho checks SPEC §5.2: an item reply echoes each field with the
// JSON type and value it came with ("" stays "", a number stays a number, an
// absent or null field is null), except that the way the item did not name its
// device is filled in from the directories.
func TestMultiSetEcho(t *testing.T) {
	tests := []struct {
		name   string
		opts   validate.Options
		item   string
		status codes.Status
		want   map[string]string // JSON name -> echoed JSON text
		reason string
	}{
		{"empty requestId", validate.Options{}, msItemJSON("requestId", `""`), codes.ParaError,
			map[string]string{"requestId": `""`}, "failed, and still echoed as it came"},
		{"number requestId", validate.Options{}, msItemJSON("requestId", `12`), codes.ParaError,
			map[string]string{"requestId": `12`}, ""},
		{"null requestId", validate.Options{}, msItemJSON("requestId", `null`), codes.ParaError,
			map[string]string{"requestId": `null`}, "null is absent"},
		{"empty assetId with keys", validate.Options{}, msItemJSON("assetId", `""`), codes.Success,
			map[string]string{"assetId": `""`, "productKey": `"product1"`}, "nothing to fill it from without a directory"},
		{"empty assetId filled in", validate.Options{Directory: msTestDir}, msItemJSON("assetId", `""`), codes.Success,
			map[string]string{"assetId": `"asset1"`}, "the directory names the device's asset"},
		{"empty keys filled in", validate.Options{}, msItemJSON("productKey", `""`, "deviceKey", `""`, "assetId", `"asset1"`), codes.Success,
			map[string]string{"productKey": `"product1"`, "deviceKey": `"device1"`, "assetId": `"asset1"`}, "named by assetId"},
		{"number callbackUrl", validate.Options{}, msItemJSON("callbackUrl", `1.50`), codes.Success,
			map[string]string{"callbackUrl": `1.50`}, ""},
		{"object callbackUrl", validate.Options{}, msItemJSON("callbackUrl", `{ "u" : [1, 2] }`), codes.Success,
			map[string]string{"callbackUrl": `{"u":[1,2]}`}, "compacted, like inputData"},
		{"empty callbackUrl", validate.Options{}, msItemJSON("callbackUrl", `""`), codes.Success,
			map[string]string{"callbackUrl": `""`}, ""},
		{"number callType", validate.Options{}, msItemJSON("callType", `3`), codes.Success,
			map[string]string{"callType": `"ASYNC"`}, "the reply always says ASYNC"},
		{"bool productKey", validate.Options{}, msItemJSON("productKey", `true`), codes.ParaError,
			map[string]string{"productKey": `true`, "deviceKey": `"device1"`}, ""},
		{"escaped string", validate.Options{}, msItemJSON("measurepointId", `"t\u0065mp"`), codes.Success,
			map[string]string{"measurepointId": `"temp"`}, "the same value, written plainly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(tt.opts).Validate(Query{OrgID: "o1", Assets: msTestAssets}, msBody(tt.item), msNow)
			if len(got.Data) != 1 {
				t.Fatalf("%d items, want 1", len(got.Data))
			}
			if got.Data[0].Status != tt.status {
				t.Errorf("status %d %q, want %d", got.Data[0].Status, got.Data[0].Submsg, tt.status)
			}
			b, err := json.Marshal(got.Data[0])
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatal(err)
			}
			for k, w := range tt.want {
				if string(fields[k]) != w {
					t.Errorf("%s = %s, want %s (%s)\nreply %s", k, fields[k], w, tt.reason, b)
				}
			}
		})
	}
}

// A reply's inputData and verbatim fields are the values as sent, without
// white space outside strings; white space and escaped quotes inside strings
// are kept.
func TestCompact(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"white space between tokens", "{ \"a\" :\t[ 1 ,\r\n 2 ] }", `{"a":[1,2]}`},
		{"spaces inside a string", `{"a": "x y  z"}`, `{"a":"x y  z"}`},
		{"escaped quote, then space", `{"a": "x\" y", "b" : 1}`, `{"a":"x\" y","b":1}`},
		{"escaped backslash ends the string", `["x\\", 1 ]`, `["x\\",1]`},
		{"scalar", ` 12 `, `12`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(compact([]byte(tt.in))); got != tt.want {
				t.Errorf("compact(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	in := `{ "arg" : "x \" y" , "n" : [ 1 , 2 ] }`
	got := New(validate.Options{}).Validate(msQ("o1"), msBody(msItemJSON("inputData", in)), msNow)
	if want := `{"arg":"x \" y","n":[1,2]}`; string(got.Data[0].InputData) != want {
		t.Errorf("reply inputData = %s, want %s", got.Data[0].InputData, want)
	}
}
