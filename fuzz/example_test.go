package fuzz_test

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/fuzz"
	"github.com/pointguard/pointguard/validate"
)

// A property test of your own: every request drawn for a random platform, with
// one point broken, gets the verdict the generator recorded for it. In a test,
// wrap the body in rapid.Check(t, func(t *rapid.T) { ... }).
func ExampleMutate() {
	check := func(t *rapid.T) {
		env := fuzz.Envs().Draw(t, "env")
		r := fuzz.Requests(env, validate.Compat).Draw(t, "request")
		fuzz.Mutate(t, r, fuzz.MutateValue, -1) // false when no entry has a point
		x := r.Encode(fuzz.Style{Seed: rapid.Uint64().Draw(t, "style")})

		cat, err := env.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		v := validate.New(validate.Options{Models: cat, Directory: env.ValidateDirectory()})
		res, _ := v.Validate(validate.Message{Topic: r.Topic.String(), Now: r.Now}, x.Payload, nil)
		if res.Code != x.Want.Code {
			t.Fatalf("got %d, want %d at %s", res.Code, x.Want.Code, x.Want.Pointer)
		}
	}
	_ = check
	fmt.Println("ok")
	// Output: ok
}

// Encoding one request two ways: the same meaning, other bytes.
func ExampleRequest_Encode() {
	env := fuzz.Envs().Example(1)
	r := fuzz.Requests(env, validate.Strict).Example(1)
	compact := r.Encode(fuzz.Style{})
	spelled := r.Encode(fuzz.Style{Seed: 7})
	fmt.Println(compact.Want.Code == spelled.Want.Code, len(compact.Points) == len(spelled.Points))
	// Output: true true
}
