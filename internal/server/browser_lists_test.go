package server

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOpportunitiesPager walks the opportunities list with the shared pager in Chromium: a
// filter, a page size, and a click anywhere on a row opening the deal.
func TestBrowserOpportunitiesPager(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	e := newTestEnv(t, openSQLite(t))
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
