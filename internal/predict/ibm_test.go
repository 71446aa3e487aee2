package predict

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandem-revops/tandem/internal/shareddata"
)

// ibmAfterTheFact are the IBM columns that are not known while the opportunity is open. The issue names
// the first two. "Total Days Identified Through Closing" and the three ratios are computed over the
// deal's whole life (their denominator is the total days to closing), so they too exist only once it
// has closed. "Total Days Identified Through Qualified" is known once a deal has qualified, but not for
// an open deal that has not, and for a deal lost before qualifying it measures days to the loss: it is
// after-the-fact as often as not, so the headline figure leaves it out and the report gives both.
var ibmAfterTheFact = []string{
	"Elapsed Days In Sales Stage", "Sales Stage Change Count",
	"Total Days Identified Through Closing", "Ratio Days Identified To Total Days",
	"Ratio Days Validated To Total Days", "Ratio Days Qualified To Total Days",
	"Total Days Identified Through Qualified",
}

func loadIBM(t testing.TB, drop []string) []Example {
	t.Helper()
	path := filepath.Join(shareddata.Path(t, "ibm-sales-win-loss"), "WA_Fn-UseC_-Sales-Win-Loss.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table, err := ReadCSV(path, f)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := table.Examples(ExampleSpec{Target: "Opportunity Result", Positive: "Won", ID: "Opportunity Number", Drop: drop})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestIBMWinLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 78,025 rows")
	}
	cases := []struct {
		name    string
		drop    []string
		atLeast float64 // the model's held-out AUC must reach this
	}{
		{"known before the outcome", ibmAfterTheFact, 0.80},
		{"plus days identified through qualified", ibmAfterTheFact[:6], 0.80},
		{"only elapsed days and stage changes dropped", ibmAfterTheFact[:2], 0.80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := loadIBM(t, c.drop)
			m, err := Train(context.Background(), ex, Config{Params: DefaultParams(), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			tm, bm := m.Metrics.Test, m.Metrics.Baseline
			lm := m.Metrics.Logistic
			t.Logf("trees %d/%d; test rows %d; model AUC %.4f Brier %.4f logloss %.4f; naive Bayes AUC %.4f Brier %.4f; logistic AUC %.4f Brier %.4f",
				m.Training.TreesKept, m.Training.TreesTried, tm.Rows, tm.AUC, tm.Brier, tm.LogLoss, bm.AUC, bm.Brier, lm.AUC, lm.Brier)
			for _, b := range tm.Reliability {
				t.Logf("  %.1f-%.1f n=%5d predicted %.3f observed %.3f", b.From, b.To, b.Count, b.MeanPredicted, b.ObservedRate)
			}
			if tm.AUC < c.atLeast {
				t.Errorf("model AUC %.4f, want at least %.2f", tm.AUC, c.atLeast)
			}
			if tm.AUC <= bm.AUC {
				t.Errorf("model AUC %.4f is not above the naive Bayes baseline %.4f", tm.AUC, bm.AUC)
			}
		})
	}
}
