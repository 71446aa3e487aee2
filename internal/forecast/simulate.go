package forecast

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"

	tandem "github.com/tandem-revops/tandem"
)

// exactDraws is the most wins whose amounts are drawn one by one; above it the sum of the drawn
// amounts is taken from its normal approximation (mean and finite-population variance), rounded to the
// minor unit half away from zero — the one place money is rounded.
const exactDraws = 16

// categorySource returns the random source of one category: derived from the seed and the category's
// name alone, so one category's draws never depend on another's history.
func categorySource(seed uint64, c Category) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatUint(seed, 10)))
	h.Write([]byte{0})
	h.Write([]byte(c))
	s1 := h.Sum64()
	h.Write([]byte{1})
	return rand.NewPCG(s1, h.Sum64())
}

// openCell is a group of open deals that share an age band (capped at the tail), a segment and whether
// their amounts are known; their probabilities of being won and lost in the window are averaged.
type openCell struct {
	sumWon, sumLost float64 // of the members' probabilities, while the cells are built
	closeProb       float64 // P(won or lost in the window)
	winOdds         float64 // odds that a close in the window is a win, segment-adjusted (+Inf: always)
	amounts         []tandem.Money
	unknown         int            // deals without a known amount
	pool            []tandem.Money // where their amounts are drawn from
	poolMean        float64
	poolSD          float64
	total           int64
	mean, sd        float64 // of amounts
}

// newDeals is what the deals not yet created add: a count drawn from a gamma–Poisson fitted to the
// past quarters' same-window won counts, and amounts drawn from those wins.
type newDeals struct {
	mean, shape float64 // shape 0: plain Poisson
	pool        []tandem.Money
	poolMean    float64
	poolSD      float64
}

// plan is everything a category's simulation needs.
type plan struct {
	wonToDate tandem.Money
	done      bool // the quarter ended on or before the as-of day: nothing left to draw
	cells     []*openCell
	shiftMean float64 // of the common log-odds shift of the win odds, open and not-yet-created deals alike
	baseShare float64 // the category's win share, which the shift moves
	shiftSD   float64
	fresh     newDeals
}

// simulate draws n outcomes of the quarter's won value for one category.
func (p *plan) simulate(src *rand.PCG, n int) []tandem.Money {
	out := make([]tandem.Money, n)
	if p.done {
		for i := range out {
			out[i] = p.wonToDate
		}
		return out
	}
	rng := rand.New(src)
	gamma := distuv.Gamma{Alpha: p.fresh.shape, Beta: 1, Src: src}
	for i := range out {
		sum := int64(p.wonToDate)
		shift := math.Exp(p.shiftMean)
		if p.shiftSD > 0 {
			shift = math.Exp(p.shiftMean + p.shiftSD*rng.NormFloat64())
		}
		for _, c := range p.cells {
			share := 1.0
			if !math.IsInf(c.winOdds, 1) {
				o := c.winOdds * shift
				share = o / (1 + o)
			}
			prob := c.closeProb * share
			if len(c.amounts) > 0 {
				k := binomial(rng, len(c.amounts), prob)
				sum += sumWithoutReplacement(rng, c, k)
			}
			if c.unknown > 0 {
				k := binomial(rng, c.unknown, prob)
				sum += sumWithReplacement(rng, c.pool, c.poolMean, c.poolSD, k)
			}
		}
		if p.fresh.mean > 0 && len(p.fresh.pool) > 0 {
			lambda := p.fresh.mean
			if p.fresh.shape > 0 {
				lambda = gamma.Rand() * p.fresh.mean / p.fresh.shape
			}
			if w := p.baseShare; w > 0 && w < 1 {
				lambda *= shift / (1 - w + w*shift) // the shifted win share over the base one
			}
			k := poisson(rng, lambda)
			sum += sumWithReplacement(rng, p.fresh.pool, p.fresh.poolMean, p.fresh.poolSD, k)
		}
		out[i] = tandem.Money(sum)
	}
	return out
}

// binomial draws from Binomial(n, p): trial by trial for small n, by inversion for a small mean, and
// from the normal approximation (rounded, clamped) once the variance is at least 40.
func binomial(r *rand.Rand, n int, p float64) int {
	switch {
	case n == 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	case p > 0.5:
		return n - binomial(r, n, 1-p)
	case n < 40:
		k := 0
		for range n {
			if r.Float64() < p {
				k++
			}
		}
		return k
	}
	mean := float64(n) * p
	if v := mean * (1 - p); v >= 40 {
		k := int(math.Round(mean + math.Sqrt(v)*r.NormFloat64()))
		return min(max(k, 0), n)
	}
	q := 1 - p
	ratio, a := p/q, float64(n+1)*p/q
	pk := math.Pow(q, float64(n))
	u := r.Float64()
	k := 0
	for u > pk && k < n {
		u -= pk
		k++
		pk *= a/float64(k) - ratio
	}
	return k
}

// poisson draws from Poisson(lambda).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda >= 40 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	pk := math.Exp(-lambda)
	u := r.Float64()
	k := 0
	for u > pk && k < 10000 {
		u -= pk
		k++
		pk *= lambda / float64(k)
	}
	return k
}

// sumWithoutReplacement returns the sum of k of the cell's amounts chosen at random.
func sumWithoutReplacement(r *rand.Rand, c *openCell, k int) int64 {
	n := len(c.amounts)
	switch {
	case k <= 0:
		return 0
	case k >= n:
		return c.total
	case k <= exactDraws:
		return partialShuffleSum(r, c.amounts, k)
	case n-k <= exactDraws:
		return c.total - partialShuffleSum(r, c.amounts, n-k)
	}
	variance := float64(k) * c.sd * c.sd * float64(n-k) / float64(n-1)
	s := math.Round(float64(k)*c.mean + math.Sqrt(variance)*r.NormFloat64())
	return int64(min(max(s, 0), float64(c.total)))
}

// partialShuffleSum moves k random amounts to the front of a (a Fisher–Yates prefix) and sums them.
func partialShuffleSum(r *rand.Rand, a []tandem.Money, k int) int64 {
	var s int64
	for i := range k {
		j := i + r.IntN(len(a)-i)
		a[i], a[j] = a[j], a[i]
		s += int64(a[i])
	}
	return s
}

// sumWithReplacement returns the sum of k amounts drawn from pool with replacement.
func sumWithReplacement(r *rand.Rand, pool []tandem.Money, mean, sd float64, k int) int64 {
	if k <= 0 || len(pool) == 0 {
		return 0
	}
	if k <= exactDraws {
		var s int64
		for range k {
			s += int64(pool[r.IntN(len(pool))])
		}
		return s
	}
	s := math.Round(float64(k)*mean + math.Sqrt(float64(k))*sd*r.NormFloat64())
	return int64(max(s, 0))
}

func meanSD(a []tandem.Money) (mean, sd float64, total int64) {
	if len(a) == 0 {
		return 0, 0, 0
	}
	for _, v := range a {
		total += int64(v)
	}
	mean = float64(total) / float64(len(a))
	var ss float64
	for _, v := range a {
		d := float64(v) - mean
		ss += d * d
	}
	if len(a) > 1 {
		sd = math.Sqrt(ss / float64(len(a)-1))
	}
	return mean, sd, total
}
