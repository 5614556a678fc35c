package fuzz_test

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/pointguard/pointguard/fuzz"
	"github.com/pointguard/pointguard/validate"
)

// A request with one point broken gets the verdict the generator recorded for
// it. In a property test of your own, draw the same inside rapid.Check.
func ExampleMutate() {
	env := fuzz.Envs().Example(3)
	r := rapid.Custom(func(t *rapid.T) *fuzz.Request {
		r := fuzz.Requests(env, validate.Compat).Draw(t, "request")
		fuzz.Mutate(t, r, fuzz.MutateValue, -1) // false when no entry has a point
		return r
	}).Example(2)
	x := r.Encode(fuzz.Style{Seed: 11})

	cat, err := env.Catalog()
	if err != nil {
		panic(err)
	}
	v := validate.New(validate.Options{Models: cat, Directory: env.ValidateDirectory()})
	res, _ := v.Validate(validate.Message{Topic: r.Topic.String(), Now: r.Now}, x.Payload, nil)
	fmt.Println(res.Code == x.Want.Code)
	// Output: true
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
