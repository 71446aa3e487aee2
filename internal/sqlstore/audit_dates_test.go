package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The audit log's date bounds select in the query: from inclusive, before exclusive, with the other
// filters and the total.
func TestListAuditDates(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, withClock, func(t *testing.T, ctx context.Context, s *Store, clk *fixedClock) {
		day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
		for _, at := range []time.Time{day(2).Add(9 * time.Hour), day(3), day(3).Add(23 * time.Hour), day(4).Add(time.Hour)} {
			clk.t = at
			must(t, s.AppendAudit(ctx, admin, "checked", "list-dates", at.Format(time.RFC3339), nil))
		}
		for _, tc := range []struct {
			name string
			f    AuditFilter
			want []string // entity ids, newest first
		}{
			{"the 3rd", AuditFilter{From: day(3), Before: day(4)}, []string{"2026-03-03T23:00:00Z", "2026-03-03T00:00:00Z"}},
			{"from the 3rd", AuditFilter{From: day(3)}, []string{"2026-03-04T01:00:00Z", "2026-03-03T23:00:00Z", "2026-03-03T00:00:00Z"}},
			{"before the 3rd", AuditFilter{Before: day(3)}, []string{"2026-03-02T09:00:00Z"}},
			{"a page of the 3rd on", AuditFilter{From: day(3), Limit: 1, Offset: 1}, []string{"2026-03-03T23:00:00Z"}},
			{"nothing", AuditFilter{From: day(5)}, nil},
		} {
			tc.f.Entity = "list-dates"
			got, total, err := s.ListAudit(ctx, admin, tc.f)
			must(t, err)
			var ids []string
			for _, e := range got {
				ids = append(ids, e.EntityID)
			}
			wantTotal := len(tc.want)
			if tc.f.Limit == 1 {
				wantTotal = 3
			}
			if !slices.Equal(ids, tc.want) || total != wantTotal {
				t.Errorf("%s: %v (total %d), want %v (total %d)", tc.name, ids, total, tc.want, wantTotal)
			}
		}
	})
}
