package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserImportAndDeal walks issue 10 #14 and #12 in Chromium: RevOps dry-runs a Maven accounts
// export with the built-in mapping, skipping bad rows, and reads the problem by line and column on the result the
// progress poll turns into; dry-runs a Salesforce field history (issue 9); then opens a deal, is told next to the field that a dispute needs a
// reason, disputes and finds the conflict it opened on the deal's page.
func TestBrowserImportAndDeal(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	base := e.http.URL
	shoot := regShots(t)
	csv := filepath.Join(t.TempDir(), "accounts.csv")
	must(t, os.WriteFile(csv, []byte(mavenAccounts), 0o644))

	do(t, ctx, "revops signs in", signInSteps(base, "revops@vendor.test")...)
	do(t, ctx, "dry run", append(importFormSteps(base, "accounts", "map:maven-accounts", csv),
		chromedp.Click(chromedp.CSS(`input[name="skip_invalid"]`)),
		chromedp.Click(chromedp.ID("dry-run")),
		chromedp.WaitVisible(chromedp.ID("problems")),
	)...)
	if got := value(t, ctx, "created", chromedp.Text(chromedp.CSS(`#import-counts [data-count="created"]`))); got != "2" {
		t.Errorf("the dry run would create %q accounts, want 2", got)
	}
	problem := value(t, ctx, "problem", chromedp.Text(chromedp.CSS(`#problems tr[data-line="4"]`)))
	if !strings.Contains(problem, "line 4") || !strings.Contains(problem, "office_location") || !strings.Contains(problem, "Atlantis") {
		t.Errorf("problem row %q", problem)
	}
	shoot(ctx, "import-dry-run")

	// Issue 9: the same page imports a CRM's opportunity history with its built-in mapping.
	history := filepath.Join(t.TempDir(), "field-history.csv")
	must(t, os.WriteFile(history, []byte("OpportunityId,CreatedDate,Field,OldValue,NewValue\n"+
		"O-A,2026-02-02T09:00:00.000+0000,StageName,Qualification,Proposal/Price Quote\n"+
		"O-A,2026-03-02T09:00:00.000+0000,Amount,80000,95000\n"), 0o644))
	do(t, ctx, "history dry run", append(importFormSteps(base, "opportunity_history", "map:salesforce-field-history", history),
		chromedp.Click(chromedp.ID("dry-run")),
		chromedp.WaitVisible(chromedp.ID("import-counts")),
	)...)
	if got := value(t, ctx, "changes", chromedp.Text(chromedp.CSS(`#import-counts [data-count="created"]`))); got != "2" {
		t.Errorf("the history dry run would store %q changes, want 2", got)
	}
	shoot(ctx, "import-history-dry-run")

	do(t, ctx, "open the deal",
		chromedp.Navigate(base+"/opportunities/"+itoa(e.ids.oppA)),
		chromedp.WaitVisible(chromedp.ID("dispute-form")),
		chromedp.Click(chromedp.CSS(`#dispute-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dispute-form .field-error`)),
	)
	do(t, ctx, "dispute",
		chromedp.SendKeys(chromedp.ID("reason"), "the partner sourced it at the trade fair"),
		chromedp.Click(chromedp.CSS(`#dispute-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dispute p.ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#conflicts a[href^="/conflicts/"]`)),
	)
	shoot(ctx, "opportunity-disputed")
}

// importFormSteps open the import page and fill in its form: the kind of records, the mapping and the
// file at path.
func importFormSteps(base, kind, mapping, path string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/import"),
		chromedp.WaitVisible(chromedp.ID("import-form")),
		chromedp.SetValue(chromedp.ID("kind"), kind),
		chromedp.SetValue(chromedp.ID("mapping"), mapping),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
	}
}
