package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// The home page's trends bucket deals by the month they were created and registrations by the month
// they were submitted; a partner user counts only its own; the deal list filtered by the same month
// holds as many deals as the bucket counts.
func TestTrends(t *testing.T) {
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		month := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
		bounds := []time.Time{month(1), month(2), month(3), month(4)}

		got, err := s.PipelineTrend(ctx, admin, bounds)
		must(t, err)
		// o1 was created on 2026-01-15; o2 and o3 carry no creation day and are left out.
		want := []TrendCell{{Period: 0, Kind: string(tandem.MotionCoSell), Currency: "USD", Count: 1, Amount: tandem.Major(120000)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pipeline trend (-want +got):\n%s", diff)
		}
		_, n, err := s.ListOpportunities(ctx, admin, OpportunityFilter{CreatedFrom: month(1), CreatedTo: month(2)})
		must(t, err)
		if n != 1 {
			t.Errorf("deals created in January: %d, the trend says 1", n)
		}
		got, err = s.PipelineTrend(ctx, f.actor2, bounds)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("partner 2 sees partner 1's deal in its trend: %+v", got)
		}

		// Registrations: r1 and r2 were submitted "now" (the store clock's day, 2026-03-02).
		got, err = s.RegistrationTrend(ctx, admin, bounds)
		must(t, err)
		total := 0
		for _, c := range got {
			if c.Period != 2 {
				t.Errorf("registration bucketed in period %d, want 2 (March): %+v", c.Period, c)
			}
			total += c.Count
		}
		if total != 2 {
			t.Errorf("registration trend counts %d, want 2: %+v", total, got)
		}
		got, err = s.RegistrationTrend(ctx, f.actor1, bounds)
		must(t, err)
		if len(got) != 1 || got[0].Count != 1 || got[0].Currency != "USD" {
			t.Errorf("partner 1's registration trend: %+v", got)
		}
		_, n, err = s.ListRegistrations(ctx, f.actor1, RegistrationFilter{SubmittedFrom: month(3), SubmittedTo: month(4)})
		must(t, err)
		if n != 1 {
			t.Errorf("partner 1's registrations submitted in March: %d, want 1", n)
		}
		if _, err := s.PipelineTrend(ctx, admin, bounds[:1]); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("one bound: %v", err)
		}
	})
}
