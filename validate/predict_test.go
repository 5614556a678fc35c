package validate_test

import (
	"strings"
	"testing"

	"github.com/pointguard/pointguard/codes"
	"github.com/pointguard/pointguard/validate"
)

// TestAcceptPathPredictedKeys: a key where the model's last entry had another
// point is that point only when every byte matches. Keys of each length class
// the prediction compares differently (members of 4 to 7 bytes, 8 to 16, and
// longer) are changed in their first, middle or last character: each is then
// an unknown point (1204), with the accept path on and off, and the point
// itself is still taken.
func TestAcceptPathPredictedKeys(t *testing.T) {
	ids := []string{"a", "abcd", "abcde", "abcdefghijklm", "abcdefghijklmn", "abcdefghijklmnopqrstuvwxyz"}
	var defs []string
	for _, id := range ids {
		defs = append(defs, `"`+id+`":{"dataType":"INT"}`)
	}
	cat := modelCatalog(t, `{"modelId":"Predict","measurepoints":{`+strings.Join(defs, ",")+`}}`, "predP")
	const topic = "/sys/predP/pred1/thing/measurepoint/post/batch"
	batch := func(entries ...string) []byte {
		return []byte(`{"id":"1","version":"1.0","method":"thing.measurepoint.post.batch","params":[` + strings.Join(entries, ",") + `]}`)
	}
	bothPaths(t, validate.Options{Models: cat}, func(t *testing.T, v *validate.Validator) {
		for _, id := range ids {
			first := `{"measurepoints":{"` + id + `":1}}`
			res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, batch(first, first), nil)
			if res.Code != codes.OK || res.Accepted != 2 {
				t.Errorf("%s twice: code %v, %d accepted (%v); want 200 and 2", id, res.Code, res.Accepted, res.Err)
			}
			for _, at := range []int{0, len(id) / 2, len(id) - 1} {
				other := []byte(id)
				other[at] = 'Z'
				second := `{"measurepoints":{"` + string(other) + `":1}}`
				res, _ := v.Validate(validate.Message{Topic: topic, Now: 1}, batch(first, second), nil)
				if res.Code != codes.ModelInvalid {
					t.Errorf("%s, then %s: code %v (%v); want 1204 for an unknown point", id, other, res.Code, res.Err)
				}
			}
		}
	})
}
