package server

import (
	"context"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestPortfolioPages renders each page for each kind of user and checks what each may see.
func TestPortfolioPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, []sqlstore.SpendLine{
			{Month: "2026-02", Motion: "co_sell", Segment: "enterprise", Kind: "content", Amount: tandem.Major(7000), Currency: "USD", Source: "t"}})
		must(t, err)
		cases := []pageCase{
			{"cro@vendor.test", "/portfolio?from=2026-01&to=2026-03", 200, []string{`id="spend-chart"`, `data-motion="co_sell"`, "Recommendation"}, nil},
			{"cro@vendor.test", "/portfolio/returns.csv?from=2026-01&to=2026-03&by=month", 200, []string{"period,motion,segment,spend", "2026-02,co_sell,enterprise,7000.00"}, nil},
			{"cro@vendor.test", "/portfolio?from=2026-01&to=2026-03&motion=resell", 200, []string{`data-motion="co_sell"`, "<td>resell</td>"}, []string{"<td>co sell</td>"}},
			{"ae@vendor.test", "/portfolio", 403, nil, nil},
			{"user@alpha.test", "/portfolio", 404, nil, nil},
			{"user@alpha.test", "/mdf", 200, []string{"Alpha Partners", `id="mdf-request-`}, []string{"Beta Systems", "Bergmann", "mdf-queue"}},
			{"user@alpha.test", "/mdf/requests.csv", 200, []string{"ref,partner,period"}, []string{"Beta Systems", ps.refB}},
			{"pm@vendor.test", "/mdf", 200, []string{"mdf-queue", "Bergmann roadshow", "Beta Systems"}, []string{`id="mdf-request-`}},
			{"ae@vendor.test", "/mdf", 200, []string{"Beta Systems"}, []string{"mdf-queue", `action="/mdf/funds/`}},
			{"user@alpha.test", "/certifications", 200, []string{"Alpha Partners", "cert-coverage"}, []string{"Beta Systems", "user@beta.test"}},
			{"cro@vendor.test", "/certifications", 200, []string{"Alpha Partners", "Beta Systems", "cert-gaps"}, nil},
		}
		e.checkPages(t, cases)
	})
}
