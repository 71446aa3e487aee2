package demo

import (
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// TestDemoCompanyIsPlausible checks the full-size company against what a RevOps person knows of a
// mid-market B2B software vendor: an AE closes roughly $0.6–1.5M a quarter, a deal above $1M is rare,
// and every role a newcomer needs — the CEO included, since conflicts end there — has a sign-in.
func TestDemoCompanyIsPlausible(t *testing.T) {
	t.Parallel()
	ds := generate(t, DefaultConfig(1))

	// Won ACV in USD per AE and completed quarter.
	current := quarterStart(ds.Config.Today)
	type key struct {
		ae      int64
		quarter time.Time
	}
	won := map[key]int64{}
	var big int
	for _, o := range ds.Opportunities {
		usd := int64(o.ACV) * 10000 / usdRateBP[o.Currency] / tandem.MinorUnits
		if usd > 1_000_000 {
			big++
		}
		if o.Stage != tandem.StageClosedWon || !o.CloseDate.Before(current) {
			continue
		}
		won[key{o.OwnerID, quarterStart(o.CloseDate)}] += usd
	}
	var perQuarter []int64
	for _, v := range won {
		perQuarter = append(perQuarter, v)
	}
	slices.Sort(perQuarter)
	median := perQuarter[len(perQuarter)/2]
	p90 := perQuarter[len(perQuarter)*9/10]
	t.Logf("AE-quarters %d: median won $%d, p90 $%d, max $%d; deals above $1M: %d of %d",
		len(perQuarter), median, p90, perQuarter[len(perQuarter)-1], big, len(ds.Opportunities))
	if median < 600_000 || median > 1_500_000 {
		t.Errorf("median AE closes $%d a quarter, want $600,000 to $1,500,000", median)
	}
	if p90 > 2_500_000 {
		t.Errorf("one AE in ten closes more than $%d a quarter, want at most $2,500,000", p90)
	}
	if share := float64(big) / float64(len(ds.Opportunities)); share > 0.03 || big == 0 {
		t.Errorf("%d deals (%.1f %%) above $1M, want some but at most 3 %%", big, 100*share)
	}

	roles := map[tandem.Role]bool{}
	for _, s := range ds.SignIns {
		roles[ds.Users[s.UserID-1].Role] = true
	}
	for _, r := range []tandem.Role{tandem.RoleAdmin, tandem.RoleRevOps, tandem.RoleAE, tandem.RolePartnerManager,
		tandem.RoleVPSales, tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO, tandem.RolePartnerUser} {
		if !roles[r] {
			t.Errorf("no sign-in for role %s", r)
		}
	}
}

// TestConflictOutcomeFitsDealSize: a small deal's conflict is settled by the AE and partner manager;
// only a deal above $1M may climb to the CEO or be left open to climb there.
func TestConflictOutcomeFitsDealSize(t *testing.T) {
	t.Parallel()
	ds := generate(t, Config{Seed: 3, Accounts: 400, Opportunities: 1500})
	for _, o := range ds.History.Outcomes {
		for _, tc := range []struct {
			usd      int64
			maxAfter time.Duration // latest settling allowed
			open     bool          // may stay open
		}{
			{24_800, 64 * time.Hour, false},
			{180_000, 5 * 24 * time.Hour, false},
			{700_000, 6 * 24 * time.Hour, false},
			{2_000_000, 1 << 62, true},
		} {
			got := o.forDeal(tc.usd, Today.AddDate(0, -1, 0), Today) // opened a month ago
			if got.Never && !tc.open {
				t.Errorf("a $%d conflict is left open to climb to the CEO", tc.usd)
			}
			if !got.Never && got.After > tc.maxAfter {
				t.Errorf("a $%d conflict is settled after %v, want by %v", tc.usd, got.After, tc.maxAfter)
			}
			if got.Resolution != o.Resolution || got.Rationale != o.Rationale {
				t.Errorf("forDeal changed the resolution: %+v → %+v", o, got)
			}
		}
		// Opened on the Thursday, a small deal's conflict is still at level 1 — and left open, unless
		// drawn to settle within a day.
		thursday := time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC) // Today is Sunday 15 November
		if got := o.forDeal(24_800, thursday, Today); got.Never != (o.Never || o.After > 24*time.Hour) {
			t.Errorf("a day-old $24,800 conflict drawn %+v: open %v", o, got.Never)
		}
		// Opened on the Monday, it would be at the VPs by now: it is settled, not left open.
		if got := o.forDeal(24_800, thursday.AddDate(0, 0, -3), Today); got.Never {
			t.Errorf("a four-day-old $24,800 conflict is left open to climb")
		}
	}
}
