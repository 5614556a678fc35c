// Package pointguard holds the bundled sample environment of SPEC §7.2 and the
// thing models it names, compiled into the program so that the command-line
// tool has a default environment wherever it runs. Load it with
//
//	env, err := environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
//
// The validator itself is package validate; see the README for the layout.
package pointguard
