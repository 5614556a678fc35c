package pointguard_test

import (
	"bytes"
	"io/fs"
	"os"
	"testing"

	"github.com/pointguard/pointguard"
	"github.com/pointguard/pointguard/environment"
)

// The compiled-in sample loads, and every file in it is the file of the
// repository under the same name, so the CLI's default is what the README
// describes.
func TestSample(t *testing.T) {
	env, err := environment.Load(pointguard.Sample(), pointguard.SampleEnvironment)
	if err != nil {
		t.Fatal(err)
	}
	if env.Models().Model("product1") == nil || env.Directory() == nil {
		t.Errorf("%s: no model for product1 or no devices", pointguard.SampleEnvironment)
	}
	n := 0
	err = fs.WalkDir(pointguard.Sample(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		embedded, err := fs.ReadFile(pointguard.Sample(), name)
		if err != nil {
			return err
		}
		disk, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if !bytes.Equal(embedded, disk) {
			t.Errorf("%s: the embedded file differs from the repository's", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Errorf("%d files embedded, want the environments and their models", n)
	}
}
