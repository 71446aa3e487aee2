package forecasttest

import (
	"os"

	"github.com/tandem-revops/tandem/internal/forecast"
)

// WriteFile writes deals to a new file at path in the history layout of WriteCSV, as the benchmarks
// give it to the reader and the command.
func WriteFile(path string, deals []forecast.Deal) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteCSV(f, deals); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
