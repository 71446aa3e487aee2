package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/demo"
)

// A small demo company: retrain trains and stores a version of each kind on its history, scores its
// open records, and a second retrain on the same history is promoted in place of the first.
func TestPredictRetrainOnTheDemoCompany(t *testing.T) {
	t.Parallel()
	db := demoFile(t, demo.Config{Seed: 3, Accounts: 1500, Opportunities: 4000})
	auc := regexp.MustCompile(`(?m)^win_probability: version (\d+) .*\n  held-out AUC (\d\.\d+) \(naive Bayes \d\.\d+\)`)
	for round, wantVersion := range []string{"1", "2"} {
		code, out, errOut := runTandem(t, "", "predict", "retrain", "-db", db, "-kind", "win_probability", "-now", "2026-11-15")
		if code != 0 {
			t.Fatalf("retrain round %d: exit %d: %s", round+1, code, errOut)
		}
		m := auc.FindStringSubmatch(out)
		if m == nil || m[1] != wantVersion || !strings.Contains(out, "  promoted: ") {
			t.Fatalf("retrain round %d output:\n%s", round+1, out)
		}
		if a, _ := strconv.ParseFloat(m[2], 64); a <= 0 || a >= 1 {
			t.Fatalf("held-out AUC %v", a)
		}
		scored := regexp.MustCompile(`win_probability: scored (\d+) open opportunity records`).FindStringSubmatch(out)
		if scored == nil || (round == 0 && scored[1] == "0") {
			t.Fatalf("retrain round %d scored nothing:\n%s", round+1, out)
		}
	}
	code, out, _ := runTandem(t, "", "predict", "rescore", "-db", db, "-now", "2026-11-15")
	if code != 0 || !strings.Contains(out, "win_probability: scored 0 open opportunity records") {
		t.Fatalf("a rescore right after scoring: exit %d:\n%s", code, out)
	}
}

func TestPredictRetrainUsage(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"predict", "retrain", "-db", db, "-kind", "churn"}, 2, `-kind "churn"`},
		{[]string{"predict", "retrain", "-db", db, "-now", "15/11/2026"}, 2, "not a date"},
		{[]string{"predict", "retrain", "-db", db}, 1, "too few examples"},
		{[]string{"predict", "rescore", "-db", db, "extra"}, 2, `unexpected argument "extra"`},
	} {
		code, _, errOut := runTandem(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
