package portfolio

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

// fitCase builds a constructed history and fits it.
func fitCase(t *testing.T, motions []synthMotion, seed uint64, replicates int) ([]Model, History) {
	t.Helper()
	obs := synthCase(rand.New(rand.NewPCG(seed, 1)), motions, 36, 0.05)
	h, err := NewHistory("synthetic", obs)
	if err != nil {
		t.Fatal(err)
	}
	models, err := Fit(h, FitOptions{Seed: seed, Replicates: replicates})
	if err != nil {
		t.Fatal(err)
	}
	return models, h
}

// currentBudget is what the models' motions spend now: a budget that keeps the total as it is.
func currentBudget(models []Model) tandem.Money {
	var budget tandem.Money
	for _, m := range models {
		budget += m.Current
	}
	return budget
}

// recommendAtCurrent splits the budget the motions spend now.
func recommendAtCurrent(t testing.TB, models []Model) Recommendation {
	t.Helper()
	rec, err := Recommend(models, Limits{Budget: currentBudget(models)})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRecommendLimitsProperty checks, over random cases, that every recommendation sums to the budget
// to the cent, cuts no motion by more than the max cut and gives every motion at least its minimum.
func TestRecommendLimitsProperty(t *testing.T) {
	t.Parallel()
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 42))
		motions := randomMotions(rng, 2+rng.IntN(6), "mixed")
		models, _ := fitCase(t, motions, seed, 40)
		var current tandem.Money
		for _, m := range models {
			current += m.Current
		}
		maxCut := big.NewRat(int64(rng.IntN(101)), 100)
		mins := map[string]tandem.Money{}
		for _, m := range models {
			if rng.IntN(3) == 0 {
				mins[m.Motion] = tandem.Money(rng.Int64N(int64(m.Current) * 3 / 2))
			}
		}
		budget := tandem.Money(float64(current)*(0.7+0.8*rng.Float64())) + tandem.Money(rng.IntN(100))
		rec, err := Recommend(models, Limits{Budget: budget, MaxCut: maxCut, Minimums: mins})
		var inf *InfeasibleError
		if errors.As(err, &inf) {
			if inf.FloorTotal <= budget {
				t.Errorf("seed %d: infeasible with floors %v ≤ budget %v", seed, inf.FloorTotal, budget)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var sum tandem.Money
		for _, p := range rec.Motions {
			sum += p.Recommended
			keep := new(big.Rat).Sub(big.NewRat(1, 1), maxCut)
			lowest := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(p.Current)), keep)
			if new(big.Rat).SetInt64(int64(p.Recommended)).Cmp(lowest) < 0 {
				t.Errorf("seed %d: %s cut from %v to %v, more than %s", seed, p.Motion, p.Current, p.Recommended, maxCut.FloatString(2))
			}
			if minimum, ok := mins[p.Motion]; ok && p.Recommended < minimum {
				t.Errorf("seed %d: %s gets %v below its minimum %v", seed, p.Motion, p.Recommended, minimum)
			}
		}
		if sum != budget || rec.Total.Recommended != budget {
			t.Errorf("seed %d: recommended amounts sum to %v (total says %v), budget %v", seed, sum, rec.Total.Recommended, budget)
		}
	}
}

func TestRecommendInfeasible(t *testing.T) {
	t.Parallel()
	models, _ := fitCase(t, []synthMotion{logDirect, logCoSell}, 3, 20)
	cur := map[string]tandem.Money{}
	var total tandem.Money
	for _, m := range models {
		cur[m.Motion] = m.Current
		total += m.Current
	}
	tests := []struct {
		name string
		lim  Limits
		want string
	}{
		{
			name: "minimums above the budget",
			lim:  Limits{Budget: total, Minimums: map[string]tandem.Money{"co_sell": total}},
			want: "infeasible limits: the motions' floors need at least " + (total + ceilMoney(big.NewRat(int64(cur["direct"])*4, 5))).Format(""),
		},
		{
			name: "max cut floor above a small budget",
			lim:  Limits{Budget: total / 2},
			want: "direct " + ceilMoney(big.NewRat(int64(cur["direct"])*4, 5)).Format("") + " (current " + cur["direct"].Format("") + " less the 20% max cut)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Recommend(models, tt.lim)
			var inf *InfeasibleError
			if !errors.As(err, &inf) {
				t.Fatalf("error %v, want *InfeasibleError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tandem.ErrorCode(err) != tandem.EINVALID || tandem.ErrorMessage(err) != err.Error() {
				t.Errorf("infeasible limits are code %s, message %q; want invalid with the full message", tandem.ErrorCode(err), tandem.ErrorMessage(err))
			}
		})
	}
	// The other refusals name the field.
	for _, lim := range []Limits{
		{Budget: -1},
		{Budget: total, MaxCut: big.NewRat(3, 2)},
		{Budget: total, Minimums: map[string]tandem.Money{"events": 5}},
		{Budget: total, Minimums: map[string]tandem.Money{"direct": -5}},
	} {
		_, err := Recommend(models, lim)
		if tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("Recommend(%+v) = %v, want an invalid-input error", lim, err)
		}
	}
	if _, err := Recommend(models, Limits{Budget: total, Minimums: map[string]tandem.Money{"events": 5}}); !strings.Contains(err.Error(), `motion "events" is not in the history (motions: co_sell, direct)`) {
		t.Errorf("unknown motion error %q", err)
	}
}

// TestRecommendDeterministicAndOrderFree checks that a fixed seed gives the same recommendation, and
// that shuffling the history's rows changes nothing.
func TestRecommendDeterministicAndOrderFree(t *testing.T) {
	t.Parallel()
	motions := randomMotions(rand.New(rand.NewPCG(5, 5)), 4, "mixed")
	obs := synthCase(rand.New(rand.NewPCG(5, 6)), motions, 36, 0.05)
	recommend := func(obs []Observation, seed uint64) Recommendation {
		h, err := ReadHistory("h.csv", strings.NewReader(historyCSV(obs)))
		if err != nil {
			t.Fatal(err)
		}
		models, err := Fit(h, FitOptions{Seed: seed, Replicates: 50})
		if err != nil {
			t.Fatal(err)
		}
		return recommendAtCurrent(t, models)
	}
	ratEqual := cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })
	first := recommend(obs, 11)
	if diff := cmp.Diff(first, recommend(obs, 11), ratEqual); diff != "" {
		t.Errorf("same seed, different result (-first +second):\n%s", diff)
	}
	shuffled := append([]Observation(nil), obs...)
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if diff := cmp.Diff(first, recommend(shuffled, 11), ratEqual); diff != "" {
		t.Errorf("shuffled rows, different result (-ordered +shuffled):\n%s", diff)
	}
	if other := recommend(obs, 12); cmp.Equal(first.Total, other.Total) {
		t.Errorf("seeds 11 and 12 gave identical bootstrap summaries %+v; the seed is not used", first.Total)
	}
}

func TestFitFindsLag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lag     float64
		wantMax float64 // the chosen same-month share must be at most this
		wantMin float64
	}{
		{"no lag", 1, 1, 1},
		{"three quarters next month", 0.25, 0.5, 0},
		{"all next month", 0, 0.25, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			models, _ := fitCase(t, []synthMotion{{name: "co_sell", curve: trueCurve{"log", 80000, 150000, 30000}, level: 40000, lag: tt.lag}}, 2, 10)
			if w := models[0].LagWeight; w > tt.wantMax || w < tt.wantMin {
				t.Errorf("lag weight %.2f, want between %.2f and %.2f", w, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestRecommendThinHistory(t *testing.T) {
	t.Parallel()
	motions := []synthMotion{logDirect, logCoSell}
	obs := synthCase(rand.New(rand.NewPCG(1, 1)), motions, 36, 0.05)
	last := obs[len(obs)-1].Month
	obs = append(obs, // events: three months at one level, too little to fit
		Observation{Month: last - 2, Motion: "events", Spend: 500000, GrossMargin: 100},
		Observation{Month: last - 1, Motion: "events", Spend: 500000, GrossMargin: 300},
		Observation{Month: last, Motion: "events", Spend: 500000, GrossMargin: 200})
	h, err := NewHistory("h", obs)
	if err != nil {
		t.Fatal(err)
	}
	models, err := Fit(h, FitOptions{Seed: 1, Replicates: 30})
	if err != nil {
		t.Fatal(err)
	}
	rec := recommendAtCurrent(t, models)
	ev := rec.Motions[2]
	if ev.Motion != "events" || ev.Fitted || ev.Recommended != 500000 || ev.ExpectedGrossMargin != 200 {
		t.Errorf("events plan %+v; want it kept at 5000.00 with its average margin 2.00", ev)
	}
	if !strings.Contains(ev.Explanation, "no response curve: only 3 months of history, a curve needs 6; kept at $5,000.00") {
		t.Errorf("events explanation %q does not say why it has no curve", ev.Explanation)
	}
	// With less budget than the unfitted motion's current spend plus the others' floors, it gives way.
	var floors tandem.Money
	for _, p := range rec.Motions {
		floors += p.Floor
	}
	rec, err = Recommend(models, Limits{Budget: floors + 50000})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Motions[2].Recommended; got != 450000 {
		t.Errorf("events gets %v from a budget 500.00 above the floors; want its floor 4000.00 plus those 500.00", got)
	}
}

// TestRecommendPointOnlyModel checks a model built by hand without a bootstrap (as a store-backed
// caller might) is optimised on its point curve, and the caller's models are left alone.
func TestRecommendPointOnlyModel(t *testing.T) {
	t.Parallel()
	models := []Model{
		{Motion: "a", Current: tandem.Major(100), Fitted: true, LagWeight: 1, Point: Curve{Base: 0, Scale: 1000, K: 100}},
		{Motion: "b", Current: tandem.Major(100), Fitted: true, LagWeight: 1, Point: Curve{Base: 0, Scale: 1000, K: 300}},
	}
	rec, err := Recommend(models, Limits{Budget: tandem.Major(200), MaxCut: big.NewRat(1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// Equal marginal returns 1000/(100+a) = 1000/(300+b) with a+b = 200: a = 200, b = 0.
	if rec.Motions[0].Recommended != tandem.Major(200) || rec.Motions[1].Recommended != 0 {
		t.Errorf("split %v / %v; want 200.00 / 0.00", rec.Motions[0].Recommended, rec.Motions[1].Recommended)
	}
	if models[0].Replicates != nil {
		t.Error("Recommend changed the caller's models")
	}
}

func TestApportion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		total   int64
		weights []float64
		want    []int64
	}{
		{10, []float64{1, 1, 1}, []int64{4, 3, 3}},
		{10, []float64{0, 0}, []int64{5, 5}},
		{7, []float64{0, 2, 5}, []int64{0, 2, 5}},
		{1, []float64{0.5, 0.5000001}, []int64{0, 1}},
		{100, []float64{math.NaN(), 1}, []int64{0, 100}},
		{0, []float64{1}, []int64{0}},
	}
	for _, tt := range tests {
		if got := apportion(tt.total, tt.weights); !cmp.Equal(got, tt.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
		}
	}
}

func TestRecommendExplains(t *testing.T) {
	t.Parallel()
	models, _ := fitCase(t, []synthMotion{logDirect, logCoSell}, 4, 50)
	rec := recommendAtCurrent(t, models)
	co, direct := rec.Motions[0], rec.Motions[1]
	moved := co.Recommended - co.Current
	if moved <= 0 || direct.Recommended != direct.Floor {
		t.Fatalf("expected money to move from direct (cut to its floor) to co_sell: %+v", rec.Motions)
	}
	wantTotal := "moving " + moved.Format("") + " from direct to co_sell: " + signed(rec.Total.ExpectedGain) + " expected margin a month (P10 " + signed(rec.Total.GainP10)
	if !strings.HasPrefix(rec.Explanation, wantTotal) {
		t.Errorf("total explanation %q\nwant prefix %q", rec.Explanation, wantTotal)
	}
	if want := "cut from " + direct.Current.Format("") + " to " + direct.Recommended.Format(""); !strings.HasPrefix(direct.Explanation, want) || !strings.Contains(direct.Explanation, "the 20% max cut stops it here") {
		t.Errorf("direct explanation %q", direct.Explanation)
	}
	if want := "(" + signed(moved) + ", moved from direct " + moved.Format("") + ")"; !strings.Contains(co.Explanation, want) {
		t.Errorf("co_sell explanation %q lacks %q", co.Explanation, want)
	}
	if rec.Total.GainP10 > rec.Total.ExpectedGain || rec.Total.ExpectedGain > rec.Total.GainP90 {
		t.Errorf("gain %v outside its P10–P90 %v–%v", rec.Total.ExpectedGain, rec.Total.GainP10, rec.Total.GainP90)
	}
	// The motions' marginal returns are equal at the optimum unless a floor binds.
	if co.MarginalReturn < direct.MarginalReturn {
		t.Errorf("co_sell's marginal return %.3f below direct's %.3f: money should flow back", co.MarginalReturn, direct.MarginalReturn)
	}
}

// TestFitIndependentOfWorkersAndNeighbours checks that a motion's model depends only on its own rows
// and the seed: not on how many workers fit, nor on which other motions are in the history.
func TestFitIndependentOfWorkersAndNeighbours(t *testing.T) {
	t.Parallel()
	motions := randomMotions(rand.New(rand.NewPCG(8, 8)), 5, "mixed")
	obs := synthCase(rand.New(rand.NewPCG(8, 9)), motions, 36, 0.05)
	h, _ := NewHistory("h", obs)
	one, err := Fit(h, FitOptions{Seed: 3, Replicates: 20, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	four, _ := Fit(h, FitOptions{Seed: 3, Replicates: 20, Workers: 4})
	if diff := cmp.Diff(one, four, cmp.AllowUnexported(Model{})); diff != "" {
		t.Errorf("1 worker vs 4 (-one +four):\n%s", diff)
	}
	var alone []Observation
	for _, o := range obs {
		if o.Motion == "motion_02" {
			alone = append(alone, o)
		}
	}
	ha, _ := NewHistory("h", alone)
	solo, _ := Fit(ha, FitOptions{Seed: 3, Replicates: 20})
	if diff := cmp.Diff(one[2], solo[0], cmp.AllowUnexported(Model{})); diff != "" {
		t.Errorf("motion_02 fitted with and without the others (-with +alone):\n%s", diff)
	}
}

// TestRecommendOptimality checks the optimiser on the curves it was given (no fitting error involved):
// every motion above its floor has the same expected marginal return, no motion at its floor would
// return more, and moving any cent-rounded amount between two motions does not raise expected margin.
func TestRecommendOptimality(t *testing.T) {
	t.Parallel()
	interior := 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 77))
		models, _ := fitCase(t, randomMotions(rng, 2+rng.IntN(5), "mixed"), seed, 30)
		budget := tandem.Money(float64(currentBudget(models)) * (0.9 + 0.3*rng.Float64()))
		rec, err := Recommend(models, Limits{Budget: budget})
		if err != nil {
			t.Fatal(err)
		}
		lambda := 0.0
		for _, p := range rec.Motions {
			if p.Recommended > p.Floor+100 {
				lambda = max(lambda, p.MarginalReturn)
				interior++
			}
		}
		for _, p := range rec.Motions {
			switch {
			case p.Recommended > p.Floor+100 && math.Abs(p.MarginalReturn-lambda) > 1e-3*lambda:
				t.Errorf("seed %d: %s above its floor returns %.5f at the margin, others %.5f", seed, p.Motion, p.MarginalReturn, lambda)
			case p.Recommended <= p.Floor+100 && p.MarginalReturn > lambda*(1+1e-3) && lambda > 0:
				t.Errorf("seed %d: %s held at its floor returns %.5f at the margin, more than %.5f", seed, p.Motion, p.MarginalReturn, lambda)
			}
		}
		expected := func(split map[string]float64) float64 {
			total := 0.0
			for i := range models {
				total += models[i].ExpectedMargin(split[models[i].Motion])
			}
			return total
		}
		split := map[string]float64{}
		for _, p := range rec.Motions {
			split[p.Motion] = float64(p.Recommended) / 100
		}
		best := expected(split)
		for _, from := range rec.Motions {
			for _, to := range rec.Motions {
				for _, amount := range []float64{1, 100, 1000, 10000} {
					if from.Motion == to.Motion || float64(from.Recommended-from.Floor)/100 < amount {
						continue
					}
					split[from.Motion] -= amount
					split[to.Motion] += amount
					if got := expected(split); got > best+1e-6*math.Abs(best)+0.01 {
						t.Errorf("seed %d: moving %.0f from %s to %s raises expected margin from %.2f to %.2f", seed, amount, from.Motion, to.Motion, best, got)
					}
					split[from.Motion] += amount
					split[to.Motion] -= amount
				}
			}
		}
	}
	if interior < 20 {
		t.Errorf("only %d motions ended above their floors; the equal-margin check hardly ran", interior)
	}
}
