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
		o := w.acmeWin(t, c.t)
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

// TestWarmReadsThePortfolioOnce warms the cache, checks that the ledger read after it equals one read
// without a cache, that a second warm with nothing changed reads nothing, and that a changed deal is
// warmed again and shows in the ledger.
func TestWarmReadsThePortfolioOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		o := w.acmeWin(t, c.t)
		cached := &Service{Store: s, Cache: NewCache()}
		fresh := &Service{Store: s}
		win, err := ParseWindow("", "", c.t)
		must(t, err)
		ledger := func(svc *Service) string {
			t.Helper()
			l, err := svc.ReadLedger(ctx, admin, win)
			must(t, err)
			return fmt.Sprintf("%+v", l.Returns(portfolio.ByQuarter, true))
		}

		must(t, cached.Warm(ctx, c.t))
		if !cached.Cache.dealsRead || len(cached.Cache.deals) != 1 {
			t.Fatalf("after Warm the cache holds %d deals (read %v), want the 1 closed deal", len(cached.Cache.deals), cached.Cache.dealsRead)
		}
		if got, want := ledger(cached), ledger(fresh); got != want {
			t.Fatalf("ledger after Warm:\n%s\nwant (no cache):\n%s", got, want)
		}
		// Nothing changed: a second warm must not read the deals again (a read would refill the
		// emptied slice).
		cached.Cache.mu.Lock()
		cached.Cache.deals, cached.Cache.dealsRead = nil, false
		cached.Cache.mu.Unlock()
		must(t, cached.Warm(ctx, c.t))
		if cached.Cache.deals != nil {
			t.Fatal("a second Warm with nothing changed read the deals again")
		}

		o.ACV = tandem.Major(150000)
		must(t, s.UpdateOpportunity(ctx, admin, &o))
		must(t, cached.Warm(ctx, c.t))
		if len(cached.Cache.deals) != 1 || cached.Cache.deals[0].ACV != tandem.Major(150000) {
			t.Fatalf("after the ACV change Warm holds %+v, want the deal at %d", cached.Cache.deals, tandem.Major(150000))
		}
		if got, want := ledger(cached), ledger(fresh); got != want {
			t.Errorf("ledger after the change:\n%s\nwant (no cache):\n%s", got, want)
		}
	})
}
