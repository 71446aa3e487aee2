package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestBrowserPredictions walks the prediction pages in Chromium: RevOps sees the models page with the
// version in force and its held-out AUC, the conflict risk with reasons on a registration, sorts the
// approval queue by risk, and sees the win probability on a deal; a partner user then sees neither the
// Models link nor the risk on its own registration, and the models page is not found.
func TestBrowserPredictions(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	risk, _ := e.seedPredictions()
	_, err := e.store.SaveScores(context.Background(), []sqlstore.PredictionScore{{EntityKind: sqlstore.PredictionEntityRegistration,
		EntityID: e.ids.regB, ModelID: risk.ID, Probability: 0.9, Reasons: []string{"partner conflict rate = 0.5 raises the odds"}}})
	must(t, err)
	base := e.http.URL
	shoot := regShots(t)

	do(t, ctx, "revops signs in", signInSteps(base, "revops@vendor.test")...)
	do(t, ctx, "models page", clickNav("nav-models"), chromedp.WaitVisible(chromedp.ID("current-conflict_risk")))
	current := value(t, ctx, "current version", chromedp.Text(chromedp.CSS("#current-conflict_risk .auc")))
	if current != "0.800" {
		t.Errorf("held-out AUC of the version in force shown as %q, want 0.800", current)
	}
	train := value(t, ctx, "train buttons", chromedp.Evaluate[int](`document.querySelectorAll("button.train").length`))
	if train != 2 {
		t.Errorf("%d train buttons for RevOps, want 2", train)
	}
	shoot(ctx, "models")

	do(t, ctx, "registration", chromedp.Navigate(base+"/portal/registrations/"+itoa(e.ids.regA)), chromedp.WaitVisible(chromedp.ID("conflict-risk")))
	pct := value(t, ctx, "risk", chromedp.Text(chromedp.CSS("#conflict-risk .probability")))
	reasons := value(t, ctx, "reasons", chromedp.Text(chromedp.CSS("#conflict-risk .reasons")))
	if pct != "42 %" || !strings.Contains(reasons, "raises the odds") {
		t.Errorf("registration risk %q with reasons %q", pct, reasons)
	}
	shoot(ctx, "registration-risk")

	do(t, ctx, "queue sorted by risk", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.ID("sort-risk")),
		chromedp.Click(chromedp.ID("sort-risk")), chromedp.WaitVisible(chromedp.CSS("#approvals td.risk")))
	order := value(t, ctx, "queue order", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#approvals tbody td.risk")].map(td => td.textContent.trim())`))
	if strings.Join(order, "|") != "90 %|42 %" {
		t.Errorf("queue sorted by risk shows %v, want 90 %% then 42 %%", order)
	}
	shoot(ctx, "approvals-by-risk")

	do(t, ctx, "deal", chromedp.Navigate(base+"/opportunities/"+itoa(e.ids.oppA)), chromedp.WaitVisible(chromedp.ID("win-probability")))
	if win := value(t, ctx, "win", chromedp.Text(chromedp.CSS("#win-probability .probability"))); win != "31 %" {
		t.Errorf("win probability %q, want 31 %%", win)
	}

	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`.who button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("email")))
	do(t, ctx, "partner signs in", signInSteps(base, "user@alpha.test")...)
	links := value(t, ctx, "partner nav", chromedp.Evaluate[int](`document.querySelectorAll("#nav-models").length`))
	do(t, ctx, "partner registration", chromedp.Navigate(base+"/portal/registrations/"+itoa(e.ids.regA)), chromedp.WaitVisible(chromedp.ID("reg-facts")))
	shown := value(t, ctx, "partner risk", chromedp.Evaluate[int](`document.querySelectorAll("#conflict-risk").length`))
	do(t, ctx, "partner models", chromedp.Navigate(base+"/models"), chromedp.WaitVisible(chromedp.CSS("main")))
	body := value(t, ctx, "partner models page", chromedp.Text(chromedp.CSS("main")))
	if links != 0 || shown != 0 || strings.Contains(body, "Prediction models") || strings.Contains(body, "0.800") {
		t.Errorf("a partner user sees predictions: models link %d, risk blocks %d, models page %q", links, shown, body)
	}
}
