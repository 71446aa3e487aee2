package portfolio

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"

	tandem "github.com/tandem-revops/tandem"
)

// DefaultReplicates is how many bootstrap replicates Fit draws when FitOptions.Replicates is 0.
const DefaultReplicates = 200

// FitOptions tunes Fit.
type FitOptions struct {
	// Replicates is the number of bootstrap replicates (DefaultReplicates when 0).
	Replicates int
	// Seed makes the bootstrap reproducible: the same history and seed give the same models.
	Seed uint64
	// Workers is how many motions are fitted at once (GOMAXPROCS when 0); the result does not depend on it.
	Workers int
}

// Model is one motion's fitted response with its bootstrap replicates.
type Model struct {
	Motion string
	// Current is the motion's spend in the history's last month (0 when it has no row for that month).
	Current tandem.Money
	// Months is how many months of history the motion has; MinSpend and MaxSpend bound its spend in them.
	Months             int
	MinSpend, MaxSpend tandem.Money
	// Fitted is false when the history is too thin for a curve; Reason then says why.
	Fitted bool
	Reason string
	// LagWeight is the share of a month's spend that shows in the same month's margin (1 = no lag).
	LagWeight float64
	// Point is the curve fitted to all the motion's months; Replicates are the bootstrap refits.
	Point      Curve
	Replicates []Curve

	// LastMonth is the motion's latest month in the history.
	LastMonth Month
	// AverageMargin is its average monthly gross margin (rounded half to even), used when there is no curve.
	AverageMargin tandem.Money
}

// ExpectedMargin returns the margin at steady spend s (major units) averaged over the replicates.
func (m *Model) ExpectedMargin(s float64) float64 {
	var sum float64
	for _, c := range m.Replicates {
		sum += c.Margin(s)
	}
	return sum / float64(len(m.Replicates))
}

// ExpectedSlope returns the marginal margin at steady spend s averaged over the replicates.
func (m *Model) ExpectedSlope(s float64) float64 {
	var sum float64
	for _, c := range m.Replicates {
		sum += c.Slope(s)
	}
	return sum / float64(len(m.Replicates))
}

// Fit fits every motion in h: the lag, the point curve and the bootstrap replicates. Motions come back
// sorted by name. It fails only on an empty history or a negative replicate count.
func Fit(h History, opt FitOptions) ([]Model, error) {
	if len(h.obs) == 0 {
		return nil, errors.New("fit: the history is empty")
	}
	if opt.Replicates < 0 {
		return nil, fmt.Errorf("fit: %d bootstrap replicates: the count cannot be negative", opt.Replicates)
	}
	if opt.Replicates == 0 {
		opt.Replicates = DefaultReplicates
	}
	motions := h.Motions()
	models := make([]Model, len(motions))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(motions)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f fitter
			for i := range next {
				models[i] = fitMotion(&f, h.series(motions[i]), h.LastMonth(), opt)
			}
		}()
	}
	for i := range motions {
		next <- i
	}
	close(next)
	wg.Wait()
	return models, nil
}

// fitMotion fits one motion's series; last is the history's last month.
func fitMotion(f *fitter, series []Observation, last Month, opt FitOptions) Model {
	motion := series[0].Motion
	m := Model{Motion: motion, Months: len(series), LagWeight: 1, LastMonth: series[len(series)-1].Month}
	m.MinSpend, m.MaxSpend = series[0].Spend, series[0].Spend
	var marginSum big.Int
	for _, o := range series {
		m.MinSpend, m.MaxSpend = min(m.MinSpend, o.Spend), max(m.MaxSpend, o.Spend)
		marginSum.Add(&marginSum, big.NewInt(int64(o.GrossMargin)))
	}
	m.AverageMargin = tandem.Money(tandem.RoundHalfEven(new(big.Rat).SetFrac(&marginSum, big.NewInt(int64(len(series))))).Int64())
	if end := series[len(series)-1]; end.Month == last {
		m.Current = end.Spend
	}
	x, y := effectiveSpend(series, 1, false)
	switch {
	case len(series) < minMonths:
		m.Reason = fmt.Sprintf("only %d months of history, a curve needs %d", len(series), minMonths)
		return m
	case distinctLevels(x, minSpendLevels) < minSpendLevels:
		m.Reason = fmt.Sprintf("spend took fewer than %d different levels, so its effect cannot be told apart", minSpendLevels)
		return m
	}
	m.Fitted = true
	m.LagWeight = chooseLag(f, series)
	if m.LagWeight < 1 {
		x, y = effectiveSpend(series, m.LagWeight, false)
	}
	lo, hi := kBounds(x)
	m.Point, _ = f.fit(x, y, lo, hi, nil)
	m.Replicates = bootstrap(f, x, y, lo, hi, opt.Replicates, streamFor(opt.Seed, motion))
	return m
}

// streamFor returns the motion's own random stream, so results do not depend on which other motions
// are in the history or in what order.
func streamFor(seed uint64, motion string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(motion))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// bootstrap refits the curve to n resamples (with replacement) of the (x, y) pairs. The k search keeps
// the full data's bounds so replicates are comparable, and so the grid's logarithms are taken once.
func bootstrap(f *fitter, x, y []float64, kLo, kHi float64, n int, rng *rand.Rand) []Curve {
	out := make([]Curve, n)
	logs := gridLogs(x, kLo, kHi)
	bx, by := make([]float64, len(x)), make([]float64, len(y))
	blogs := make([]float64, len(logs))
	picks := make([]int, len(x))
	for r := range n {
		for i := range picks {
			j := rng.IntN(len(x))
			picks[i], bx[i], by[i] = j, x[j], y[j]
		}
		for g := range kGridPoints {
			row, src := blogs[g*len(x):(g+1)*len(x)], logs[g*len(x):(g+1)*len(x)]
			for i, j := range picks {
				row[i] = src[j]
			}
		}
		out[r], _ = f.fit(bx, by, kLo, kHi, blogs)
	}
	return out
}
