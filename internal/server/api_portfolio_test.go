package server

import (
	"context"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// portfolioSeed gives partner B a fund with one request and a certificate, and partner A a fund, so the
// routes have records of both partners to keep apart.
type portfolioSeed struct {
	fundA, fundB int64
	requestB     int64
	refB         string
}

func seedPortfolio(t *testing.T, e *testEnv) portfolioSeed {
	t.Helper()
	ctx := context.Background()
	opens := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ps portfolioSeed
	for _, p := range []struct {
		partner int64
		id      *int64
	}{{e.ids.partnerA, &ps.fundA}, {e.ids.partnerB, &ps.fundB}} {
		f := sqlstore.MDFFund{PartnerID: p.partner, Period: "2026-H1", Budget: tandem.Major(20000), Currency: "USD", OpensOn: opens,
			ExpiresOn: opens.AddDate(5, 0, 0)}
		must(t, e.store.CreateMDFFund(ctx, tandem.SystemActor, &f))
		*p.id = f.ID
	}
	ch, err := e.srv.enablement().MoveMDF(ctx, tandem.SystemActor, ps.fundB, enablementMove("request", "Bergmann roadshow", tandem.Major(3000)))
	must(t, err)
	ps.requestB, ps.refB = ch.Request.ID, ch.Request.Ref
	must(t, e.store.SaveCurricula(ctx, tandem.SystemActor, []sqlstore.Curriculum{{ID: "core-sales", Name: "Core sales", Role: "partner_sales", Products: []string{"core"}}}))
	_, err = e.store.AddCertifications(ctx, tandem.SystemActor, "seed", []sqlstore.Certification{
		{Person: "user@beta.test", PartnerID: e.ids.partnerB, CurriculumID: "core-sales", CertifiedOn: opens},
		{Person: "user@alpha.test", PartnerID: e.ids.partnerA, CurriculumID: "core-sales", CertifiedOn: opens},
	})
	must(t, err)
	_, err = e.store.AddSpendLines(ctx, tandem.SystemActor, []sqlstore.SpendLine{
		{Month: "2026-01", Motion: "resell", Kind: "mdf", Amount: tandem.Major(100), Currency: "USD", Source: "seed", PartnerID: e.ids.partnerB, Note: "Bergmann"},
	})
	must(t, err)
	return ps
}

// portfolioIsolationCases are the portfolio routes as partner A's user calls them against partner B's records.
func portfolioIsolationCases(t *testing.T, e *testEnv) map[string]isolationCase {
	ps := seedPortfolio(t, e)
	b := func(n int64) string { return itoa(n) }
	return map[string]isolationCase{
		"list-spend":                   {"/portfolio/spend", "", 200},
		"create-spend":                 {"/portfolio/spend", `{"lines":[{"month":"2026-01","motion":"direct","kind":"event","amount":1,"currency":"USD"}]}`, 404},
		"import-spend":                 {"/portfolio/spend/import", "", 404},
		"sync-spend-spiffs":            {"/portfolio/spend/spiffs", "", 404},
		"get-portfolio-returns":        {"/portfolio/returns", "", 404},
		"get-portfolio-recommendation": {"/portfolio/recommendation", "", 404},
		"list-mdf-funds":               {"/mdf/funds", "", 200},
		"create-mdf-fund":              {"/mdf/funds", `{"partner_id":` + b(e.ids.partnerB) + `,"period":"x","budget":1,"currency":"USD","opens_on":"2026-01-01","expires_on":"2027-01-01"}`, 404},
		"list-mdf-requests":            {"/mdf/requests?fund_id=" + b(ps.fundB), "", 200},
		"create-mdf-move":              {"/mdf/funds/" + b(ps.fundB) + "/moves", `{"action":"claim","request":"` + ps.refB + `","amount":100}`, 404},
		"list-mdf-request-events":      {"/mdf/requests/" + b(ps.requestB) + "/events", "", 404},
		"get-mdf-sourced":              {"/mdf/sourced", "", 200},
		"list-certifications":          {"/certifications", "", 200},
		"import-certifications":        {"/certifications/import", "", 404},
		"list-curricula":               {"/certifications/curricula", "", 200},
		"save-curricula":               {"/certifications/curricula", `{"curricula":[{"id":"x","name":"x","role":"ae","verticals":[],"products":[]}]}`, 404},
		"get-certification-report":     {"/certifications/report", "", 200},
	}
}

func enablementMove(action, activity string, amount tandem.Money) enablement.Move {
	return enablement.Move{Action: mdf.ActionKind(action), Activity: activity, Amount: amount}
}

// uploadCSV posts a file (name, content) to the API's path as role.
func (e *testEnv) uploadCSV(role, path, name, content string) response {
	e.t.Helper()
	return e.apiUpload(role, APIPrefix+path, nil, fileField(name, content))
}

// requestMDF has partner A request funds (body: the request move) from its fund of ps, which must
// answer 200 with a request in the state "requested"; it returns the path of the fund's moves and the
// change.
func (e *testEnv) requestMDF(t *testing.T, ps portfolioSeed, body string) (string, sqlstore.MDFChange) {
	t.Helper()
	moves := "/api/v1/mdf/funds/" + itoa(ps.fundA) + "/moves"
	var ch sqlstore.MDFChange
	res := e.do("partner_a", "POST", moves, body)
	res.json(t, &ch)
	if res.status != 200 || ch.Request.State != "requested" {
		t.Fatalf("partner requests: %d %s", res.status, res.body)
	}
	return moves, ch
}

// TestPortfolioAPIRoles walks the MDF workflow and the ledger through the API with each role: partners
// on their own funds only, AEs read-only, channel managers approve and pay.
func TestPortfolioAPIRoles(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		moves, ch := e.requestMDF(t, ps, `{"action":"request","activity":"Acme lunch","amount":500000,"expected_pipeline":10000000,"motion":"co_sell"}`)
		ref := ch.Request.Ref
		steps := []struct {
			role, body string
			want       int
		}{
			{"ae", `{"action":"approve","request":"` + ref + `"}`, 403},
			{"partner_a", `{"action":"approve","request":"` + ref + `"}`, 403},
			{"partner_b", `{"action":"complete_activity","request":"` + ref + `"}`, 404},
			{"partner_manager", `{"action":"claim","request":"` + ref + `","amount":100}`, 409},
			{"partner_manager", `{"action":"approve","request":"` + ref + `"}`, 200},
			{"partner_a", `{"action":"complete_activity","request":"` + ref + `"}`, 200},
			{"partner_a", `{"action":"submit_proof","request":"` + ref + `","attendees":12,"leads":["L-9"]}`, 200},
			{"partner_a", `{"action":"claim","request":"` + ref + `","amount":450000}`, 200},
			{"partner_a", `{"action":"pay","request":"` + ref + `"}`, 403},
			{"partner_manager", `{"action":"pay","request":"` + ref + `"}`, 200},
			{"partner_manager", `{"action":"pay","request":"` + ref + `"}`, 409},
		}
		for i, st := range steps {
			if res := e.do(st.role, "POST", moves, st.body); res.status != st.want {
				t.Fatalf("step %d (%s %s): %d, want %d: %s", i, st.role, st.body, res.status, st.want, res.body)
			}
		}
		var queue []sqlstore.MDFRequest
		e.do("partner_manager", "GET", "/api/v1/mdf/requests?state=requested", nil).json(t, &queue)
		if len(queue) != 1 || queue[0].Ref != ps.refB {
			t.Errorf("approval queue = %+v", queue)
		}
		var mine []sqlstore.MDFRequest
		e.do("partner_a", "GET", "/api/v1/mdf/requests", nil).json(t, &mine)
		if len(mine) != 1 || mine[0].State != "paid" || mine[0].Paid != 450000 {
			t.Errorf("partner A's requests = %+v", mine)
		}
		var evs []sqlstore.MDFEvent
		e.do("ae", "GET", "/api/v1/mdf/requests/"+itoa(mine[0].ID)+"/events", nil).json(t, &evs)
		if len(evs) != 6 {
			t.Errorf("AE reads %d events, want 6", len(evs))
		}
		var spend listBody[sqlstore.SpendLine]
		e.do("partner_a", "GET", "/api/v1/portfolio/spend", nil).json(t, &spend)
		if spend.Total != 1 || spend.Items[0].Kind != "mdf" || spend.Items[0].Amount != 450000 {
			t.Errorf("partner A's spend = %+v", spend)
		}
		// The spend CSV: refused whole with line and column, then stored; AEs cannot import.
		if res := e.uploadCSV("partner_manager", "/portfolio/spend/import", "s.csv", "month,motion,kind,amount,currency\n2026-02,co_sell,content,abc,USD\n"); res.status != 422 ||
			!strings.Contains(string(res.body), `line 2: column \"amount\"`) {
			t.Errorf("bad spend file: %d %s", res.status, res.body)
		}
		if res := e.uploadCSV("ae", "/portfolio/spend/import", "s.csv", "month,motion,kind,amount,currency\n"); res.status != 403 {
			t.Errorf("AE imports spend: %d", res.status)
		}
		if res := e.uploadCSV("partner_manager", "/portfolio/spend/import", "s.csv", "month,motion,kind,amount,currency\n2026-02,co_sell,content,1200.50,USD\n"); res.status != 201 {
			t.Errorf("spend import: %d %s", res.status, res.body)
		}
		// Returns read every deal's margin: executives yes, AEs no.
		if res := e.do("cro", "GET", "/api/v1/portfolio/returns?from=2026-01&to=2026-03&by=month", nil); res.status != 200 ||
			!strings.Contains(string(res.body), `"motion":"co_sell"`) {
			t.Errorf("returns as CRO: %d %s", res.status, res.body)
		}
		if res := e.do("ae", "GET", "/api/v1/portfolio/returns", nil); res.status != 403 {
			t.Errorf("returns as AE: %d", res.status)
		}
		// Certifications: the LMS file, and each partner sees only its own people.
		if res := e.uploadCSV("partner_manager", "/certifications/import", "lms.csv", "person,curriculum,earned,partner\nnew@alpha.test,core-sales,2026-02-01,P-A\n"); res.status != 201 {
			t.Errorf("LMS import: %d %s", res.status, res.body)
		}
		if res := e.uploadCSV("partner_manager", "/certifications/import", "lms.csv", "person,curriculum,earned\nx,nope,2026-02-01\n"); res.status != 422 {
			t.Errorf("LMS with an unknown curriculum: %d %s", res.status, res.body)
		}
		var certs []sqlstore.Certification
		e.do("partner_a", "GET", "/api/v1/certifications", nil).json(t, &certs)
		if len(certs) != 2 {
			t.Errorf("partner A sees %d certificates, want its 2: %+v", len(certs), certs)
		}
	})
}

// TestPortfolioResponsesMatchOpenAPI checks the portfolio routes' responses against the served document.
func TestPortfolioResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		api := newOpenAPIChecker(t, e, e.do("", "GET", "/api/v1/openapi.json", nil).body)
		for _, path := range []string{"/portfolio/spend", "/portfolio/spend?motion=resell&limit=5", "/mdf/funds",
			"/mdf/requests?state=requested", "/mdf/requests/" + itoa(ps.requestB) + "/events", "/certifications",
			"/certifications/curricula", "/certifications/report?at=2026-03-01", "/portfolio/returns?from=2026-01&to=2026-06&segments=true"} {
			t.Run(path, func(t *testing.T) {
				if res, _ := api.get(t, path); res.status != 200 {
					t.Fatalf("%d %s", res.status, res.body)
				}
			})
		}
	})
}

// TestPortfolioCacheFollowsTheData reads returns twice around a write: the cached deal history must
// never hide the new spend line or a deal closed since.
func TestPortfolioCacheFollowsTheData(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		seedPortfolio(t, e)
		spendOf := func() tandem.Money {
			t.Helper()
			var body returnsBody
			res := e.do("cro", "GET", "/api/v1/portfolio/returns?from=2026-01&to=2026-03", nil)
			res.json(t, &body)
			var sum tandem.Money
			for _, r := range body.Totals {
				sum += r.Spend
			}
			return sum
		}
		before := spendOf()
		if again := spendOf(); again != before {
			t.Fatalf("the same data read twice: %s then %s", before, again)
		}
		_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, []sqlstore.SpendLine{
			{Month: "2026-02", Motion: "direct", Kind: "event", Amount: tandem.Major(1234), Currency: "USD", Source: "t"}})
		must(t, err)
		if after := spendOf(); after != before+tandem.Major(1234) {
			t.Fatalf("after a new spend line: %s, want %s", after, before+tandem.Major(1234))
		}
		if res := e.do("ae", "GET", "/api/v1/portfolio/returns", nil); res.status != 403 {
			t.Fatalf("the cache let an AE read returns: %d", res.status)
		}
	})
}

// TestMDFSourcedRoute: a partner's MDF proof names two deals; the partner sees only its own deal linked
// (API and MDF page), channel staff see both, and the portfolio page sums them by motion.
func TestMDFSourcedRoute(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		moves, ch := e.requestMDF(t, ps, `{"action":"request","activity":"Acme lunch","amount":500000,"motion":"co_sell"}`)
		for _, st := range []struct{ role, body string }{
			{"partner_manager", `{"action":"approve","request":"` + ch.Request.Ref + `"}`},
			{"partner_a", `{"action":"complete_activity","request":"` + ch.Request.Ref + `"}`},
			{"partner_a", `{"action":"submit_proof","request":"` + ch.Request.Ref + `","attendees":12,"leads":["o-a","O-B"]}`},
		} {
			if res := e.do(st.role, "POST", moves, st.body); res.status != 200 {
				t.Fatalf("%s %s: %d %s", st.role, st.body, res.status, res.body)
			}
		}
		deals := func(role string) []string {
			t.Helper()
			var rep enablement.SourcedReport
			res := e.do(role, "GET", "/api/v1/mdf/sourced", nil)
			res.json(t, &rep)
			var out []string
			for _, r := range rep.Requests {
				if r.Ref == ch.Request.Ref {
					for _, d := range r.Deals {
						out = append(out, d.ExternalID)
					}
				}
			}
			return out
		}
		if got := deals("partner_a"); len(got) != 1 || got[0] != "O-A" {
			t.Errorf("partner A's linked deals = %v, want [O-A]", got)
		}
		if got := deals("partner_manager"); len(got) != 2 {
			t.Errorf("channel manager's linked deals = %v, want O-A and O-B", got)
		}
		if got := deals("partner_b"); len(got) != 0 {
			t.Errorf("partner B sees partner A's request: %v", got)
		}
		if res := e.do("cro", "GET", "/api/v1/mdf/sourced?from=2026-13-01", nil); res.status != 422 {
			t.Errorf("bad date: %d", res.status)
		}
		get := func(email, path string) string { return string(e.getAs(email, path).body) }
		if body := get("user@alpha.test", "/mdf"); !strings.Contains(body, `data-lead="o-a"`) || strings.Contains(body, "O-B") {
			t.Errorf("partner A's MDF page: links O-A %v, shows O-B %v", strings.Contains(body, `data-lead="o-a"`), strings.Contains(body, "O-B"))
		}
		if body := get("cro@vendor.test", "/portfolio?from=2025-07&to=2026-12"); !strings.Contains(body, `id="mdf-sourced"`) || !strings.Contains(body, "$530,000.00") {
			t.Errorf("portfolio page lacks the MDF-sourced pipeline of $530,000.00")
		}
	})
}
