package portfolio

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// trueCurve is a known concave response used to build histories; the optimiser never sees it.
type trueCurve struct {
	family string // "log" (the model's own family), "exp" (saturating exponential) or "hill" (Hill, n=1)
	base   float64
	scale  float64
	k      float64
}

func (c trueCurve) margin(s float64) float64 {
	switch c.family {
	case "exp":
		return c.base + c.scale*(1-math.Exp(-s/c.k))
	case "hill":
		return c.base + c.scale*s/(c.k+s)
	}
	return c.base + c.scale*math.Log1p(s/c.k)
}

// ExpectedSlope makes a trueCurve something solveSplit can optimise, to find the true best split.
func (c trueCurve) ExpectedSlope(s float64) float64 {
	switch c.family {
	case "exp":
		return c.scale / c.k * math.Exp(-s/c.k)
	case "hill":
		return c.scale * c.k / ((c.k + s) * (c.k + s))
	}
	return c.scale / (c.k + s)
}

// synthMotion is one motion of a constructed case.
type synthMotion struct {
	name  string
	curve trueCurve
	level float64 // typical monthly spend (major units)
	lag   float64 // share of spend that shows the same month (1 = none)
	last  float64 // the last month's spend as a multiple of level (0: drawn like every other month)
}

// The motions of the hand-made cases: the model's own (log) family, each drawn with no lag.
var (
	logDirect  = synthMotion{name: "direct", curve: trueCurve{"log", 200000, 60000, 80000}, level: 150000, lag: 1}
	logCoSell  = synthMotion{name: "co_sell", curve: trueCurve{"log", 80000, 150000, 30000}, level: 40000, lag: 1}
	logSourced = synthMotion{name: "partner_sourced", curve: trueCurve{"log", 60000, 120000, 40000}, level: 50000, lag: 1}
	logResell  = synthMotion{name: "resell", curve: trueCurve{"log", 30000, 40000, 20000}, level: 30000, lag: 1}
)

// synthCase builds a history of months months: spend wanders around each motion's level, margin is
// the true curve of the (lagged) spend plus Gaussian noise of sd noise × the motion's spend effect.
func synthCase(rng *rand.Rand, motions []synthMotion, months int, noise float64) []Observation {
	var obs []Observation
	start := Month(2023 * 12)
	for _, m := range motions {
		prev := m.level
		effect := m.curve.margin(m.level) - m.curve.base
		for t := range months {
			s := math.Round(m.level*(0.4+1.2*rng.Float64())*100) / 100
			if t == months-1 && m.last > 0 {
				s = math.Round(m.level*m.last*100) / 100
			}
			e := m.lag*s + (1-m.lag)*prev
			gm := m.curve.margin(e) + noise*effect*rng.NormFloat64()
			obs = append(obs, Observation{Month: start + Month(t), Motion: m.name,
				Spend: tandem.Money(math.Round(s * 100)), GrossMargin: tandem.Money(math.Round(gm * 100)), Line: len(obs) + 2})
			prev = s
		}
	}
	return obs
}

// historyCSV renders observations as a history file.
func historyCSV(obs []Observation) string {
	var b strings.Builder
	b.WriteString("month,motion,spend,gross_margin,region\n")
	for _, o := range obs {
		fmt.Fprintf(&b, "%s,%s,%s,%s,emea\n", o.Month, o.Motion, o.Spend, o.GrossMargin)
	}
	return b.String()
}

// misallocate sets the last month's split the wrong way round: the motions whose true marginal return
// at their usual level is below the median get 1.5× their level, the others 0.6×, both inside the range
// the history covers. The best split then differs clearly from the current one.
func misallocate(motions []synthMotion) []synthMotion {
	slopes := make([]float64, len(motions))
	for i, m := range motions {
		slopes[i] = m.curve.ExpectedSlope(m.level)
	}
	sorted := slices.Clone(slopes)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	out := slices.Clone(motions)
	for i := range out {
		out[i].last = 0.6
		if slopes[i] < median {
			out[i].last = 1.5
		}
	}
	return out
}

// randomMotions draws n motions with log-, exp- or Hill-shaped curves whose bends sit near their
// spend levels, so the best split differs from the current one.
func randomMotions(rng *rand.Rand, n int, family string) []synthMotion {
	out := make([]synthMotion, n)
	for i := range out {
		level := 20000 + 80000*rng.Float64()
		fam := family
		if fam == "mixed" {
			fam = []string{"log", "exp", "hill"}[rng.IntN(3)]
		}
		out[i] = synthMotion{
			name:  fmt.Sprintf("motion_%02d", i),
			curve: trueCurve{family: fam, base: 50000 + 100000*rng.Float64(), scale: level * (1 + 4*rng.Float64()), k: level * (0.3 + 2*rng.Float64())},
			level: level,
			lag:   1,
		}
	}
	return out
}

// ratOf turns a test's fraction into an exact rate (to the basis point).
func ratOf(f float64) *big.Rat { return big.NewRat(int64(math.Round(f*10000)), 10000) }
