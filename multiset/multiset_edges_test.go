package multiset

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestMultiSetEdges checks the edges of the item rules that the rule table
// leaves between its cases: the ends of each character range of a channel
// name, a value described in full up to 32 bytes, and a quoted value cut at
// 64 bytes on a character boundary.
func TestMultiSetEdges(t *testing.T) {
	ch := func(name string) string { return msItemJSON("setMeasurepointChannelId", `"DATASVC.SET.`+name+`"`) }
	badChar := func(name, c string, at int) string {
		return `setMeasurepointChannelId "DATASVC.SET.` + name + `" has "` + c + `" at byte ` + strconv.Itoa(at) +
			`; allowed after the prefix: A-Z a-z 0-9 _ . -`
	}
	s30 := strings.Repeat("s", 30)
	m63 := strings.Repeat("m", 63)
	tests := []struct {
		name   string
		item   string
		status codes.Status
		submsg string
	}{
		{"channel range ends", ch("azAZ09"), codes.Success, ""},
		{"channel before a", ch("x`"), codes.ParaError, badChar("x`", "`", 13)},
		{"channel after z", ch("x{"), codes.ParaError, badChar("x{", "{", 13)},
		{"channel before A", ch("x@"), codes.ParaError, badChar("x@", "@", 13)},
		{"channel after Z", ch("x["), codes.ParaError, badChar("x[", "[", 13)},
		{"channel before 0", ch("x/"), codes.ParaError, badChar("x/", "/", 13)},
		{"channel after 9", ch("x:"), codes.ParaError, badChar("x:", ":", 13)},
		{"value of 32 bytes described in full", msItemJSON("timeout", `"`+s30+`"`), codes.ParaError,
			`timeout must be an integer of milliseconds, not a string "` + s30 + `"`},
		{"value of 33 bytes named by its type", msItemJSON("timeout", `"`+s30+`s"`), codes.ParaError,
			`timeout must be an integer of milliseconds, not a string`},
		{"quote cut before a character", msItemJSON("measurepointId", `"`+m63+`éx"`), codes.ParaError,
			`measurepointId "` + m63 + `"... is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)`},
		{"quote of 64 bytes in full", msItemJSON("measurepointId", `"`+m63+`/"`), codes.ParaError,
			`measurepointId "` + m63 + `/" is not an identifier (1 to 128 of A-Z a-z 0-9 _ - .)`},
	}
	v := New(validate.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Validate(msQ("o1"), msBody(tt.item), msNow)
			if got.Status != codes.Success || len(got.Data) != 1 {
				t.Fatalf("request status %d %q, want 0 and one item", got.Status, got.Submsg)
			}
			if d := got.Data[0]; d.Status != tt.status || d.Submsg != tt.submsg {
				t.Errorf("item status %d %q, want %d %q", d.Status, d.Submsg, tt.status, tt.submsg)
			}
		})
	}
}

// TestMultiSetObjectDepth checks the depth limit on objects nested in an item,
// at the limit and one past it.
func TestMultiSetObjectDepth(t *testing.T) {
	nest := func(n int) []byte { // the body object is level 1, data level 2, the item level 3, inputData 4
		return msBody(msItemJSON("inputData", strings.Repeat(`{"a":`, n-3)+"1"+strings.Repeat("}", n-3)))
	}
	v := New(validate.Options{Limits: validate.Limits{MaxDepth: 10}})
	if got := v.Validate(msQ("o1"), nest(10), msNow); got.Status != codes.Success {
		t.Errorf("depth 10 with MaxDepth 10: status %d %q, want 0", got.Status, got.Submsg)
	}
	if got := v.Validate(msQ("o1"), nest(11), msNow); got.Status != codes.InvalidArgument || !strings.HasPrefix(got.Submsg, "body nests deeper than 10") {
		t.Errorf("depth 11 with MaxDepth 10: status %d %q, want 400 body nests deeper than 10", got.Status, got.Submsg)
	}
}
