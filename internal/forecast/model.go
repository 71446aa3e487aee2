package forecast

import (
	"math"
	"slices"
	"sort"

	tandem "github.com/tandem-revops/tandem"
)

// Model constants. They are part of the method (see the package doc); changing one changes results.
const (
	// maxTailAge caps the ages (days since creation) that get their own hazard; older deals share the
	// tail's constant hazard.
	maxTailAge = 730
	// minAtRisk is the fewest deals that must be at risk at an age for that age to get its own hazard;
	// the tail starts at the first age with fewer.
	minAtRisk = 30
	// segmentPrior is how many closed deals' worth of weight the category's win share has when a
	// segment's own share is estimated (empirical-Bayes shrinkage).
	segmentPrior = 20.0
	// pastQuarters is how many complete past quarters feed the between-quarter variation and the
	// not-yet-created deals.
	pastQuarters = 8
	// minSegmentPool is the fewest won deals a segment needs for its own won amounts to be drawn from.
	minSegmentPool = 10
	// maxAmountBands is how many amount bands a category's deals are split into at most, and
	// minBandClosed the fewest closed deals each band needs (fewer bands, or none, when thinner).
	maxAmountBands = 4
	minBandClosed  = 100
	// bandSample is how many amounts at most the band cuts are read from.
	bandSample = 10000
)

// Model is one category's fitted history as of a day: daily hazards of winning and losing by age
// (Aalen–Johansen competing risks with the as-of day as right censoring), win shares by segment, the
// between-quarter variation of the win share, and won amounts.
type Model struct {
	tailAge int       // ages ≥ tailAge use the tail hazards
	logS    []float64 // logS[t] = log P(still open after age t), t < tailAge
	cumWon  []float64 // cumWon[t] = P(won at an age ≤ t), t < tailAge
	cumLost []float64
	tailWon float64 // daily hazards at ages ≥ tailAge
	tailLos float64

	closed, won  int
	winShare     float64 // won / closed
	segments     map[int32]*segmentStats
	segmentNames []string
	wonAmounts   []tandem.Money // every won deal's amount, id order
	// sampleVar is the sampling variance of the pooled win share's log-odds.
	sampleVar float64
	quarterT  float64 // the between-quarter part (τ²)
	// bandCuts split the deals by the amount they show while open (band i: [bandCuts[i-1],
	// bandCuts[i])); bands are their hazards. None when the history is too thin.
	bandCuts []tandem.Money
	bands    []*Model // only the hazards and the closed and won counts are fitted
}

type segmentStats struct {
	closed, won int
	oddsRatio   float64
	wonAmounts  []tandem.Money
}

// fit builds a category's model from its deals as of asOf (deals must already be the as-of view,
// sorted by id).
func fit(deals []obs, asOf Day) *Model {
	m := &Model{segments: map[int32]*segmentStats{}}
	m.fitHazards(deals, asOf, nil)
	for i := range deals {
		d := &deals[i]
		if d.Outcome == Open {
			continue
		}
		m.closed++
		s := m.segments[d.Segment]
		if s == nil {
			s = &segmentStats{}
			m.segments[d.Segment] = s
		}
		s.closed++
		if d.Outcome == Won {
			m.won++
			s.won++
			m.wonAmounts = append(m.wonAmounts, d.Amount)
			s.wonAmounts = append(s.wonAmounts, d.Amount)
		}
	}
	if m.closed > 0 {
		m.winShare = float64(m.won) / float64(m.closed)
	}
	m.fitAmountBands(deals, asOf)
	m.segmentOddsRatios(deals)
	m.quarterT = betweenQuarterVariance(deals, asOf)
	if m.winShare > 0 && m.winShare < 1 {
		m.sampleVar = 1 / (float64(m.closed) * m.winShare * (1 - m.winShare))
	}
	return m
}

// fitHazards fits the daily hazards of winning and losing by age (Aalen–Johansen, the as-of day as
// right censoring) over the deals `in` selects (nil: all of them).
func (m *Model) fitHazards(deals []obs, asOf Day, in func(i int) bool) {
	exits := make([]int, maxTailAge+1)
	wonAt := make([]int, maxTailAge+1)
	lostAt := make([]int, maxTailAge+1)
	type tailDeal struct{ exit, outcome int }
	var tail []tailDeal // deals whose exit age is ≥ maxTailAge, kept for the tail
	for i := range deals {
		if in != nil && !in(i) {
			continue
		}
		d := &deals[i]
		exit := int(asOf - d.Created)
		if d.Outcome != Open {
			exit = int(d.Closed - d.Created)
		}
		if exit >= maxTailAge {
			tail = append(tail, tailDeal{exit, int(d.Outcome)})
			exits[maxTailAge]++
		} else {
			exits[exit]++
			switch d.Outcome {
			case Won:
				wonAt[exit]++
			case Lost:
				lostAt[exit]++
			}
		}
	}
	// atRisk[t] = deals whose exit age is ≥ t.
	atRisk := make([]int, maxTailAge+2)
	for t := maxTailAge; t >= 0; t-- {
		atRisk[t] = atRisk[t+1] + exits[t]
	}
	m.tailAge = maxTailAge
	for t := 0; t < maxTailAge; t++ {
		if atRisk[t] < minAtRisk {
			m.tailAge = t
			break
		}
	}
	// Tail hazards: events over deal-days of exposure at ages ≥ tailAge.
	var exposure float64
	var tailWon, tailLost int
	for t := m.tailAge; t < maxTailAge; t++ {
		exposure += float64(exits[t]) * float64(t-m.tailAge+1)
		tailWon += wonAt[t]
		tailLost += lostAt[t]
	}
	for _, d := range tail {
		exposure += float64(d.exit - m.tailAge + 1)
		switch Outcome(d.outcome) {
		case Won:
			tailWon++
		case Lost:
			tailLost++
		}
	}
	if exposure > 0 {
		m.tailWon = float64(tailWon) / exposure
		m.tailLos = float64(tailLost) / exposure
	}
	m.logS = make([]float64, m.tailAge)
	m.cumWon = make([]float64, m.tailAge)
	m.cumLost = make([]float64, m.tailAge)
	logS, cw, cl := 0.0, 0.0, 0.0
	for t := 0; t < m.tailAge; t++ {
		n := float64(atRisk[t])
		hw, hl := float64(wonAt[t])/n, float64(lostAt[t])/n
		s := math.Exp(logS)
		cw += s * hw
		cl += s * hl
		logS += math.Log(math.Max(1-hw-hl, 1e-12))
		m.logS[t], m.cumWon[t], m.cumLost[t] = logS, cw, cl
	}
}

// fitAmountBands splits the category's deals by the amount they show while open into up to
// maxAmountBands bands of about equal size, each with at least minBandClosed closed deals, and fits
// each band's own hazards: a large deal wins less often and takes longer than a small one, so one
// table for all would apply the small deals' odds and timing to the large deals' value. No bands when
// the history is too thin for two.
func (m *Model) fitAmountBands(deals []obs, asOf Day) {
	// The cuts are quantiles of at most bandSample amounts, every k-th deal in id order: sorting a
	// million amounts cost more than the rest of the fit, for cuts no better.
	known := 0
	for i := range deals {
		if deals[i].OpenAmountKnown || deals[i].AmountKnown {
			known++
		}
	}
	if known == 0 {
		return
	}
	step := max(1, known/bandSample)
	amounts := make([]tandem.Money, 0, known/step+1)
	k := 0
	for i := range deals {
		if a, ok := openAmount(&deals[i]); ok {
			if k%step == 0 {
				amounts = append(amounts, a)
			}
			k++
		}
	}
	slices.Sort(amounts)
	band := make([]int8, len(deals)) // each deal's band, -1 when its amount is unknown
	for n := min(maxAmountBands, m.closed/minBandClosed); n >= 2; n-- {
		var cuts []tandem.Money // band i holds amounts in [cuts[i-1], cuts[i])
		for k := 1; k < n; k++ {
			c := amounts[k*len(amounts)/n]
			if c > amounts[0] && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
				cuts = append(cuts, c)
			}
		}
		if len(cuts) == 0 {
			continue
		}
		closed := make([]int, len(cuts)+1)
		for i := range deals {
			band[i] = -1
			if a, ok := openAmount(&deals[i]); ok {
				band[i] = int8(bandIndex(cuts, a))
				if deals[i].Outcome != Open {
					closed[band[i]]++
				}
			}
		}
		if slices.Min(closed) < minBandClosed {
			continue
		}
		m.bandCuts = cuts
		m.bands = make([]*Model, len(cuts)+1)
		for b := range m.bands {
			bm := &Model{}
			bm.fitHazards(deals, asOf, func(i int) bool { return band[i] == int8(b) })
			m.bands[b] = bm
		}
		for i := range deals {
			if d := &deals[i]; band[i] >= 0 && d.Outcome != Open {
				bm := m.bands[band[i]]
				bm.closed++
				if d.Outcome == Won {
					bm.won++
				}
			}
		}
		return
	}
}

// bandIndex returns the band an amount falls in.
func bandIndex(cuts []tandem.Money, a tandem.Money) int {
	i, found := slices.BinarySearch(cuts, a)
	if found {
		i++
	}
	return i
}

// band returns the model an open deal showing amount (known or not) is forecast with: its amount
// band's, or the category's when there are no bands or the amount is unknown; and the band's index + 1
// (0: the category's).
func (m *Model) band(amount tandem.Money, known bool) (*Model, int) {
	if !known || len(m.bands) == 0 {
		return m, 0
	}
	b := bandIndex(m.bandCuts, amount)
	return m.bands[b], b + 1
}

// expectedShare is the win share a closed deal's amount band leads one to expect: its band's, or the
// category's.
func (m *Model) expectedShare(d *obs) float64 {
	if a, ok := openAmount(d); ok && len(m.bands) > 0 {
		if bm := m.bands[bandIndex(m.bandCuts, a)]; bm.closed > 0 {
			return float64(bm.won) / float64(bm.closed)
		}
	}
	return m.winShare
}

// segmentOddsRatios sets each segment's odds ratio: its own win share, shrunk toward what its deals'
// amount bands lead one to expect with the weight of segmentPrior closed deals, over that expectation
// (indirect standardisation, so a segment of large deals is not marked down twice — once by its band,
// once by its own share). Without amount bands the expectation is the category's share.
func (m *Model) segmentOddsRatios(deals []obs) {
	expected := map[int32]float64{}
	if len(m.bands) > 0 {
		for i := range deals {
			if d := &deals[i]; d.Outcome != Open {
				expected[d.Segment] += m.expectedShare(d)
			}
		}
	}
	for seg, s := range m.segments {
		s.oddsRatio = 1
		e := m.winShare // exactly, without bands
		if len(m.bands) > 0 {
			e = expected[seg] / float64(s.closed)
		}
		if e > 0 && e < 1 {
			shrunk := (float64(s.won) + segmentPrior*e) / (float64(s.closed) + segmentPrior)
			s.oddsRatio = odds(shrunk) / odds(e)
		}
	}
}

func odds(p float64) float64 { return p / (1 - p) }

// incidence returns P(won at an age in [from, to]) and P(lost …) for a deal known to be open at the end
// of age `alive` (alive < from), from the fitted table and its constant tail.
func (m *Model) incidence(alive, from, to int) (pWon, pLost float64) {
	if to < from {
		return 0, 0
	}
	if alive >= m.tailAge {
		// Constant hazards: geometric sums.
		h := m.tailWon + m.tailLos
		if h <= 0 {
			return 0, 0
		}
		surv := math.Pow(1-h, float64(from-alive-1)) // still open at the start of `from`
		closeIn := surv * (1 - math.Pow(1-h, float64(to-from+1)))
		return closeIn * m.tailWon / h, closeIn * m.tailLos / h
	}
	survAlive := math.Exp(m.logS[alive])
	if survAlive <= 0 {
		return 0, 0
	}
	w1, l1 := m.cum(to)
	w0, l0 := m.cum(from - 1)
	return math.Max(0, (w1-w0)/survAlive), math.Max(0, (l1-l0)/survAlive)
}

// WinProbabilityWithin returns the probability that a newly created deal of the category is won within
// days days of its creation (ages 0 … days-1).
func (m *Model) WinProbabilityWithin(days int) float64 {
	w, _ := m.incidenceFromCreation(days - 1)
	return w
}

// cum returns the unconditional probabilities of being won (lost) at an age ≤ t, extended through
// the tail's constant hazards.
func (m *Model) cum(t int) (w, l float64) {
	if t < 0 {
		return 0, 0
	}
	if t < m.tailAge {
		return m.cumWon[t], m.cumLost[t]
	}
	s := 1.0
	if m.tailAge > 0 {
		w, l, s = m.cumWon[m.tailAge-1], m.cumLost[m.tailAge-1], math.Exp(m.logS[m.tailAge-1])
	}
	if h := m.tailWon + m.tailLos; h > 0 {
		closed := s * (1 - math.Pow(1-h, float64(t-m.tailAge+1)))
		w += closed * m.tailWon / h
		l += closed * m.tailLos / h
	}
	return w, l
}

func (m *Model) incidenceFromCreation(to int) (w, l float64) { return m.cum(to) }

// SegmentWinShare returns a segment's share of closed deals won, shrunk toward the category's share
// with the weight of segmentPrior closed deals; the category's share for a segment it has not seen.
func (m *Model) SegmentWinShare(segment string) float64 {
	i := slices.Index(m.segmentNames, segment)
	s := m.segments[int32(i)]
	if i < 0 || s == nil {
		return m.winShare
	}
	return (float64(s.won) + segmentPrior*m.winShare) / (float64(s.closed) + segmentPrior)
}

// quarterShift returns the mean and variance of the common log-odds shift applied, in a simulation, to
// the win share of every open deal of the category for quarter q. Without between-quarter variation it
// is only the pooled estimate's own uncertainty. With it (τ² > 0), the quarter's outcomes so far are
// evidence of where this quarter's win share sits: their log-odds y (variance v) move the shift to
// τ²/(τ²+v)·(y − pooled) with variance τ²·v/(τ²+v) — a normal–normal update.
func (m *Model) quarterShift(deals []obs, q Quarter, asOf Day) (mean, variance float64) {
	if m.winShare <= 0 || m.winShare >= 1 {
		return 0, 0
	}
	tau2 := m.quarterT
	if tau2 == 0 {
		return 0, m.sampleVar
	}
	var won, lost float64
	for i := range deals {
		d := &deals[i]
		if d.Outcome != Open && d.Closed >= q.Start() && d.Closed <= asOf {
			if d.Outcome == Won {
				won++
			} else {
				lost++
			}
		}
	}
	if won+lost == 0 {
		return 0, tau2 + m.sampleVar
	}
	y := math.Log((won + 0.5) / (lost + 0.5))
	v := 1/(won+0.5) + 1/(lost+0.5)
	pooled := math.Log(odds(m.winShare))
	return tau2 / (tau2 + v) * (y - pooled), tau2*v/(tau2+v) + m.sampleVar
}

// BetweenQuarterVariance returns τ², the estimated variance of the win share's log-odds from quarter
// to quarter beyond sampling noise (0 with fewer than three complete quarters).
func (m *Model) BetweenQuarterVariance() float64 { return m.quarterT }

// WinShare returns the share of closed deals that were won.
func (m *Model) WinShare() float64 { return m.winShare }

// MeanWonAmount returns the mean amount of won deals (0 when none).
func (m *Model) MeanWonAmount() tandem.Money {
	if len(m.wonAmounts) == 0 {
		return 0
	}
	var sum int64
	for _, a := range m.wonAmounts {
		sum += int64(a)
	}
	return tandem.Money(sum / int64(len(m.wonAmounts)))
}

// MedianDaysToWin returns the age in days by which half of the deals that will be won are won.
func (m *Model) MedianDaysToWin() int {
	total, _ := m.incidenceFromCreation(maxTailAge * 3)
	for t := 0; t < maxTailAge*3; t++ {
		if w, _ := m.incidenceFromCreation(t); w >= total/2 {
			return t
		}
	}
	return maxTailAge * 3
}

// betweenQuarterVariance estimates τ², the variance of the win share's log-odds between the complete
// past quarters (by closing quarter) beyond what their sizes explain — the DerSimonian–Laird
// random-effects estimator — over the last pastQuarters quarters that ended on or before asOf.
func betweenQuarterVariance(deals []obs, asOf Day) float64 {
	last := QuarterOf(asOf)
	if last.End() > asOf {
		last = last.Prev()
	}
	first := last
	for range pastQuarters - 1 {
		first = first.Prev()
	}
	type tally struct{ won, closed float64 }
	byQ := map[Quarter]*tally{}
	for i := range deals {
		d := &deals[i]
		if d.Outcome == Open || d.Closed < first.Start() || d.Closed > last.End() {
			continue
		}
		q := QuarterOf(d.Closed)
		t := byQ[q]
		if t == nil {
			t = &tally{}
			byQ[q] = t
		}
		t.closed++
		if d.Outcome == Won {
			t.won++
		}
	}
	if len(byQ) < 3 {
		return 0
	}
	qs := make([]Quarter, 0, len(byQ))
	for q := range byQ {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].Start() < qs[j].Start() })
	var sw, sw2, swy float64
	ys := make([]float64, len(qs))
	ws := make([]float64, len(qs))
	for i, q := range qs {
		t := byQ[q]
		y := math.Log((t.won + 0.5) / (t.closed - t.won + 0.5))
		v := 1/(t.won+0.5) + 1/(t.closed-t.won+0.5)
		ys[i], ws[i] = y, 1/v
		sw += ws[i]
		sw2 += ws[i] * ws[i]
		swy += ws[i] * y
	}
	mean := swy / sw
	var q float64
	for i := range ys {
		q += ws[i] * (ys[i] - mean) * (ys[i] - mean)
	}
	tau2 := (q - float64(len(qs)-1)) / (sw - sw2/sw)
	return math.Max(0, tau2)
}
