package enablement

import (
	"context"
	"fmt"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestCachedLedgerFollowsAChangedDeal reads the ledger through the cache, changes a closed deal's ACV
// and then its stage, and checks that each read after a change shows it: the cache is keyed by the data
// version, which each change moves (the cannibalisation flag, written without audit, is checked on the
// version itself in sqlstore's TestPortfolioDataVersionMovesWithEachDealInput).
func TestCachedLedgerFollowsAChangedDeal(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		w.svc.Cache = NewCache()
		acme := tandem.Account{ExternalID: "A-ACME", Name: "Acme Retail", Country: "US"}
		must(t, s.CreateAccount(ctx, admin, &acme))
		created := c.t.AddDate(0, -3, 0)
		o := tandem.Opportunity{ExternalID: "O-1", Name: "O-1", AccountID: acme.ID, PartnerID: w.p1.ID, ProductType: tandem.ProductCore,
			ACV: tandem.Major(50000), Currency: "USD", Stage: tandem.StageClosedWon, ForecastCategory: tandem.ForecastClosed, Country: "US",
			CreatedOn: created, CloseDate: c.t.AddDate(0, -1, 0)}
		must(t, s.CreateOpportunity(ctx, admin, &o))
		win := Window{From: portfolio.Month(2025*12 + 6), To: portfolio.Month(2026*12 + 1)}
		read := func() string {
			t.Helper()
			l, err := w.svc.ReadLedger(ctx, admin, win)
			must(t, err)
			if len(l.Deals) != 1 {
				t.Fatalf("%d deals in the ledger, want 1", len(l.Deals))
			}
			d := l.Deals[0]
			return fmt.Sprintf("acv=%d won=%v segment=%s", d.ACV, d.Won, d.Segment)
		}
		if got, want := read(), fmt.Sprintf("acv=%d won=true segment=mid_market", tandem.Major(50000)); got != want {
			t.Fatalf("first read: %s, want %s", got, want)
		}
		o.ACV = tandem.Major(150000)
		must(t, s.UpdateOpportunity(ctx, admin, &o))
		if got, want := read(), fmt.Sprintf("acv=%d won=true segment=enterprise", tandem.Major(150000)); got != want {
			t.Errorf("after the ACV change: %s, want %s", got, want)
		}
		o.Stage, o.ForecastCategory = tandem.StageClosedLost, tandem.ForecastOmitted
		must(t, s.UpdateOpportunity(ctx, admin, &o))
		if got, want := read(), fmt.Sprintf("acv=%d won=false segment=enterprise", tandem.Major(150000)); got != want {
			t.Errorf("after the stage change: %s, want %s", got, want)
		}
	})
}
