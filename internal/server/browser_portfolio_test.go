package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestBrowserPortfolio walks the enablement pages in headless Chromium: a partner requests MDF in the
// portal, a channel manager approves it from the queue, an executive reads the portfolio (chart drawn,
// returns by motion, the recommendation) and the certifications page.
func TestBrowserPortfolio(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	compUISeed(t, e)
	seedPortfolio(t, e)
	// A year of monthly spend so the portfolio has a history.
	var lines []sqlstore.SpendLine
	for i, m := range []string{"2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"} {
		for j, motion := range []string{"co_sell", "direct", "resell"} {
			lines = append(lines, sqlstore.SpendLine{Month: m, Motion: motion, Segment: "enterprise", Kind: "content",
				Amount: tandem.Major(int64(1000 * (1 + (i+j)%4))), Currency: "USD", Source: "test"})
		}
	}
	_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, lines)
	must(t, err)
	base := e.http.URL
	shoot := regShots(t)

	// The partner requests funds from its own fund and sees only its own.
	do(t, ctx, "partner signs in", signInSteps(base, "user@alpha.test")...)
	do(t, ctx, "partner opens MDF", clickNav("nav-mdf"), chromedp.WaitVisible(chromedp.ID("mdf-funds")))
	partners := value(t, ctx, "fund partners", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#mdf-funds tbody tr td:first-child")].map(td => td.textContent)`))
	if len(partners) != 1 || partners[0] != "Alpha Partners" {
		t.Fatalf("the partner sees funds of %v", partners)
	}
	do(t, ctx, "request funds",
		chromedp.SendKeys(chromedp.CSS(`form[id^="mdf-request-"] input[name="activity"]`), "Acme lunch and learn"),
		chromedp.SendKeys(chromedp.CSS(`form[id^="mdf-request-"] input[name="amount"]`), "2,500.00"),
		chromedp.SendKeys(chromedp.CSS(`form[id^="mdf-request-"] input[name="expected_pipeline"]`), "50000"),
		chromedp.Submit(chromedp.CSS(`form[id^="mdf-request-"] input[name="activity"]`)),
		chromedp.WaitVisible(chromedp.ID("mdf-done")),
	)
	if body := value(t, ctx, "requests", chromedp.Text(chromedp.ID("mdf-requests"))); !strings.Contains(body, "Acme lunch and learn") || strings.Contains(body, "Bergmann") {
		t.Fatalf("the partner's requests: %s", body)
	}
	shoot(ctx, "mdf-partner")
	signOut(t, ctx)

	// The channel manager approves it from the queue.
	do(t, ctx, "channel manager signs in", signInSteps(base, "pm@vendor.test")...)
	do(t, ctx, "queue", clickNav("nav-mdf"), chromedp.WaitVisible(chromedp.ID("mdf-queue")))
	if !clickInRow(t, ctx, "approve", "#mdf-queue tbody tr", "button.approve", "Acme lunch") {
		t.Fatal("the request is not in the queue")
	}
	do(t, ctx, "approved", chromedp.WaitVisible(chromedp.ID("mdf-done")))
	state := value(t, ctx, "state", chromedp.Evaluate[string](`[...document.querySelectorAll("#mdf-requests tbody tr")].find(r => r.textContent.includes("Acme lunch")).querySelector("td.state").textContent`))
	if strings.TrimSpace(state) != "approved" {
		t.Fatalf("state after approval %q", state)
	}
	shoot(ctx, "mdf-queue")
	signOut(t, ctx)

	// The CRO reads the portfolio and the certifications.
	do(t, ctx, "CRO signs in", signInSteps(base, "cro@vendor.test")...)
	do(t, ctx, "portfolio", chromedp.Navigate(base+"/portfolio?from=2025-07&to=2026-03"), chromedp.WaitVisible(chromedp.ID("portfolio-totals")),
		chromedp.WaitVisible(chromedp.CSS(`#spend-chart canvas`)))
	motions := value(t, ctx, "motions", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#portfolio-totals tbody tr")].map(r => r.dataset.motion)`))
	if !containsAll(motions, "co_sell", "direct", "resell") {
		t.Fatalf("portfolio motions %v", motions)
	}
	rec := value(t, ctx, "recommendation", chromedp.Evaluate[string](`(document.getElementById("rec-explanation") || document.getElementById("rec-none")).textContent`))
	if strings.TrimSpace(rec) == "" {
		t.Fatal("the recommendation says nothing")
	}
	shoot(ctx, "portfolio")
	do(t, ctx, "certifications", clickNav("nav-certifications"), chromedp.WaitVisible(chromedp.ID("cert-coverage")))
	if rows := value(t, ctx, "coverage rows", chromedp.Evaluate[int](`document.querySelectorAll("#cert-coverage tbody tr").length`)); rows == 0 {
		t.Fatal("no coverage rows")
	}
	shoot(ctx, "certifications")
}

// TestBrowserSpendAndCurricula walks the new enablement pages in headless Chromium: the CRO drills from
// a returns row to its spend lines, filters by kind and sorts by amount; a channel manager adds a
// curriculum; a partner user sees only its own spend lines.
func TestBrowserSpendAndCurricula(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	compUISeed(t, e)
	seedPortfolio(t, e)
	_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, []sqlstore.SpendLine{
		{Month: "2026-02", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(7000), Currency: "USD", Source: "test"},
		{Month: "2026-02", Motion: "co_sell", Segment: "enterprise", Kind: "event", Amount: tandem.Major(900), Currency: "USD", Source: "test"},
		{Month: "2026-03", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(3000), Currency: "USD", Source: "test", PartnerID: e.ids.partnerA, Note: "Alpha kit"},
	})
	must(t, err)
	base := e.http.URL
	amounts := func() []string {
		return value(t, ctx, "amounts", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#spend-lines tbody tr td:nth-child(7)")].map(td => td.textContent)`))
	}

	do(t, ctx, "CRO signs in", signInSteps(base, "cro@vendor.test")...)
	do(t, ctx, "portfolio by quarter", chromedp.Navigate(base+"/portfolio?from=2026-01&to=2026-03"), chromedp.WaitVisible(chromedp.ID("portfolio-rows")))
	if !clickInRow(t, ctx, "drill down", "#portfolio-rows tbody tr", "a.spend-drill", "co sell", "enterprise") {
		t.Fatal("no co-sell enterprise row to drill into")
	}
	do(t, ctx, "spend lines", chromedp.WaitVisible(chromedp.ID("spend-lines")))
	if got := amounts(); len(got) != 3 {
		t.Fatalf("the drill-down shows %v, want the quarter's 3 co-sell enterprise lines", got)
	}
	do(t, ctx, "filter by kind", chromedp.SetValue(chromedp.CSS(`#spend-filter select[name="kind"]`), "content"),
		chromedp.Submit(chromedp.CSS(`#spend-filter select[name="kind"]`)), chromedp.WaitVisible(chromedp.ID("spend-lines")))
	if got := amounts(); len(got) != 2 {
		t.Fatalf("kind content: %v", got)
	}
	do(t, ctx, "sort by amount", chromedp.Click(chromedp.CSS(`#spend-lines thead th:nth-child(7) button.sort`)))
	sorted := amounts()
	do(t, ctx, "sort by amount again", chromedp.Click(chromedp.CSS(`#spend-lines thead th:nth-child(7) button.sort`)))
	if again := amounts(); len(sorted) != 2 || sorted[0] != "$7,000.00" || again[0] != "$3,000.00" {
		t.Fatalf("sorting by amount: %v then %v", sorted, again)
	}
	signOut(t, ctx)

	do(t, ctx, "channel manager signs in", signInSteps(base, "pm@vendor.test")...)
	do(t, ctx, "curricula", chromedp.Navigate(base+"/certifications"), chromedp.Click(chromedp.ID("curricula-link")), chromedp.WaitVisible(chromedp.ID("curriculum-add")))
	do(t, ctx, "add a curriculum",
		chromedp.SendKeys(chromedp.CSS(`#curriculum-add input[name="id"]`), "se-core"),
		chromedp.SendKeys(chromedp.CSS(`#curriculum-add input[name="name"]`), "SE core"),
		chromedp.SetValue(chromedp.CSS(`#curriculum-add select[name="role"]`), "se"),
		chromedp.SendKeys(chromedp.CSS(`#curriculum-add input[name="products"]`), "core"),
		chromedp.Submit(chromedp.CSS(`#curriculum-add input[name="id"]`)),
		chromedp.WaitVisible(chromedp.ID("curriculum-done")))
	if ids := value(t, ctx, "se curricula", chromedp.Evaluate[[]string](`[...document.querySelectorAll('table[data-role="se"] tbody tr[data-id]')].map(r => r.dataset.id)`)); len(ids) != 1 || ids[0] != "se-core" {
		t.Fatalf("SE curricula after adding: %v", ids)
	}
	signOut(t, ctx)

	do(t, ctx, "partner signs in", signInSteps(base, "user@alpha.test")...)
	do(t, ctx, "partner's spend", chromedp.Navigate(base+"/portfolio/spend"), chromedp.WaitVisible(chromedp.ID("spend-lines")))
	if body := value(t, ctx, "partner lines", chromedp.Text(chromedp.ID("spend-lines"))); !strings.Contains(body, "Alpha kit") || strings.Contains(body, "Bergmann") || strings.Contains(body, "7,000") {
		t.Fatalf("the partner's spend lines: %s", body)
	}
}

// clickInRow clicks the element sel in the first of the rows (a selector) whose text holds every one of
// texts, and reports whether there was such a row.
func clickInRow(t *testing.T, ctx context.Context, what, rows, sel string, texts ...string) bool {
	t.Helper()
	args, err := json.Marshal([]any{rows, sel, texts})
	must(t, err)
	return value(t, ctx, what, chromedp.Evaluate[bool](`(([rows, sel, texts]) => {
		const row = [...document.querySelectorAll(rows)].find(r => texts.every(s => r.textContent.includes(s)));
		if (!row) return false;
		row.querySelector(sel).click();
		return true; })(`+string(args)+`)`))
}
