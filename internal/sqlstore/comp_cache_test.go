package sqlstore

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
)

// TestCompCacheSeesEveryChange: the reconciliation and gross profit kept in a compensation.Cache over
// CompDataVersion equal the uncached ones after each kind of change — an audited deal edit, a quota, a
// cannibalisation flag and a conflict split written with neither an audit entry nor a new updated_at
// (the clock is fixed), a payout import and the period's close — and each change does show.
func TestCompCacheSeesEveryChange(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		cache := compensation.NewCache(s.CompDataVersion)
		type figures struct {
			Recon  *compensation.Reconciliation
			Profit *compensation.GrossProfitReport
			ByRep  *compensation.GrossProfitReport
		}
		figuresBy := func(step string, reconcile func(context.Context, compensation.Store, tandem.Actor, string) (*compensation.Reconciliation, error),
			profit func(context.Context, compensation.Store, tandem.Actor, string, string) (*compensation.GrossProfitReport, error)) figures {
			t.Helper()
			var fig figures
			var err error
			if fig.Recon, err = reconcile(ctx, s, f.revops, f.q1); err != nil {
				t.Fatalf("%s: reconcile: %v", step, err)
			}
			if fig.Profit, err = profit(ctx, s, f.revops, f.q1, "deal"); err != nil {
				t.Fatalf("%s: gross profit: %v", step, err)
			}
			if fig.ByRep, err = profit(ctx, s, f.revops, f.q1, "rep"); err != nil {
				t.Fatalf("%s: gross profit by rep: %v", step, err)
			}
			return fig
		}
		read := func(step string) figures {
			t.Helper()
			figuresBy(step, cache.Reconcile, cache.GrossProfit)
			cached := figuresBy(step, cache.Reconcile, cache.GrossProfit) // served from the cache
			fresh := figuresBy(step, compensation.Reconcile, compensation.GrossProfit)
			if !reflect.DeepEqual(cached, fresh) {
				t.Fatalf("%s: cached figures differ from fresh ones:\ncached %+v\nfresh  %+v", step, cached, fresh)
			}
			return fresh
		}
		before := read("seeded")
		changed := func(step string, change func(a, b figures) bool) {
			t.Helper()
			after := read(step)
			if !change(before, after) {
				t.Fatalf("%s: the figures did not change:\nbefore %+v\nafter  %+v", step, before, after)
			}
			before = after
		}
		expectedMoved := func(a, b figures) bool { return a.Recon.Expected != b.Recon.Expected }

		f.o1.ACV += tandem.Major(10000)
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		changed("deal value", func(a, b figures) bool {
			return expectedMoved(a, b) && a.Profit.Total.GrossProfit != b.Profit.Total.GrossProfit
		})

		if _, err := s.write.ExecContext(ctx, `UPDATE opportunities SET cannibalisation_flag = $1 WHERE id = $2`, true, f.o4.ID); err != nil {
			t.Fatal(err)
		}
		changed("cannibalisation flag", expectedMoved)

		f.splitConflict(t, s, f.o1.ID)
		changed("conflict split", expectedMoved)

		must(t, s.UpsertCompQuotas(ctx, f.revops, []CompQuota{{UserID: f.ae.ID, Period: "2026-q1", Amount: tandem.Major(1000)}}))
		changed("quota", expectedMoved) // far over a tiny quota, the AE earns the accelerators

		res, err := compensation.CalculatePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		pay := "payee_kind,payee,period,amount,reference\nae,ada@vendor.test,2026-Q1," +
			statementOf(res, comp.PayeeAE, f.ae.ID).Total.String() + ",PAY-1\n"
		_, err = compensation.ImportPayouts(ctx, s, f.revops, "payouts.csv", strings.NewReader(pay))
		must(t, err)
		changed("payout", func(a, b figures) bool { return a.Recon.Paid != b.Recon.Paid && b.Recon.Matched == a.Recon.Matched+1 })

		_, err = compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		f.o2.ACV += tandem.Major(5000) // after the close: the frozen figures stay
		must(t, s.UpdateOpportunity(ctx, admin, &f.o2))
		after := read("closed")
		if !reflect.DeepEqual(after.Recon, before.Recon) || !reflect.DeepEqual(after.Profit, before.Profit) {
			t.Fatalf("closing changed the figures:\nbefore %+v\nafter  %+v", before, after)
		}
	})
}

// frozenReadCounter is the store counting the frozen results and the period inputs read from it.
type frozenReadCounter struct {
	*Store
	reads, inputs atomic.Int64
}

func (c *frozenReadCounter) FrozenCompResult(ctx context.Context, id string) ([]byte, error) {
	c.reads.Add(1)
	return c.Store.FrozenCompResult(ctx, id)
}

func (c *frozenReadCounter) CompPeriodInput(ctx context.Context, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompInput, []tandem.AttributionFacts, error) {
	c.inputs.Add(1)
	return c.Store.CompPeriodInput(ctx, p, payee)
}

// TestCompCacheKeepsClosedPeriodsDecoded: the reconciliation of the period the adjustments land in,
// through a compensation.Cache, decodes the closed period's frozen result once and keeps it across data
// versions, yet equals the uncached reconciliation, and a later change to a closed period's deal shows
// as an adjustment.
func TestCompCacheKeepsClosedPeriodsDecoded(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		_, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		const landing = "2026-Q2" // the fixture's clock stands in April: Q1's adjustments land here
		counted := &frozenReadCounter{Store: s}
		cache := compensation.NewCache(s.CompDataVersion)
		reconcile := func(step string) *compensation.Reconciliation {
			t.Helper()
			cached, err := cache.Reconcile(ctx, counted, f.revops, landing)
			if err != nil {
				t.Fatalf("%s: cached reconcile: %v", step, err)
			}
			fresh, err := compensation.Reconcile(ctx, s, f.revops, landing)
			if err != nil {
				t.Fatalf("%s: reconcile: %v", step, err)
			}
			if !reflect.DeepEqual(cached, fresh) {
				t.Fatalf("%s: cached reconciliation differs from the fresh one:\ncached %+v\nfresh  %+v", step, cached, fresh)
			}
			return cached
		}
		before := reconcile("closed")
		if n := counted.reads.Load(); n == 0 {
			t.Fatalf("the first reconciliation read no frozen result")
		}

		counted.reads.Store(0)
		f.o1.ACV += tandem.Major(10000) // a closed period's deal: an adjustment lands in Q2
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		after := reconcile("closed deal changed")
		if after.Expected == before.Expected {
			t.Fatalf("the adjustment for the changed deal did not show: expected stays %v", after.Expected)
		}
		if n := counted.reads.Load(); n != 0 {
			t.Fatalf("after a write the cache read %d frozen results again, want the decoded ones kept", n)
		}
	})
}

// TestCompCacheWarmComputesTheReconciliation: after Warm, the reconciliation of the current quarter and
// of the period the adjustments land in reads no period input — Warm computed it — and equals the
// uncached one, also after a change to a closed period's deal warmed again; Warm with nothing changed
// reads no input either.
func TestCompCacheWarmComputesTheReconciliation(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedComp, func(t *testing.T, ctx context.Context, s *Store, f *compFixture) {
		counted := &frozenReadCounter{Store: s}
		cache := compensation.NewCache(s.CompDataVersion)
		now := f.clock.t
		current := tandem.QuarterOf(now).ID
		viewed := func(step string, periods ...string) {
			t.Helper()
			counted.inputs.Store(0)
			for _, id := range periods {
				cached, err := cache.Reconcile(ctx, counted, f.revops, id)
				if err != nil {
					t.Fatalf("%s: cached reconcile %s: %v", step, id, err)
				}
				fresh, err := compensation.Reconcile(ctx, s, f.revops, id)
				if err != nil {
					t.Fatalf("%s: reconcile %s: %v", step, id, err)
				}
				if !reflect.DeepEqual(cached, fresh) {
					t.Fatalf("%s: cached reconciliation of %s differs from the fresh one:\ncached %+v\nfresh  %+v", step, id, cached, fresh)
				}
			}
			if n := counted.inputs.Load(); n != 0 {
				t.Fatalf("%s: the views read %d period inputs after Warm, want none", step, n)
			}
		}
		must(t, cache.Warm(ctx, counted, now))
		viewed("no period closed", current)

		_, err := compensation.ClosePeriod(ctx, s, f.revops, f.q1)
		must(t, err)
		must(t, cache.Warm(ctx, counted, now))
		viewed("Q1 closed", current)
		before, err := compensation.Reconcile(ctx, s, f.revops, current)
		must(t, err)

		counted.inputs.Store(0)
		must(t, cache.Warm(ctx, counted, now))
		if n := counted.inputs.Load(); n != 0 {
			t.Fatalf("Warm with nothing changed read %d period inputs", n)
		}

		f.o1.ACV += tandem.Major(10000) // a closed period's deal: an adjustment lands in the current quarter
		must(t, s.UpdateOpportunity(ctx, admin, &f.o1))
		must(t, cache.Warm(ctx, counted, now))
		viewed("closed deal changed", current)
		after, err := compensation.Reconcile(ctx, s, f.revops, current)
		must(t, err)
		if after.Expected == before.Expected {
			t.Fatalf("the adjustment for the changed deal did not show: expected stays %v", after.Expected)
		}
	})
}
