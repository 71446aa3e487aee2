package comp

import (
	"math"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// Finding 11.1, "make every sum overflow-safe". The input range (MaxAmount) makes a real overflow need
// millions of deals, so these records are built directly with amounts far past it, as data written
// before the range was enforced would be. A sum past int64 must be an error naming the total, never a
// negative (wrapped) statement total or gross profit.
func TestCalculateSumOverflow(t *testing.T) {
	t.Parallel()
	huge := tandem.Money(math.MaxInt64 / 3)
	deals := func(n int, partner int64, at tandem.Attribution, owner int64) []Deal {
		var out []Deal
		for i := range n {
			out = append(out, with(deal(int64(i+1), huge, partner, at), func(d *Deal) { d.OwnerID = owner }))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		deals []Deal
		want  string
	}{
		{"AE quota credit", deals(4, 0, tandem.AttributionDirect, 1), "AE 1's quota credit total past the money range"},
		{"partner statement", deals(40, goldReseller, tandem.AttributionPartnerSourced, 0), "partner 21's statement total past the money range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := Input{Period: q3, AEs: []AE{{UserID: 1, Name: "Ann"}}, Partners: testPartners(), Deals: tc.deals}
			res, err := Calculate(Default(), in)
			if err == nil {
				for _, sts := range [][]Statement{res.AEs, res.Partners} {
					for _, st := range sts {
						t.Logf("%s %d: total %s, credit %s", st.PayeeKind, st.PayeeID, st.Total, st.Credit)
					}
				}
				t.Fatalf("want the error %q, got a result", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || tandem.ErrorCode(err) != tandem.EINVALID {
				t.Fatalf("error %v (%s), want EINVALID %q", err, tandem.ErrorCode(err), tc.want)
			}
		})
	}
}

// A quota credit past 9.2 × 10^14 minor units made credit × 10000 wrap in the attainment; it is now
// exact.
func TestAttainmentOfAHugeCredit(t *testing.T) {
	t.Parallel()
	in := Input{Period: q3, AEs: []AE{{UserID: 1, Name: "Ann", Quota: tandem.MaxAmount}},
		Deals: []Deal{deal(1, 10_000*tandem.MaxAmount, 0, tandem.AttributionDirect)}}
	res := mustCalculate(t, Default(), in)
	if got, want := res.AEs[0].AttainmentBasisPoints, 100_000_000; got != want {
		t.Errorf("attainment = %d bp, want %d (credit %s of quota %s)", got, want, res.AEs[0].Credit, res.AEs[0].Quota)
	}
	if attainment(math.MaxInt64, 1) != math.MaxInt {
		t.Error("attainment past int saturates")
	}
}

func TestAdjustAndWithAdjustmentsOverflow(t *testing.T) {
	t.Parallel()
	res := &Result{Period: "2026-Q3", AEs: []Statement{{Period: "2026-Q3", PayeeKind: PayeeAE, PayeeID: 1, Total: math.MaxInt64 - 1,
		Lines: []Line{{PayeeKind: PayeeAE, PayeeID: 1, OpportunityID: 1, Amount: math.MaxInt64 - 1}}}}}
	adj := []Line{{Period: "2026-Q3", PayeeKind: PayeeAE, PayeeID: 1, OpportunityID: 2, Amount: 5}}
	err := WithAdjustments(res, adj)
	if err == nil || !strings.Contains(err.Error(), "ae 1's statement total past the money range") {
		t.Fatalf("WithAdjustments: %v, want the range error", err)
	}
	if len(res.AEs[0].Lines) != 1 || res.AEs[0].Total != math.MaxInt64-1 {
		t.Errorf("a refused adjustment changed the statement: %+v", res.AEs[0])
	}

	frozen := &Result{Period: "2026-Q2", AEs: []Statement{{PayeeKind: PayeeAE, PayeeID: 1,
		Lines: []Line{{PayeeKind: PayeeAE, PayeeID: 1, OpportunityID: 1, Amount: math.MinInt64 + 1}}}}}
	now := &Result{Period: "2026-Q2", AEs: []Statement{{PayeeKind: PayeeAE, PayeeID: 1,
		Lines: []Line{{PayeeKind: PayeeAE, PayeeID: 1, OpportunityID: 1, Amount: 10}}}}}
	if _, err := Adjust(frozen, now, q3); err == nil || !strings.Contains(err.Error(), "total past the money range") {
		t.Fatalf("Adjust: %v, want the range error", err)
	}
}

// Gross profit by partner showed a negative ACV once a partner's deals summed past int64: the roll-up
// now refuses the sum, naming the row and column, and leaves the row as it was.
func TestRollupOverflow(t *testing.T) {
	t.Parallel()
	half := tandem.Money(math.MaxInt64/2 + 1)
	profit := []DealProfit{{OpportunityID: 1, PartnerID: 7, ACV: half}, {OpportunityID: 2, PartnerID: 7, ACV: half}}
	for _, by := range []string{"owner", "territory", "partner", "motion"} {
		rows, err := Rollup(profit, by)
		if err == nil || !strings.Contains(err.Error(), "ACV total past the money range") || tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("Rollup by %s = %+v, %v; want the ACV range error", by, rows, err)
		}
	}
	r := ProfitRollup{Key: "7"}
	if err := r.Add(profit[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(DealProfit{ACV: 1, GrossProfit: math.MinInt64}); err != nil {
		t.Fatal(err)
	}
	before := r
	if err := r.Add(DealProfit{ACV: 1, GrossProfit: -1}); err == nil || !strings.Contains(err.Error(), "gross profit total") {
		t.Errorf("Add past the range: %v, want the gross profit range error", err)
	}
	if r != before {
		t.Errorf("a refused Add changed the row: %+v, was %+v", r, before)
	}
}

func TestCompareOverflow(t *testing.T) {
	t.Parallel()
	one := func(amount tandem.Money, kind LineKind) *Result {
		return &Result{Period: "2026-Q3", AEs: []Statement{{PayeeKind: PayeeAE, PayeeID: 1, Total: amount,
			Lines: []Line{{PayeeKind: PayeeAE, PayeeID: 1, OpportunityID: 1, Kind: kind, Amount: amount}}}}}
	}
	// The change between the plans leaves the range.
	if w, err := Compare(one(math.MinInt64+1, LineClawback), one(math.MaxInt64-1, LineCommission)); err == nil || !strings.Contains(err.Error(), "change total past the money range") {
		t.Errorf("Compare = %+v, %v; want the range error", w, err)
	}
	// A plan's total over several periods leaves the range.
	big := one(math.MaxInt64-1, LineCommission)
	if w, err := CompareAll([]*Result{big, big}, []*Result{one(0, LineCommission)}); err == nil || !strings.Contains(err.Error(), "the base plan's") {
		t.Errorf("CompareAll = %+v, %v; want the base plan's range error", w, err)
	}
}
