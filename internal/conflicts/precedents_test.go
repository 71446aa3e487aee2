package conflicts

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestSimilarity checks the precedent weights: cause 0.4, rule 0.2, product type 0.15, ACV band 0.15
// (less per band apart) and partner tier 0.1, rounded to three decimals.
func TestSimilarity(t *testing.T) {
	t.Parallel()
	detail := func(cause tandem.ConflictCause, rule string, pt tandem.ProductType, band string, tier tandem.Tier) *tandem.ConflictDetail {
		d := &tandem.ConflictDetail{Segment: band, PartnerTier: tier}
		d.Cause, d.Rule, d.ProductType = cause, rule, pt
		return d
	}
	base := detail(tandem.CausePartnerOverlap, "under-250k", tandem.ProductCore, tandem.BandMid, tandem.TierGold)
	tests := []struct {
		name  string
		other *tandem.ConflictDetail
		want  float64
	}{
		{"identical", detail(tandem.CausePartnerOverlap, "under-250k", tandem.ProductCore, tandem.BandMid, tandem.TierGold), 1},
		{"other cause", detail(tandem.CauseDirectOverlap, "under-250k", tandem.ProductCore, tandem.BandMid, tandem.TierGold), 0.6},
		{"one band apart", detail(tandem.CausePartnerOverlap, "under-250k", tandem.ProductCore, tandem.BandSmall, tandem.TierGold), 0.95},
		{"two bands apart", detail(tandem.CausePartnerOverlap, "under-250k", tandem.ProductCore, tandem.BandStrategic, tandem.TierGold), 0.9},
		{"nothing shared but the band", detail(tandem.CauseAttribution, "over-1m", "", tandem.BandMid, tandem.TierSilver), 0.15},
	}
	for _, tt := range tests {
		if got := similarity(base, tt.other); got != tt.want {
			t.Errorf("%s: similarity %v, want %v", tt.name, got, tt.want)
		}
		if got := similarity(tt.other, base); got != tt.want {
			t.Errorf("%s (reversed): similarity %v, want %v", tt.name, got, tt.want)
		}
	}
}
