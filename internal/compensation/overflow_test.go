package compensation

import (
	"context"
	"math"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Finding 11.1: a closed period's statement rebuilt for adjustments is a checked sum — lines past the
// money range (data written before the range was enforced) give an error naming the statement, not a
// wrapped total that would turn into a huge adjustment.
func TestStripAdjustmentsOverflow(t *testing.T) {
	t.Parallel()
	st := tandem.CompStatement{Period: "2026-Q2", PayeeKind: tandem.PayeePartner, PayeeID: 21, Lines: []tandem.CompLine{
		{OpportunityID: 1, Amount: math.MaxInt64 - 10},
		{OpportunityID: 2, Amount: 1_000, AdjustsPeriod: "2026-Q1"}, // dropped: it paid for an earlier period
	}}
	got, err := stripAdjustments(st)
	if err != nil || got.Total != math.MaxInt64-10 || len(got.Lines) != 1 {
		t.Fatalf("stripAdjustments = %+v, %v", got, err)
	}
	_, err = stripAdjustments(st, tandem.CompLine{OpportunityID: 3, Amount: 11})
	if err == nil || !strings.Contains(err.Error(), "2026-Q2 partner 21's statement total past the money range") || tandem.ErrorCode(err) != tandem.EINVALID {
		t.Fatalf("stripAdjustments past the range: %v, want the range error", err)
	}
}

// A payout file whose total leaves the money range is refused whole, before anything is written, on
// both engines (the import path's range check makes this need millions of rows; the store checks
// anyway).
func TestStorePayoutsTotalOverflow(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rows := []tandem.Payout{
			{Line: 2, Period: "2026-Q2", PayeeKind: "partner", PayeeID: 1, Amount: math.MaxInt64, Reference: "A"},
			{Line: 3, Period: "2026-Q2", PayeeKind: "partner", PayeeID: 1, Amount: 1, Reference: "B"},
		}
		imp, err := s.StorePayouts(ctx, revops, "big.csv", rows)
		if err == nil || !strings.Contains(err.Error(), "big.csv: the payouts' total past the money range") {
			t.Fatalf("StorePayouts = %+v, %v; want the range error", imp, err)
		}
		wantCode(t, err, tandem.EINVALID)
		got, err := s.CompPeriodPayouts(ctx, "2026-Q2")
		if err != nil || len(got) != 0 {
			t.Fatalf("after a refused import: %d payouts, %v", len(got), err)
		}
	})
}
