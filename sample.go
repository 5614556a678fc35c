package pointguard

import (
	"embed"
	"io/fs"
)

// SampleEnvironment is the name, in [Sample], of the bundled sample environment,
// the default environment of the command-line tool.
const SampleEnvironment = "testdata/envs/sample.json"

//go:embed testdata/envs/*.json testdata/models/*.json
var sample embed.FS

// Sample returns the bundled sample environments and the model files they name,
// under their names in the repository (testdata/envs/..., testdata/models/...),
// for environment.Load. The files are compiled into the program, so a program
// that loads them works from any directory.
func Sample() fs.FS { return sample }
