package server

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOpportunitiesPager walks the opportunities list with the shared pager in Chromium: a
// filter, a page size, and a click anywhere on a row opening the deal.
func TestBrowserOpportunitiesPager(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	base := e.http.URL
	do(t, ctx, "sign in", signInSteps(base, "revops@vendor.test")...)
	do(t, ctx, "opportunities",
		chromedp.Navigate(base+"/opportunities?motion=direct"),
		chromedp.WaitVisible(chromedp.CSS(`nav.pager`)),
		chromedp.Click(chromedp.CSS(`nav.pager .sizes a[href*="size=25"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.pager .sizes span.on`)),
	)
	if !value(t, ctx, "size 25 kept with the filter", chromedp.Poll[bool](
		`location.search.includes("size=25") && location.search.includes("motion=direct") && document.querySelector("nav.pager .sizes span.on").textContent === "25"`)) {
		t.Fatal("page size link lost the filter")
	}
	if !value(t, ctx, "csv link keeps the filter", chromedp.Poll[bool](
		`document.querySelector("nav.pager a.csv").getAttribute("href").includes("motion=direct")`)) {
		t.Fatal("csv link lost the filter")
	}
	do(t, ctx, "click a row", chromedp.Click(chromedp.CSS(`#opportunities tbody tr[data-href] td.acv`)), chromedp.WaitVisible(chromedp.ID("routing")))
	if !value(t, ctx, "the row opened its deal", chromedp.Poll[bool](`/^\/opportunities\/\d+$/.test(location.pathname)`)) {
		t.Fatal("row click did not open the deal")
	}
}

// TestBrowserFilteredLists opens filtered lists in Chromium as the roles that use them: the approval
// queue filtered by partner (a row click opens the registration), the audit log filtered by day, the
// users list filtered by role and a partner's MDF requests; each keeps its filters in the pager and the
// CSV link and passes axe-core.
func TestBrowserFilteredLists(t *testing.T) {
	t.Parallel()
	axe := loadAxe(t)
	e := newTestEnv(t, openSQLite(t))
	e.seedQueue(30)
	seedPortfolio(t, e)
	base := e.http.URL
	shoot := regShots(t)
	keepsFilter := func(ctx context.Context, what, filter string) {
		t.Helper()
		if !value(t, ctx, what+" keeps its filter", chromedp.Poll[bool](`location.search.includes(`+strconv.Quote(filter)+`) &&
			document.querySelector("nav.pager a.csv").getAttribute("href").includes(`+strconv.Quote(filter)+`)`)) {
			t.Errorf("%s lost its filter %s", what, filter)
		}
	}

	t.Run("partner manager", func(t *testing.T) {
		ctx := signedInBrowser(t, base, "pm@vendor.test")
		do(t, ctx, "approvals", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.ID("approvals-filter")),
			chromedp.SetValue(chromedp.ID("f-partner"), itoa(e.ids.partnerA)))
		// The filtered page has the same pager as the one it replaces: wait for the navigation the
		// submit starts to load, or the checks below can read the old page as it goes.
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#approvals-filter button[type="submit"]`))); err != nil {
			t.Fatalf("submit the approvals filter: %v", err)
		}
		do(t, ctx, "filtered approvals", chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
		keepsFilter(ctx, "approvals", "partner_id="+itoa(e.ids.partnerA))
		if n := value(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll("#approvals tbody tr[data-registration]").length`)); n != 31 {
			t.Errorf("partner A's queue shows %d rows, want 31", n)
		}
		axe.check(t, ctx, "/approvals?partner_id=…")
		shoot(ctx, "approvals-filtered")
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#approvals tbody tr[data-href] td:nth-child(3)`))); err != nil {
			t.Fatalf("click a row: %v", err)
		}
		do(t, ctx, "the registration", chromedp.WaitVisible(chromedp.CSS("main h1")))
		if !value(t, ctx, "the row opened its registration", chromedp.Poll[bool](`/^\/registrations\/\d+$/.test(location.pathname)`)) {
			t.Error("row click did not open the registration")
		}
	})
	t.Run("revops", func(t *testing.T) {
		ctx := signedInBrowser(t, base, "revops@vendor.test")
		today := time.Now().UTC().Format(time.DateOnly)
		do(t, ctx, "audit", chromedp.Navigate(base+"/audit?from="+today+"&to="+today), chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
		keepsFilter(ctx, "audit", "from="+today)
		axe.check(t, ctx, "/audit?from=…&to=…")
		shoot(ctx, "audit-by-day")
		do(t, ctx, "escalations", chromedp.Navigate(base+"/escalations?from="+today), chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
		axe.check(t, ctx, "/escalations?from=…")
		do(t, ctx, "spend", chromedp.Navigate(base+"/portfolio/spend?motion=resell"), chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
		axe.check(t, ctx, "/portfolio/spend?motion=resell")
	})
	t.Run("admin", func(t *testing.T) {
		ctx := signedInBrowser(t, base, "admin@vendor.test")
		do(t, ctx, "users", chromedp.Navigate(base+"/users?role=partner_user"), chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
		keepsFilter(ctx, "users", "role=partner_user")
		if roles := value(t, ctx, "roles", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#users tbody tr[data-user] td:nth-child(4)")].map(td => td.textContent.trim())`)); len(roles) != 2 {
			t.Errorf("partner users listed: %v, want 2", roles)
		}
		axe.check(t, ctx, "/users?role=partner_user")
		shoot(ctx, "users-filtered")
	})
	t.Run("partner user", func(t *testing.T) {
		ctx := signedInBrowser(t, base, "user@alpha.test")
		do(t, ctx, "MDF", chromedp.Navigate(base+"/mdf?state=requested&partner_id="+itoa(e.ids.partnerB)), chromedp.WaitVisible(chromedp.ID("mdf-requests")))
		if body := value(t, ctx, "requests", chromedp.Text(chromedp.ID("mdf-requests"))); strings.Contains(body, "Bergmann") {
			t.Errorf("partner A's MDF list shows partner B's request: %s", body)
		}
		axe.check(t, ctx, "/mdf?state=requested as a partner")
	})
}
