package forecasttest

import (
	"os"
	"testing"

	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/importer"
)

// ReadFile reads the deal history file at path through mapping m (nil: the canonical columns),
// failing tb on any error.
func ReadFile(tb testing.TB, path string, m *importer.Mapping) []forecast.Deal {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	deals, err := forecast.ReadHistory(f, path, m)
	if err != nil {
		tb.Fatal(err)
	}
	return deals
}
