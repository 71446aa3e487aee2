package forecasting

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// A changed deal shows in the cached roll-up on the next request, on both engines: every step's
// cached forecast equals one computed from a fresh read of the store, for everyone and for a partner.
func TestCacheSeesEveryChange(t *testing.T) {
	for name, st := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clock := at("2026-03-01")
			st.SetClock(func() time.Time { return clock })
			seedStore(t, st)
			var partners []tandem.Partner
			for _, id := range []string{"P1", "P2"} {
				p := tandem.Partner{ExternalID: id, Name: "Partner " + id, Tier: tandem.TierGold, Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
				if err := st.CreatePartner(ctx, tandem.SystemActor, &p); err != nil {
					t.Fatal(err)
				}
				partners = append(partners, p)
			}
			opps, _, err := st.ForecastOpportunities(ctx, tandem.SystemActor)
			if err != nil {
				t.Fatal(err)
			}
			get := func(id int64) *tandem.Opportunity {
				t.Helper()
				o, err := st.GetOpportunity(ctx, tandem.SystemActor, id)
				if err != nil {
					t.Fatal(err)
				}
				return o
			}
			update := func(o *tandem.Opportunity) {
				t.Helper()
				clock = clock.Add(time.Minute)
				if err := st.UpdateOpportunity(ctx, tandem.SystemActor, o); err != nil {
					t.Fatal(err)
				}
			}
			q, asOf := forecast.Quarter{Year: 2026, Q: 1}, day("2026-03-15")
			cache := NewCache(st, time.Minute)
			actors := map[string]tandem.Actor{
				"everyone": tandem.SystemActor,
				"partner":  {UserID: 99, Email: "p@example.com", Role: tandem.RolePartnerUser, PartnerID: partners[0].ID},
			}
			check := func(step string) {
				t.Helper()
				for who, actor := range actors {
					book, err := cache.Book(ctx, actor)
					if err != nil {
						t.Fatal(err)
					}
					got, err := book.Forecast(q, asOf, forecast.Options{})
					if err != nil {
						t.Fatal(err)
					}
					fresh, err := Load(ctx, st, actor)
					if err != nil {
						t.Fatal(err)
					}
					want, err := fresh.Forecast(q, asOf, forecast.Options{})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s, %s: cached forecast differs from a fresh read (-fresh +cached):\n%s", step, who, diff)
					}
				}
			}
			total := func(actor tandem.Actor) Line {
				book, err := cache.Book(ctx, actor)
				if err != nil {
					t.Fatal(err)
				}
				f, err := book.Forecast(q, asOf, forecast.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return f.Lines[len(f.Lines)-1]
			}
			check("start")
			before := total(tandem.SystemActor)

			o := get(opps[0].ID) // commit, 1,000
			o.ACV = tandem.Major(1500)
			update(o)
			if got := total(tandem.SystemActor).Commit; got != before.Commit+tandem.Major(500) {
				t.Errorf("commit after the amount change = %v, want %v", got, before.Commit+tandem.Major(500))
			}
			check("amount changed")

			o = get(opps[1].ID) // best case → commit
			o.ForecastCategory = tandem.ForecastCommit
			update(o)
			check("category changed")

			o = get(opps[2].ID) // to partner 1, then to partner 2: partner 1's book loses it
			o.PartnerID, o.Routing.Motion, o.Attribution = partners[0].ID, tandem.MotionCoSell, tandem.AttributionPartnerLed
			update(o)
			if got := total(actors["partner"]).Pipeline; got != tandem.Major(3000) {
				t.Errorf("partner's pipeline with its deal = %v, want 3,000", got)
			}
			check("moved to a partner")
			o.PartnerID = partners[1].ID
			update(o)
			if got := total(actors["partner"]).Pipeline; got != 0 {
				t.Errorf("partner's pipeline after its deal moved away = %v, want 0", got)
			}
			check("moved to another partner")

			n := tandem.Opportunity{Name: "new", AccountID: opps[0].AccountID, ProductType: tandem.ProductCore, ACV: tandem.Major(700),
				Currency: "USD", Stage: tandem.StageProposal, ForecastCategory: tandem.ForecastCommit, Attribution: tandem.AttributionDirect,
				CreatedOn: at("2026-02-10"), CloseDate: at("2026-03-25")}
			clock = clock.Add(time.Minute)
			if err := st.CreateOpportunity(ctx, tandem.SystemActor, &n); err != nil {
				t.Fatal(err)
			}
			check("created")

			// Imported history does not touch the opportunity: the history id finds it.
			old := get(opps[0].ID)
			if _, err := st.ImportOpportunityHistory(ctx, tandem.SystemActor, []tandem.OpportunityChange{{OpportunityID: old.ID,
				Field: tandem.HistoryACV, Old: "10000", New: "150000", ChangedAt: at("2026-03-20")}}); err != nil {
				t.Fatal(err)
			}
			check("history imported")
		})
	}
}

// A book rebuilt with changes equals one built from scratch from the same records.
func TestBookWithEqualsNewBook(t *testing.T) {
	opps, changes, asOf := book(300, 7)
	base := NewBook(append([]tandem.Opportunity(nil), opps...), append([]tandem.OpportunityChange(nil), changes...))
	// Change every third deal, drop every seventh, add two.
	var ch tandem.ForecastChanges
	next := append([]tandem.Opportunity(nil), opps...)
	for i := range next {
		switch {
		case i%7 == 0:
			ch.IDs = append(ch.IDs, next[i].ID)
		case i%3 == 0:
			next[i].ACV += 100
			ch.IDs = append(ch.IDs, next[i].ID)
			ch.Opportunities = append(ch.Opportunities, next[i])
		}
	}
	for k := range 2 {
		o := next[1]
		o.ID = int64(10_000 + k)
		ch.IDs = append(ch.IDs, o.ID)
		ch.Opportunities = append(ch.Opportunities, o)
		next = append(next, o)
	}
	var kept []tandem.Opportunity
	for i, o := range next {
		if i%7 != 0 || i >= len(opps) {
			kept = append(kept, o)
		}
	}
	for _, c := range changes {
		for _, o := range ch.Opportunities {
			if o.ID == c.OpportunityID {
				ch.Changes = append(ch.Changes, c)
			}
		}
	}
	var keptChanges []tandem.OpportunityChange
	for _, c := range changes {
		if (c.OpportunityID-opps[0].ID)%7 != 0 {
			keptChanges = append(keptChanges, c)
		}
	}
	got := base.with(ch)
	want := NewBook(kept, keptChanges)
	q := forecast.QuarterOf(asOf)
	fg, err := got.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := want.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != want.Len() {
		t.Fatalf("book with changes holds %d deals, want %d", got.Len(), want.Len())
	}
	if diff := cmp.Diff(fw, fg, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("forecast of the changed book (-rebuilt +changed):\n%s", diff)
	}
}
