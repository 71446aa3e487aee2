package comp

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// quarterInput generates a full quarter: deals closed deals across aes AEs and partners partners, a
// realistic mix of attributions, one deal in ten in EUR, some splits, registrations and forfeits.
func quarterInput(deals, aes, partners int) Input {
	r := rand.New(rand.NewPCG(1, 2))
	in := Input{Period: q3, AEs: make([]AE, aes), Partners: make([]Partner, partners), Deals: make([]Deal, deals)}
	for i := range in.AEs {
		in.AEs[i] = AE{UserID: int64(i + 1), Name: fmt.Sprintf("AE %d", i+1), TerritoryID: int64(i % 20)}
	}
	for i := range in.Partners {
		in.Partners[i] = Partner{ID: int64(10_000 + i), Name: fmt.Sprintf("Partner %d", i), Tier: tandem.Tiers[i%4], Type: tandem.PartnerTypes[i%3]}
	}
	span := int64(q3.End.Sub(q3.Start))
	for i := range in.Deals {
		d := Deal{OpportunityID: int64(i + 1), ExternalID: fmt.Sprintf("OPP-%07d", i+1), OwnerID: int64(1 + r.IntN(aes)),
			ACV: tandem.Money(500_000 + r.Int64N(20_000_000)), Currency: "USD", DiscountBasisPoints: r.IntN(2000), COGSBasisPoints: 1500,
			ClosedOn: q3.Start.Add(time.Duration(r.Int64N(span))), Motion: tandem.MotionDirect, Attribution: tandem.AttributionDirect}
		if i%10 == 0 {
			d.Currency = "EUR"
		}
		if r.IntN(3) > 0 {
			d.PartnerID = in.Partners[r.IntN(partners)].ID
			d.Attribution = tandem.Attributions[1+r.IntN(3)]
			d.Registered = r.IntN(2) == 0
			if d.Attribution == tandem.AttributionPartnerLed {
				d.Motion = tandem.MotionCoSell
			}
			if r.IntN(100) == 0 {
				d.Split = &Split{ConflictID: int64(i), PartnerShareBasisPoints: 5000, Rationale: "escalation split"}
			}
		}
		d.Cannibalisation = r.IntN(1000) == 0
		in.Deals[i] = d
	}
	return in
}

// BenchmarkCalculateQuarter recalculates a full quarter: 1,000,000 closed deals, 500 AEs, 2,000
// partners. scripts/bench-comp.sh runs it and reports peak memory.
func BenchmarkCalculateQuarter(b *testing.B) {
	in := quarterInput(1_000_000, 500, 2_000)
	p := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Calculate(p, in)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Profit) != len(in.Deals) {
			b.Fatal("missing profit rows")
		}
	}
}
