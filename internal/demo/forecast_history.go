package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The deals' own history for the joint forecast. The import brings every deal as it stands today;
// this adds, as imported history, what a CRM would have recorded on the way there, so the forecast
// page can look at any past week of the eight quarters: each closed deal moved from negotiation to its
// close on its close date (its forecast category from commit, or best case for a loss, to closed); some
// closed deals had their close date pushed from an earlier one and their amount changed a few weeks
// before; and the open deals of the current quarter climbed pipeline → best case → commit over the
// last weeks, a few with a close date pulled in or pushed out. Everything is dated no later than today
// and drawn from the demo's seed.

// forecastHistory derives the changes from the stored deals; rng makes the draws.
func forecastHistory(opps []tandem.Opportunity, today time.Time, rng *rand.Rand) []tandem.OpportunityChange {
	var out []tandem.OpportunityChange
	add := func(o tandem.Opportunity, f tandem.HistoryField, old, new string, at time.Time) {
		if at.After(today) {
			at = today
		}
		if !o.CreatedOn.IsZero() && at.Before(o.CreatedOn) {
			at = o.CreatedOn
		}
		out = append(out, tandem.OpportunityChange{OpportunityID: o.ID, Field: f, Old: old, New: new, ChangedAt: at})
	}
	micros := func(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }
	money := func(m tandem.Money) string { return strconv.FormatInt(int64(m), 10) }
	for _, o := range opps {
		if o.CloseDate.IsZero() || o.CreatedOn.IsZero() {
			continue
		}
		closeAt := at(o.CloseDate, 17)
		switch {
		case o.Stage.Closed():
			before := tandem.ForecastCommit
			if o.Stage == tandem.StageClosedLost {
				before = tandem.ForecastBestCase
			}
			// Earlier changes first: an amount and a close date set a few weeks before the close.
			weeksBefore := closeAt.AddDate(0, 0, -7*between(rng, 2, 6))
			if chance(rng, 0.3) {
				earlier := day(o.CloseDate.AddDate(0, 0, -between(rng, 10, 40)))
				if earlier.After(o.CreatedOn) {
					add(o, tandem.HistoryCloseDate, micros(earlier), micros(o.CloseDate), weeksBefore)
				}
			}
			if chance(rng, 0.25) && o.ACV > 0 {
				old := o.ACV * tandem.Money(between(rng, 85, 120)) / 100
				add(o, tandem.HistoryACV, money(old), money(o.ACV), weeksBefore)
			}
			add(o, tandem.HistoryForecastCategory, string(tandem.ForecastPipeline), string(before), weeksBefore.Add(time.Hour))
			add(o, tandem.HistoryStage, string(tandem.StageNegotiation), string(o.Stage), closeAt)
			add(o, tandem.HistoryForecastCategory, string(before), string(tandem.ForecastClosed), closeAt)
		case !o.CloseDate.Before(quarterStart(today)):
			// An open deal of the current quarter or later: its category climbed to where it is now.
			ladder := []tandem.ForecastCategory{tandem.ForecastPipeline, tandem.ForecastBestCase, tandem.ForecastCommit}
			base := today.AddDate(0, 0, -7*between(rng, 1, 5))
			for i := 1; i < len(ladder); i++ {
				if ladder[i-1] == o.ForecastCategory || !containsCategory(ladder[i:], o.ForecastCategory) {
					break
				}
				add(o, tandem.HistoryForecastCategory, string(ladder[i-1]), string(ladder[i]), at(base.AddDate(0, 0, i), 11))
			}
			if chance(rng, 0.2) {
				shift := between(rng, -30, 30)
				if shift != 0 {
					add(o, tandem.HistoryCloseDate, micros(day(o.CloseDate.AddDate(0, 0, shift))), micros(o.CloseDate),
						at(today.AddDate(0, 0, -between(rng, 1, 20)), 15))
				}
			}
		}
	}
	return out
}

func containsCategory(list []tandem.ForecastCategory, c tandem.ForecastCategory) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// writeForecastHistory imports the deals' history into st.
func writeForecastHistory(ctx context.Context, st *sqlstore.Store, seed uint64, today time.Time) error {
	opps, _, err := st.ForecastOpportunities(ctx, tandem.SystemActor)
	if err != nil {
		return fmt.Errorf("demo: forecast history: %w", err)
	}
	changes := forecastHistory(opps, today, rand.New(rand.NewPCG(seed, 0x9f0c)))
	if _, err := st.ImportOpportunityHistory(ctx, tandem.SystemActor, changes); err != nil {
		return fmt.Errorf("demo: forecast history: %w", err)
	}
	return nil
}
