package predict

import (
	"math"
	"testing"
)

func TestPromote(t *testing.T) {
	t.Parallel()
	withAUC := func(auc float64) *Model {
		return &Model{Metrics: Metrics{Test: Evaluation{AUC: auc}}}
	}
	tests := []struct {
		name               string
		current, candidate *Model
		want               bool
	}{
		{"first version", nil, withAUC(0.61), true},
		{"better", withAUC(0.80), withAUC(0.82), true},
		{"equal", withAUC(0.80), withAUC(0.80), true},
		{"worse within tolerance", withAUC(0.80), withAUC(0.80 - PromotionTolerance + 1e-9), true},
		{"worse beyond tolerance", withAUC(0.80), withAUC(0.80 - PromotionTolerance - 1e-6), false},
		{"much worse", withAUC(0.80), withAUC(0.55), false},
		{"candidate unmeasured", withAUC(0.80), withAUC(math.NaN()), false},
		{"current unmeasured", withAUC(math.NaN()), withAUC(0.70), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Promote(tc.current, tc.candidate)
			if got.Promote != tc.want {
				t.Errorf("Promote = %v (%s), want %v", got.Promote, got.Reason, tc.want)
			}
			if got.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}
