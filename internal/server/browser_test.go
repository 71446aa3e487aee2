package server

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

const chromiumPath = "/usr/bin/chromium"

// shotsDir is where the browser test leaves screenshots for people to look at.
const shotsDir = "/tmp/tandem-shots"

// newBrowser starts headless Chromium, or skips the test when it is not installed (CI sets
// TANDEM_REQUIRE_BROWSER=1 to make that a failure). The returned context limits every later step to
// two minutes in all.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("TANDEM_REQUIRE_BROWSER") != "" {
			t.Fatalf("TANDEM_REQUIRE_BROWSER is set but %s is missing: apt-get install chromium", chromiumPath)
		}
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first run starts the browser for the life of ctx; a timeout on it would stop the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return tctx
}

// newBrowserEnv starts headless Chromium (newBrowser) and a server on a fresh seeded SQLite store:
// the set-up every walk-through in the browser shares.
func newBrowserEnv(t *testing.T) (context.Context, *testEnv) {
	t.Helper()
	ctx := newBrowser(t)
	return ctx, newTestEnv(t, openSQLite(t))
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// upload sets the file of the input with id. The browser may renumber the page's nodes between the
// lookup and the upload while a navigation settles ("Could not find node with given id"); the input
// is then looked up again, once.
func upload(t *testing.T, ctx context.Context, id, path string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID(id), []string{path}))
	if err != nil && strings.Contains(err.Error(), "Could not find node") {
		err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID(id)), chromedp.SetUploadFiles(chromedp.ID(id), []string{path}))
	}
	if err != nil {
		t.Fatalf("upload %s to #%s: %v", path, id, err)
	}
}

func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func signInSteps(base, email string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/signin"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("motion-table")),
	}
}

// signOut signs the browser out with the header's button and waits for the sign-in form.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email")))
}

// signedInBrowser starts headless Chromium (newBrowser) signed in to the server at base as email.
func signedInBrowser(t *testing.T, base, email string) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	do(t, ctx, "sign in as "+email, signInSteps(base, email)...)
	return ctx
}

func TestBrowser(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	e.seedMany(40)
	base := e.http.URL
	must(t, os.MkdirAll(shotsDir, 0o755))

	// Sign in through the form and see the dashboard chart drawn.
	do(t, ctx, "sign in", signInSteps(base, "revops@vendor.test")...)
	do(t, ctx, "dashboard chart", chromedp.WaitVisible(chromedp.CSS("#motion-chart canvas")))
	checkDashboardTotals(t, ctx, 43)
	shot := value(t, ctx, "screenshot dashboard", chromedp.FullScreenshot(100))
	must(t, os.WriteFile(shotsDir+"/dashboard.png", shot, 0o644))

	// Clicking the co-sell bar lists the co-sell deals, as many as the dashboard counts.
	coSell := value(t, ctx, "co-sell total", chromedp.Text(chromedp.CSS(`#motion-table td[data-motion-total="co_sell"] .n`)))
	xy := value(t, ctx, "co-sell bar", chromedp.Evaluate[[]float64](`(() => {
		const el = document.getElementById("motion-chart"), chart = echarts.getInstanceByDom(el);
		const spec = JSON.parse(el.dataset.chart), i = spec.labels.indexOf("co sell");
		const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(i); // the deals bar
		const r = el.getBoundingClientRect();
		return [r.left + bar.x + bar.width / 2, r.top + bar.y + bar.height / 2];
	})()`))
	do(t, ctx, "click the co-sell bar", chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.ID("opportunities")))
	checkFilteredList(t, ctx, "co_sell", "", coSell)

	// So does clicking a count in the motion × stage table: the list is filtered by motion and stage.
	do(t, ctx, "back to the dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("motion-table")))
	cell := `#motion-table tbody tr[data-motion="direct"] td[data-stage] a:not(.zero)`
	stage := value(t, ctx, "a direct stage", chromedp.Evaluate[string](`document.querySelector('`+cell+`').closest("td").dataset.stage`))
	n := value(t, ctx, "its count", chromedp.Text(chromedp.CSS(cell+" .n")))
	do(t, ctx, "click the count", chromedp.Click(chromedp.CSS(cell)), chromedp.WaitVisible(chromedp.ID("opportunities")))
	checkFilteredList(t, ctx, "direct", stage, n)

	// Sort the opportunities by ACV by clicking its header.
	do(t, ctx, "sort by ACV",
		chromedp.Navigate(base+"/opportunities"),
		chromedp.WaitVisible(chromedp.ID("opportunities")),
		chromedp.Click(chromedp.CSS(`th a[data-sort="acv"]`)),
		chromedp.WaitVisible(chromedp.CSS(`th a.sorted[data-sort="acv"]`)),
	)
	acvs := value(t, ctx, "read ACVs", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#opportunities td.acv")].map(td => td.textContent)`))
	if len(acvs) < 10 {
		t.Fatalf("the sorted table shows %d rows", len(acvs))
	}
	for i := 1; i < len(acvs); i++ {
		if parseShownMoney(t, acvs[i]) > parseShownMoney(t, acvs[i-1]) {
			t.Fatalf("after clicking ACV the rows are not biggest first: %s before %s", acvs[i-1], acvs[i])
		}
	}
	shot = value(t, ctx, "screenshot opportunities", chromedp.FullScreenshot(100))
	must(t, os.WriteFile(shotsDir+"/opportunities.png", shot, 0o644))

	// Open the biggest deal and read why it was routed the way it was.
	do(t, ctx, "open an opportunity",
		chromedp.Click(chromedp.CSS(`#opportunities tbody tr:first-child td:first-child a`)),
		chromedp.WaitVisible(chromedp.ID("explanation")),
	)
	explanation := value(t, ctx, "explanation", chromedp.Text(chromedp.ID("explanation")))
	version := value(t, ctx, "policy version", chromedp.Text(chromedp.CSS("#routing dd:nth-of-type(3)")))
	if strings.TrimSpace(explanation) == "" || strings.TrimSpace(version) == "" {
		t.Fatalf("opportunity page: explanation %q, policy version %q", explanation, version)
	}

	// Simulate a draft policy on the stored deals.
	do(t, ctx, "simulate a draft",
		chromedp.Navigate(base+"/policy"),
		chromedp.WaitVisible(chromedp.ID("draft-source")),
		chromedp.SetValue(chromedp.ID("draft-source"), strictDraft(t)),
		chromedp.Click(chromedp.ID("simulate")),
		chromedp.WaitVisible(chromedp.ID("simulation-summary")),
	)
	summary := value(t, ctx, "simulation summary", chromedp.Text(chromedp.ID("simulation-summary")))
	if !regexp.MustCompile(`^\d+ of \d+ open deals change motion$`).MatchString(strings.TrimSpace(summary)) || strings.HasPrefix(summary, "0 ") {
		t.Fatalf("simulation summary %q, want some of the stored open deals to change", summary)
	}
	if n := value(t, ctx, "changed rows", chromedp.Evaluate[int](`document.querySelectorAll("#changes tbody tr").length`)); n == 0 {
		t.Fatal("the simulation lists no changed deals")
	}
	shot = value(t, ctx, "screenshot policy", chromedp.FullScreenshot(100))
	must(t, os.WriteFile(shotsDir+"/policy.png", shot, 0o644))

	// A partner user, in a tab of its own (its own cookies would be shared: sign out first), sees only
	// its partner's deals.
	signOut(t, ctx)
	do(t, ctx, "partner signs in", signInSteps(base, "user@alpha.test")...)
	do(t, ctx, "partner deals", chromedp.Navigate(base+"/opportunities"), chromedp.WaitVisible(chromedp.ID("opportunities")))
	rows := value(t, ctx, "partner rows", chromedp.Text(chromedp.CSS("#opportunities tbody")))
	nav := value(t, ctx, "partner nav", chromedp.Evaluate[[]string](`[...document.querySelectorAll("header nav a")].map(a => a.textContent)`))
	if !strings.Contains(rows, "Acme expansion") || strings.Contains(rows, "Bergmann") || strings.Contains(rows, "Filler") {
		t.Fatalf("partner A's deal list shows:\n%s", rows)
	}
	if links := strings.Join(nav, " "); strings.Contains(links, "Audit") || strings.Contains(links, "Policy") {
		t.Errorf("partner navigation offers vendor pages: %v", nav)
	}
}

// checkDashboardTotals reads the dashboard's motion × stage table and open-pipeline table and checks
// that the totals row and column are filled and add up to deals deals.
func checkDashboardTotals(t *testing.T, ctx context.Context, deals int) {
	t.Helper()
	sums := value(t, ctx, "dashboard totals", chromedp.Evaluate[map[string]int](`(() => {
		const n = el => el ? parseInt(el.textContent.replace(/,/g, ""), 10) : NaN;
		const sum = sel => [...document.querySelectorAll(sel)].reduce((a, el) => a + n(el), 0);
		return {
			grand: n(document.querySelector("#grand-total .n")),
			stageTotals: sum("#stage-totals td[data-stage] .n"),
			stageTotalCells: document.querySelectorAll("#stage-totals td[data-stage] .n").length,
			motionTotals: sum("#motion-table tbody td.total .n"),
			cells: sum("#motion-table tbody td[data-stage] .n"),
			openGrand: n(document.querySelector("#open-total .n")),
			openCells: sum("#open-table tbody td:not(.total) .n"),
			openMotionTotals: sum("#open-table tbody td.total .n"),
			acvs: document.querySelectorAll("#stage-totals .acv").length,
		};
	})()`))
	want := map[string]int{"grand": deals, "stageTotals": deals, "stageTotalCells": len(tandem.Stages), "motionTotals": deals,
		"cells": deals, "openGrand": sums["openCells"], "openMotionTotals": sums["openCells"], "openCells": sums["openCells"],
		"acvs": sums["acvs"]}
	if diff := cmp.Diff(want, sums); diff != "" || sums["openCells"] == 0 || sums["acvs"] == 0 {
		t.Fatalf("dashboard totals (-want +got):\n%s\n%v", diff, sums)
	}
}

// checkFilteredList checks that the opportunity list on screen is filtered by motion (and stage, when
// not "") and holds total deals, as the dashboard said.
func checkFilteredList(t *testing.T, ctx context.Context, motion, stage, total string) {
	t.Helper()
	loc := value(t, ctx, "location", chromedp.Location())
	got := value(t, ctx, "filters", chromedp.Evaluate[[]string](`[document.getElementById("filter-motion").value,
		document.getElementById("filter-stage").value, document.querySelector("h1 .muted").textContent]`))
	if want := []string{motion, stage, "(" + total + ")"}; !cmp.Equal(got, want) {
		t.Fatalf("landed on %s showing motion, stage, count %q; want %q", loc, got, want)
	}
	motions := value(t, ctx, "motions shown", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#opportunities tbody .motion")].map(s => s.className)`))
	if len(motions) == 0 {
		t.Fatalf("%s lists no deals", loc)
	}
	for _, m := range motions {
		if m != "motion "+motion {
			t.Fatalf("%s lists a deal of %q", loc, m)
		}
	}
}

// seedMany adds n direct deals of varied size, so tables have something to sort.
func (e *testEnv) seedMany(n int) {
	e.t.Helper()
	ctx := context.Background()
	for i := range n {
		o := &tandem.Opportunity{ExternalID: fmt.Sprintf("F-%03d", i), Name: fmt.Sprintf("Filler deal %02d", i),
			AccountID: e.ids.accountD, ProductType: tandem.ProductCore, ACV: tandem.Major(int64((i*7919)%97+1) * 17_500),
			Currency: "USD", Stage: tandem.Stages[i%4], ForecastCategory: tandem.ForecastPipeline, Country: "US",
			CloseDate: time.Date(2026, time.Month(i%12+1), 15, 0, 0, 0, 0, time.UTC)}
		must(e.t, e.srv.saveOpportunity(ctx, tandem.SystemActor, o))
	}
}

// parseShownMoney reads "$1,234.00" back into cents.
func parseShownMoney(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.NewReplacer("$", "", ",", "", ".", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return n
}
