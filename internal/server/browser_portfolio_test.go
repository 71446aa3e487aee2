package server

import (
	"context"
	"os"
	"path/filepath"
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
	ctx := newBrowser(t)
	e := newTestEnv(t, openSQLite(t))
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
	shots := t.TempDir()
	if dir := os.Getenv("TANDEM_SHOTS_DIR"); dir != "" {
		must(t, os.MkdirAll(dir, 0o755))
		shots = dir
	}
	shot := func(name string) {
		t.Helper()
		b := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		must(t, os.WriteFile(filepath.Join(shots, name+".png"), b, 0o644))
	}
	signOut := func() {
		do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email")))
	}

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
	shot("mdf-partner")
	signOut()

	// The channel manager approves it from the queue.
	do(t, ctx, "channel manager signs in", signInSteps(base, "pm@vendor.test")...)
	do(t, ctx, "queue", clickNav("nav-mdf"), chromedp.WaitVisible(chromedp.ID("mdf-queue")))
	clicked := value(t, ctx, "approve", chromedp.Evaluate[bool](`(() => {
		const row = [...document.querySelectorAll("#mdf-queue tbody tr")].find(r => r.textContent.includes("Acme lunch"));
		if (!row) return false;
		row.querySelector("button.approve").click();
		return true; })()`))
	if !clicked {
		t.Fatal("the request is not in the queue")
	}
	do(t, ctx, "approved", chromedp.WaitVisible(chromedp.ID("mdf-done")))
	state := value(t, ctx, "state", chromedp.Evaluate[string](`[...document.querySelectorAll("#mdf-requests tbody tr")].find(r => r.textContent.includes("Acme lunch")).querySelector("td.state").textContent`))
	if strings.TrimSpace(state) != "approved" {
		t.Fatalf("state after approval %q", state)
	}
	shot("mdf-queue")
	signOut()

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
	shot("portfolio")
	do(t, ctx, "certifications", clickNav("nav-certifications"), chromedp.WaitVisible(chromedp.ID("cert-coverage")))
	if rows := value(t, ctx, "coverage rows", chromedp.Evaluate[int](`document.querySelectorAll("#cert-coverage tbody tr").length`)); rows == 0 {
		t.Fatal("no coverage rows")
	}
	shot("certifications")
}
