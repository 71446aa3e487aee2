// Package shareddata finds the real public data sets that sit beside the repository in ../shared/data
// (never copied into it), for tests that read them in place and skip when they are absent.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of rel under ../shared/data, relative to the directory holding go.mod, and
// skips the test with a message naming what is missing when it is not there.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory; cannot locate ../shared/data")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("public data %s is absent (expected at ../shared/data beside the repository): %v", rel, err)
	}
	return path
}
