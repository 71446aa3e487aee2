// Package countrytest reads the shared list of country spellings real exports use, for the tests of
// every path that reads countries (route, import, the country table itself).
package countrytest

import (
	"os"
	"strings"
	"testing"
)

// Spelling is one line of a spellings file: a country as an export writes it and its ISO code.
type Spelling struct{ In, Want string }

// ReadSpellingsFile reads a tab-separated spellings file (lines starting with # are comments) for the
// tests of every path that reads countries, so they all check the same list.
func ReadSpellingsFile(t testing.TB, path string) []Spelling {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("spellings: %v", err)
	}
	var out []Spelling
	for i, line := range strings.Split(string(src), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: want spelling<TAB>code", path, i+1)
		}
		out = append(out, Spelling{In: in, Want: want})
	}
	return out
}
