package portfolio

import (
	"math"
	"math/rand/v2"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// TestGainIntervalCoverage checks the bootstrap's P10–P90 range of the total gain against the truth:
// over the constructed cases, the true gain of the recommended split (on the true curves) should fall
// inside the range about 80 % of the time. With 30 cases the rate's standard error is about 7 points,
// so the bar is 60 %; the measured rate is logged.
func TestGainIntervalCoverage(t *testing.T) {
	t.Parallel()
	cases := gainCases(0.05)
	inside, below, above := 0, 0, 0
	for i, c := range cases {
		obs := synthCase(rand.New(rand.NewPCG(uint64(i), 7)), c.motions, 36, c.noise)
		h, _ := NewHistory("synthetic", obs)
		models, err := Fit(h, FitOptions{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		var current tandem.Money
		for _, m := range models {
			current += m.Current
		}
		rec, err := Recommend(models, Limits{Budget: current, MaxCut: ratOf(c.maxCut)})
		if err != nil {
			t.Fatal(err)
		}
		truth := map[string]trueCurve{}
		for _, m := range c.motions {
			truth[m.name] = m.curve
		}
		gain := 0.0
		for _, p := range rec.Motions {
			tc := truth[p.Motion]
			gain += tc.margin(float64(p.Recommended)/100) - tc.margin(float64(p.Current)/100)
		}
		g := tandem.Money(math.Round(gain * 100))
		switch {
		case g < rec.Total.GainP10:
			below++
		case g > rec.Total.GainP90:
			above++
		default:
			inside++
		}
	}
	rate := float64(inside) / float64(len(cases))
	t.Logf("true gain inside the P10–P90 range in %d of %d cases (%.0f%%); below P10 %d, above P90 %d", inside, len(cases), rate*100, below, above)
	if rate < 0.6 {
		t.Errorf("the P10–P90 range holds the true gain in only %.0f%% of cases", rate*100)
	}
}
