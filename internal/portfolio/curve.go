package portfolio

import (
	"math"
)

// Curve is one fitted response: Margin(e) = Base + Scale·ln(1 + e/K) for a month's effective spend e,
// everything in major units (float64: these are estimates, not ledger amounts).
type Curve struct {
	Base  float64
	Scale float64
	K     float64
}

// Margin returns the modelled monthly gross margin at effective spend e.
func (c Curve) Margin(e float64) float64 { return c.Base + c.Scale*math.Log1p(e/c.K) }

// Slope returns the marginal margin of one more unit of spend at e.
func (c Curve) Slope(e float64) float64 { return c.Scale / (c.K + e) }

// lagWeights are the candidate shares of a month's spend that show in the same month (1 = no lag).
var lagWeights = []float64{1, 0.75, 0.5, 0.25, 0}

const (
	// minMonths is the least history a curve is fitted to.
	minMonths = 6
	// minSpendLevels is the least number of distinct spend levels a curve is fitted to.
	minSpendLevels = 3
	// minLagMonths is the least number of months with a previous month before a lag is considered.
	minLagMonths = 8
	kGridPoints  = 20
	kGoldenSteps = 18
)

// fitter fits curves to (x, y) points; it holds the statistics of the margins being fitted, so each
// goroutine has its own.
type fitter struct {
	my, syy float64 // mean of y and its centred sum of squares, for the data being fitted
}

// gridK returns the i-th point of the k grid between kLo and kHi (log-spaced).
func gridK(kLo, kHi float64, i int) float64 {
	lo, hi := math.Log(kLo), math.Log(kHi)
	return math.Exp(lo + float64(i)*(hi-lo)/(kGridPoints-1))
}

// gridLogs returns ln(1 + x/k) for every grid k, grid point by grid point: [g·len(x) + i]. Bootstrap
// replicates resample these instead of taking logarithms again.
func gridLogs(x []float64, kLo, kHi float64) []float64 {
	out := make([]float64, kGridPoints*len(x))
	for g := range kGridPoints {
		inv := 1 / gridK(kLo, kHi, g)
		for i, v := range x {
			out[g*len(x)+i] = math.Log1p(v * inv)
		}
	}
	return out
}

// fit fits base, scale and k by profile least squares and returns the curve and its residual sum of
// squares. kLo and kHi bound the search for k. logs, when not nil, holds gridLogs(x, kLo, kHi).
func (f *fitter) fit(x, y []float64, kLo, kHi float64, logs []float64) (Curve, float64) {
	var sy float64
	for _, v := range y {
		sy += v
	}
	f.my, f.syy = sy/float64(len(y)), 0
	for _, v := range y {
		f.syy += (v - f.my) * (v - f.my)
	}
	best := Curve{K: kHi}
	bestRSS := math.Inf(1)
	bestI := 0
	lo, hi := math.Log(kLo), math.Log(kHi)
	step := (hi - lo) / (kGridPoints - 1)
	for i := range kGridPoints {
		var c Curve
		var rss float64
		if logs != nil {
			c, rss = f.linearLogs(logs[i*len(x):(i+1)*len(x)], y, gridK(kLo, kHi, i))
		} else {
			c, rss = f.linear(x, y, gridK(kLo, kHi, i))
		}
		if rss < bestRSS {
			best, bestRSS, bestI = c, rss, i
		}
	}
	// Golden-section refinement of ln k between the grid neighbours of the best point.
	a, b := lo+float64(max(bestI-1, 0))*step, lo+float64(min(bestI+1, kGridPoints-1))*step
	const invPhi = 0.6180339887498949
	c1, c2 := b-invPhi*(b-a), a+invPhi*(b-a)
	fc1, r1 := f.linear(x, y, math.Exp(c1))
	fc2, r2 := f.linear(x, y, math.Exp(c2))
	for range kGoldenSteps {
		if r1 < r2 {
			b, c2, fc2, r2 = c2, c1, fc1, r1
			c1 = b - invPhi*(b-a)
			fc1, r1 = f.linear(x, y, math.Exp(c1))
		} else {
			a, c1, fc1, r1 = c1, c2, fc2, r2
			c2 = a + invPhi*(b-a)
			fc2, r2 = f.linear(x, y, math.Exp(c2))
		}
	}
	if r1 < bestRSS {
		best, bestRSS = fc1, r1
	}
	if r2 < bestRSS {
		best, bestRSS = fc2, r2
	}
	return best, bestRSS
}

// linear fits base and scale for a fixed k in closed form, with scale held at zero when the least-squares
// slope is negative (spend never lowers margin in this model). One pass over the data: the residual sum
// of squares is Syy − Sxy²/Sxx from the centred sums.
func (f *fitter) linear(x, y []float64, k float64) (Curve, float64) {
	var sx, sxx, sxy float64
	inv := 1 / k
	for i, v := range x {
		l := math.Log1p(v * inv)
		sx += l
		sxx += l * l
		sxy += l * y[i]
	}
	return f.solve(float64(len(x)), sx, sxx, sxy, k)
}

// linearLogs is linear with ln(1 + x/k) already taken.
func (f *fitter) linearLogs(logs, y []float64, k float64) (Curve, float64) {
	var sx, sxx, sxy float64
	for i, l := range logs {
		sx += l
		sxx += l * l
		sxy += l * y[i]
	}
	return f.solve(float64(len(logs)), sx, sxx, sxy, k)
}

// solve finishes the closed-form fit from the raw sums.
func (f *fitter) solve(n, sx, sxx, sxy, k float64) (Curve, float64) {
	mx := sx / n
	cxx := sxx - n*mx*mx
	cxy := sxy - n*mx*f.my
	scale, rss := 0.0, f.syy
	if cxx > 0 && cxy > 0 {
		scale = cxy / cxx
		rss = max(f.syy-cxy*scale, 0)
	}
	return Curve{Base: f.my - scale*mx, Scale: scale, K: k}, rss
}

// kBounds returns the search range for k from the largest effective spend.
func kBounds(x []float64) (float64, float64) {
	hi := 0.0
	for _, v := range x {
		hi = max(hi, v)
	}
	return max(hi/1000, 1e-6), max(hi*3, 1e-3)
}

// effectiveSpend returns w·spend(t) + (1−w)·spend(t−1) in major units for the observations that have
// what w needs (all of them when w = 1; those whose previous month is present otherwise), with margins.
func effectiveSpend(series []Observation, w float64, onlyWithPrevious bool) (x, y []float64) {
	for i, o := range series {
		hasPrev := i > 0 && series[i-1].Month == o.Month-1
		if (w < 1 || onlyWithPrevious) && !hasPrev {
			continue
		}
		e := float64(o.Spend) / 100
		if w < 1 {
			e = w*e + (1-w)*float64(series[i-1].Spend)/100
		}
		x = append(x, e)
		y = append(y, float64(o.GrossMargin)/100)
	}
	return x, y
}

// chooseLag picks the lag weight by BIC on the months that have a previous month; 1 (no lag) when there
// are too few of them.
func chooseLag(f *fitter, series []Observation) float64 {
	best, bestBIC := 1.0, math.Inf(1)
	for _, w := range lagWeights {
		x, y := effectiveSpend(series, w, true)
		if len(x) < minLagMonths {
			return 1
		}
		lo, hi := kBounds(x)
		_, rss := f.fit(x, y, lo, hi, nil)
		n := float64(len(x))
		params := 3.0
		if w < 1 {
			params = 4
		}
		var sy2 float64
		for _, v := range y {
			sy2 += v * v
		}
		rss = max(rss, 1e-12*sy2+1e-9) // a perfect fit must not reach ln 0
		if bic := n*math.Log(rss/n) + params*math.Log(n); bic < bestBIC-1e-9 {
			best, bestBIC = w, bic
		}
	}
	return best
}

// distinctLevels counts distinct values in x, up to limit.
func distinctLevels(x []float64, limit int) int {
	var seen []float64
outer:
	for _, v := range x {
		for _, s := range seen {
			if s == v {
				continue outer
			}
		}
		if seen = append(seen, v); len(seen) >= limit {
			break
		}
	}
	return len(seen)
}
