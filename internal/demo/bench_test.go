package demo

import (
	"path/filepath"
	"testing"
)

// BenchmarkEnsureFullSize creates the full-size demo company in a new SQLite file: what `tandem demo`
// does on first start (generation, import, history replay, compensation), with cheap password hashes.
func BenchmarkEnsureFullSize(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(b.TempDir(), "demo.db")
		if _, err := Ensure(b.Context(), path, DefaultConfig(1), false, cheapHasher().Hash, nil); err != nil {
			b.Fatal(err)
		}
	}
}
