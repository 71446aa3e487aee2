package predict

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/stat"
)

func TestAUC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		scores []float64
		pos    []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		{"one swap of four pairs", []float64{0.1, 0.6, 0.5, 0.9}, []bool{false, false, true, true}, 0.75},
		{"tie across classes counts half", []float64{0.1, 0.5, 0.5, 0.9}, []bool{false, false, true, true}, 0.875},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AUC(tc.scores, tc.pos); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
	if !math.IsNaN(AUC([]float64{0.1, 0.2}, []bool{true, true})) {
		t.Error("AUC of one class should be NaN")
	}
}

// TestAUCMatchesGonumROC checks the rank formula against the area under gonum's ROC curve.
func TestAUCMatchesGonumROC(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 20 {
		n := 50 + trial*37
		scores := make([]float64, n)
		pos := make([]bool, n)
		for i := range scores {
			pos[i] = rng.Float64() < 0.3
			scores[i] = math.Round(rng.NormFloat64()*4) / 4 // coarse, so there are ties
			if pos[i] {
				scores[i] += 0.5
			}
		}
		if !slices.Contains(pos, true) || !slices.Contains(pos, false) {
			continue
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) }) // gonum wants y ascending
		ys, cs := make([]float64, n), make([]bool, n)
		for i, j := range idx {
			ys[i], cs[i] = scores[j], pos[j]
		}
		tpr, fpr, _ := stat.ROC(nil, ys, cs, nil)
		want := integrate.Trapezoidal(fpr, tpr)
		if got := AUC(scores, pos); math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: AUC = %v, gonum ROC area = %v", trial, got, want)
		}
	}
}

func TestBrierAndReliability(t *testing.T) {
	t.Parallel()
	probs := []float64{0.05, 0.15, 0.15, 0.95, 1}
	pos := []bool{false, true, false, true, true}
	wantBrier := (0.05*0.05 + 0.85*0.85 + 0.15*0.15 + 0.05*0.05 + 0) / 5
	if got := Brier(probs, pos); math.Abs(got-wantBrier) > 1e-12 {
		t.Errorf("Brier = %v, want %v", got, wantBrier)
	}
	// ECE: |0.05-0|·1 + |0.15-0.5|·2 + |0.975-1|·2, over 5 rows.
	if got, want := Evaluate(probs, pos).CalibrationError, (0.05+0.7+0.05)/5; math.Abs(got-want) > 1e-12 {
		t.Errorf("calibration error = %v, want %v", got, want)
	}
	bins := Reliability(probs, pos, 10)
	want := []ReliabilityBin{
		{From: 0, To: 0.1, Count: 1, MeanPredicted: 0.05, ObservedRate: 0},
		{From: 0.1, To: 0.2, Count: 2, MeanPredicted: 0.15, ObservedRate: 0.5},
		{From: 0.9, To: 1, Count: 2, MeanPredicted: 0.975, ObservedRate: 1},
	}
	if len(bins) != len(want) {
		t.Fatalf("bins = %+v, want %+v", bins, want)
	}
	for i := range want {
		g, w := bins[i], want[i]
		if g.Count != w.Count || math.Abs(g.From-w.From) > 1e-12 || math.Abs(g.MeanPredicted-w.MeanPredicted) > 1e-12 || math.Abs(g.ObservedRate-w.ObservedRate) > 1e-12 {
			t.Errorf("bin %d = %+v, want %+v", i, g, w)
		}
	}
}
