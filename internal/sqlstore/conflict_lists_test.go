package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

func TestListConflictDetailsAndEscalations(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		// A partner overlap on Acme (60K, rule core-large) and a direct overlap on Initech; the first is
		// resolved an hour later.
		acme := f.submit(t, f.actor2, tandem.Registration{AccountName: "Acme Corp"})
		overlap := f.detect(t, acme.ID)[0]
		f.clock.advance(time.Hour)
		initech := f.submit(t, f.actor1, tandem.Registration{AccountName: "Initech", EstimatedACV: tandem.Major(2_000_000),
			Country: "US", Currency: "USD"})
		direct := f.detect(t, initech.ID)[0]
		f.clock.advance(time.Hour)
		_, err := s.ResolveConflict(ctx, f.pm, overlap.ID, tandem.ResolveSplit, 4000, "both worked it")
		must(t, err)

		if direct.OpportunityID == 0 {
			t.Fatal("the direct overlap names no opportunity")
		}
		ids := func(list []ConflictDetail) []int64 {
			return pluck(list, func(d ConflictDetail) int64 { return d.ID })
		}
		tests := []struct {
			name  string
			f     ConflictDetailFilter
			want  []int64
			total int
		}{
			{"all, soonest due first", ConflictDetailFilter{}, []int64{overlap.ID, direct.ID}, 2},
			{"newest first", ConflictDetailFilter{Sort: "-opened_at"}, []int64{direct.ID, overlap.ID}, 2},
			{"open", ConflictDetailFilter{Status: tandem.ConflictOpen}, []int64{direct.ID}, 1},
			{"by cause", ConflictDetailFilter{Cause: tandem.CausePartnerOverlap}, []int64{overlap.ID}, 1},
			{"by rule", ConflictDetailFilter{Rule: overlap.Rule, Sort: "-acv"}, []int64{direct.ID, overlap.ID}, 2},
			{"without a rule", ConflictDetailFilter{Rule: "(none)"}, nil, 0},
			{"by segment", ConflictDetailFilter{Segment: tandem.BandMid}, []int64{overlap.ID}, 1},
			{"large deals", ConflictDetailFilter{Segment: tandem.BandStrategic}, []int64{direct.ID}, 1},
			{"by partner", ConflictDetailFilter{PartnerID: f.p1.ID, Cause: tandem.CauseDirectOverlap}, []int64{direct.ID}, 1},
			{"opened in a window", ConflictDetailFilter{OpenedFrom: overlap.OpenedAt.Add(time.Minute)}, []int64{direct.ID}, 1},
			{"by opportunity", ConflictDetailFilter{OpportunityID: direct.OpportunityID}, []int64{direct.ID}, 1},
			{"another opportunity", ConflictDetailFilter{OpportunityID: direct.OpportunityID + 1000}, nil, 0},
			{"level 2", ConflictDetailFilter{Level: tandem.LevelVPs}, nil, 0},
			{"page 2", ConflictDetailFilter{Limit: 1, Offset: 1}, []int64{direct.ID}, 2},
		}
		for _, tc := range tests {
			got, total, err := s.ListConflictDetails(ctx, f.pm, tc.f)
			must(t, err)
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" || total != tc.total {
				t.Errorf("%s: total %d want %d (-want +got):\n%s", tc.name, total, tc.total, diff)
			}
		}
		if _, _, err := s.ListConflictDetails(ctx, f.pm, ConflictDetailFilter{Segment: "huge"}); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("unknown segment: %v", err)
		}
		if _, _, err := s.ListConflictDetails(ctx, f.pm, ConflictDetailFilter{Sort: "partner"}); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("unknown sort: %v", err)
		}

		// The log of every conflict, newest first.
		log, total, err := s.ListEscalations(ctx, f.pm, EscalationFilter{})
		must(t, err)
		var got []string
		for _, e := range log {
			got = append(got, e.Action+"#"+itoaTest(e.ConflictID))
		}
		want := []string{"resolved#" + itoaTest(overlap.ID), "opened#" + itoaTest(direct.ID), "opened#" + itoaTest(overlap.ID)}
		if diff := cmp.Diff(want, got); diff != "" || total != 3 {
			t.Errorf("escalation log (total %d) (-want +got):\n%s", total, diff)
		}
		for _, tc := range []struct {
			f    EscalationFilter
			want int
		}{{EscalationFilter{ConflictID: overlap.ID}, 2}, {EscalationFilter{Action: tandem.EscalationResolved}, 1},
			{EscalationFilter{Level: tandem.LevelCEO}, 0},
			// Dates bound when the entry was written: from inclusive, before exclusive.
			{EscalationFilter{From: overlap.OpenedAt.Add(time.Minute)}, 2}, {EscalationFilter{Before: overlap.OpenedAt.Add(time.Minute)}, 1},
			{EscalationFilter{From: direct.OpenedAt, Before: direct.OpenedAt.Add(time.Minute)}, 1},
			{EscalationFilter{ConflictID: overlap.ID, From: direct.OpenedAt}, 1}} {
			_, n, err := s.ListEscalations(ctx, f.pm, tc.f)
			must(t, err)
			if n != tc.want {
				t.Errorf("%+v: %d entries, want %d", tc.f, n, tc.want)
			}
		}

		// Partner users see none of it.
		if _, _, err := s.ListConflictDetails(ctx, f.actor1, ConflictDetailFilter{}); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner conflict list: %v", err)
		}
		if _, _, err := s.ListEscalations(ctx, f.actor1, EscalationFilter{}); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner escalation log: %v", err)
		}
	})
}

func itoaTest(n int64) string { return fmt.Sprint(n) }
