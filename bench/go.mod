module github.com/pointguard/pointguard/bench

go 1.26

replace github.com/pointguard/pointguard => ../

require github.com/santhosh-tekuri/jsonschema/v6 v6.0.3

require golang.org/x/text v0.14.0 // indirect
