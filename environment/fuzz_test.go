package environment

import (
	"errors"
	"testing"
)

// FuzzLoad: any bytes give an Env or an *Error, never a panic; an Env answers
// lookups.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(fullEnv))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"devices": [{"productKey": "p", "deviceKey": "d", "gateway": "g/w", "online": false, "assetId": "a"}], "orgs": ["o"]}`))
	f.Add([]byte(`{"products": {"p": "M"}, "models": [{"modelId": "M", "measurepoints": {}}]}`))
	files := map[string]string{"envs/models/inverter.json": inverterModel}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := parse("envs", string(data), files)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if env != nil {
				t.Fatal("an Env and an error")
			}
			return
		}
		env.Models().Model("p") // nil-safe: nil means no model checks (SPEC §7.2)
		env.KnowsOrg("o")
		env.Asset("a")
		if _, ok := env.Device("p", "d"); ok && env.Directory() == nil {
			t.Fatal("Device knows a device but Directory is nil")
		}
	})
}
