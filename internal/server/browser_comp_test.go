package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tandem-revops/tandem/internal/comp"
)

// TestBrowserComp drives the compensation pages in headless Chromium: an AE reads attainment and
// lines, sorts them and downloads the CSV; revops runs a what-if and closes a period. Screenshots go to
// a temporary directory, or to TANDEM_SHOTS_DIR when set (to look at them).
func TestBrowserComp(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	ids := compUISeed(t, e)
	base := e.http.URL
	shoot := regShots(t)

	// The AE sees the attainment bar and every line.
	do(t, ctx, "AE signs in", signInSteps(base, "ae@vendor.test")...)
	do(t, ctx, "my compensation",
		clickNav("nav-comp"),
		chromedp.WaitVisible(chromedp.ID("period")),
		chromedp.SetValue(chromedp.ID("period"), "2026-Q1"),
		chromedp.Submit(chromedp.ID("period")),
		chromedp.WaitVisible(chromedp.ID("lines")),
	)
	attainment := value(t, ctx, "attainment", chromedp.Text(chromedp.ID("attainment-pct")))
	if !strings.HasSuffix(strings.TrimSpace(attainment), "%") || strings.HasPrefix(attainment, "0.00") {
		t.Fatalf("attainment %q", attainment)
	}
	deals := value(t, ctx, "deals of the lines", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#lines tbody tr td:first-child a")].map(a => a.textContent)`))
	if !containsAll(deals, "O-A", "O-D") || containsAll(deals, "O-B") {
		t.Fatalf("the AE's lines are for deals %v", deals)
	}
	// Sort by amount: biggest first, then smallest first.
	amounts := func() []float64 {
		return value(t, ctx, "amounts", chromedp.Evaluate[[]float64](`[...document.querySelectorAll("#lines tbody tr")].map(r => Number(r.cells[5].dataset.v))`))
	}
	do(t, ctx, "sort by amount", chromedp.Click(chromedp.CSS(`#lines th:nth-child(6) button.sort`)))
	if a := amounts(); !sorted(a, true) {
		t.Fatalf("amounts after one click: %v", a)
	}
	do(t, ctx, "sort again", chromedp.Click(chromedp.CSS(`#lines th:nth-child(6) button.sort`)))
	if a := amounts(); !sorted(a, false) {
		t.Fatalf("amounts after two clicks: %v", a)
	}
	shoot(ctx, "comp-ae")

	// Download the CSV: the file holds every line and the statement's total.
	downloads := t.TempDir()
	yes := true
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &yes})
	must(t, err)
	// The download events are the browser's, not the page's: subscribe before clicking.
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	events := chromedp.BrowserEvents(lctx, browser.DownloadProgress)
	do(t, ctx, "click Download CSV", chromedp.Click(chromedp.ID("download-csv")))
	var done browser.EventDownloadProgress
	for ev, err := range events {
		must(t, err)
		if ev.State != browser.DownloadProgressStateInProgress {
			done = ev
			break
		}
	}
	stop()
	if done.State != browser.DownloadProgressStateCompleted {
		t.Fatalf("download the CSV: %q", done.State)
	}
	csv, err := os.ReadFile(filepath.Join(downloads, done.GUID))
	must(t, err)
	total := value(t, ctx, "statement total", chromedp.Evaluate[string](`document.getElementById("statement-total").dataset.v`))
	if !strings.Contains(string(csv), "O-A") || !strings.Contains(string(csv), "O-D") || !strings.Contains(string(csv), moneyPlain(t, total)) {
		t.Fatalf("the CSV lacks a deal or the total %s:\n%s", total, csv)
	}

	// The AE's navigation offers no RevOps pages.
	tabs := value(t, ctx, "AE tabs", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#comp-tabs a")].map(a => a.dataset.tab)`))
	if strings.Join(tabs, ",") != "ae" {
		t.Errorf("the AE's compensation tabs: %v", tabs)
	}

	// Revops runs a what-if of a richer plan on 2026-Q1.
	signOut(t, ctx)
	do(t, ctx, "revops signs in", signInSteps(base, "revops@vendor.test")...)
	richer := strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "10%"`, 1)
	do(t, ctx, "what-if",
		chromedp.Navigate(base+"/comp/whatif"),
		chromedp.WaitVisible(chromedp.ID("whatif-source")),
		chromedp.SetValue(chromedp.ID("whatif-from"), "2026-Q1"),
		chromedp.SetValue(chromedp.ID("whatif-to"), "2026-Q1"),
		chromedp.SetValue(chromedp.ID("whatif-source"), richer),
		chromedp.Click(chromedp.ID("whatif-run")),
		chromedp.WaitVisible(chromedp.ID("whatif-totals")),
		chromedp.WaitVisible(chromedp.CSS("#whatif-chart canvas")),
	)
	change := value(t, ctx, "commission change", chromedp.Evaluate[float64](`Number(document.querySelector('#whatif-totals tr[data-total="Commission"]').cells[3].dataset.v)`))
	if change <= 0 {
		t.Fatalf("a 10%% base rate changes commission by %v", change)
	}
	do(t, ctx, "sort people by change", chromedp.Click(chromedp.CSS(`#whatif-people th:nth-child(5) button.sort`)))
	people := value(t, ctx, "people", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#whatif-people tbody tr")].map(r => r.cells[1].textContent)`))
	if len(people) == 0 || people[0] != "Alan AE" {
		t.Errorf("biggest change first: %v", people)
	}
	shoot(ctx, "comp-whatif")

	// Revops uploads the payouts made (through htmx, which swaps the reconciliation in) and sees the
	// differences: the AE paid exactly, Zoe not at all.
	payouts := filepath.Join(t.TempDir(), "payouts.csv")
	must(t, os.WriteFile(payouts, []byte("period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,"+moneyPlain(t, total)+",BANK-1\n"), 0o644))
	do(t, ctx, "upload payouts",
		chromedp.Navigate(base+"/comp/reconciliation?period=2026-Q1"),
		chromedp.WaitVisible(chromedp.ID("payout-form")),
		chromedp.SetUploadFiles(chromedp.ID("payout-file"), []string{payouts}),
		chromedp.Click(chromedp.ID("payout-upload")),
		chromedp.WaitVisible(chromedp.ID("upload-result")),
	)
	result := value(t, ctx, "upload result", chromedp.Text(chromedp.ID("upload-result")))
	if !strings.Contains(result, "Imported 1 payout from payouts.csv") {
		t.Fatalf("upload result %q", result)
	}
	statuses := value(t, ctx, "differences", chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("#differences tbody tr")].map(r => [r.cells[1].textContent, r.dataset.status]))`))
	if statuses["Zoe Second"] != "owed_not_paid" || statuses["Alan AE"] != "" {
		t.Errorf("differences after the upload: %v", statuses)
	}
	if n := value(t, ctx, "periods pickers", chromedp.Evaluate[int](`document.querySelectorAll("#period-picker").length`)); n != 1 {
		t.Errorf("the swap left %d period pickers", n)
	}
	shoot(ctx, "comp-recon")

	// Revops closes 2026-Q1 after confirming; the period is frozen.
	do(t, ctx, "close 2026-Q1",
		chromedp.Navigate(base+"/comp/periods"),
		chromedp.WaitVisible(chromedp.ID("periods")),
		chromedp.Click(chromedp.CSS(`tr[data-period="2026-Q1"] a.close-period`)),
		chromedp.WaitVisible(chromedp.ID("confirm-close")),
	)
	shoot(ctx, "comp-close-confirm")
	do(t, ctx, "confirm",
		chromedp.Click(chromedp.ID("confirm-close")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-period="2026-Q1"][data-status="closed"]`)),
	)
	flash := value(t, ctx, "flash", chromedp.Text(chromedp.CSS(".flash")))
	if !strings.Contains(flash, "Closed 2026-Q1") {
		t.Errorf("flash after closing: %q", flash)
	}
	shoot(ctx, "comp-periods")

	// The other pages render with their charts, for the screenshots.
	do(t, ctx, "gross profit", chromedp.Navigate(base+"/comp/profit?period=2026-Q1&by=rep"), chromedp.WaitVisible(chromedp.CSS("#profit-chart canvas")))
	shoot(ctx, "comp-profit")
	do(t, ctx, "partner margins", chromedp.Navigate(base+"/comp/partner?period=2026-Q1&partner="+itoa(e.ids.partnerA)), chromedp.WaitVisible(chromedp.ID("deals")))
	shoot(ctx, "comp-partner")
	do(t, ctx, "plan", chromedp.Navigate(base+"/comp/plan"), chromedp.WaitVisible(chromedp.ID("plan-document")))
	shoot(ctx, "comp-plan")
	do(t, ctx, "Zoe's frozen statement", chromedp.Navigate(base+"/comp?period=2026-Q1&ae="+itoa(ids.zoe)), chromedp.WaitVisible(chromedp.ID("period-frozen")))
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}

func sorted(a []float64, desc bool) bool {
	for i := 1; i < len(a); i++ {
		if (desc && a[i] > a[i-1]) || (!desc && a[i] < a[i-1]) {
			return false
		}
	}
	return len(a) > 1
}

// moneyPlain writes minor units ("11570000") the way the CSV does ("115700.00").
func moneyPlain(t *testing.T, minor string) string {
	t.Helper()
	if len(minor) < 3 {
		t.Fatalf("amount %q", minor)
	}
	return minor[:len(minor)-2] + "." + minor[len(minor)-2:]
}
