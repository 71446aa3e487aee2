package server

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	tandem "github.com/tandem-revops/tandem"
)

// clickNav opens the navigation menu holding the link id, if it is in one (a closed menu hides its
// links), then clicks the link.
func clickNav(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitReady(chromedp.ID(id)),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](`(() => { const d = document.getElementById("`+id+`").closest("details");
				if (d) { d.open = true; } return true; })()`)(ctx, tg)
			return chromedp.Void{}, err
		},
		chromedp.Click(chromedp.ID(id)),
	)
}

// Every role's navigation offers only pages that role may open: each link answers 200 when followed.
func TestNavLinksOpen(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	roles := map[string]string{ // the seeded users, one per role the fixture has
		"admin@vendor.test": "admin", "revops@vendor.test": "revops", "ae@vendor.test": "ae", "cro@vendor.test": "cro",
		"pm@vendor.test": "pm", "user@alpha.test": "partner",
	}
	href := regexp.MustCompile(`<nav class="menus"[\s\S]*?</nav>`)
	link := regexp.MustCompile(`href="([^"]+)"`)
	for email, name := range roles {
		t.Run(name, func(t *testing.T) {
			c, _ := e.signIn(email)
			home := e.get(c, "/")
			if home.status != http.StatusOK {
				t.Fatalf("home: %d", home.status)
			}
			nav := href.Find(home.body)
			if nav == nil {
				t.Fatal("no navigation on the home page")
			}
			links := link.FindAllSubmatch(nav, -1)
			if len(links) < 4 {
				t.Fatalf("only %d links in the navigation", len(links))
			}
			for _, l := range links {
				path := strings.ReplaceAll(string(l[1]), "&amp;", "&")
				res := e.get(c, path)
				if res.status != http.StatusOK {
					t.Errorf("%s: %s answers %d", name, path, res.status)
				}
			}
		})
	}
}

// The menus follow the permission table: a table of what each role sees.
func TestNavFor(t *testing.T) {
	t.Parallel()
	hrefs := func(role tandem.Role) map[string]bool {
		m := map[string]bool{}
		for _, g := range navFor(role, "", nil) {
			for _, l := range g.Links {
				m[l.Href] = true
			}
		}
		return m
	}
	cases := []struct {
		role      tandem.Role
		want, not []string
	}{
		{tandem.RolePartnerUser, []string{"/portal/register", "/portal/registrations", "/comp/partner", "/mdf"},
			[]string{"/registrations", "/policy", "/audit", "/forecast", "/portfolio", "/approvals", "/conflicts?status=open"}},
		{tandem.RoleAE, []string{"/registrations", "/forecast", "/comp"}, []string{"/portfolio", "/import", "/webhooks", "/approvals", "/portal/register"}},
		{tandem.RoleRevOps, []string{"/import", "/webhooks", "/approvals", "/portfolio", "/policy"}, []string{"/portal/register", "/comp/partner"}},
		{tandem.RoleCRO, []string{"/portfolio", "/forecast"}, []string{"/import", "/approvals"}},
	}
	for _, c := range cases {
		t.Run(string(c.role), func(t *testing.T) {
			got := hrefs(c.role)
			for _, h := range c.want {
				if !got[h] {
					t.Errorf("%s does not see %s", c.role, h)
				}
			}
			for _, h := range c.not {
				if got[h] {
					t.Errorf("%s sees %s", c.role, h)
				}
			}
		})
	}
}

// At 1280 px the navigation of the role with the most entries (admin) stays on one line, and "/" focuses
// the search box.
func TestBrowserNavOneLine(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	base := e.http.URL
	do(t, ctx, "narrow window", chromedp.EmulateViewport(1280, 900))
	// The partner portal's navigation shows its deal pages as plain links: it fits too.
	do(t, ctx, "partner signs in", signInSteps(base, "user@alpha.test")...)
	checkNavOneLine(t, ctx, "partner user")
	signOut(t, ctx)
	do(t, ctx, "sign in", signInSteps(base, "admin@vendor.test")...)
	checkNavOneLine(t, ctx, "admin")
	shot := value(t, ctx, "screenshot", chromedp.FullScreenshot(90))
	must(t, os.MkdirAll(shotsDir, 0o755))
	must(t, os.WriteFile(shotsDir+"/nav-1280.png", shot, 0o644))

	// "/" focuses the search from anywhere but a field.
	do(t, ctx, "press /", chromedp.KeyEvent("/"))
	if id := value(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); id != "global-search" {
		t.Errorf(`after "/" the focus is on %q, want global-search`, id)
	}
	// A menu opens on click and shows its links.
	do(t, ctx, "open admin menu", clickNav("nav-audit"), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// checkNavOneLine measures the header the browser shows: every item on one line, nothing overflowing.
func checkNavOneLine(t *testing.T, ctx context.Context, who string) {
	t.Helper()
	m := value(t, ctx, "measure", chromedp.Evaluate[map[string]float64](`(() => {
		const h = document.querySelector("header.top"), items = h.querySelectorAll("nav.menus > *, .brand, form.global-search, .who");
		const rects = Array.from(items).map(el => el.getBoundingClientRect());
		// one line: every item starts above the bottom of every other
		return {items: items.length, overlap: Math.min(...rects.map(r => r.bottom)) - Math.max(...rects.map(r => r.top)), height: h.getBoundingClientRect().height,
			scroll: h.scrollWidth, width: document.documentElement.clientWidth};
	})()`))
	if m["items"] < 7 {
		t.Fatalf("%s: only %v items in the header", who, m["items"])
	}
	if m["overlap"] <= 0 || m["height"] > 52 || m["scroll"] > m["width"] {
		t.Errorf("%s: navigation wraps at 1280 px: %v", who, m)
	}
}
