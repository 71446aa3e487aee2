package forecast_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tandem-revops/tandem/internal/forecast"
)

// withProbability returns a copy of deals where every open one carries p as its outside win probability.
func withProbability(deals []forecast.Deal, p float64) []forecast.Deal {
	out := make([]forecast.Deal, len(deals))
	for i, d := range deals {
		if d.Outcome == forecast.Open {
			d.WinProbability = p
		}
		out[i] = d
	}
	return out
}

// Outside win probabilities change nothing unless the option asks for them; with it, high ones raise
// the band and low ones lower it, category by category.
func TestWinProbabilityInput(t *testing.T) {
	t.Parallel()
	deals, spec := constructed(t, 3)
	q, asOf := forecast.QuarterOf(spec.Export()), spec.Export()
	opts := forecast.Options{Simulations: 400}
	base := history(t, deals).Forecast(q, asOf, opts)
	ignored := history(t, withProbability(deals, 0.9)).Forecast(q, asOf, opts)
	if diff := cmp.Diff(base.Lines, ignored.Lines); diff != "" || !cmp.Equal(base.Simulations, ignored.Simulations) {
		t.Errorf("probabilities changed the forecast without the option (-without +with):\n%s", diff)
	}
	on := opts
	on.WinProbabilityWeight = 1
	high := history(t, withProbability(deals, 0.95)).Forecast(q, asOf, on)
	low := history(t, withProbability(deals, 0.02)).Forecast(q, asOf, on)
	none := history(t, deals).Forecast(q, asOf, on) // weight on, no deal has one: as without
	if !cmp.Equal(base.Lines, none.Lines) {
		t.Errorf("the option without any probability changed the forecast")
	}
	for i, l := range base.Lines {
		t.Logf("%-18s P50 low %v  model %v  high %v", l.Category, low.Lines[i].P50, l.P50, high.Lines[i].P50)
		if !(low.Lines[i].P50 <= l.P50 && l.P50 <= high.Lines[i].P50) {
			t.Errorf("%s: P50 with low / no / high probabilities %v / %v / %v, want increasing", l.Category, low.Lines[i].P50, l.P50, high.Lines[i].P50)
		}
	}
	total := len(base.Lines) - 1
	if !(low.Lines[total].P50 < base.Lines[total].P50 && base.Lines[total].P50 < high.Lines[total].P50) {
		t.Errorf("total P50 did not move with the probabilities: %v / %v / %v", low.Lines[total].P50, base.Lines[total].P50, high.Lines[total].P50)
	}
	bad := withProbability(deals, 1.5)
	if _, err := forecast.NewHistory(bad); err == nil {
		t.Error("a win probability of 1.5 was accepted")
	}
}
