package protocol_test

import (
	"strings"
	"testing"

	"github.com/pointguard/pointguard/protocol"
)

func TestAppendRequest(t *testing.T) {
	entry := protocol.Entry{Measurepoints: []protocol.Point{{Identifier: "temp", Value: []byte("21.5")}}}
	tests := []struct {
		name string
		r    protocol.Request
		want string
	}{
		{"single entry, topic device, defaults",
			protocol.Request{Method: protocol.Post, Params: []protocol.Entry{entry}},
			`{"version":"1.0","method":"thing.measurepoint.post","params":{"measurepoints":{"temp":21.5}}}`},
		{"batch with everything",
			protocol.Request{ID: protocol.ID(`"123"`), Version: "1.1", Method: protocol.PostBatch,
				AllowOfflineSubDevice: true, SkipInvalidMeasurepoints: true,
				Params: []protocol.Entry{
					{ProductKey: "product1", DeviceKey: "device1", HasTime: true, Time: 0, Measurepoints: []protocol.Point{
						{Identifier: "Power", Value: []byte(`1`), HasQuality: true, Quality: 9},
						{Identifier: "name", Value: []byte(` "a\"b" `)},
					}},
					entry,
				}},
			`{"id":"123","version":"1.1","method":"thing.measurepoint.post.batch","allowOfflineSubDevice":true,"skipInvalidMeasurepoints":true,` +
				`"params":[{"productKey":"product1","deviceKey":"device1","time":0,"measurepoints":{"Power":{"value":1,"quality":9},"name": "a\"b" }},` +
				`{"measurepoints":{"temp":21.5}}]}`},
		{"empty batch, integer id",
			protocol.Request{ID: protocol.ID(`-7`), Method: protocol.ResumeBatch},
			`{"id":-7,"version":"1.0","method":"thing.measurepoint.resume.batch","params":[]}`},
		{"keys and identifiers escaped",
			protocol.Request{Method: protocol.Resume, Params: []protocol.Entry{{ProductKey: "p\"", DeviceKey: "d\n",
				Measurepoints: []protocol.Point{{Identifier: "t\x00", Value: []byte("null")}}}}},
			`{"version":"1.0","method":"thing.measurepoint.resume","params":{"productKey":"p\"","deviceKey":"d\n","measurepoints":{"t\u0000":null}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := protocol.AppendRequest([]byte("x"), &tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "x"+tt.want {
				t.Errorf("AppendRequest =\n%s\nwant\n%s", got[1:], tt.want)
			}
		})
	}
}

func TestAppendRequestErrors(t *testing.T) {
	point := func(id, v string) protocol.Entry {
		return protocol.Entry{Measurepoints: []protocol.Point{{Identifier: id, Value: []byte(v)}}}
	}
	tests := []struct {
		name string
		r    protocol.Request
		want string
	}{
		{"no method", protocol.Request{Params: []protocol.Entry{point("t", "1")}}, `method "" is not a method`},
		{"unknown method", protocol.Request{Method: "thing.post", Params: []protocol.Entry{point("t", "1")}}, `method "thing.post"`},
		{"single method, no entry", protocol.Request{Method: protocol.Post}, "exactly one entry, not 0"},
		{"single method, two entries", protocol.Request{Method: protocol.Resume, Params: []protocol.Entry{point("t", "1"), point("t", "1")}}, "exactly one entry, not 2"},
		{"id a float", protocol.Request{ID: protocol.ID("1.5"), Method: protocol.PostBatch}, "id \"1.5\" is not a JSON string or integer"},
		{"id an object", protocol.Request{ID: protocol.ID(`{}`), Method: protocol.PostBatch}, "is not a JSON string or integer"},
		{"id a string and more", protocol.Request{ID: protocol.ID(`"1""2"`), Method: protocol.PostBatch}, "is not a JSON string or integer"},
		{"empty identifier", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("", "1")}}, "params[0]: measurepoints[0] has no identifier"},
		{"identifier twice", protocol.Request{Method: protocol.PostBatch, Params: []protocol.Entry{point("a", "1"), {Measurepoints: []protocol.Point{
			{Identifier: "a", Value: []byte("1")}, {Identifier: "a", Value: []byte("2")}}}}}, `params[1]: identifier "a" is given twice`},
		{"no value", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", "")}}, `the value of "t" is not one JSON value`},
		{"two values", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", "1 2")}}, "not one JSON value"},
		{"not JSON", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", "warm")}}, "not one JSON value"},
		{"a key twice in the value", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", `{"a":1,"a":2}`)}}, "not one JSON value"},
		{"invalid UTF-8 in the value", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", "\"\xff\"")}}, "not one JSON value"},
		{"nesting 65 deep", protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", strings.Repeat("[", 65)+strings.Repeat("]", 65))}}, "not one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := protocol.AppendRequest([]byte("x"), &tt.r)
			if err == nil {
				t.Fatalf("AppendRequest = %s, nil; want an error", got)
			}
			if string(got) != "x" {
				t.Errorf("dst = %q after an error, want it unchanged", got)
			}
			if !strings.HasPrefix(err.Error(), "protocol: AppendRequest: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
	// Nesting at the limit is one value.
	deep := protocol.Request{Method: protocol.Post, Params: []protocol.Entry{point("t", strings.Repeat("[", 64)+strings.Repeat("]", 64))}}
	if _, err := protocol.AppendRequest(nil, &deep); err != nil {
		t.Errorf("a value nested 64 deep: %v", err)
	}
}
