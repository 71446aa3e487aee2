package demo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateSample = flag.Bool("update-sample", false, "rewrite examples/sample from the generator")

// sampleDir is where the shipped sample lives, from this package's directory.
const sampleDir = "../../examples/sample"

// TestSampleCSVIsCurrent: the CSV sample in examples/sample is what the generator makes (run with
// -update-sample after changing the generator). cmd/tandem's TestImportSample imports it.
func TestSampleCSVIsCurrent(t *testing.T) {
	t.Parallel()
	files := SampleCSV(generate(t, SampleConfig()))
	if len(files) != 4 {
		t.Fatalf("%d sample files, want 4", len(files))
	}
	for _, f := range files {
		path := filepath.Join(sampleDir, f.Name)
		if *updateSample {
			if err := os.MkdirAll(sampleDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/demo -run SampleCSV -update-sample)", err)
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from the generator's output; run go test ./internal/demo -run SampleCSV -update-sample", path)
		}
	}
}
