package portfolio

import (
	"math/rand/v2"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// benchmarkRecommend times the whole offline recommendation: reading the CSV, fitting every motion with
// the default 200 bootstrap replicates, and optimising the split.
func benchmarkRecommend(b *testing.B, motions int) {
	rng := rand.New(rand.NewPCG(uint64(motions), 1))
	csv := historyCSV(synthCase(rng, randomMotions(rng, motions, "mixed"), 36, 0.05))
	h, err := ReadHistory("bench.csv", strings.NewReader(csv))
	if err != nil {
		b.Fatal(err)
	}
	var budget tandem.Money
	for _, o := range h.obs {
		if o.Month == h.LastMonth() {
			budget += o.Spend
		}
	}
	b.ResetTimer()
	for b.Loop() {
		h, err := ReadHistory("bench.csv", strings.NewReader(csv))
		if err != nil {
			b.Fatal(err)
		}
		models, err := Fit(h, FitOptions{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Recommend(models, Limits{Budget: budget}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecommend5Motions36Months(b *testing.B)   { benchmarkRecommend(b, 5) }
func BenchmarkRecommend50Segments36Months(b *testing.B) { benchmarkRecommend(b, 50) }

// BenchmarkOptimise50 times the split alone for 50 fitted segments.
func BenchmarkOptimise50(b *testing.B) {
	rng := rand.New(rand.NewPCG(50, 1))
	h, _ := NewHistory("bench", synthCase(rng, randomMotions(rng, 50, "mixed"), 36, 0.05))
	models, _ := Fit(h, FitOptions{Seed: 1})
	budget := currentBudget(models)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Recommend(models, Limits{Budget: budget}); err != nil {
			b.Fatal(err)
		}
	}
}
