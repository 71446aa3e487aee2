package forecast_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecast/forecasttest"
)

// benchHistory writes the 1.2M-deal benchmark history to a temporary CSV file.
func benchHistory(b *testing.B) (string, forecasttest.Spec) {
	b.Helper()
	spec := forecasttest.BenchmarkSpec()
	path := filepath.Join(b.TempDir(), "history.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := forecasttest.WriteCSV(f, forecasttest.Generate(spec)); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, spec
}

// BenchmarkForecastEngine is the engine alone: index the deals, fit four categories, simulate.
func BenchmarkForecastEngine(b *testing.B) {
	path, spec := benchHistory(b)
	deals := forecasttest.ReadFile(b, path, nil)
	open := 0
	for _, d := range deals {
		if d.Outcome == forecast.Open {
			open++
		}
	}
	b.ReportMetric(float64(len(deals)), "deals")
	b.ReportMetric(float64(open), "open")
	b.ResetTimer()
	for b.Loop() {
		h, err := forecast.NewHistory(deals)
		if err != nil {
			b.Fatal(err)
		}
		h.Forecast(forecast.QuarterOf(spec.Export()), spec.Export(), forecast.Options{})
	}
}

// BenchmarkReadHistory is reading and validating the CSV through the import machinery.
func BenchmarkReadHistory(b *testing.B) {
	path, _ := benchHistory(b)
	b.ResetTimer()
	for b.Loop() {
		forecasttest.ReadFile(b, path, nil)
	}
}

// BenchmarkFloor only reads the CSV and sums the amounts by category: the floor the target is set
// against.
func BenchmarkFloor(b *testing.B) {
	path, _ := benchHistory(b)
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rd, err := csvio.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		sums := map[string]tandem.Money{}
		for {
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			m, _, _ := tandem.ParseMoney(rec.Fields[5])
			sums[rec.Fields[1]] += m
		}
		f.Close()
		if len(sums) != 4 {
			b.Fatalf("%d categories", len(sums))
		}
	}
}
