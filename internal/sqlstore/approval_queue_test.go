package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The approval queue's filters (partner, company, product, SLA status) select in the query what the
// unfiltered queue holds, and the page is taken after the status filter so totals and pages agree.
func TestListApprovalQueueFilters(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		friday, tuesday := f.fridayAndTuesday(t)
		other := f.newRegistration(t, f.actor2, "Contoso Tuesday Deal")
		f.clock.t = time.Date(2026, 3, 12, 12, 0, 0, 0, time.UTC)
		sla := f.rules.ApprovalSLA

		list := func(qf ApprovalQueueFilter) ([]int64, int) {
			t.Helper()
			items, total, err := s.ListApprovalQueue(ctx, f.pm, sla, 0, qf)
			must(t, err)
			var ids []int64
			for _, it := range items {
				ids = append(ids, it.Registration.ID)
			}
			return ids, total
		}
		all, _, err := s.ApprovalQueue(ctx, f.pm, sla, 0, 0)
		must(t, err)
		// What each filter should keep, read off the unfiltered queue.
		keep := func(ok func(ApprovalQueueItem) bool) []int64 {
			var ids []int64
			for _, it := range all {
				if ok(it) {
					ids = append(ids, it.Registration.ID)
				}
			}
			return ids
		}
		cases := []struct {
			name   string
			filter ApprovalQueueFilter
			want   []int64
		}{
			{"partner 2", ApprovalQueueFilter{PartnerID: f.p2.ID}, keep(func(it ApprovalQueueItem) bool { return it.Registration.PartnerID == f.p2.ID })},
			{"company", ApprovalQueueFilter{Query: "TUESDAY"}, []int64{tuesday.ID, other.ID}},
			{"company and partner", ApprovalQueueFilter{Query: "tuesday", PartnerID: f.p1.ID}, []int64{tuesday.ID}},
			{"breached", ApprovalQueueFilter{SLAStatus: tandem.SLABreached}, keep(func(it ApprovalQueueItem) bool { return it.SLAStatus == tandem.SLABreached })},
			{"on track", ApprovalQueueFilter{SLAStatus: tandem.SLAOnTrack}, []int64{friday.ID}},
			{"product none", ApprovalQueueFilter{ProductType: tandem.ProductAddon}, nil},
		}
		for _, c := range cases {
			got, total := list(c.filter)
			if !slices.Equal(got, c.want) || total != len(c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.name, got, total, c.want)
			}
		}
		// Pages of one come in the unfiltered order, the total the whole count.
		breached := keep(func(it ApprovalQueueItem) bool { return it.SLAStatus == tandem.SLABreached })
		if len(breached) < 2 {
			t.Fatalf("the seed should breach at least two: %v", breached)
		}
		if got, total := list(ApprovalQueueFilter{SLAStatus: tandem.SLABreached, Limit: 1, Offset: 1}); !slices.Equal(got, breached[1:2]) || total != len(breached) {
			t.Errorf("second page of one: %v (total %d), want %v of %d", got, total, breached[1:2], len(breached))
		}
		if got, total := list(ApprovalQueueFilter{Offset: 100}); got != nil || total != len(all) {
			t.Errorf("past the end: %v (total %d)", got, total)
		}
		// The counts by SLA status are the unfiltered queue's, narrowed by the other filters only.
		counts, err := s.ApprovalQueueSLACounts(ctx, f.pm, sla, 0, ApprovalQueueFilter{SLAStatus: tandem.SLAOnTrack, PartnerID: f.p1.ID})
		must(t, err)
		for _, st := range []tandem.SLAStatus{tandem.SLABreached, tandem.SLAAtRisk, tandem.SLAOnTrack} {
			if want := len(keep(func(it ApprovalQueueItem) bool { return it.SLAStatus == st && it.Registration.PartnerID == f.p1.ID })); counts[st] != want {
				t.Errorf("%s count for partner 1: %d, want %d", st, counts[st], want)
			}
		}
		if _, err := s.ApprovalQueueSLACounts(ctx, f.actor1, sla, 0, ApprovalQueueFilter{}); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner counts the queue: %v, want EFORBIDDEN", err)
		}
		if _, _, err := s.ListApprovalQueue(ctx, f.pm, sla, 0, ApprovalQueueFilter{SLAStatus: "late"}); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("unknown SLA status: %v, want EINVALID", err)
		}
		if _, _, err := s.ListApprovalQueue(ctx, f.actor1, sla, 0, ApprovalQueueFilter{PartnerID: f.p1.ID}); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner reads the queue: %v, want EFORBIDDEN", err)
		}
	})
}
