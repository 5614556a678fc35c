package validate_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/thingmodel"
	"github.com/pointguard/pointguard/validate"
)

// collectValidator validates against a model with a FLOAT, a STRING and an
// ARRAY of STRING, so that copies of text and items can be told apart.
func collectValidator(t *testing.T) *validate.Validator {
	t.Helper()
	model, err := thingmodel.ParseModel("m.json", []byte(`{"modelId": "M", "measurepoints": {
		"temp":  {"dataType": "FLOAT"},
		"label": {"dataType": "STRING"},
		"tags":  {"dataType": "ARRAY", "dataDefinition": {"itemType": "STRING"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := thingmodel.NewCatalog([]*thingmodel.Model{model}, map[string]string{"p": "M"})
	if err != nil {
		t.Fatal(err)
	}
	return validate.New(validate.Options{Models: catalog})
}

const collectTopic = "/sys/p/d/thing/measurepoint/post/batch"

func collectPayload(entries ...string) []byte {
	return []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + strings.Join(entries, ",") + `]}`)
}

// pointTexts renders points as "pk/dk id=json@time" for comparison.
func pointTexts(b *validate.Batch) []string {
	var out []string
	for p := range b.Points() {
		out = append(out, p.ProductKey+"/"+p.DeviceKey+" "+p.Identifier()+"="+string(p.Value.AppendJSON(nil))+"@"+strconv.FormatInt(p.Time, 10))
	}
	return out
}

// An accepted message's points are handed over, in document order, as copies
// that outlive the next call of the Validator.
func TestCollectAccepted(t *testing.T) {
	v := collectValidator(t)
	var b validate.Batch
	res, err := v.Collect(validate.Message{Topic: collectTopic, Now: 7}, collectPayload(
		`{"measurepoints":{"temp":"1.5","label":"a\u00e9b","tags":["x","y"]},"time":5}`,
		`{"measurepoints":{"label":"second"}}`), &b)
	if err != nil || res.Code != codes.OK {
		t.Fatalf("Collect = %v, %v; want 200", res.Code, err)
	}
	want := []string{`p/d temp=1.5@5`, `p/d label="aéb"@5`, `p/d tags=["x","y"]@5`, `p/d label="second"@7`}
	if diff := cmp.Diff(want, pointTexts(&b)); diff != "" {
		t.Fatalf("points (-want +got):\n%s", diff)
	}
	if b.Len() != 4 || res.Accepted != 4 {
		t.Errorf("Len = %d, Accepted = %d, want 4", b.Len(), res.Accepted)
	}
	// The Validator's scratch is overwritten by the next message; the batch's
	// copies are not.
	var other validate.Batch
	if res, _ := v.Collect(validate.Message{Topic: collectTopic}, collectPayload(
		`{"measurepoints":{"temp":9.25,"label":"zzzzzz","tags":["q","r","s"]}}`), &other); res.Code != codes.OK {
		t.Fatalf("second message: %v", res.Code)
	}
	if diff := cmp.Diff(want, pointTexts(&b)); diff != "" {
		t.Errorf("points after the next call (-want +got):\n%s", diff)
	}
}

// A message refused after some of its points were seen hands over none: the
// callback of Validate saw the first entry's points, the batch holds nothing.
func TestCollectRejected(t *testing.T) {
	v := collectValidator(t)
	payload := collectPayload(
		`{"measurepoints":{"temp":1.5,"label":"ok"}}`,
		`{"measurepoints":{"temp":"warm"}}`)
	seen := 0
	res, _ := v.Validate(validate.Message{Topic: collectTopic}, payload, func(*validate.Point) error { seen++; return nil })
	if res.Code != codes.ModelInvalid || seen != 2 {
		t.Fatalf("Validate: %v with %d points seen; the test needs 1204 after 2 points", res.Code, seen)
	}

	var b validate.Batch
	if res, _ := v.Collect(validate.Message{Topic: collectTopic}, collectPayload(`{"measurepoints":{"temp":2}}`), &b); res.Code != codes.OK || b.Len() != 1 {
		t.Fatalf("first message: %v, %d points", res.Code, b.Len())
	}
	res, err := v.Collect(validate.Message{Topic: collectTopic}, payload, &b)
	if !errors.Is(err, codes.ModelInvalid) || res.Code != codes.ModelInvalid {
		t.Fatalf("Collect = %v, %v; want 1204", res.Code, err)
	}
	if b.Len() != 0 {
		t.Errorf("Len = %d after a rejected message, want 0", b.Len())
	}
	for p := range b.Points() {
		t.Errorf("a rejected message yielded %s", p.Identifier())
	}

	// A syntax error at the very end (1206) also empties the batch.
	res, _ = v.Collect(validate.Message{Topic: collectTopic}, append(collectPayload(`{"measurepoints":{"temp":1}}`), ','), &b)
	if res.Code != codes.FormatError || b.Len() != 0 {
		t.Errorf("trailing comma: %v with %d points, want 1206 and none", res.Code, b.Len())
	}
}

// CollectReader streams the payload; a read error passes through and leaves
// the batch empty.
func TestCollectReader(t *testing.T) {
	v := collectValidator(t)
	var b validate.Batch
	payload := collectPayload(`{"measurepoints":{"temp":1.5,"tags":["a"]}}`)
	res, err := v.CollectReader(validate.Message{Topic: collectTopic}, iotest.OneByteReader(strings.NewReader(string(payload))), &b)
	if err != nil || res.Code != codes.OK {
		t.Fatalf("CollectReader = %v, %v", res.Code, err)
	}
	if diff := cmp.Diff([]string{`p/d temp=1.5@0`, `p/d tags=["a"]@0`}, pointTexts(&b)); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}

	boom := errors.New("boom")
	r := &failAfter{data: payload[:len(payload)-3], err: boom}
	_, err = v.CollectReader(validate.Message{Topic: collectTopic}, r, &b)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the reader's", err)
	}
	if b.Len() != 0 {
		t.Errorf("Len = %d after a read error, want 0", b.Len())
	}
}

// failAfter returns data, then err.
type failAfter struct {
	data []byte
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// Stopping the iterator early stops it.
func TestBatchPointsBreak(t *testing.T) {
	v := collectValidator(t)
	var b validate.Batch
	v.Collect(validate.Message{Topic: collectTopic}, collectPayload(`{"measurepoints":{"temp":1,"label":"a","tags":[]}}`), &b)
	n := 0
	for range b.Points() {
		n++
		break
	}
	if n != 1 || b.Len() != 3 {
		t.Errorf("n = %d, Len = %d; want 1 and 3", n, b.Len())
	}
}
