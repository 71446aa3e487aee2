package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// compUIIDs are the people of the compensation page fixture: Alan AE (owns partner A's deal and the
// direct deal), Zoe Second (an AE who owns partner B's deal and reports to Mona) and Mona Lead (an AE
// with Zoe on her team).
type compUIIDs struct {
	alan, zoe, mona int64
}

// compUISeed wins the fixture's three deals in 2026-Q1, adds Zoe and Mona, and publishes the default
// plan.
func compUISeed(t *testing.T, e *testEnv) compUIIDs {
	t.Helper()
	ctx := context.Background()
	sys := tandem.SystemActor
	hash, err := e.srv.hasher.Hash(ctx, testPassword)
	must(t, err)
	mona := &tandem.User{Email: "mona@vendor.test", Name: "Mona Lead", Role: tandem.RoleAE}
	must(t, e.store.CreateUser(ctx, sys, mona, hash))
	zoe := &tandem.User{Email: "zoe@vendor.test", Name: "Zoe Second", Role: tandem.RoleAE, ManagerID: mona.ID}
	must(t, e.store.CreateUser(ctx, sys, zoe, hash))
	users, _, err := e.store.ListUsers(ctx, sys, sqlstore.UserFilter{Query: "ae@vendor.test"})
	must(t, err)
	ids := compUIIDs{alan: users[0].ID, zoe: zoe.ID, mona: mona.ID}
	for id, owner := range map[int64]int64{e.ids.oppA: ids.alan, e.ids.oppB: ids.zoe, e.ids.oppDirect: ids.alan} {
		o, err := e.store.GetOpportunity(ctx, sys, id)
		must(t, err)
		o.Stage, o.ForecastCategory, o.OwnerID = tandem.StageClosedWon, tandem.ForecastClosed, owner
		o.CloseDate = time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)
		must(t, e.store.UpdateOpportunity(ctx, sys, o))
	}
	revops := tandem.Actor{UserID: 0, Role: tandem.RoleRevOps}
	v, err := compensation.CreateCompPlanDraft(ctx, e.store, revops, string(comp.DefaultSource()))
	must(t, err)
	_, err = compensation.PublishCompPlanVersion(ctx, e.store, revops, v.ID)
	must(t, err)
	return ids
}

func TestCompAEPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ids := compUISeed(t, e)
		alan, _ := e.signIn("ae@vendor.test")
		mona, _ := e.signIn("mona@vendor.test")
		revops, _ := e.signIn("revops@vendor.test")
		partner, _ := e.signIn("user@alpha.test")
		q1 := "/comp?period=2026-Q1"

		var st comp.Statement
		e.do("ae", "GET", APIPrefix+"/comp/periods/2026-Q1/statements/ae/"+itoa(ids.alan), nil).json(t, &st)
		res := e.get(alan, q1)
		body := string(res.body)
		for _, want := range []string{"My compensation", "attainment-bar", `id="download-csv"`, "O-A", "O-D",
			`data-v="` + itoa(int64(st.Total)) + `"`, "/api/v1/comp/periods/2026-Q1/statements/ae/" + itoa(ids.alan) + "/export?format=pdf",
			`href="/opportunities/` + itoa(e.ids.oppA) + `"`, "ae.base_rate"} {
			if res.status != 200 || !strings.Contains(body, want) {
				t.Errorf("AE page: %d, lacks %q", res.status, want)
			}
		}
		if strings.Contains(body, `id="ae-picker"`) || strings.Contains(body, "O-B") || strings.Contains(body, "<script>") {
			t.Error("an AE alone sees a team picker, another AE's deal, or an inline script")
		}
		if n := strings.Count(body, `<tr data-kind="commission"`); n == 0 {
			t.Error("no commission lines")
		}
		// A total links to its lines only.
		res = e.get(alan, q1+"&kind=spiff")
		if strings.Contains(string(res.body), `<tr data-kind="commission"`) {
			t.Error("kind=spiff still lists commission lines")
		}

		// Who may open whose statement.
		cases := []struct {
			who    *http.Client
			name   string
			ae     int64
			status int
		}{
			{alan, "alan→zoe", ids.zoe, 404}, {alan, "alan→mona", ids.mona, 404}, {alan, "alan→alan", ids.alan, 200},
			{mona, "mona→zoe", ids.zoe, 200}, {mona, "mona→alan", ids.alan, 404},
			{revops, "revops→zoe", ids.zoe, 200}, {revops, "revops→alan", ids.alan, 200},
			{partner, "partner→alan", ids.alan, 404},
		}
		for _, tc := range cases {
			if res := e.get(tc.who, q1+"&ae="+itoa(tc.ae)); res.status != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, res.status, tc.status)
			}
		}
		if res := e.get(partner, "/comp"); res.status != 404 {
			t.Errorf("partner user on /comp: %d", res.status)
		}
		// Mona picks from her team; revops from every AE.
		res = e.get(mona, q1+"&ae="+itoa(ids.zoe))
		if body := string(res.body); !strings.Contains(body, `id="ae-picker"`) || !strings.Contains(body, "Zoe Second") ||
			strings.Contains(body, "Alan AE</option>") || !strings.Contains(body, "O-B") {
			t.Errorf("Mona's view of Zoe:\n%s", body)
		}
		res = e.get(revops, q1)
		if body := string(res.body); !strings.Contains(body, "Alan AE</option>") || !strings.Contains(body, "Zoe Second</option>") {
			t.Error("revops's picker lacks an AE")
		}
		// An empty period is an empty statement, not an error.
		if res := e.get(alan, "/comp?period=2025-Q2"); res.status != 200 || !strings.Contains(string(res.body), "No lines.") {
			t.Errorf("empty period: %d", res.status)
		}
		if res := e.get(alan, "/comp?period=nonsense"); res.status != 422 && res.status != 400 {
			t.Errorf("bad period: %d", res.status)
		}
	})
}

func TestCompPartnerPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		compUISeed(t, e)
		a, _ := e.signIn("user@alpha.test")
		revops, _ := e.signIn("revops@vendor.test")
		ae, _ := e.signIn("ae@vendor.test")
		q1 := "/comp/partner?period=2026-Q1"
		res := e.get(a, q1)
		body := string(res.body)
		for _, want := range []string{"Margins and payouts", "Alpha Partners", "O-A", "gold · resale", "No payouts recorded", `id="download-csv"`} {
			if res.status != 200 || !strings.Contains(body, want) {
				t.Errorf("partner page: %d, lacks %q", res.status, want)
			}
		}
		if strings.Contains(body, "Beta") || strings.Contains(body, "O-B") || strings.Contains(body, "O-D") || strings.Contains(body, `id="partner-picker"`) {
			t.Error("partner A sees partner B, a direct deal or a picker")
		}
		if res := e.get(a, q1+"&partner="+itoa(e.ids.partnerB)); res.status != 404 {
			t.Errorf("partner A opens partner B: %d", res.status)
		}
		for _, path := range []string{"/comp", "/comp/plan", "/comp/whatif", "/comp/reconciliation", "/comp/profit", "/comp/periods"} {
			if res := e.get(a, path); res.status != 404 {
				t.Errorf("partner user on %s: %d, want 404", path, res.status)
			}
		}
		if res := e.get(ae, q1); res.status != 404 {
			t.Errorf("AE on the partner page: %d", res.status)
		}
		res = e.get(revops, q1+"&partner="+itoa(e.ids.partnerB))
		if body := string(res.body); res.status != 200 || !strings.Contains(body, "O-B") || !strings.Contains(body, `id="partner-picker"`) {
			t.Errorf("revops on partner B: %d", res.status)
		}
	})
}

// TestCompPartnerPageOpensOnAPartnerWithDeals: without a partner asked for, staff land on the partner
// paid most in the period, not the first by name (which may have sold nothing); a partner with nothing
// in the period downloads an empty statement; no download link answers an error.
func TestCompPartnerPageOpensOnAPartnerWithDeals(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		compUISeed(t, e)
		idle := &tandem.Partner{ExternalID: "P-0", Name: "Aardvark Idle", Tier: tandem.TierSilver, Type: tandem.PartnerReseller,
			Standing: tandem.StandingGood, Countries: []string{"US"}}
		must(t, e.store.CreatePartner(context.Background(), tandem.SystemActor, idle))
		revops, _ := e.signIn("revops@vendor.test")
		res := e.get(revops, "/comp/partner?period=2026-Q1")
		body := string(res.body)
		if res.status != 200 || strings.Contains(body, "No lines.") || !strings.Contains(body, `id="deals"`) {
			t.Errorf("the partner page opens on a partner without deals: %d", res.status)
		}
		// Every download link on the idle partner's page answers 200 with an empty statement.
		res = e.get(revops, "/comp/partner?period=2026-Q1&partner="+itoa(idle.ID))
		links := regexp.MustCompile(`href="(/api/v1/comp/[^"]+/export\?format=(csv|pdf))"`).FindAllStringSubmatch(string(res.body), -1)
		if len(links) != 2 {
			t.Fatalf("%d download links on the idle partner's page, want 2", len(links))
		}
		for _, l := range links {
			dl := e.get(revops, strings.ReplaceAll(l[1], "&amp;", "&"))
			if dl.status != 200 {
				t.Errorf("%s: %d %s", l[1], dl.status, dl.body)
			}
			if l[2] == "csv" && !strings.Contains(string(dl.body), "total") {
				t.Errorf("%s: the empty statement has no total row:\n%s", l[1], dl.body)
			}
		}
		// A partner that does not exist is still not found, and a browser is told so in HTML.
		req, err := http.NewRequest(http.MethodGet, e.http.URL+"/api/v1/comp/periods/2026-Q1/statements/partner/999999/export?format=csv", nil)
		must(t, err)
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		if nf := e.send(revops, req); nf.status != 404 || !strings.Contains(nf.header.Get("Content-Type"), "text/html") {
			t.Errorf("unknown partner's download from a browser: %d %s", nf.status, nf.header.Get("Content-Type"))
		}
	})
}

func TestCompRevOpsPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ids := compUISeed(t, e)
		revops, _ := e.signIn("revops@vendor.test")
		cro, _ := e.signIn("cro@vendor.test")
		ae, _ := e.signIn("ae@vendor.test")
		pm, _ := e.signIn("pm@vendor.test")
		pages := []struct{ path, sees string }{
			{"/comp/plan", "Tandem default compensation plan"},
			{"/comp/whatif", "whatif-source"},
			{"/comp/reconciliation?period=2026-Q1", "owed not paid"},
			{"/comp/profit?period=2026-Q1", `data-by="rep" class="on"`}, // by rep unless asked
			{"/comp/profit?period=2026-Q1&by=deal", "O-D"},
			{"/comp/profit?period=2026-Q1&by=rep", "Zoe Second"},
			{"/comp/profit?period=2026-Q1&by=motion", "profit-chart"},
			{"/comp/periods", "2026-Q1"},
			{"/comp/periods", "<strong>2026Q1</strong>"},                        // quarters are shown as 2026Q1 everywhere
			{"/comp/profit?period=2026Q1", `<span class="muted">2026Q1</span>`}, // and accepted either way
		}
		for _, p := range pages {
			for name, c := range map[string]*http.Client{"revops": revops, "cro": cro} {
				if res := e.get(c, p.path); res.status != 200 || !strings.Contains(string(res.body), p.sees) {
					t.Errorf("%s %s: %d, lacks %q", name, p.path, res.status, p.sees)
				}
			}
			for name, c := range map[string]*http.Client{"ae": ae, "partner manager": pm} {
				if res := e.get(c, p.path); res.status != 404 {
					t.Errorf("%s %s: %d, want 404", name, p.path, res.status)
				}
			}
		}
		// Only revops may edit: the CRO sees no draft form and no close button.
		if body := string(e.get(cro, "/comp/plan").body); strings.Contains(body, `id="plan-form"`) {
			t.Error("the CRO gets the draft form")
		}
		if body := string(e.get(revops, "/comp/periods").body); !strings.Contains(body, `href="/comp/periods/2026-Q1/close"`) {
			t.Error("revops cannot close 2026-Q1, the first ended period")
		}

		// A rollup row leads to its deals, and only those.
		body := string(e.get(revops, "/comp/profit?period=2026-Q1&by=rep").body)
		m := regexp.MustCompile(`href="(/comp/profit\?[^"]*key=` + itoa(ids.zoe) + `[^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no link to Zoe's deals in\n%s", body)
		}
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		body = string(e.get(revops, link).body)
		if !strings.Contains(body, "O-B") || strings.Contains(body, ">O-A<") || strings.Contains(body, ">O-D<") ||
			!strings.Contains(body, "Deals of rep <strong>Zoe Second</strong>") {
			t.Errorf("%s lists other reps' deals", link)
		}

		// A territory's deals are titled with the territory's name.
		ctx := context.Background()
		sys := tandem.SystemActor
		west := &tandem.Territory{Name: "West Coast", Countries: []string{"US"}}
		must(t, e.store.CreateTerritory(ctx, sys, west))
		o, err := e.store.GetOpportunity(ctx, sys, e.ids.oppB)
		must(t, err)
		acct, err := e.store.GetAccount(ctx, sys, o.AccountID)
		must(t, err)
		acct.TerritoryID = west.ID
		must(t, e.store.UpdateAccount(ctx, sys, acct))
		res := e.get(revops, "/comp/profit?period=2026-Q1&by=deal&group=territory&key="+itoa(west.ID))
		if body := string(res.body); res.status != 200 || !strings.Contains(body, "Deals of territory <strong>West Coast</strong>") ||
			!strings.Contains(body, "O-B") || strings.Contains(body, ">O-A<") {
			t.Errorf("territory deals: %d\n%s", res.status, body)
		}
	})
}

func TestTopByGrossProfit(t *testing.T) {
	t.Parallel()
	deals := []comp.DealProfit{{OpportunityID: 1, GrossProfit: 5}, {OpportunityID: 2, GrossProfit: -3}, {OpportunityID: 3, GrossProfit: 9},
		{OpportunityID: 4, GrossProfit: 5}}
	var ids []int64
	for _, d := range topByGrossProfit(deals, 3) {
		ids = append(ids, d.OpportunityID)
	}
	if !slices.Equal(ids, []int64{3, 1, 4}) {
		t.Errorf("top 3 by gross profit: %v, want [3 1 4]", ids)
	}
	if got := topByGrossProfit(deals, 4); len(got) != 4 || got[0].OpportunityID != 1 {
		t.Errorf("no more than n: reordered or cut: %+v", got)
	}
	if deals[0].OpportunityID != 1 || deals[2].OpportunityID != 3 {
		t.Errorf("the caller's slice was reordered: %+v", deals)
	}
}

func TestCompForms(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ids := compUISeed(t, e)
		revops, csrf := e.signIn("revops@vendor.test")
		ae, aeCSRF := e.signIn("ae@vendor.test")
		post := func(c *http.Client, path string, form url.Values, hx bool) response {
			req := e.formRequest(path, form)
			if hx {
				req.Header.Set("HX-Request", "true")
			}
			return e.send(c, req)
		}
		upload := func(c *http.Client, path string, fields map[string]string, name, content string) response {
			return e.send(c, e.multipartRequest(path, nil, fields, fileField(name, content)))
		}
		periodStatus := func() string {
			p, err := e.store.GetCompPeriod(context.Background(), tandem.SystemActor, "2026-Q1")
			must(t, err)
			return p.Status
		}

		// CSRF: every form refuses a post without the session's token and changes nothing.
		for _, path := range []string{"/comp/periods/2026-Q1/close", "/comp/plan/drafts", "/comp/whatif", "/comp/plan/check"} {
			if res := post(revops, path, url.Values{"source": {"x"}}, false); res.status != 403 {
				t.Errorf("%s without a CSRF token: %d", path, res.status)
			}
		}
		if res := upload(revops, "/comp/reconciliation", map[string]string{"period": "2026-Q1"}, "p.csv",
			"period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,1,R\n"); res.status != 403 {
			t.Errorf("payout upload without a CSRF token: %d", res.status)
		}
		if periodStatus() != "open" {
			t.Fatal("a refused close closed the period")
		}
		// An AE, even with a good token, finds no such page.
		if res := post(ae, "/comp/periods/2026-Q1/close", url.Values{"csrf_token": {aeCSRF}}, false); res.status != 404 || periodStatus() != "open" {
			t.Errorf("AE closes: %d", res.status)
		}

		// Check a broken draft: line and column of the problem.
		res := post(revops, "/comp/plan/check", url.Values{"csrf_token": {csrf}, "source": {"name: x\nae:\n  base_rate: lots\n"}}, true)
		if body := string(res.body); res.status != 200 || !strings.Contains(body, "check-problems") || !strings.Contains(body, `<td class="num">3</td>`) ||
			strings.Contains(body, "<html") {
			t.Errorf("check fragment: %d\n%s", res.status, body)
		}
		// Upload a draft file, save it, publish it.
		draft := strings.Replace(strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "9%"`, 1),
			`version: "2026.1"`, `version: "2026.2"`, 1)
		res = upload(revops, "/comp/plan/drafts", map[string]string{"csrf_token": csrf, "source": "ignored"}, "plan.yaml", draft)
		body := string(res.body)
		if res.status != 200 || !strings.Contains(body, "Saved draft 2026.2") || !strings.Contains(body, `data-version="2026.2" data-status="draft"`) {
			t.Fatalf("save draft: %d\n%s", res.status, body)
		}
		vid := regexp.MustCompile(`action="/comp/plan/versions/(\d+)/publish"`).FindStringSubmatch(body)
		if vid == nil {
			t.Fatal("no publish button for the draft")
		}
		res = post(revops, "/comp/plan/versions/"+vid[1]+"/publish", url.Values{"csrf_token": {csrf}}, false)
		if body := string(res.body); res.status != 200 || !strings.Contains(body, "Published version 2026.2") ||
			!strings.Contains(body, `data-version="2026.2" data-status="published"`) {
			t.Errorf("publish: %d", res.status)
		}
		res = post(revops, "/comp/plan/versions/"+vid[1]+"/publish", url.Values{"csrf_token": {csrf}}, false)
		if res.status != 409 || !strings.Contains(string(res.body), "only a draft can be published") {
			t.Errorf("publish twice: %d", res.status)
		}

		// What-if: a higher base rate than the one now in force costs more commission.
		richer := strings.Replace(string(comp.DefaultSource()), `base_rate: "8%"`, `base_rate: "10%"`, 1)
		res = post(revops, "/comp/whatif", url.Values{"csrf_token": {csrf}, "source": {richer}, "from": {"2026-Q1"}, "to": {"2026-Q1"}}, true)
		body = string(res.body)
		if res.status != 200 || !strings.Contains(body, `id="whatif-totals"`) || !strings.Contains(body, "Alan AE") ||
			!regexp.MustCompile(`data-total="Commission"><th>Commission</th>(<td[^>]*>[^<]*</td>){2}<td class="num" data-v="[1-9]`).MatchString(body) {
			t.Errorf("what-if: %d\n%s", res.status, body)
		}
		res = post(revops, "/comp/whatif", url.Values{"csrf_token": {csrf}, "source": {"ae: [\n"}, "from": {"2026-Q1"}, "to": {"2026-Q1"}}, true)
		if !strings.Contains(string(res.body), `id="whatif-error"`) {
			t.Errorf("what-if of a broken draft:\n%s", res.body)
		}

		// Payouts: a bad file names its line; a good one is reconciled.
		fields := map[string]string{"csrf_token": csrf, "period": "2026-Q1"}
		res = upload(revops, "/comp/reconciliation", fields, "bad.csv", "period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,abc,R1\n")
		if body := string(res.body); res.status != 422 || !strings.Contains(body, "line 2") || !strings.Contains(body, "Nothing was imported") {
			t.Errorf("bad payouts: %d\n%s", res.status, body)
		}
		var st comp.Statement
		e.do("ae", "GET", APIPrefix+"/comp/periods/2026-Q1/statements/ae/"+itoa(ids.alan), nil).json(t, &st)
		res = upload(revops, "/comp/reconciliation", fields, "good.csv",
			"period,payee_kind,payee,amount,reference\n2026-Q1,ae,ae@vendor.test,"+st.Total.String()+",R1\n2026-Q1,partner,P-A,10.00,R2\n")
		body = string(res.body)
		if res.status != 200 || !strings.Contains(body, "Imported 2 payouts from good.csv") || !strings.Contains(body, `data-status="underpaid"`) ||
			!regexp.MustCompile(`id="matched"(?s:.*)Alan AE`).MatchString(body) {
			t.Errorf("good payouts: %d\n%s", res.status, body)
		}
		// The AE sees the payout next to the statement; partner A its own.
		if body := string(e.get(ae, "/comp?period=2026-Q1").body); !strings.Contains(body, `id="payout-status">matched`) {
			t.Error("the AE page does not show the matched payout")
		}
		pa, _ := e.signIn("user@alpha.test")
		if body := string(e.get(pa, "/comp/partner?period=2026-Q1").body); !strings.Contains(body, `id="payout-status">underpaid`) {
			t.Error("the partner page does not show the underpayment")
		}

		// Close: the confirmation page, then the post; the period is frozen; closing again is refused.
		if body := string(e.get(revops, "/comp/periods/2026-Q1/close").body); !strings.Contains(body, `id="confirm-close"`) {
			t.Error("no confirmation before closing")
		}
		res = post(revops, "/comp/periods/2026-Q1/close", url.Values{"csrf_token": {csrf}}, false)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/comp/periods?closed=2026-Q1" || periodStatus() != "closed" {
			t.Fatalf("close: %d %q", res.status, res.header.Get("Location"))
		}
		body = string(e.get(revops, "/comp/periods?closed=2026-Q1").body)
		if !strings.Contains(body, `data-period="2026-Q1" data-status="closed"`) || !strings.Contains(body, "closed · frozen") ||
			strings.Contains(body, `href="/comp/periods/2026-Q1/close"`) {
			t.Errorf("periods after the close:\n%s", body)
		}
		res = post(revops, "/comp/periods/2026-Q1/close", url.Values{"csrf_token": {csrf}}, false)
		if res.status != 409 || !strings.Contains(string(res.body), "closed already") {
			t.Errorf("close again: %d", res.status)
		}
		if body := string(e.get(ae, "/comp?period=2026-Q1").body); !strings.Contains(body, `id="period-frozen"`) {
			t.Error("the AE page does not mark the closed period frozen")
		}
	})
}

// TestCompReviewBanner renders the AE page of a statement flagged for performance review.
func TestCompReviewBanner(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	st := &comp.Statement{Period: "2026-Q1", PayeeKind: comp.PayeeAE, PayeeID: 1, Name: "Alan AE", PerformanceReview: true,
		Lines: []comp.Line{{OpportunityID: 7, DealExternal: "O-X", Kind: comp.LineForfeit, Rule: "ae.forfeit", Explanation: "forfeited"}}}
	f := compFrame{Currency: "USD", Period: sqlstore.CompPeriod{ID: "2026-Q1"}}
	d := compAEData{compFrame: f, compStatementView: compStatementView{Payee: sqlstore.CompPayee{ID: 1, Name: "Alan AE"}, Statement: st, Lines: f.lines(st, "")}}
	var buf bytes.Buffer
	must(t, e.srv.pages.byName["comp_ae"].ExecuteTemplate(&buf, "layout", view{Data: d}))
	if !strings.Contains(buf.String(), `id="review-banner"`) || !strings.Contains(buf.String(), `class="forfeit"`) {
		t.Errorf("no performance review banner:\n%s", buf.String())
	}
	d.Statement.PerformanceReview = false
	buf.Reset()
	must(t, e.srv.pages.byName["comp_ae"].ExecuteTemplate(&buf, "layout", view{Data: d}))
	if strings.Contains(buf.String(), `id="review-banner"`) {
		t.Error("a banner without a review")
	}
}

func TestRateText(t *testing.T) {
	t.Parallel()
	for bp, want := range map[int]string{0: "", 800: "8%", 1250: "12.5%", 1205: "12.05%", 10000: "100%", -50: "-0.5%", -1250: "-12.5%"} {
		if got := rateText(bp); got != want {
			t.Errorf("rateText(%d) = %q, want %q", bp, got, want)
		}
	}
	for _, tc := range []struct {
		change, base tandem.Money
		want         string
	}{{10, 100, "+10.0%"}, {-1, 3, "-33.3%"}, {0, 5, "0.0%"}, {5, 0, ""}, {1, 8, "+12.5%"}, {3, 16000, "0.0%"}} {
		if got := changePercent(tc.change, tc.base); got != tc.want {
			t.Errorf("changePercent(%d, %d) = %q, want %q", tc.change, tc.base, got, tc.want)
		}
	}
}
