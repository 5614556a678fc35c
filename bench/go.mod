module github.com/pointguard/pointguard/bench

go 1.26

replace github.com/pointguard/pointguard => ../

require (
	github.com/go-json-experiment/json v1.27.2
	github.com/goccy/go-json v0.12.0
	github.com/pointguard/pointguard v0.0.0-00010101000000-000000000000
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
)

require golang.org/x/text v0.41.0 // indirect
