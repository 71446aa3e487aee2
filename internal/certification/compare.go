package certification

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Deal is one closed partner deal for the comparison: whether its partner was certified when it
// started, whether it was won and how many days it took from creation to close.
type Deal struct {
	Partner   string
	Certified bool
	Won       bool
	CycleDays float64
}

// Options tune Compare.
type Options struct {
	// Confidence is the interval's coverage (0.95 when 0).
	Confidence float64
	// Replicates is the number of bootstrap resamples for the cycle-time interval (2000 when 0).
	Replicates int
	// Seed makes the bootstrap reproducible.
	Seed uint64
}

// Group is one side of the comparison. WinRate's interval is Wilson's score interval; the cycle
// time is the mean of the won deals' cycle days with a bootstrap percentile interval.
type Group struct {
	Deals, Wins              int
	WinRate, WinLow, WinHigh float64
	MeanCycleDays            float64
	CycleLow, CycleHigh      float64
	CycleKnown               bool // at least two won deals
}

// Difference is certified minus uncertified with its interval; Significant is false when the interval
// includes zero (or there is too little data to tell).
type Difference struct {
	Estimate, Low, High float64
	Significant         bool
	Known               bool
}

// Comparison is the certified-versus-uncertified result with a plain-words summary.
type Comparison struct {
	Confidence             float64
	Certified, Uncertified Group
	WinRate                Difference // in proportion points (0.05 = 5 points)
	CycleDays              Difference // in days; negative means certified partners close faster
	Summary                string
}

// Compare compares certified and uncertified partners' win rate and cycle time of won deals. The
// win-rate difference uses Newcombe's hybrid score interval (method 10, built from the two Wilson
// intervals); the cycle-time difference a seeded bootstrap of the difference in means. It fails when
// either group has no deals or a cycle time is negative or not a number.
func Compare(deals []Deal, opt Options) (Comparison, error) {
	if opt.Confidence == 0 {
		opt.Confidence = 0.95
	}
	if opt.Confidence <= 0 || opt.Confidence >= 1 {
		return Comparison{}, fmt.Errorf("compare: confidence %g is not between 0 and 1", opt.Confidence)
	}
	if opt.Replicates == 0 {
		opt.Replicates = 2000
	}
	var certWon, uncertWon []float64
	c := Comparison{Confidence: opt.Confidence}
	for i, d := range deals {
		if d.CycleDays < 0 || math.IsNaN(d.CycleDays) || math.IsInf(d.CycleDays, 0) {
			return Comparison{}, fmt.Errorf("compare: deal %d (%s): cycle of %g days", i+1, d.Partner, d.CycleDays)
		}
		g := &c.Uncertified
		if d.Certified {
			g = &c.Certified
		}
		g.Deals++
		if d.Won {
			g.Wins++
			if d.Certified {
				certWon = append(certWon, d.CycleDays)
			} else {
				uncertWon = append(uncertWon, d.CycleDays)
			}
		}
	}
	if c.Certified.Deals == 0 || c.Uncertified.Deals == 0 {
		return Comparison{}, errors.New("compare: needs deals from both certified and uncertified partners")
	}
	z := distuv.UnitNormal.Quantile(1 - (1-opt.Confidence)/2)
	for _, g := range []*Group{&c.Certified, &c.Uncertified} {
		g.WinRate = float64(g.Wins) / float64(g.Deals)
		g.WinLow, g.WinHigh = Wilson(g.Wins, g.Deals, z)
	}
	p1, p2 := c.Certified.WinRate, c.Uncertified.WinRate
	d := p1 - p2
	c.WinRate = Difference{Estimate: d, Known: true,
		Low:  d - math.Sqrt(sq(p1-c.Certified.WinLow)+sq(c.Uncertified.WinHigh-p2)),
		High: d + math.Sqrt(sq(c.Certified.WinHigh-p1)+sq(p2-c.Uncertified.WinLow)),
	}
	c.WinRate.Significant = c.WinRate.Low > 0 || c.WinRate.High < 0

	rng := rand.New(rand.NewPCG(opt.Seed, 0x6365727469666965))
	alpha := (1 - opt.Confidence) / 2
	for _, x := range []struct {
		g   *Group
		won []float64
	}{{&c.Certified, certWon}, {&c.Uncertified, uncertWon}} {
		if len(x.won) < 2 {
			continue
		}
		x.g.CycleKnown = true
		x.g.MeanCycleDays = stat.Mean(x.won, nil)
		means := make([]float64, opt.Replicates)
		for r := range means {
			means[r] = resampleMean(rng, x.won)
		}
		x.g.CycleLow, x.g.CycleHigh = percentiles(means, alpha)
	}
	if c.Certified.CycleKnown && c.Uncertified.CycleKnown {
		diffs := make([]float64, opt.Replicates)
		for r := range diffs {
			diffs[r] = resampleMean(rng, certWon) - resampleMean(rng, uncertWon)
		}
		c.CycleDays = Difference{Estimate: c.Certified.MeanCycleDays - c.Uncertified.MeanCycleDays, Known: true}
		c.CycleDays.Low, c.CycleDays.High = percentiles(diffs, alpha)
		c.CycleDays.Significant = c.CycleDays.Low > 0 || c.CycleDays.High < 0
	}
	c.Summary = summary(c)
	return c, nil
}

// Wilson returns Wilson's score interval for wins out of n at normal quantile z.
func Wilson(wins, n int, z float64) (low, high float64) {
	if n == 0 {
		return 0, 1
	}
	fn := float64(n)
	p := float64(wins) / fn
	z2 := z * z
	centre := (p + z2/(2*fn)) / (1 + z2/fn)
	half := z / (1 + z2/fn) * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	return max(centre-half, 0), min(centre+half, 1)
}

func resampleMean(rng *rand.Rand, xs []float64) float64 {
	var sum float64
	for range xs {
		sum += xs[rng.IntN(len(xs))]
	}
	return sum / float64(len(xs))
}

func percentiles(xs []float64, alpha float64) (float64, float64) {
	slices.Sort(xs)
	return stat.Quantile(alpha, stat.Empirical, xs, nil), stat.Quantile(1-alpha, stat.Empirical, xs, nil)
}

func sq(x float64) float64 { return x * x }

func summary(c Comparison) string {
	conf := fmt.Sprintf("%.0f%%", c.Confidence*100)
	s := fmt.Sprintf("win rate: certified partners %.1f%% (%d of %d, %s CI %.1f–%.1f%%), uncertified %.1f%% (%d of %d, %.1f–%.1f%%); difference %+.1f points (%s CI %+.1f to %+.1f): %s",
		c.Certified.WinRate*100, c.Certified.Wins, c.Certified.Deals, conf, c.Certified.WinLow*100, c.Certified.WinHigh*100,
		c.Uncertified.WinRate*100, c.Uncertified.Wins, c.Uncertified.Deals, c.Uncertified.WinLow*100, c.Uncertified.WinHigh*100,
		c.WinRate.Estimate*100, conf, c.WinRate.Low*100, c.WinRate.High*100, verdict(c.WinRate))
	if !c.CycleDays.Known {
		return s + ". Cycle time: not enough won deals on both sides to compare"
	}
	return s + fmt.Sprintf(". Cycle time of won deals: certified %.1f days, uncertified %.1f days; difference %+.1f days (%s CI %+.1f to %+.1f): %s",
		c.Certified.MeanCycleDays, c.Uncertified.MeanCycleDays, c.CycleDays.Estimate, conf, c.CycleDays.Low, c.CycleDays.High, verdict(c.CycleDays))
}

func verdict(d Difference) string {
	if d.Significant {
		return "significant"
	}
	return "not significant (the interval includes zero)"
}
