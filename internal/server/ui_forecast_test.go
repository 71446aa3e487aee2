package server

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The forecast page and its CSV are the vendor's: staff get them, partner users 404; the CSV holds
// the table's five lines with the roll-up and the band.
func TestForecastPageByRole(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		for email, want := range map[string]int{"cro@vendor.test": 200, "ae@vendor.test": 200, "revops@vendor.test": 200,
			"pm@vendor.test": 200, "user@alpha.test": 404} {
			c, _ := e.signIn(email)
			if res := e.get(c, "/forecast?as_of=2026-05-01"); res.status != want {
				t.Errorf("%s: page status %d, want %d", email, res.status, want)
			}
			res := e.get(c, "/forecast.csv?as_of=2026-05-01")
			if res.status != want {
				t.Errorf("%s: CSV status %d, want %d", email, res.status, want)
				continue
			}
			if want != 200 {
				continue
			}
			rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
			must(t, err)
			if len(rows) != 6 || rows[5][2] != "total" || rows[5][6] != "1730000.00" || rows[0][9] != "p90" {
				t.Errorf("%s: CSV %q", email, rows)
			}
		}
		c, _ := e.signIn("cro@vendor.test")
		res := e.get(c, "/forecast?as_of=2026-05-01&category=total&number=pipeline")
		for _, want := range []string{"O-A", "O-B", "O-D", `id="forecast-deals"`} {
			if !strings.Contains(string(res.body), want) {
				t.Errorf("the drill-down lacks %s", want)
			}
		}
		if res := e.get(c, "/forecast?as_of=2026-05-01&category=total&number=everything"); res.status != 422 {
			t.Errorf("a bad number: status %d", res.status)
		}
	})
}

// TestBrowserForecast: the CRO opens the forecast from the navigation, the chart and the waterfall
// draw, and the total's pipeline number leads to the three deals behind it.
func TestBrowserForecast(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	base := e.http.URL
	do(t, ctx, "CRO signs in", signInSteps(base, "cro@vendor.test")...)
	do(t, ctx, "open the forecast",
		clickNav("nav-forecast"),
		chromedp.WaitVisible(chromedp.ID("as-of")),
		chromedp.SetValue(chromedp.ID("as-of"), "2026-05-01"),
		chromedp.SetValue(chromedp.ID("quarter"), "2026Q2"),
		chromedp.Submit(chromedp.ID("as-of")),
		chromedp.WaitVisible(chromedp.ID("forecast")),
		chromedp.WaitVisible(chromedp.CSS(`#forecast-chart[data-ready="1"] canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#waterfall-chart[data-ready="1"] canvas`)),
	)
	cells := value(t, ctx, "total row", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#forecast tr[data-category="total"] td')].map(td => td.textContent.trim())`))
	if len(cells) != 8 || cells[4] != "$1,730,000.00" {
		t.Fatalf("total row %q", cells)
	}
	do(t, ctx, "follow the total's pipeline",
		chromedp.Click(chromedp.CSS(`#forecast tr[data-category="total"] td:nth-child(5) a`)),
		chromedp.WaitVisible(chromedp.ID("forecast-deals")),
	)
	deals := value(t, ctx, "deals", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#forecast-deals tbody tr td:first-child a")].map(a => a.textContent)`))
	if !containsAll(deals, "O-A", "O-B", "O-D") || len(deals) != 3 {
		t.Fatalf("deals behind the pipeline %v", deals)
	}
}
