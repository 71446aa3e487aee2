package forecasting

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// The deals behind the numbers without the engine are the forecast's; rolled up by category they give
// the forecast's lines; by any other key the groups add up to the total.
func TestQuarterDealsAndRollUps(t *testing.T) {
	opps, changes, asOf := book(400, 11)
	b := NewBook(opps, changes)
	q := forecast.QuarterOf(asOf)
	f, err := b.Forecast(q, asOf, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deals, err := b.QuarterDeals(q, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.Deals, deals); diff != "" {
		t.Fatalf("QuarterDeals differs from the forecast's deals (-forecast +quarter):\n%s", diff)
	}
	byCategory := RollUpBy(deals, func(d DealRef) string { return d.Category })
	for _, g := range byCategory {
		for _, l := range f.Lines {
			if l.Category == g.Group && (l.WonToDate != g.WonToDate || l.Commit != g.Commit || l.BestCase != g.BestCase || l.Pipeline != g.Pipeline) {
				t.Errorf("%s: roll-up %+v, forecast line %+v", g.Group, g, l)
			}
		}
	}
	total := f.Lines[len(f.Lines)-1]
	var sum GroupLine
	for _, g := range RollUpBy(deals, func(d DealRef) string { return []string{"a", "b", "c"}[d.ID%3] }) {
		sum.Commit += g.Commit
		sum.Pipeline += g.Pipeline
		sum.WonToDate += g.WonToDate
	}
	if sum.Commit != total.Commit || sum.Pipeline != total.Pipeline || sum.WonToDate != total.WonToDate {
		t.Errorf("groups sum to %+v, total line %+v", sum, total)
	}
}

// Commit accuracy by owner, on a book whose owners' commit is exactly what they go on to win (one
// owner) and twice it (the other): MAPE 0 and 1, bias 0 and +1.
func TestCommitAccuracy(t *testing.T) {
	var opps []tandem.Opportunity
	var changes []tandem.OpportunityChange
	add := func(owner int64, acv tandem.Money, won bool) {
		id := int64(len(opps) + 1)
		o := tandem.Opportunity{ID: id, ExternalID: "O", Stage: tandem.StageProposal, ACV: acv, ForecastCategory: tandem.ForecastCommit,
			OwnerID: owner, Attribution: tandem.AttributionDirect, CreatedOn: at("2025-12-20"), CreatedAt: at("2025-12-20"), CloseDate: at("2026-03-10")}
		stage := tandem.StageClosedLost
		if won {
			stage = tandem.StageClosedWon
		}
		changes = append(changes, tandem.OpportunityChange{ID: id, OpportunityID: id, Field: tandem.HistoryStage, Old: "proposal", New: string(stage), ChangedAt: at("2026-03-10")},
			tandem.OpportunityChange{ID: 1000 + id, OpportunityID: id, Field: tandem.HistoryForecastCategory, Old: "commit", New: "closed", ChangedAt: at("2026-03-10")})
		o.Stage, o.ForecastCategory = stage, tandem.ForecastClosed
		opps = append(opps, o)
	}
	add(1, 1000, true)
	add(1, 500, true)
	add(2, 800, true)
	add(2, 800, false)
	b := NewBook(opps, changes)
	acc, err := b.CommitAccuracy([]forecast.Quarter{{Year: 2026, Q: 1}, {Year: 2026, Q: 2}}, 4, day("2026-05-01"),
		func(d DealRef) string { return map[int64]string{1: "exact", 2: "double"}[d.OwnerID] })
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for _, a := range acc {
		got[a.Group] = [2]float64{a.MAPE, a.Bias}
	}
	want := map[string][2]float64{"exact": {0, 0}, "double": {1, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MAPE and bias by owner (-want +got):\n%s", diff)
	}
}
