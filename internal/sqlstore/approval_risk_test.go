package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// TestApprovalQueueByRisk: the whole queue is ordered by each registration's latest conflict risk in
// the query (a page holds the riskiest of all, not of the rows already read), unscored ones last,
// decided ones out, pages follow one order; AEs and partner users may not sort by a score they may
// not see.
func TestApprovalQueueByRisk(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		a := f.newRegistration(t, f.actor1, "Alpha Risky Inc")
		b := f.newRegistration(t, f.actor1, "Bravo Middling Ltd")
		c := f.newRegistration(t, f.actor1, "Charlie Unscored GmbH")
		decided := f.newRegistration(t, f.actor1, "Decided Riskiest SA")
		_, err := s.TransitionRegistration(ctx, f.pm, decided.ID, tandem.EventApprove, "", f.rules)
		must(t, err)

		old := addVersion(t, s, PredictionConflictRisk, 0.7, true)
		cur := addVersion(t, s, PredictionConflictRisk, 0.8, true)
		t0 := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
		score := func(id, model int64, p float64, at time.Time) PredictionScore {
			return PredictionScore{EntityKind: PredictionEntityRegistration, EntityID: id, ModelID: model, Probability: p, ScoredAt: at}
		}
		_, err = s.SaveScores(ctx, []PredictionScore{
			score(a.ID, old.ID, 0.1, t0),                // superseded by the newer score below
			score(a.ID, cur.ID, 0.9, t0.Add(time.Hour)), // the latest: a is the riskiest
			score(b.ID, cur.ID, 0.5, t0.Add(time.Hour)),
			score(f.r2.ID, old.ID, 0.7, t0),
			score(f.r2.ID, cur.ID, 0.3, t0.Add(-time.Hour)), // older than the 0.7
			score(decided.ID, cur.ID, 0.99, t0),
		})
		must(t, err)

		page := func(actor tandem.Actor, limit, offset int) ([]int64, []float64, int) {
			t.Helper()
			items, total, err := s.ApprovalQueueByRisk(ctx, actor, f.rules.ApprovalSLA, 0, limit, offset)
			must(t, err)
			var ids []int64
			var risks []float64
			for _, it := range items {
				ids = append(ids, it.Registration.ID)
				r := -1.0
				if it.Risk != nil {
					r = *it.Risk
				}
				risks = append(risks, r)
				if it.DueAt.IsZero() || it.SLAStatus == "" {
					t.Errorf("registration %d has no SLA: %+v", it.Registration.ID, it)
				}
			}
			return ids, risks, total
		}
		ids, risks, total := page(f.pm, 0, 0)
		if want := []int64{a.ID, f.r2.ID, b.ID, c.ID}; !slices.Equal(ids, want) || total != 4 {
			t.Fatalf("queue by risk = %v (total %d), want %v (total 4)", ids, total, want)
		}
		if want := []float64{0.9, 0.7, 0.5, -1}; !slices.Equal(risks, want) {
			t.Errorf("risks = %v, want %v (-1: unscored)", risks, want)
		}
		// The first page of one holds the riskiest of the whole queue, submitted last.
		if ids, _, total := page(f.revops, 1, 0); !slices.Equal(ids, []int64{a.ID}) || total != 4 {
			t.Errorf("first page of 1 = %v (total %d), want [%d] (total 4)", ids, total, a.ID)
		}
		if ids, _, total := page(f.revops, 2, 2); !slices.Equal(ids, []int64{b.ID, c.ID}) || total != 4 {
			t.Errorf("second page of 2 = %v (total %d), want [%d %d]", ids, total, b.ID, c.ID)
		}
		if ids, _, total := page(f.revops, 2, 10); len(ids) != 0 || total != 4 {
			t.Errorf("past the end = %v (total %d), want none (total 4)", ids, total)
		}
		if _, _, err := s.ApprovalQueueByRisk(ctx, f.revops, f.rules.ApprovalSLA, 0, 0, -1); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("negative offset: %v, want EINVALID", err)
		}
		ae := tandem.Actor{UserID: f.pm.UserID, Role: tandem.RoleAE}
		for _, actor := range []tandem.Actor{f.actor1, ae} {
			if _, _, err := s.ApprovalQueueByRisk(ctx, actor, f.rules.ApprovalSLA, 0, 0, 0); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
				t.Errorf("%s sorts by risk: %v, want EFORBIDDEN", actor.Role, err)
			}
		}
	})
}
