package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

func TestHoldReroute(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		proposed := tandem.Routing{Motion: tandem.MotionDirect, Rule: "over-1m", PolicyVersion: "2026.1"}

		// o1 is co-sell at proposal with r1 approved: holding its re-route opens one conflict about it.
		id, opened, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID, proposed)
		must(t, err)
		if !opened || id == 0 {
			t.Fatalf("HoldReroute = %d, %v; want a new conflict", id, opened)
		}
		c, err := s.GetConflictDetail(ctx, admin, id)
		must(t, err)
		if c.Cause != tandem.CauseProtectedReroute || c.OpportunityID != f.o1.ID || c.RegistrationID != f.r1.ID ||
			c.Rule != "over-1m" || c.PartnerID != f.p1.ID || c.AEID != f.ae.ID || c.Status != tandem.ConflictOpen {
			t.Errorf("conflict %+v", c)
		}
		entries, err := s.EscalationLog(ctx, admin, id)
		must(t, err)
		if want := "protected_reroute: policy 2026.1 rule over-1m would move it from co_sell to direct (held at proposal)"; len(entries) != 1 ||
			entries[0].Note != want {
			t.Errorf("log %+v, want one entry %q", entries, want)
		}
		// The deal is not touched.
		o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		if diff := cmp.Diff(f.o1.Routing, o.Routing); diff != "" {
			t.Errorf("routing changed (-want +got):\n%s", diff)
		}

		// The same hold again (or another proposal) finds the open conflict instead of opening a second.
		again, opened, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID, proposed)
		must(t, err)
		if opened || again != id {
			t.Errorf("second hold = %d, %v; want %d, false", again, opened, id)
		}
		_, total, err := s.ListConflicts(ctx, admin, ConflictFilter{Cause: tandem.CauseProtectedReroute})
		must(t, err)
		if total != 1 {
			t.Errorf("%d protected_reroute conflicts, want 1", total)
		}

		// Nothing to hold, partner users, unknown deals.
		wantCode(t, func() error {
			_, _, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID, f.o1.Routing)
			return err
		}(), tandem.EINVALID)
		wantCode(t, func() error { _, _, err := s.HoldReroute(ctx, f.actor1, f.crules, f.o1.ID, proposed); return err }(), tandem.EFORBIDDEN)
		wantCode(t, func() error { _, _, err := s.HoldReroute(ctx, f.aeActor, f.crules, 9999, proposed); return err }(), tandem.ENOTFOUND)
	})
}

func TestRerouteDecisionRoutesTheDeal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		res   tandem.Resolution
		share int
		want  tandem.Motion
	}{
		{tandem.ResolveDirect, 0, tandem.MotionDirect},
		{tandem.ResolvePartner, 0, tandem.MotionPartnerLed},
		{tandem.ResolveCoSell, 0, tandem.MotionCoSell},
		{tandem.ResolveSplit, 4000, tandem.MotionCoSell},
	}
	forEachSeeded(t, seedConflicts, func(t *testing.T, ctx context.Context, s *Store, f *conflictFixture) {
		// o3 is a direct deal at negotiation: each case re-routes it to partner-led first so that every
		// decision, whatever it awards, is visible on the deal.
		for i, tt := range tests {
			t.Run(string(tt.res), func(t *testing.T) {
				o, err := s.GetOpportunity(ctx, admin, f.o3.ID)
				must(t, err)
				o.Routing = tandem.Routing{Motion: tandem.MotionPartnerLed, Rule: "services", PolicyVersion: "7"}
				must(t, s.UpdateOpportunity(ctx, admin, o))
				id, opened, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o3.ID, tandem.Routing{Motion: tandem.MotionDirect, Rule: "core-large"})
				must(t, err)
				if !opened {
					t.Fatal("no conflict opened")
				}
				f.clock.advance(1)
				_, err = s.ResolveConflict(ctx, admin, id, tt.res, tt.share, "the AE sourced it")
				must(t, err)
				got, err := s.GetOpportunity(ctx, admin, f.o3.ID)
				must(t, err)
				r := got.Routing
				if r.Motion != tt.want || r.Rule != tandem.EscalationRule || r.PolicyVersion != "7" ||
					r.PartnerAttached != (tt.want != tandem.MotionDirect) {
					t.Errorf("routing %+v, want %s by %s with version 7", r, tt.want, tandem.EscalationRule)
				}
				for _, part := range []string{"conflict " + idString(id), "level 1 (ae and partner_manager)", "the AE sourced it",
					string(tt.res)} {
					if !strings.Contains(r.Explanation, part) {
						t.Errorf("explanation %q does not name %q", r.Explanation, part)
					}
				}
				_, audited, err := s.ListAudit(ctx, admin, AuditFilter{Action: "opportunity.route", EntityID: idString(f.o3.ID)})
				must(t, err)
				if audited != i+1 {
					t.Errorf("%d routing decisions audited, want %d", audited, i+1)
				}
				// A decided routing stands: holding another re-route opens nothing.
				if id, opened, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o3.ID,
					tandem.Routing{Motion: otherMotion(tt.want), Rule: "x"}); err != nil || id != 0 || opened {
					t.Errorf("hold on a decided deal = %d, %v, %v; want nothing", id, opened, err)
				}
			})
		}

		// A deal closed before the decision keeps its routing; the resolution is still recorded.
		id, _, err := s.HoldReroute(ctx, f.aeActor, f.crules, f.o1.ID, tandem.Routing{Motion: tandem.MotionDirect, Rule: "r"})
		must(t, err)
		o, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		o.Stage, o.ForecastCategory = tandem.StageClosedWon, tandem.ForecastClosed
		must(t, s.UpdateOpportunity(ctx, admin, o))
		res, err := s.ResolveConflict(ctx, admin, id, tandem.ResolveDirect, 0, "too late to matter")
		must(t, err)
		if res.Status != tandem.ConflictResolved {
			t.Errorf("conflict %+v not resolved", res.Conflict)
		}
		got, err := s.GetOpportunity(ctx, admin, f.o1.ID)
		must(t, err)
		if got.Routing.Motion != tandem.MotionCoSell || got.Routing.Rule != "core-large" {
			t.Errorf("closed deal re-routed: %+v", got.Routing)
		}
	})
}

func otherMotion(m tandem.Motion) tandem.Motion {
	if m == tandem.MotionDirect {
		return tandem.MotionCoSell
	}
	return tandem.MotionDirect
}
