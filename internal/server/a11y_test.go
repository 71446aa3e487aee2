package server

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeViolation is one rule axe-core found broken on a page, with a few of the elements that break it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeScript is axe-core (testdata/axe.min.js, copied from npm by scripts/build-assets.sh; never fetched
// by the test).
type axeScript string

// loadAxe reads axe-core from testdata.
func loadAxe(t *testing.T) axeScript {
	t.Helper()
	axe, err := os.ReadFile("testdata/axe.min.js")
	must(t, err)
	return axeScript(axe)
}

// check runs axe-core on the page the browser shows and fails on any serious or critical violation of
// WCAG 2.x A and AA.
func (axe axeScript) check(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	got := value(t, ctx, "axe on "+page, chromedp.Evaluate[[]axeViolation](string(axe)+`;
		axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
			.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
				id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))`,
		chromedp.EvalAwaitPromise))
	for _, v := range got {
		t.Errorf("%s: %s (%s) %s: %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
	}
}

// TestBrowserAccessibility signs in as each role and runs axe-core on its main pages: home, the lists,
// the search and the program guide.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	axe := loadAxe(t)
	e := newTestEnv(t, openSQLite(t))
	e.seedMany(30)
	base := e.http.URL
	staffPages := []string{"/", "/opportunities", "/opportunities?motion=co_sell&sort=-acv", "/registrations?status=submitted",
		"/search?q=acme", "/conflicts?status=open", "/guide", "/comp"}
	roles := []struct {
		email string
		pages []string
	}{
		{"revops@vendor.test", append(staffPages, "/audit", "/escalations", "/policy", "/account-matches", "/approvals")},
		{"ae@vendor.test", staffPages},
		{"pm@vendor.test", append(staffPages, "/approvals")},
		{"cro@vendor.test", staffPages},
		{"user@alpha.test", []string{"/", "/opportunities", "/portal/registrations", "/portal/register", "/search?q=acme", "/guide", "/mdf"}},
	}
	for _, r := range roles {
		// A browser per role: each gets newBrowser's whole time budget.
		t.Run(r.email, func(t *testing.T) {
			ctx := newBrowser(t)
			do(t, ctx, "sign-in page", chromedp.Navigate(base+"/signin"))
			axe.check(t, ctx, "/signin")
			do(t, ctx, "sign in as "+r.email, signInSteps(base, r.email)...)
			for _, p := range r.pages {
				do(t, ctx, "open "+p, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
				axe.check(t, ctx, fmt.Sprintf("%s as %s", p, r.email))
			}
		})
	}
}
