package validate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestCauses: every 1206 unwraps to the sentinel of its cause, and to no
// other, so a program tells a duplicate key from invalid UTF-8 or a depth
// limit with errors.Is; other codes carry no cause.
func TestCauses(t *testing.T) {
	causes := []error{validate.ErrSyntax, validate.ErrDuplicateKey, validate.ErrInvalidUTF8, validate.ErrDepth,
		validate.ErrLength, validate.ErrEnvelope, validate.ErrEntry, validate.ErrTime}
	good := entry("device1", `"temp":1.5`)
	tests := []struct {
		name    string
		limits  validate.Limits
		payload string
		want    error // nil: a code other than 1206, with no cause
	}{
		{"syntax", validate.Limits{}, `{"id":"1",`, validate.ErrSyntax},
		{"trailing data", validate.Limits{}, batch("", good) + " x", validate.ErrSyntax},
		{"duplicate key", validate.Limits{}, batch(`"id":"2",`, good), validate.ErrDuplicateKey},
		{"duplicate measurepoint", validate.Limits{}, batch("", entry("device1", `"temp":1.5,"temp":2`)), validate.ErrDuplicateKey},
		{"invalid UTF-8", validate.Limits{}, batch(`"x":"`+"\xff"+`",`, good), validate.ErrInvalidUTF8},
		{"lone surrogate", validate.Limits{}, batch(`"x":"\ud800",`, good), validate.ErrInvalidUTF8},
		{"depth", validate.Limits{MaxDepth: 3}, batch(`"x":[[[1]]],`, good), validate.ErrDepth},
		{"token length", validate.Limits{MaxString: 4}, batch(`"x":"12345",`, good), validate.ErrLength},
		{"array length", validate.Limits{MaxArray: 2}, batch(`"x":[1,2,3],`, good), validate.ErrLength},
		{"envelope: version", validate.Limits{}, strings.Replace(batch("", good), `"1.0"`, `"2.0"`, 1), validate.ErrEnvelope},
		{"envelope: not an object", validate.Limits{}, `[1]`, validate.ErrEnvelope},
		{"envelope: flag", validate.Limits{}, batch(`"skipInvalidMeasurepoints":1,`, good), validate.ErrEnvelope},
		{"entry: not an object", validate.Limits{}, batch("", `7`), validate.ErrEntry},
		{"entry: productKey alone", validate.Limits{}, batch("", `{"productKey":"product1","measurepoints":{}}`), validate.ErrEntry},
		{"time", validate.Limits{}, batch("", `{"time":-1,"measurepoints":{}}`), validate.ErrTime},
		{"time not an integer", validate.Limits{}, batch("", `{"time":1.5,"measurepoints":{}}`), validate.ErrTime},
		{"1204 has no cause", validate.Limits{}, batch("", entry("device1", `"temp":"warm"`)), nil},
		{"accepted", validate.Limits{}, batch("", good), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validate.New(validate.Options{Models: catalog(t), Directory: testDir, Limits: tt.limits})
			res, err := v.Validate(validate.Message{Topic: topic, Now: 42}, []byte(tt.payload), nil)
			if tt.want != nil && res.Code != codes.FormatError {
				t.Fatalf("code %v (%v), want 1206", res.Code, err)
			}
			for _, c := range causes {
				if got := errors.Is(err, c); got != (c == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, c, got)
				}
			}
			if tt.want != nil && !errors.Is(err, codes.FormatError) {
				t.Errorf("errors.Is(%v, codes.FormatError) = false", err)
			}
		})
	}
	_, err := validate.New(validate.Options{Models: catalog(t)}).CheckValue(catalog(t).Model("product1").Measurepoint("temp").Type(), []byte(`1 2`))
	if !errors.Is(err, validate.ErrSyntax) {
		t.Errorf("CheckValue(1 2) = %v, want ErrSyntax", err)
	}
}

// A fatal error inside a skipped value leaves nothing behind: the next payload's
// pointers are its own (the skipper's steps are forgotten between payloads).
func TestPointerAfterFatalSkip(t *testing.T) {
	v := validate.New(validate.Options{Models: catalog(t), Directory: testDir})
	msg := validate.Message{Topic: topic, Now: 42}
	res, _ := v.Validate(msg, []byte(`{"x":{"a":[1,{"b":`), nil)
	if res.Code != codes.FormatError || res.Err.Pointer != "/x/a/1/b" {
		t.Fatalf("truncated: %v at %q, want 1206 at /x/a/1/b", res.Code, res.Err.Pointer)
	}
	bad := strings.Replace(batch("", entry("device1", `"temp":1.5`)), `"1.0"`, `"2.0"`, 1)
	res, _ = v.Validate(msg, []byte(bad), nil)
	if res.Code != codes.FormatError || res.Err.Pointer != "/version" {
		t.Errorf("next payload: %v at %q, want 1206 at /version", res.Code, res.Err.Pointer)
	}
	_, err := v.CheckValue(catalog(t).Model("product1").Measurepoint("temp").Type(), []byte(`"x`))
	var e *validate.Error
	if !errors.As(err, &e) || e.Pointer != "" {
		t.Errorf("CheckValue after a fatal skip: %v, want an error at the value itself", err)
	}
}
