package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRoleHomes signs in as every role, opens its home in Chromium and runs axe-core on it (no
// serious or critical WCAG 2.x A/AA violation), then, as the AE, follows a number on the home to the
// filtered list behind it and checks the list holds as many deals.
func TestBrowserRoleHomes(t *testing.T) {
	t.Parallel()
	axe := loadAxe(t)
	e := newTestEnv(t, openSQLite(t))
	homeSeed(t, e, time.Now())
	base := e.http.URL
	homes := []struct{ email, section string }{
		{"ae@vendor.test", "ae-home"},
		{"pm@vendor.test", "manager-home"},
		{"user@alpha.test", "partner-home"},
		{"vps@vendor.test", "exec-home"},
		{"vpc@vendor.test", "exec-home"},
		{"cro@vendor.test", "exec-home"},
		{"ceo@vendor.test", "exec-home"},
		{"revops@vendor.test", "jobs-home"},
		{"admin@vendor.test", "jobs-home"},
	}
	for _, h := range homes {
		// A browser per role: each gets newBrowser's whole time budget.
		t.Run(h.email, func(t *testing.T) {
			ctx := signedInBrowser(t, base, h.email)
			do(t, ctx, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID(h.section)))
			axe.check(t, ctx, "home of "+h.email)
			if h.email != "ae@vendor.test" {
				return
			}
			// The AE's open deals in total: a number that opens the list of those deals.
			total := value(t, ctx, "open total", chromedp.Evaluate[string](
				`document.querySelector("#my-open-table [data-total] .n").textContent`))
			do(t, ctx, "open the deals behind it",
				chromedp.Click(chromedp.CSS(`#my-open-table [data-total] a`)),
				chromedp.WaitVisible(chromedp.CSS(`nav.pager`)))
			got := value(t, ctx, "the list", chromedp.Evaluate[string](
				`location.pathname + location.search + " " + document.querySelector("main h1 .muted").textContent`))
			if !strings.HasPrefix(got, "/opportunities?") || !strings.Contains(got, "owner_id=") || !strings.HasSuffix(got, "("+total+")") {
				t.Errorf("the AE's open total %s opened %q", total, got)
			}
			axe.check(t, ctx, "the AE's open deals")
		})
	}
}
