package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/shareddata"
)

// writeDealsForPrediction writes n deals whose chance of being won rises with amount and is higher
// through resellers; "notes" is noise and "closed_on" is a date.
func writeDealsForPrediction(t *testing.T, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("Deal,Route,Amount,Notes,Result,Opened\r\n")
	for i := range n {
		route := []string{"Reseller", "Direct"}[rng.IntN(2)]
		amount := rng.IntN(100000)
		z := -2.5 + float64(amount)/25000
		if route == "Reseller" {
			z += 1.5
		}
		amountText := strconv.Itoa(amount)
		if i%13 == 0 {
			amountText = ""
		}
		result := "Loss"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			result = "Won"
		}
		fmt.Fprintf(&b, "D-%d,%s,%s,n%d,%s,2025-%02d-%02d\r\n", i, route, amountText, rng.IntN(3), result, 1+i*12/n, 1+i%28)
	}
	return writeTemp(t, "deals.csv", b.String())
}

func TestPredictTrainAndScore(t *testing.T) {
	t.Parallel()
	data := writeDealsForPrediction(t, 3000)
	model := filepath.Join(t.TempDir(), "model.json")
	code, out, errOut := runTandem(t, "", "predict", "train", "--data", data, "--target", "Result", "--positive", "Won",
		"--id", "Deal", "--model", model, "--drop", "Opened", "--seed", "7")
	if code != 0 {
		t.Fatalf("train exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`held-out AUC (\d\.\d+)  Brier (\d\.\d+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "baseline (naive Bayes) AUC") || !strings.Contains(out, "reliability (held-out)") {
		t.Fatalf("train output lacks the metrics:\n%s", out)
	}
	if auc, _ := strconv.ParseFloat(m[1], 64); auc < 0.75 {
		t.Errorf("held-out AUC %v on a learnable signal", auc)
	}
	f, err := os.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := predict.Decode(model, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if saved.IDColumn != "Deal" || saved.Target != "Result" || saved.Seed != 7 || len(saved.Dropped) != 1 {
		t.Errorf("model provenance: id %q target %q seed %d dropped %v", saved.IDColumn, saved.Target, saved.Seed, saved.Dropped)
	}

	score := writeTemp(t, "open.csv", "deal,ROUTE,Amount,Extra,Notes\nO-1,Reseller,95000,x,n1\nO-2,Direct,1000,y,\nO-3,Direct,,z,n2\n")
	code, out, errOut = runTandem(t, "", "predict", "score", "--model", model, "--data", score)
	if code != 0 {
		t.Fatalf("score exit %d: %s", code, errOut)
	}
	rows := decodeLines(t, out)
	if len(rows) != 3 {
		t.Fatalf("%d rows scored, want 3:\n%s", len(rows), out)
	}
	for i, want := range []string{"O-1", "O-2", "O-3"} {
		r := rows[i]
		if len(r) != 3 || r["id"] != want {
			t.Errorf("row %d = %v, want exactly id, probability, reasons with id %s", i, r, want)
		}
		p, ok := r["probability"].(float64)
		if !ok || p <= 0 || p >= 1 {
			t.Errorf("row %d probability %v", i, r["probability"])
		}
		if _, ok := r["reasons"].([]any); !ok {
			t.Errorf("row %d reasons %v is not an array", i, r["reasons"])
		}
	}
	if rows[0]["probability"].(float64) <= rows[1]["probability"].(float64) {
		t.Errorf("a large reseller deal (%v) is not above a small direct one (%v)", rows[0]["probability"], rows[1]["probability"])
	}
	reasons := fmt.Sprint(rows[0]["reasons"], rows[1]["reasons"])
	for _, want := range []string{"Route = Reseller raises the odds", "Route = Direct lowers the odds", "Amount 95000 raises the odds"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons %s lack %q", reasons, want)
		}
	}

	// Scoring the same file twice gives the same bytes.
	_, again, _ := runTandem(t, "", "predict", "score", "--model", model, "--data", score)
	if again != out {
		t.Error("scoring is not deterministic")
	}
}

func TestPredictTimeSplitAndLeakGuard(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,won,amount,outcome_note,at,note_known\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 600 {
		won := rng.IntN(100) < 20+i%50
		note := map[bool]string{true: "signed", false: "lost"}[won]
		fmt.Fprintf(&b, "R%d,%v,%d,%s,2025-01-%02d,2025-02-%02d\n", i, won, i%50, note, 1+i*28/600, 1+i*28/600)
	}
	data := writeTemp(t, "timed.csv", b.String())
	model := filepath.Join(t.TempDir(), "m.json")
	code, _, errOut := runTandem(t, "", "predict", "train", "--data", data, "--target", "won", "--positive", "true", "--id", "id",
		"--model", model, "--time", "at", "--as-of", "outcome_note=note_known")
	if code != 1 || !strings.Contains(errOut, `feature "outcome_note" is known only after the prediction on 600 row(s)`) {
		t.Errorf("exit %d, stderr %q: want the leaking feature refused", code, errOut)
	}
	if _, err := os.Stat(model); !os.IsNotExist(err) {
		t.Errorf("a refused training left a model file: %v", err)
	}
	// Dropping the leaking column lifts the refusal; its as-of column is not a feature either.
	code, out, errOut := runTandem(t, "", "predict", "train", "--data", data, "--target", "won", "--positive", "true", "--id", "id",
		"--model", model, "--time", "at", "--drop", "outcome_note", "--as-of", "outcome_note=note_known")
	if code != 0 || !strings.Contains(out, "time split") || !strings.Contains(out, "windows: train 2025-01-01 to ") || !strings.Contains(out, "features: amount (numeric)\n") {
		t.Errorf("exit %d, stdout %q, stderr %q: want a time split", code, out, errOut)
	}
}

func TestPredictErrors(t *testing.T) {
	t.Parallel()
	data := writeDealsForPrediction(t, 400)
	model := filepath.Join(t.TempDir(), "model.json")
	if code, _, errOut := runTandem(t, "", "predict", "train", "--data", data, "--target", "Result", "--positive", "Won", "--id", "Deal", "--model", model); code != 0 {
		t.Fatalf("train: %s", errOut)
	}
	badCSV := writeTemp(t, "bad.csv", "Deal,Route,Amount,Notes\nO-1,Direct,100,\nO-2,Direct,lots,\n")
	noNotes := writeTemp(t, "nonotes.csv", "Deal,Route,Amount\nO-1,Direct,100\n")
	noID := writeTemp(t, "noid.csv", "Route,Amount\nDirect,100\n")
	badTarget := writeTemp(t, "badtarget.csv", "Deal,Route,Result\nD-1,Direct,Won\nD-2,Direct,\n")
	notModel := writeTemp(t, "notmodel.json", "{}")
	runFailureCases(t, []commandRun{
		{"no subcommand", []string{"predict"}, 2, "say train or score"},
		{"unknown subcommand", []string{"predict", "fit"}, 2, `unknown predict command "fit"`},
		{"train without target", []string{"predict", "train", "--data", data, "--positive", "Won", "--id", "Deal", "--model", model}, 2, "--target is required"},
		{"as-of without time", []string{"predict", "train", "--data", data, "--target", "Result", "--positive", "Won", "--id", "Deal", "--model", model, "--as-of", "Amount=Opened"}, 2, "--as-of needs --time"},
		{"unknown target column", []string{"predict", "train", "--data", data, "--target", "Outcome", "--positive", "Won", "--id", "Deal", "--model", model}, 1, data + `: line 1: no target column "Outcome"`},
		{"empty outcome", []string{"predict", "train", "--data", badTarget, "--target", "Result", "--positive", "Won", "--id", "Deal", "--model", model}, 1, badTarget + `: line 3: column "Result": the outcome is empty`},
		{"missing data file", []string{"predict", "score", "--model", model, "--data", "/nonexistent.csv"}, 1, "/nonexistent.csv"},
		{"non-number in a numeric column", []string{"predict", "score", "--model", model, "--data", badCSV}, 1, badCSV + `: line 3: column "Amount": "lots" is not a number`},
		{"no id column", []string{"predict", "score", "--model", model, "--data", noID}, 1, noID + `: line 1: no id column "Deal"`},
		{"a feature column absent", []string{"predict", "score", "--model", model, "--data", noNotes}, 1, noNotes + `: line 1: no feature column "Notes"`},
		{"not a model", []string{"predict", "score", "--model", notModel, "--data", badCSV}, 1, notModel + ": model format 0"},
	})
}

// TestPredictIBM runs the offline contract on IBM's sales win/loss sample with the columns known
// before the outcome, and checks the target: held-out AUC 0.80, above the naive Bayes baseline.
func TestPredictIBM(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 78,025 rows")
	}
	data := filepath.Join(shareddata.Path(t, "ibm-sales-win-loss"), "WA_Fn-UseC_-Sales-Win-Loss.csv")
	model := filepath.Join(t.TempDir(), "ibm.json")
	drop := "Elapsed Days In Sales Stage,Sales Stage Change Count,Total Days Identified Through Closing," +
		"Total Days Identified Through Qualified,Ratio Days Identified To Total Days," +
		"Ratio Days Validated To Total Days,Ratio Days Qualified To Total Days"
	code, out, errOut := runTandem(t, "", "predict", "train", "--data", data, "--target", "Opportunity Result",
		"--positive", "Won", "--id", "Opportunity Number", "--model", model, "--drop", drop)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Log("\n" + out)
	auc := func(label string) float64 {
		t.Helper()
		m := regexp.MustCompile(regexp.QuoteMeta(label) + ` AUC (\d\.\d+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %q AUC in:\n%s", label, out)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	model_, baseline := auc("held-out"), auc("baseline (naive Bayes)")
	if model_ < 0.80 || model_ <= baseline {
		t.Errorf("held-out AUC %.4f, baseline %.4f: want at least 0.80 and above the baseline", model_, baseline)
	}
	code, scored, errOut := runTandem(t, "", "predict", "score", "--model", model, "--data", data)
	if code != 0 {
		t.Fatalf("score exit %d: %s", code, errOut)
	}
	if n := strings.Count(scored, "\n"); n != 78025 {
		t.Errorf("%d rows scored, want 78025", n)
	}
}
