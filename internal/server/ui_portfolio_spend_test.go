package server

import (
	"context"
	"net/url"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestSpendAndCurriculaPages: the ledger page and its CSV for each kind of user (a partner sees only
// its own lines, filters narrow, a formula in a note is defused), and the curricula page (everyone
// reads; channel staff add; partners and AEs may not).
func TestSpendAndCurriculaPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		seedPortfolio(t, e)
		_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, []sqlstore.SpendLine{
			{Month: "2026-02", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(7000), Currency: "USD", Source: "t", Note: `=HYPERLINK("http://x","y")`},
			{Month: "2026-03", Motion: "direct", Kind: "event", Amount: tandem.Major(500), Currency: "USD", Source: "t", PartnerID: e.ids.partnerA, Note: "Alpha booth"},
		})
		must(t, err)
		cases := []pageCase{
			{"cro@vendor.test", "/portfolio/spend", 200, []string{`id="spend-lines"`, "Bergmann", "Alpha booth", `data-sortable`, "$7,000.00"}, nil},
			{"cro@vendor.test", "/portfolio/spend?motion=co_sell", 200, []string{`data-motion="co_sell"`}, []string{"Alpha booth", "Bergmann"}},
			{"cro@vendor.test", "/portfolio/spend?month=2026-03&kind=event", 200, []string{"Alpha booth", `<span id="spend-count">1</span>`}, []string{"Bergmann"}},
			{"cro@vendor.test", "/portfolio/spend?partner=" + itoa(e.ids.partnerB), 200, []string{"Bergmann"}, []string{"Alpha booth"}},
			{"cro@vendor.test", "/portfolio/spend?from=2026-02&to=2026-03&motion=co_sell&segment=enterprise", 200, []string{`<span id="spend-count">1</span>`}, nil},
			{"cro@vendor.test", "/portfolio/spend?motion=nope", 422, []string{"motion"}, nil},
			{"cro@vendor.test", "/portfolio/spend?month=2026-13", 422, []string{"month like"}, nil},
			{"cro@vendor.test", "/portfolio/spend.csv?motion=co_sell", 200, []string{"id,month,motion", `'=HYPERLINK`}, []string{"Alpha booth"}},
			{"user@alpha.test", "/portfolio/spend", 200, []string{"Alpha booth"}, []string{"Bergmann", "7,000"}},
			{"user@alpha.test", "/portfolio/spend?partner=" + itoa(e.ids.partnerB), 200, []string{`<span id="spend-count">0</span>`}, []string{"Bergmann"}},
			{"user@alpha.test", "/portfolio/spend.csv", 200, []string{"Alpha booth"}, []string{"Bergmann", "HYPERLINK"}},
			{"ae@vendor.test", "/portfolio/spend", 200, []string{"Bergmann"}, nil},
			{"user@alpha.test", "/certifications/curricula", 200, []string{"core-sales", `data-role="partner_sales"`, "required for coverage"}, []string{"curriculum-add"}},
			{"ae@vendor.test", "/certifications/curricula", 200, []string{"core-sales"}, []string{"curriculum-add"}},
			{"pm@vendor.test", "/certifications/curricula", 200, []string{"core-sales", `id="curriculum-add"`}, nil},
			{"cro@vendor.test", "/certifications", 200, []string{`href="/certifications/curricula"`}, nil},
		}
		e.checkPages(t, cases)
		// Adding a curriculum: channel staff may; a partner user and an AE are refused; bad input names the field.
		post := func(email string, form url.Values) response {
			c, csrf := e.signIn(email)
			return e.post(c, csrf, "/certifications/curricula", form)
		}
		good := url.Values{"id": {"tech-core"}, "name": {"Core technical"}, "role": {"partner_technical"}, "products": {"core, edge"}}
		for _, who := range []string{"user@alpha.test", "ae@vendor.test"} {
			if res := post(who, good); res.status != 403 && res.status != 404 {
				t.Errorf("%s adds a curriculum: %d", who, res.status)
			}
		}
		if res := post("pm@vendor.test", url.Values{"id": {"x"}, "role": {"ceo"}, "products": {"core"}}); res.status != 422 || !strings.Contains(string(res.body), "role") {
			t.Errorf("bad role: %d %s", res.status, res.body)
		}
		if res := post("pm@vendor.test", good); res.status != 303 || !strings.Contains(res.header.Get("Location"), "done=tech-core") {
			t.Errorf("channel manager adds a curriculum: %d %s", res.status, res.header.Get("Location"))
		}
		cs, err := e.store.ListCurricula(context.Background())
		must(t, err)
		if len(cs) != 2 || cs[1].ID != "tech-core" || len(cs[1].Products) != 2 {
			t.Errorf("curricula = %+v", cs)
		}
	})
}

// TestPortfolioPDF: the portfolio page as a PDF for executives (ROMI by motion, the MDF-sourced
// pipeline, the recommendation and the rows; the same data gives the same bytes); refused to others.
func TestPortfolioPDF(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		seedPortfolio(t, e)
		_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, []sqlstore.SpendLine{
			{Month: "2026-02", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(7000), Currency: "USD", Source: "t"}})
		must(t, err)
		get := func(email string) response { return e.getAs(email, "/portfolio/report.pdf?from=2026-01&to=2026-03") }
		res := get("cro@vendor.test")
		if res.status != 200 || res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(res.body), "%PDF-") {
			t.Fatalf("CRO: %d %s %.40q", res.status, res.header.Get("Content-Type"), res.body)
		}
		for _, want := range []string{"Enablement portfolio 2026-01 to 2026-03", "ROMI by motion", "co sell", "$7,000.00",
			"MDF-sourced pipeline / won", "Recommendation for next month", "ROMI by period, motion and segment", "LTV = "} {
			if !strings.Contains(string(res.body), want) {
				t.Errorf("the PDF lacks %q", want)
			}
		}
		if again := get("cro@vendor.test"); string(again.body) != string(res.body) {
			a, b := string(res.body), string(again.body)
			i := 0
			for i < min(len(a), len(b)) && a[i] == b[i] {
				i++
			}
			t.Errorf("the same data gave different PDF bytes at %d: %q vs %q", i, a[max(0, i-80):min(len(a), i+40)], b[max(0, i-80):min(len(b), i+40)])
		}
		if res := get("ae@vendor.test"); res.status != 403 {
			t.Errorf("AE: %d, want 403", res.status)
		}
		if res := get("user@alpha.test"); res.status != 404 {
			t.Errorf("partner user: %d, want 404", res.status)
		}
	})
}
