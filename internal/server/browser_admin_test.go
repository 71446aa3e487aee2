package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestBrowserAdmin walks the issue-3 admin pages in Chromium: a partner manager finds a doubtful
// account match from the navigation badge, searches, picks the account and follows the conflict the
// decision opened; RevOps reads the approval-time report with its charts and adds a webhook, whose
// secret is shown once.
func TestBrowserAdmin(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	base := e.http.URL
	shoot := regShots(t)
	m := e.queueDoubtfulMatch(t)
	card := "#match-" + itoa(m.ID)

	do(t, ctx, "partner manager signs in", signInSteps(base, "pm@vendor.test")...)
	if got := value(t, ctx, "badge", chromedp.Text(chromedp.ID("match-review-count"))); got != "1" {
		t.Errorf("navigation badge %q, want 1", got)
	}
	do(t, ctx, "account matches",
		clickNav("nav-account-matches"),
		chromedp.WaitVisible(chromedp.CSS(card)),
	)
	if got := value(t, ctx, "typed name", chromedp.Text(chromedp.CSS(card+" .typed-name"))); got != "Direct Dynamics Europe" {
		t.Errorf("typed name %q", got)
	}
	// The search box offers other accounts through htmx.
	do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS(card+` input[name="q"]`), "bergm"),
		chromedp.WaitVisible(chromedp.CSS(card+` .search-results button.pick[data-account="`+itoa(e.ids.accountB)+`"]`)))
	shoot(ctx, "account-matches")

	do(t, ctx, "pick the candidate",
		chromedp.Click(chromedp.CSS(card+` table.candidates button.pick[data-account="`+itoa(e.ids.accountD)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(card+".decided .outcome")),
	)
	outcome := value(t, ctx, "outcome", chromedp.Text(chromedp.CSS(card+" .outcome")))
	if !strings.Contains(outcome, "matched to Direct Dynamics") || !strings.Contains(outcome, tandem.OverlapUnderReview) {
		t.Errorf("outcome %q", outcome)
	}
	shoot(ctx, "account-match-resolved")
	got, err := e.store.GetAccountMatch(context.Background(), tandem.SystemActor, m.ID)
	must(t, err)
	if got.Status != sqlstore.AccountMatchResolved || got.ResolvedAccountID != e.ids.accountD {
		t.Fatalf("stored match %+v", got)
	}
	do(t, ctx, "follow the conflict", chromedp.Click(chromedp.CSS(card+` .opened a`)), chromedp.WaitVisible(chromedp.ID("resolve-form")))
	if n := value(t, ctx, "badge gone", chromedp.Evaluate[int](`document.querySelectorAll("#match-review-count").length`)); n != 0 {
		t.Errorf("the badge still shows after the queue emptied")
	}

	// RevOps: the approval-time report of a decision, then a webhook.
	if res := e.do("partner_manager", http.MethodPost, APIPrefix+"/registrations/"+itoa(e.ids.regA)+"/approve", `{}`); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	signOut(t, ctx)
	do(t, ctx, "revops signs in", signInSteps(base, "revops@vendor.test")...)
	do(t, ctx, "report", chromedp.Navigate(base+"/approvals"), chromedp.Click(chromedp.ID("approval-report-link")),
		chromedp.WaitVisible(chromedp.CSS("#month-chart canvas")), chromedp.WaitVisible(chromedp.CSS("#manager-chart canvas")))
	var rep sqlstore.ApprovalReport
	e.do("revops", http.MethodGet, APIPrefix+"/registrations/approval-report", nil).json(t, &rep)
	if got := value(t, ctx, "decided", chromedp.Text(chromedp.ID("kpi-decided"))); got != itoa(int64(rep.Decided)) || rep.Decided == 0 {
		t.Errorf("report: %s decided, the API says %d", got, rep.Decided)
	}
	shoot(ctx, "approval-report")

	do(t, ctx, "add a webhook",
		clickNav("nav-webhooks"),
		chromedp.WaitVisible(chromedp.ID("webhook-form")),
		chromedp.SendKeys(chromedp.ID("webhook-url"), "https://hooks.example.test/tandem"),
		chromedp.SendKeys(chromedp.ID("webhook-events"), "registration.*"),
		chromedp.Click(chromedp.ID("webhook-submit")),
		chromedp.WaitVisible(chromedp.ID("webhook-secret")),
	)
	secret := value(t, ctx, "secret", chromedp.Text(chromedp.ID("webhook-secret")))
	if !secretRE.MatchString(secret) {
		t.Errorf("secret shown %q", secret)
	}
	shoot(ctx, "webhook-created")
	do(t, ctx, "reload", chromedp.Navigate(base+"/webhooks"), chromedp.WaitVisible(chromedp.ID("webhooks")))
	page := value(t, ctx, "page", chromedp.Evaluate[string](`document.body.innerText`))
	if strings.Contains(page, secret) || !strings.Contains(page, "https://hooks.example.test/tandem") {
		t.Errorf("after a reload the secret shows (%v) or the webhook is missing", strings.Contains(page, secret))
	}
	shoot(ctx, "webhooks")
}
