package country

import (
	"testing"

	"github.com/tandem-revops/tandem/internal/country/countrytest"
)

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"US", "US"}, {"us", "US"}, {"United States", "US"}, {" germany ", "DE"}, {"UK", "GB"}, {"United  Kingdom", "GB"},
		{"XX", ""}, {"Atlantis", ""},
	}
	for _, tt := range tests {
		got, ok := Code(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Code(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// TestTableSize keeps the spelling table from shrinking to a token list (moved from the importer).
func TestTableSize(t *testing.T) {
	t.Parallel()
	if n := len(byKey); n < 60 {
		t.Errorf("country table has %d names, want at least 60", n)
	}
}

// TestExportSpellings reads the spellings real exports use (testdata/export_spellings.txt, shared
// with the route and import tests) and checks each one's code.
func TestExportSpellings(t *testing.T) {
	t.Parallel()
	spellings := countrytest.ReadSpellingsFile(t, "testdata/export_spellings.txt")
	if len(spellings) < 40 {
		t.Fatalf("%d spellings, want at least 40", len(spellings))
	}
	for _, s := range spellings {
		if got, ok := Code(s.In); !ok || got != s.Want {
			t.Errorf("Code(%q) = %q, %v; want %q", s.In, got, ok, s.Want)
		}
	}
}
