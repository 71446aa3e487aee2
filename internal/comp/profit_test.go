package comp

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

func TestProfitRollupAdd(t *testing.T) {
	t.Parallel()
	deals := []DealProfit{
		{ACV: 10_000, Discount: 1_000, PartnerMargin: 900, SPIFF: 50, MDF: 30, COGS: 1_500, GrossProfit: 6_520},
		{ACV: 5_000, Discount: 1, PartnerMargin: 2, SPIFF: 3, MDF: 4, COGS: 5, GrossProfit: -7},
	}
	r := ProfitRollup{Key: "k"}
	for _, d := range deals {
		if err := r.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	want := ProfitRollup{Key: "k", Deals: 2, ACV: 15_000, Discount: 1_001, PartnerMargin: 902, SPIFF: 53, MDF: 34,
		COGS: 1_505, GrossProfit: tandem.Money(6_513)}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
}
