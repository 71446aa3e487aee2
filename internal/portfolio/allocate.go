package portfolio

import (
	"cmp"
	"math"
	"slices"
)

// response is a concave response as the optimiser sees it: its marginal margin at a spend.
type response interface {
	ExpectedSlope(spend float64) float64
}

// solveSplit spreads extra (major units) over motions above their floors (major units) so that the
// expected marginal returns are equal wherever a motion sits above its floor: the optimum of a sum of
// concave curves. It returns the amount above each floor; ok is false when no motion has any return (the
// caller then decides the split on other grounds).
func solveSplit[R response](models []R, floors []float64, extra float64) (above []float64, ok bool) {
	above = make([]float64, len(models))
	if extra <= 0 {
		return above, true
	}
	lamHi, lamLo := 0.0, math.Inf(1)
	for i, m := range models {
		lamHi = max(lamHi, m.ExpectedSlope(floors[i]))
		if s := m.ExpectedSlope(floors[i] + extra); s > 0 {
			lamLo = min(lamLo, s)
		}
	}
	if lamHi <= 0 || math.IsInf(lamLo, 1) {
		return above, false
	}
	spend := func(lam float64) float64 {
		total := 0.0
		for i, m := range models {
			above[i] = spendAt(m, floors[i], extra, lam)
			total += above[i]
		}
		return total
	}
	// Bisection on ln λ: at λ = lamLo every motion would take all of extra, at lamHi none takes any.
	lo, hi := math.Log(lamLo), math.Log(lamHi)
	for range 64 {
		mid := (lo + hi) / 2
		if spend(math.Exp(mid)) > extra {
			lo = mid
		} else {
			hi = mid
		}
	}
	spend(math.Exp((lo + hi) / 2))
	return above, true
}

// spendAt returns how far above its floor a motion goes when the going marginal return is lam: where
// its expected slope falls to lam, within [0, extra].
func spendAt[R response](m R, floor, extra, lam float64) float64 {
	if m.ExpectedSlope(floor) <= lam {
		return 0
	}
	if m.ExpectedSlope(floor+extra) >= lam {
		return extra
	}
	lo, hi := 0.0, extra
	for range 52 {
		mid := (lo + hi) / 2
		if m.ExpectedSlope(floor+mid) > lam {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// apportion splits total (cents, ≥ 0) in proportion to weights by the largest-remainder rule: each
// share is rounded down, and the cents left over go one each to the largest fractional parts, ties to
// the lower index. The shares sum to total exactly. Zero or negative weights get nothing unless every
// weight is zero, when the split is equal.
func apportion(total int64, weights []float64) []int64 {
	out := make([]int64, len(weights))
	if total <= 0 || len(weights) == 0 {
		return out
	}
	w := make([]float64, len(weights))
	sum := 0.0
	for i, v := range weights {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			w[i] = v
			sum += v
		}
	}
	if sum == 0 {
		for i := range w {
			w[i] = 1
		}
		sum = float64(len(w))
	}
	type rem struct {
		i    int
		frac float64
	}
	rems := make([]rem, len(w))
	given := int64(0)
	for i, v := range w {
		exact := float64(total) * (v / sum)
		share := int64(math.Floor(exact))
		share = min(max(share, 0), total-given)
		out[i] = share
		given += share
		rems[i] = rem{i, exact - float64(share)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.frac, a.frac) })
	for k := 0; given < total; k = (k + 1) % len(rems) {
		if w[rems[k].i] > 0 {
			out[rems[k].i]++
			given++
		}
	}
	return out
}
