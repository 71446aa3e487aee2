package demo

import (
	"math"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
)

// dealsWithHistory writes the demo company of cfg and reads its deals and their history as the
// forecast does.
func dealsWithHistory(t *testing.T, cfg Config) (*Result, []tandem.Opportunity, []tandem.OpportunityChange) {
	t.Helper()
	res, st := ensureNew(t, cfg)
	opps, changes, err := st.ForecastOpportunities(t.Context(), tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	return res, opps, changes
}

// The demo company starts with its deals' history: the forecast of a past week of a past quarter sees
// open deals in commit that closed later, the current quarter's deals climbed to their categories, the
// waterfall of the last week moves, and nothing is dated after today.
func TestDemoForecastHistory(t *testing.T) {
	t.Parallel()
	res, opps, changes := dealsWithHistory(t, Config{Seed: 5, Accounts: 600, Opportunities: 2000})
	today := res.Data.Config.Today
	fields := map[tandem.HistoryField]int{}
	for _, c := range changes {
		fields[c.Field]++
		if c.ChangedAt.After(today) {
			t.Fatalf("change dated %s after today %s", c.ChangedAt, today)
		}
	}
	for _, f := range []tandem.HistoryField{tandem.HistoryStage, tandem.HistoryForecastCategory, tandem.HistoryCloseDate, tandem.HistoryACV} {
		if fields[f] == 0 {
			t.Errorf("no %s changes in the demo's history (%v)", f, fields)
		}
	}
	book := forecasting.NewBook(opps, changes)
	now := forecast.DayOf(today)
	past := forecast.QuarterOf(now).Prev()
	f, err := book.Forecast(past, past.Start()+35, forecast.Options{Simulations: 300})
	if err != nil {
		t.Fatal(err)
	}
	total := f.Lines[len(f.Lines)-1]
	if total.Commit <= total.WonToDate || total.P50 <= total.WonToDate {
		t.Errorf("five weeks into %s: %+v; want commit and P50 above won to date", past, total)
	}
	moves, err := book.Movements(forecast.QuarterOf(now), now-7, now)
	if err != nil {
		t.Fatal(err)
	}
	m := moves[len(moves)-1]
	if m.WonDeals+m.LostDeals+m.PulledInDeals+m.PushedOutDeals == 0 {
		t.Errorf("the last week's waterfall does not move: %+v", m)
	}
}

// The demo's current quarter looks like its past ones: at the demo's today, the quarter's forecast
// P50 over its won to date is within the range its past quarters show at the same day of their quarter
// (those with four quarters of history before them, as the backtest takes), and open pipeline reaches
// into the next quarters as in a real CRM rather than all closing in this one.
func TestDemoCurrentQuarterFollowsTrend(t *testing.T) {
	t.Parallel()
	res, opps, changes := dealsWithHistory(t, Config{Seed: 11, Accounts: 3000, Opportunities: 12000})
	now := forecast.DayOf(res.Data.Config.Today)
	cur := forecast.QuarterOf(now)
	var later int
	for _, o := range opps {
		if !o.Stage.Closed() && forecast.DayOf(o.CloseDate) >= cur.Next().Start() {
			later++
		}
	}
	if later == 0 {
		t.Errorf("no open deal closes after %s", cur)
	}
	book := forecasting.NewBook(opps, changes)
	ratio := func(q forecast.Quarter, asOf forecast.Day) float64 {
		t.Helper()
		f, err := book.Forecast(q, asOf, forecast.Options{})
		if err != nil {
			t.Fatal(err)
		}
		total := f.Lines[len(f.Lines)-1]
		if total.WonToDate <= 0 {
			t.Fatalf("%s as of day %d: nothing won to date", q, asOf-q.Start())
		}
		return float64(total.P50) / float64(total.WonToDate)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	q := cur
	for range res.Data.Config.Quarters - 5 { // the fifth quarter of eight to the last complete one
		q = q.Prev()
		r := ratio(q, q.Start()+(now-cur.Start()))
		t.Logf("%s, day %d: P50 / won to date %.2f", q, now-cur.Start(), r)
		lo, hi = min(lo, r), max(hi, r)
	}
	if r := ratio(cur, now); r < lo || r > hi {
		t.Errorf("%s at today: P50 / won to date %.2f, want within its past quarters' %.2f–%.2f", cur, r, lo, hi)
	} else {
		t.Logf("%s at today: P50 / won to date %.2f (past %.2f–%.2f)", cur, r, lo, hi)
	}
}
