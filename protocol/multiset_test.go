package protocol

import (
	"testing"

	json "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
)

// seedItem is the first item of the seed's response example (seeds/004), with
// the message spelled as SPEC §5 has it ("Success").
var seedItem = SetMeasurepointReply{
	SetMeasurepointRequest: SetMeasurepointRequest{
		RequestID:                "testRequestId1",
		OrgID:                    "aaa",
		CallType:                 CallTypeAsync,
		SetMeasurepointChannelID: "DATASVC.SET.setMeasurepointChannelId1",
		ProductKey:               "6Bt59ySj",
		DeviceKey:                "zBAofs6D4s",
		AssetID:                  "YCdyvNmc",
		MeasurepointID:           "measurepointId1",
		InputData:                json.RawMessage(`{ "testArg": 1.0 }`),
		Timeout:                  30000,
		GmtServiceRequest:        1536638267507,
	},
	Status:          codes.Success,
	Msg:             "Success",
	GmtServiceReply: 1536638267509,
}

// The reply's keys come in the seed's order, absent strings are null, and
// inputData is echoed compacted but otherwise verbatim (1.0 stays 1.0).
const seedItemJSON = `{"requestId":"testRequestId1","orgId":"aaa","callType":"ASYNC",` +
	`"setMeasurepointChannelId":"DATASVC.SET.setMeasurepointChannelId1","productKey":"6Bt59ySj",` +
	`"deviceKey":"zBAofs6D4s","assetId":"YCdyvNmc","measurepointId":"measurepointId1","callbackUrl":null,` +
	`"inputData":{"testArg":1.0},"status":0,"msg":"Success","submsg":null,"timeout":30000,` +
	`"gmtServiceRequest":1536638267507,"gmtServiceReply":1536638267509}`

func TestMultiSetResponseJSON(t *testing.T) {
	failed := seedItem.WithStatus(codes.ParaError, "measurepointId is required", 1536638267509)
	failed.MeasurepointID = ""
	failed.InputData = nil
	tests := []struct {
		name   string
		resp   MultiSetResponse
		want   string
		reason string
	}{
		{
			name: "success",
			resp: MultiSetResponse{Status: codes.Success, Msg: "Success", Data: []SetMeasurepointReply{seedItem}},
			want: `{"status":0,"msg":"Success","submsg":null,"data":[` + seedItemJSON + `]}`,
		},
		{
			name:   "invalid argument",
			resp:   MultiSetResponse{Status: codes.InvalidArgument, Msg: "Invalid Argument orgId", Submsg: "orgId does not exist"},
			want:   `{"status":400,"msg":"Invalid Argument orgId","submsg":"orgId does not exist"}`,
			reason: "SPEC §5.1: a whole-request error has no data key",
		},
		{
			name:   "success without items",
			resp:   MultiSetResponse{Status: codes.Success, Msg: "Success"},
			want:   `{"status":0,"msg":"Success","submsg":null,"data":[]}`,
			reason: "a status-0 response always carries data",
		},
		{
			name: "failed item",
			resp: MultiSetResponse{Status: codes.Success, Msg: "Success", Data: []SetMeasurepointReply{failed}},
			want: `{"status":0,"msg":"Success","submsg":null,"data":[{"requestId":"testRequestId1","orgId":"aaa",` +
				`"callType":"ASYNC","setMeasurepointChannelId":"DATASVC.SET.setMeasurepointChannelId1",` +
				`"productKey":"6Bt59ySj","deviceKey":"zBAofs6D4s","assetId":"YCdyvNmc","measurepointId":null,` +
				`"callbackUrl":null,"inputData":null,"status":1000,"msg":"para error",` +
				`"submsg":"measurepointId is required","timeout":30000,"gmtServiceRequest":1536638267507,` +
				`"gmtServiceReply":1536638267509}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.resp)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal:\n got %s\nwant %s\n(%s)", b, tt.want, tt.reason)
			}
			var back MultiSetResponse
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			want := tt.resp
			for i := range want.Data {
				want.Data[i].InputData = rawOrNil(want.Data[i].InputData)
			}
			if want.Status == codes.Success && want.Data == nil {
				want.Data = []SetMeasurepointReply{}
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestJSON(t *testing.T) {
	// The seed's request item, less what a client may leave out.
	req := MultiSetRequest{Data: []SetMeasurepointRequest{{
		RequestID:                "dfsadfdsafdsaf",
		OrgID:                    "adadad",
		SetMeasurepointChannelID: "DATASVC.SET.afdasfasdf",
		AssetID:                  "aaa",
		MeasurepointID:           "bbb",
		InputData:                json.RawMessage(`{"arg":10}`),
	}}}
	const want = `{"data":[{"requestId":"dfsadfdsafdsaf","orgId":"adadad",` +
		`"setMeasurepointChannelId":"DATASVC.SET.afdasfasdf","assetId":"aaa","measurepointId":"bbb",` +
		`"inputData":{"arg":10}}]}`
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", b, want)
	}
	var back MultiSetRequest
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"data":[{"timeout":"30000"}]}`), &back); err == nil {
		t.Error("Unmarshal accepted a string timeout")
	}
}

// The channel message of the seed's example 2: the second item failed to write.
func TestWriteResultJSON(t *testing.T) {
	failed := seedItem.WithStatus(codes.WriteDataError, "write data error", 1536638267600)
	wr := WriteResult{Data: []SetMeasurepointReply{failed}}
	b, err := json.Marshal(wr)
	if err != nil {
		t.Fatal(err)
	}
	var generic struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if len(generic.Data) != 1 {
		t.Fatalf("data has %d items, want 1: %s", len(generic.Data), b)
	}
	got := generic.Data[0]
	for k, want := range map[string]any{
		"status": float64(1000205), "msg": "write data error", "submsg": "write data error",
		"requestId": "testRequestId1", "gmtServiceReply": float64(1536638267600),
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	var back WriteResult
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	failed.InputData = json.RawMessage(`{"testArg":1.0}`)
	if diff := cmp.Diff([]SetMeasurepointReply{failed}, back.Data); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	empty, _ := json.Marshal(WriteResult{})
	if string(empty) != `{"data":[]}` {
		t.Errorf("empty WriteResult = %s, want {\"data\":[]}", empty)
	}
}

func TestInputDataEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"absent", "", "null"},
		{"null", "null", "null"},
		{"compacted", "{ \"a\" : [1, 2],\n \"b\": \"x y\" }", `{"a":[1,2],"b":"x y"}`},
		{"escaped quote kept", `{"a":"q\" b"}`, `{"a":"q\" b"}`},
		{"invalid becomes null", `{"a":`, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := SetMeasurepointReply{SetMeasurepointRequest: SetMeasurepointRequest{InputData: json.RawMessage(tt.in)}}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var w struct {
				InputData json.RawMessage `json:"inputData"`
			}
			if err := json.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			if string(w.InputData) != tt.want {
				t.Errorf("inputData = %s, want %s", w.InputData, tt.want)
			}
		})
	}
}

func TestMultiSetResponseOK(t *testing.T) {
	ok := SetMeasurepointReply{Status: codes.Success}
	bad := SetMeasurepointReply{Status: codes.ParaError}
	tests := []struct {
		name string
		resp MultiSetResponse
		want bool
	}{
		{"all accepted", MultiSetResponse{Status: codes.Success, Data: []SetMeasurepointReply{ok, ok}}, true},
		{"one item failed", MultiSetResponse{Status: codes.Success, Data: []SetMeasurepointReply{ok, bad}}, false},
		{"whole request failed", MultiSetResponse{Status: codes.InvalidArgument}, false},
	}
	for _, tt := range tests {
		if got := tt.resp.OK(); got != tt.want {
			t.Errorf("%s: OK() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWithStatus(t *testing.T) {
	r := seedItem.WithStatus(codes.DataTypeError, "inputData.arg: want INT", 7)
	if r.Status != codes.DataTypeError || r.Msg != "data type error" || r.Submsg != "inputData.arg: want INT" || r.GmtServiceReply != 7 {
		t.Errorf("WithStatus = %+v", r)
	}
	if seedItem.Status != codes.Success {
		t.Error("WithStatus modified its receiver")
	}
}

// MarshalJSON itself does not HTML-escape (json.Marshal of the value, which
// re-escapes what a Marshaler returns, would).
func TestNoHTMLEscape(t *testing.T) {
	r := MultiSetResponse{Status: codes.InvalidArgument, Msg: "Invalid Argument body", Submsg: "a <b> & c"}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"status":400,"msg":"Invalid Argument body","submsg":"a <b> & c"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// TestReplyVerbatim checks that a reply carries the fields a string cannot:
// SPEC §5.2 echoes "" as "" and a number as that number, and a decoded reply
// keeps them.
func TestReplyVerbatim(t *testing.T) {
	r := SetMeasurepointReply{
		SetMeasurepointRequest: SetMeasurepointRequest{RequestID: "ignored", OrgID: "o1", CallType: CallTypeAsync, AssetID: ""},
		Verbatim: map[string]json.RawMessage{
			"requestId":   json.RawMessage(`""`),
			"callbackUrl": json.RawMessage(`12.50`),
			"deviceKey":   json.RawMessage(`{"a":[1,true]}`),
		},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"requestId":"","orgId":"o1","callType":"ASYNC","setMeasurepointChannelId":null,"productKey":null,` +
		`"deviceKey":{"a":[1,true]},"assetId":null,"measurepointId":null,"callbackUrl":12.50,"inputData":null,` +
		`"status":0,"msg":null,"submsg":null,"timeout":0,"gmtServiceRequest":0,"gmtServiceReply":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back SetMeasurepointReply
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	wantBack := r
	wantBack.RequestID = ""
	if diff := cmp.Diff(wantBack, back); diff != "" {
		t.Errorf("decoded reply (-want +got):\n%s", diff)
	}
}
