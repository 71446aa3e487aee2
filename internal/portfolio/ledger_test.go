package portfolio

import (
	"math/big"
	"testing"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

func TestReturns(t *testing.T) {
	t.Parallel()
	jan, feb, apr := Month(2026*12), Month(2026*12+1), Month(2026*12+3)
	m := tandem.Major
	spend := []SpendLine{
		{ID: "S-1", Month: jan, Motion: "co_sell", Segment: "mid", Kind: "content", Amount: m(10000)},
		{ID: "S-2", Month: feb, Motion: "Co-Sell", Segment: "mid", Kind: "mdf", Amount: m(5000)},
		{ID: "S-3", Month: apr, Motion: "direct", Segment: "ent", Kind: "event", Amount: m(20000)},
	}
	deals := []DealLine{
		{ID: "D-1", Month: jan, Motion: "co_sell", Segment: "mid", Won: true, NewCustomer: true, GrossMargin: m(30000)},
		{ID: "D-2", Month: feb, Motion: "co_sell", Segment: "mid", Won: true, NewCustomer: false, GrossMargin: m(15000)},
		{ID: "D-3", Month: feb, Motion: "co_sell", Segment: "mid", Won: false, GrossMargin: m(99999)},
		{ID: "D-4", Month: feb, Motion: "co_sell", Segment: "mid", Won: true, NewCustomer: true, GrossMargin: 1},
		{ID: "D-5", Month: apr, Motion: "partner_sourced", Segment: "ent", Won: true, NewCustomer: true, GrossMargin: m(8000)},
	}
	got := Returns(spend, deals, ByQuarter)
	want := []ReturnsRow{
		{
			// (45,000.01 − 15,000) ÷ 15,000 = 3,000,001 / 1,500,000; CAC 15,000 ÷ 2 new customers.
			Period: "2026-Q1", Motion: "co_sell", Segment: "mid", Spend: m(15000), GrossMargin: m(45000) + 1,
			Deals: 3 + 1, Wins: 3, NewCustomers: 2, ROMI: big.NewRat(3000001, 1500000), CAC: m(7500), CACKnown: true,
			SpendLines: []string{"S-1", "S-2"}, DealLines: []string{"D-1", "D-2", "D-3", "D-4"},
		},
		{
			Period: "2026-Q2", Motion: "direct", Segment: "ent", Spend: m(20000),
			ROMI: big.NewRat(-1, 1), SpendLines: []string{"S-3"},
		},
		{
			// Margin without spend: no ROMI (not an infinite one); a customer acquired for nothing.
			Period: "2026-Q2", Motion: "partner_sourced", Segment: "ent", GrossMargin: m(8000),
			Deals: 1, Wins: 1, NewCustomers: 1, CAC: 0, CACKnown: true, DealLines: []string{"D-5"},
		},
	}
	ratEqual := cmp.Comparer(func(a, b *big.Rat) bool { return (a == nil) == (b == nil) && (a == nil || a.Cmp(b) == 0) })
	if diff := cmp.Diff(want, got, ratEqual); diff != "" {
		t.Errorf("quarterly returns (-want +got):\n%s", diff)
	}
	if r := got[0].WinRate(); r != 0.75 {
		t.Errorf("win rate %v, want 0.75", r)
	}
	monthly := Returns(spend, deals, ByMonth)
	if len(monthly) != 4 || monthly[0].Period != "2026-01" || monthly[1].Period != "2026-02" || monthly[1].CAC != m(5000) {
		t.Errorf("monthly rows: %+v", monthly)
	}
}
