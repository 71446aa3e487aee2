package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// seedForecastReview stores the win model's scores (partner A's deal 31 %, the direct deal 12 %) and
// makes the direct deal a commit, on 2026-05-01, the day the tests look at. It returns the AE's id.
func (e *testEnv) seedForecastReview() int64 {
	e.t.Helper()
	ctx := context.Background()
	e.store.SetClock(func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) })
	_, win := e.seedPredictions()
	_, err := e.store.SaveScores(ctx, []sqlstore.PredictionScore{{EntityKind: sqlstore.PredictionEntityOpportunity, EntityID: e.ids.oppDirect,
		ModelID: win.ID, Probability: 0.12, Reasons: []string{"stage = qualified lowers the odds"}}})
	must(e.t, err)
	o, err := e.store.GetOpportunity(ctx, tandem.SystemActor, e.ids.oppDirect)
	must(e.t, err)
	o.ForecastCategory = tandem.ForecastCommit
	must(e.t, e.store.UpdateOpportunity(ctx, tandem.SystemActor, o))
	users, _, err := e.store.ListUsers(ctx, tandem.SystemActor, sqlstore.UserFilter{Query: "ae@vendor.test"})
	must(e.t, err)
	return users[0].ID
}

const reviewQuery = "?quarter=2026Q2&as_of=2026-05-01"

// Every new forecast route for every role: staff get them, partner users 404; the deals at risk carry
// the win probability; an AE sees only their own team's deals at risk.
func TestForecastReviewRoutesByRole(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		aeID := e.seedForecastReview()
		routes := []string{"/forecast" + reviewQuery, "/forecast/call" + reviewQuery, "/forecast.pdf" + reviewQuery,
			"/forecast/backtest", "/forecast/backtest.md", "/forecast/backtest.csv"}
		for email, want := range map[string]int{"cro@vendor.test": 200, "ae@vendor.test": 200, "revops@vendor.test": 200,
			"pm@vendor.test": 200, "user@alpha.test": 404, "user@beta.test": 404} {
			c, csrf := e.signIn(email)
			for _, path := range routes {
				if res := e.get(c, path); res.status != want {
					t.Errorf("%s GET %s: status %d, want %d", email, path, res.status, want)
				}
			}
			post := e.post(c, csrf, "/forecast/submit", url.Values{"quarter": {"2026Q2"}, "as_of": {"2026-05-01"}, "level": {"company"},
				"category": {"total"}, "adjustment": {"0"}})
			if wantPost := map[int]int{200: http.StatusSeeOther, 404: 404}[want]; post.status != wantPost {
				t.Errorf("%s POST /forecast/submit: status %d, want %d", email, post.status, wantPost)
			}
		}

		c, _ := e.signIn("cro@vendor.test")
		page := string(e.get(c, "/forecast"+reviewQuery).body)
		for _, want := range []string{`data-deal="O-D"`, "commit, but the model gives 12%", `id="rollup-tier"`, ">gold<", ">silver<", ">direct<",
			`id="rollup-region"`, `id="accuracy-rep"`, `id="accuracy-statistical"`, "$1,200,000.00", `id="submit-form"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the CRO's forecast page lacks %s", want)
			}
		}
		call := string(e.get(c, "/forecast/call"+reviewQuery).body)
		for _, want := range []string{`id="call-view"`, `id="call-forecast"`, `id="risk-deals"`, `id="moved-deals"`, `id="submissions"`, `id="print-call"`} {
			if !strings.Contains(call, want) {
				t.Errorf("the call view lacks %s", want)
			}
		}
		pdf := e.get(c, "/forecast.pdf"+reviewQuery)
		if !bytes.HasPrefix(pdf.body, []byte("%PDF")) || !bytes.Contains(pdf.body, []byte("Forecast 2026Q2 as of 2026-05-01")) ||
			!bytes.Contains(pdf.body, []byte("O-D")) {
			t.Errorf("the PDF: %d bytes, %.60q", len(pdf.body), pdf.body)
		}
		if md := string(e.get(c, "/forecast/backtest.md").body); !strings.HasPrefix(md, "# Forecast backtest") {
			t.Errorf("backtest markdown %q", md)
		}

		// The AE's team: none of the deals has an owner yet, so no deal at risk is theirs.
		ae, _ := e.signIn("ae@vendor.test")
		if body := string(e.get(ae, "/forecast"+reviewQuery).body); strings.Contains(body, `data-deal="O-D"`) {
			t.Error("the AE sees a deal at risk outside their team")
		}
		o, err := e.store.GetOpportunity(t.Context(), tandem.SystemActor, e.ids.oppDirect)
		must(t, err)
		o.OwnerID = aeID
		must(t, e.store.UpdateOpportunity(t.Context(), tandem.SystemActor, o))
		if body := string(e.get(ae, "/forecast"+reviewQuery).body); !strings.Contains(body, `data-deal="O-D"`) {
			t.Error("the AE does not see their own deal at risk (or the cached forecast missed the owner change)")
		}
	})
}

// nextToField reports whether the error span errID sits in the same label as the form field name.
func nextToField(body, name, errID string) bool {
	i := strings.Index(body, `name="`+name+`"`)
	j := strings.Index(body, `id="`+errID+`"`)
	if i < 0 || j < i {
		return false
	}
	end := strings.Index(body[i:], "</label>")
	return end >= 0 && j < i+end
}

// The submission form: each bad field is reported next to itself and nothing is stored; a good one
// stores the roll-up computed by the server plus the adjustment, audited, and lists it on the page.
func TestForecastSubmitForm(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.seedForecastReview()
		c, csrf := e.signIn("cro@vendor.test")
		form := func(kv ...string) url.Values {
			v := url.Values{"quarter": {"2026Q2"}, "as_of": {"2026-05-01"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		res := e.post(c, csrf, "/forecast/submit", form("level", "team", "scope", "", "category", "total", "adjustment", "12x"))
		if res.status != http.StatusUnprocessableEntity || !nextToField(string(res.body), "adjustment", "error-adjustment") {
			t.Errorf("a bad adjustment: status %d, error next to the field %v", res.status, nextToField(string(res.body), "adjustment", "error-adjustment"))
		}
		res = e.post(c, csrf, "/forecast/submit", form("level", "team", "scope", "", "category", "total", "adjustment", "5"))
		if res.status != http.StatusUnprocessableEntity || !nextToField(string(res.body), "scope", "error-scope") {
			t.Errorf("a team without its scope: status %d", res.status)
		}
		res = e.post(c, csrf, "/forecast/submit", form("level", "company", "category", "total", "adjustment", "5"))
		if res.status != http.StatusUnprocessableEntity || !nextToField(string(res.body), "reason", "error-reason") {
			t.Errorf("an adjustment without a reason: status %d", res.status)
		}
		if res := e.post(c, "", "/forecast/submit", form("level", "company", "category", "total", "adjustment", "0")); res.status != http.StatusForbidden {
			t.Errorf("without the CSRF token: status %d", res.status)
		}
		subs, err := e.store.ForecastSubmissions(t.Context(), tandem.SystemActor, "2026Q2")
		must(t, err)
		if len(subs) != 0 {
			t.Fatalf("refused forms stored %d submissions", len(subs))
		}
		res = e.post(c, csrf, "/forecast/submit", form("level", "company", "category", "total", "adjustment", "-250,000.00", "reason", "Direct Dynamics slips"))
		if res.status != http.StatusSeeOther {
			t.Fatalf("a good submission: status %d: %s", res.status, res.body)
		}
		subs, err = e.store.ForecastSubmissions(t.Context(), tandem.SystemActor, "2026Q2")
		must(t, err)
		if len(subs) != 1 || subs[0].RollUp != tandem.Major(1_200_000) || subs[0].Amount != tandem.Major(950_000) {
			t.Errorf("stored %+v; want the commit roll-up 1,200,000 less 250,000", subs)
		}
		page := string(e.get(c, "/forecast"+reviewQuery).body)
		for _, want := range []string{"Direct Dynamics slips", "-$250,000.00", "$950,000.00", "Carla CRO"} {
			if !strings.Contains(page, want) {
				t.Errorf("the submissions list lacks %s", want)
			}
		}
		audit, _, err := e.store.ListAudit(t.Context(), tandem.SystemActor, sqlstore.AuditFilter{Action: "forecast.submit"})
		must(t, err)
		if len(audit) != 1 || audit[0].Actor != "cro@vendor.test" {
			t.Errorf("audit %+v", audit)
		}
	})
}

// TestBrowserForecastCallView: the CRO opens the weekly call view from the forecast page, its charts
// draw and the deal at risk shows its win probability; back on the forecast page a submission with a
// bad adjustment shows the error next to the field, and a good one is listed.
func TestBrowserForecastCallView(t *testing.T) {
	t.Parallel()
	ctx, e := newBrowserEnv(t)
	e.seedForecastReview()
	base := e.http.URL
	do(t, ctx, "CRO signs in", signInSteps(base, "cro@vendor.test")...)
	do(t, ctx, "open the call view",
		chromedp.Navigate(base+"/forecast"+reviewQuery),
		chromedp.WaitVisible(chromedp.ID("call-view-link")),
		chromedp.Click(chromedp.ID("call-view-link")),
		chromedp.WaitVisible(chromedp.ID("call-forecast")),
		chromedp.WaitVisible(chromedp.CSS(`#forecast-chart[data-ready="1"] canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#waterfall-chart[data-ready="1"] canvas`)),
	)
	win := value(t, ctx, "win probability", chromedp.Evaluate[string](`document.querySelector('#risk-deals tr[data-deal="O-D"] td.win').textContent.trim()`))
	if win != "12%" {
		t.Errorf("the deal at risk shows %q, want 12%%", win)
	}
	do(t, ctx, "submit a bad adjustment",
		chromedp.Navigate(base+"/forecast"+reviewQuery),
		chromedp.WaitVisible(chromedp.ID("submit-form")),
		chromedp.SetValue(chromedp.ID("submit-adjustment"), "12x"),
		chromedp.Click(chromedp.ID("submit-number")),
		chromedp.WaitVisible(chromedp.ID("error-adjustment")),
	)
	do(t, ctx, "submit a good one",
		chromedp.SetValue(chromedp.ID("submit-adjustment"), "-1000"),
		chromedp.SetValue(chromedp.ID("submit-reason"), "a careful call"),
		chromedp.Click(chromedp.ID("submit-number")),
		chromedp.WaitVisible(chromedp.ID("submission-list")),
	)
	reasons := value(t, ctx, "submissions", chromedp.Evaluate[string](`document.querySelector('#submission-list tbody').textContent`))
	if !strings.Contains(reasons, "a careful call") {
		t.Errorf("submissions %q", reasons)
	}
}

// The deals at risk and the roll-ups through the API: staff get them, partner users 404; the direct
// commit deal the model gives 12 % is at risk with its probability; an AE gets only their team's.
func TestForecastRiskAndRollUpsAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.seedForecastReview()
		risk := APIPrefix + "/forecast/risk" + reviewQuery
		rollups := APIPrefix + "/forecast/rollups" + reviewQuery
		for role, want := range map[string]int{"cro": 200, "revops": 200, "ae": 200, "partner_manager": 200, "partner_a": 404, "partner_b": 404} {
			for _, path := range []string{risk, rollups} {
				if res := e.do(role, http.MethodGet, path, nil); res.status != want {
					t.Errorf("%s GET %s: %d, want %d", role, path, res.status, want)
				}
			}
		}
		var deals []ForecastRiskDeal
		e.do("cro", http.MethodGet, risk, nil).json(t, &deals)
		// O-D: a commit the model gives 12 %; O-B: a co-sell deal with nothing recorded since January.
		if len(deals) != 2 || deals[0].Deal.ExternalID != "O-D" || deals[0].WinProbability == nil || *deals[0].WinProbability != 0.12 ||
			deals[1].Deal.ExternalID != "O-B" || deals[1].WinProbability != nil || !strings.Contains(deals[1].Reasons[0], "co-sell deal quiet") {
			t.Errorf("CRO's deals at risk %+v", deals)
		}
		var aeDeals []ForecastRiskDeal
		e.do("ae", http.MethodGet, risk, nil).json(t, &aeDeals)
		if len(aeDeals) != 0 {
			t.Errorf("the AE sees deals at risk outside their team: %+v", aeDeals)
		}
		var ru ForecastRollUps
		e.do("cro", http.MethodGet, rollups, nil).json(t, &ru)
		tiers := map[string]tandem.Money{}
		for _, g := range ru.PartnerTier {
			tiers[g.Group] = g.Pipeline
		}
		if tiers["gold"] != tandem.Major(80_000) || tiers["silver"] != tandem.Major(450_000) || tiers["direct"] != tandem.Major(1_200_000) || ru.Currency != "USD" {
			t.Errorf("roll-up by partner tier %+v", ru)
		}
	})
}
