package enablement

import (
	"context"
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestMDFSourcedPipeline links an MDF request's leads to the opportunities they became: by the
// opportunity's external id, or by the account's external id or name for deals opened on or after the
// request; a partner user sees only its own partner's linked deals.
func TestMDFSourcedPipeline(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		acme, globex := w.account(t, "A-ACME", "Acme Retail"), w.account(t, "A-GLOBEX", "Globex")
		requested := c.t // 2026-02-02
		opp := func(ext string, account int64, partner int64, acv int64, stage tandem.Stage, created time.Time) tandem.Opportunity {
			o := tandem.Opportunity{ExternalID: ext, Name: ext, AccountID: account, PartnerID: partner, ProductType: tandem.ProductCore,
				ACV: tandem.Major(acv), Currency: "USD", Stage: stage, ForecastCategory: tandem.ForecastPipeline, Country: "US",
				CreatedOn: created, CloseDate: created.AddDate(0, 3, 0)}
			if stage == tandem.StageClosedWon {
				o.ForecastCategory = tandem.ForecastClosed
			}
			must(t, s.CreateOpportunity(ctx, admin, &o))
			return o
		}
		before := opp("O-OLD", acme.ID, w.p1.ID, 90000, tandem.StageClosedWon, requested.AddDate(0, -2, 0)) // Acme's, before the activity
		won := opp("O-WON", acme.ID, w.p1.ID, 50000, tandem.StageClosedWon, requested.AddDate(0, 0, 10))    // by account name
		open := opp("O-OPEN", globex.ID, w.p1.ID, 30000, tandem.StageQualified, requested.AddDate(0, 1, 0)) // by deal id
		direct := opp("O-DIRECT", acme.ID, 0, 20000, tandem.StageQualified, requested.AddDate(0, 0, 3))     // Acme's, direct
		opp("O-OTHER", globex.ID, w.p2.ID, 70000, tandem.StageClosedWon, requested.AddDate(0, 0, 5))        // Globex, no lead names it

		ch, err := w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Retail roadshow", Motion: "co_sell", Amount: tandem.Major(5000)})
		must(t, err)
		ref := ch.Request.Ref
		for _, m := range []struct {
			actor tandem.Actor
			move  Move
		}{
			{w.manager, Move{Action: mdf.Approve}},
			{w.partner1, Move{Action: mdf.CompleteActivity}},
			{w.partner1, Move{Action: mdf.SubmitProof, Attendees: 30, Leads: []string{" acme retail ", "o-open", "O-WON", "nobody"}}},
		} {
			m.move.Request = ref
			_, err := w.svc.MoveMDF(ctx, m.actor, w.fund1.ID, m.move)
			must(t, err)
		}
		ids := func(r SourcedRequest) []int64 {
			var out []int64
			for _, d := range r.Deals {
				out = append(out, d.OpportunityID)
			}
			slices.Sort(out)
			return out
		}
		sorted := func(xs ...int64) []int64 { slices.Sort(xs); return xs }

		staff, err := w.svc.MDFSourced(ctx, w.manager, time.Time{}, time.Time{})
		must(t, err)
		if len(staff.Requests) != 1 {
			t.Fatalf("requests = %+v", staff.Requests)
		}
		r := staff.Requests[0]
		if got, want := ids(r), sorted(won.ID, open.ID, direct.ID); !slices.Equal(got, want) {
			t.Fatalf("staff see linked deals %v, want %v (not %d, opened before the activity)", got, want, before.ID)
		}
		if r.Pipeline != tandem.Major(100000) || r.Won != tandem.Major(50000) {
			t.Fatalf("pipeline %s, won %s; want 100,000 and 50,000", r.Pipeline, r.Won)
		}
		if len(staff.Motions) != 1 || staff.Motions[0].Motion != "co_sell" || staff.Motions[0].Pipeline != tandem.Major(100000) || staff.Motions[0].Won != tandem.Major(50000) {
			t.Fatalf("by motion = %+v", staff.Motions)
		}

		mine, err := w.svc.MDFSourced(ctx, w.partner1, time.Time{}, time.Time{})
		must(t, err)
		if got, want := ids(mine.Requests[0]), sorted(won.ID, open.ID); !slices.Equal(got, want) {
			t.Fatalf("the partner sees linked deals %v, want only its own %v", got, want)
		}
		other, err := w.svc.MDFSourced(ctx, w.other, time.Time{}, time.Time{})
		must(t, err)
		if len(other.Requests) != 0 || len(other.Motions) != 0 {
			t.Fatalf("another partner sees %+v", other)
		}
		// A window that ends before the request leaves it out.
		early, err := w.svc.MDFSourced(ctx, w.manager, time.Time{}, requested.AddDate(0, 0, -1))
		must(t, err)
		if len(early.Requests) != 0 {
			t.Fatalf("window before the request: %+v", early.Requests)
		}
	})
}
