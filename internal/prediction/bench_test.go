package prediction

import (
	"context"
	"testing"

	"github.com/tandem-revops/tandem/internal/predict"
)

// Building the examples of a company with 20,000 registrations and as many deals (the demo company's
// size), and training and scoring on them.

func BenchmarkConflictExamples20k(b *testing.B) {
	h := synthetic(1, 20_000)
	now := epoch.AddDate(10, 0, 0)
	for b.Loop() {
		if n := len(ConflictExamples(h, now, Thresholds{})); n < 10_000 { // those since the first conflict
			b.Fatalf("%d examples", n)
		}
	}
}

func BenchmarkWinExamples20k(b *testing.B) {
	h := synthetic(1, 20_000)
	for b.Loop() {
		if n := len(WinExamples(h)); n != 20_000 {
			b.Fatalf("%d examples", n)
		}
	}
}

func BenchmarkTrainConflict20k(b *testing.B) {
	exs := ConflictExamples(synthetic(1, 20_000), epoch.AddDate(10, 0, 0), Thresholds{})
	for b.Loop() {
		if _, err := predict.Train(context.Background(), exs, predict.Config{Target: "conflict", Positive: "true", IDColumn: "id",
			TimeColumn: "at", Seed: 1, Features: ConflictFeatures, Params: predict.DefaultParams()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreRegistration is the job's cost per registration: its features from the history index
// and the model's score with reasons.
func BenchmarkScoreRegistration(b *testing.B) {
	h := synthetic(1, 20_000)
	exs := ConflictExamples(h, epoch.AddDate(10, 0, 0), Thresholds{})
	m, err := predict.Train(context.Background(), exs, predict.Config{Target: "conflict", Positive: "true", IDColumn: "id",
		TimeColumn: "at", Seed: 1, Features: ConflictFeatures, Params: predict.DefaultParams()})
	if err != nil {
		b.Fatal(err)
	}
	ix := newIndex(h)
	i := 0
	for b.Loop() {
		r := h.Registrations[i%len(h.Registrations)]
		if _, err := m.Score(ix.conflictRecord(r, r.SubmittedAt, Thresholds{})); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
