package demo

import (
	"path/filepath"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
)

// The demo company starts with its deals' history: the forecast of a past week of a past quarter sees
// open deals in commit that closed later, the current quarter's deals climbed to their categories, the
// waterfall of the last week moves, and nothing is dated after today.
func TestDemoForecastHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "demo.db")
	res, err := Ensure(ctx, path, Config{Seed: 5, Accounts: 600, Opportunities: 2000}, false, cheapHasher().Hash, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, path)
	opps, changes, err := st.ForecastOpportunities(ctx, tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
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
