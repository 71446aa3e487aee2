package forecast

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	tandem "github.com/tandem-revops/tandem"
)

// DefaultSeed is the seed stored with every forecast unless the caller chooses another.
const DefaultSeed uint64 = 20261203

// DefaultSimulations is how many simulated quarters each forecast draws.
const DefaultSimulations = 2000

// Options are the Monte Carlo settings. The zero value means DefaultSeed and DefaultSimulations.
type Options struct {
	Seed        uint64
	Simulations int
	// WinProbabilityWeight, in 0..1, is how much the deals' own WinProbability counts against the
	// model's win share (0, the default: not at all, and the forecast is exactly what it is without
	// them). See the package doc, "Outside win probabilities".
	WinProbabilityWeight float64
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Simulations <= 0 {
		o.Simulations = DefaultSimulations
	}
	return o
}

// History is a validated set of deals, split by category and sorted by id so that nothing depends on
// the order they were given in.
type History struct {
	byCategory [len(Categories)][]Deal
	first      Day // earliest created day
	last       Day // latest created or closed day: the day the export was taken, at the latest
}

// NewHistory validates deals and indexes them by category and id. It fails on a deal that breaks its
// own rules or an id used twice. Deals already in (category, id) order — ReadHistory returns them so —
// are kept without a copy: the caller must not modify the slice afterwards.
func NewHistory(deals []Deal) (*History, error) {
	if len(deals) == 0 {
		return nil, fmt.Errorf("the history has no deals")
	}
	for i := range deals {
		if err := deals[i].Validate(); err != nil {
			return nil, fmt.Errorf("deal %q: %w", deals[i].ID, err)
		}
	}
	if !slices.IsSortedFunc(deals, compareDeals) {
		sorted := slices.Clone(deals)
		slices.SortFunc(sorted, compareDeals)
		deals = sorted
	}
	h := &History{first: math.MaxInt32, last: math.MinInt32}
	start := 0
	for i := range deals {
		d := &deals[i]
		if i+1 == len(deals) || deals[i+1].Category != d.Category {
			h.byCategory[categoryIndex(d.Category)] = deals[start : i+1 : i+1]
			start = i + 1
		}
		h.first = min(h.first, d.Created)
		h.last = max(h.last, d.Created)
		if d.Outcome != Open {
			h.last = max(h.last, d.Closed)
		}
	}
	if id, dup := repeatedID(h.byCategory); dup {
		return nil, fmt.Errorf("deal %q: id: used twice", id)
	}
	return h, nil
}

// repeatedID walks the id-sorted categories together, as a merge would, and returns an id that occurs
// twice.
func repeatedID(byCategory [len(Categories)][]Deal) (string, bool) {
	var pos [len(Categories)]int
	prev, started := "", false
	for {
		best := -1
		for c := range byCategory {
			if pos[c] < len(byCategory[c]) && (best < 0 || byCategory[c][pos[c]].ID < byCategory[best][pos[best]].ID) {
				best = c
			}
		}
		if best < 0 {
			return "", false
		}
		id := byCategory[best][pos[best]].ID
		if started && id == prev {
			return id, true
		}
		prev, started = id, true
		pos[best]++
	}
}

// compareDeals orders deals by category (in Categories order), then id.
func compareDeals(a, b Deal) int {
	if c := cmp.Compare(categoryIndex(a.Category), categoryIndex(b.Category)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Deals returns the history's deals of one category, sorted by id. The slice must not be modified.
func (h *History) Deals(c Category) []Deal { return h.byCategory[categoryIndex(c)] }

// Span returns the earliest created day and the latest created or closed day.
func (h *History) Span() (first, last Day) { return h.first, h.last }

// Line is one row of a forecast: a category (or Total) for a quarter as of a day. Amounts are the
// quarter's won value: won to date, and the 10th, 50th and 90th percentiles of the simulated total
// (won to date plus what is still to come).
type Line struct {
	Category  string
	Quarter   Quarter
	AsOf      Day
	WonToDate tandem.Money
	P10       tandem.Money
	P50       tandem.Money
	P90       tandem.Money
}

// Result is a forecast: one line per category in Categories order, then the total; and the simulated
// quarters behind each line (Simulations[i] belongs to Lines[i]; the total's are the per-simulation
// sums of the four).
type Result struct {
	Lines       []Line
	Simulations [][]tandem.Money
	Models      [len(Categories)]*Model
}

// Forecast forecasts the won value of quarter q as of the end of day asOf: only deals created on or
// before asOf are seen, and an outcome after asOf is not (Deal.AsOf). Each category is fitted and
// simulated from its own deals with its own random source (ForecastCategory); the total is the sum per
// simulation (Combine).
func (h *History) Forecast(q Quarter, asOf Day, opts Options) *Result {
	var parts [len(Categories)]CategoryForecast
	var wg sync.WaitGroup
	for i, c := range Categories {
		wg.Go(func() { parts[i] = ForecastCategory(c, h.byCategory[i], q, asOf, opts) })
	}
	wg.Wait()
	return Combine(q, asOf, parts)
}

// CategoryForecast is one category's part of a forecast: its line, its simulated quarters and its
// model. It depends on that category's deals, the quarter, the day and the options alone, so a caller
// that keeps it may reuse it while the category's deals are unchanged.
type CategoryForecast struct {
	Line        Line
	Simulations []tandem.Money
	Model       *Model
}

// ForecastCategory forecasts category c from its own deals — valid, of category c, sorted by id, as
// History.Deals returns them — as History.Forecast does for each category.
func ForecastCategory(c Category, deals []Deal, q Quarter, asOf Day, opts Options) CategoryForecast {
	opts = opts.withDefaults()
	view, segments := viewAsOf(deals, asOf)
	p, m := buildPlan(view, q, asOf, opts.WinProbabilityWeight)
	m.segmentNames = segments
	sims := p.simulate(categorySource(opts.Seed, c), opts.Simulations)
	return CategoryForecast{Line: bandLine(string(c), q, asOf, p.wonToDate, sims), Simulations: sims, Model: m}
}

// Combine puts the categories' parts (in Categories order, with the same options) together into a
// forecast: the total's band is the quantiles of the per-simulation sums, not the sum of the bands.
// The parts' simulations are shared with the result, not copied.
func Combine(q Quarter, asOf Day, parts [len(Categories)]CategoryForecast) *Result {
	res := &Result{Lines: make([]Line, len(Categories)+1), Simulations: make([][]tandem.Money, len(Categories)+1)}
	total := make([]tandem.Money, len(parts[0].Simulations))
	var won tandem.Money
	for i, p := range parts {
		res.Lines[i], res.Simulations[i], res.Models[i] = p.Line, p.Simulations, p.Model
		won += p.Line.WonToDate
		for k, v := range p.Simulations {
			total[k] += v
		}
	}
	res.Simulations[len(Categories)] = total
	res.Lines[len(Categories)] = bandLine(Total, q, asOf, won, total)
	return res
}

// Quantile returns the p-quantile of sims by the inverse of the empirical distribution: the smallest
// value at least a share p of the simulations do not exceed.
func Quantile(sims []tandem.Money, p float64) tandem.Money {
	sorted := slices.Clone(sims)
	slices.Sort(sorted)
	return quantileSorted(sorted, p)
}

func quantileSorted(sorted []tandem.Money, p float64) tandem.Money {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func bandLine(category string, q Quarter, asOf Day, won tandem.Money, sims []tandem.Money) Line {
	sorted := slices.Clone(sims)
	slices.Sort(sorted)
	return Line{Category: category, Quarter: q, AsOf: asOf, WonToDate: won,
		P10: quantileSorted(sorted, 0.10), P50: quantileSorted(sorted, 0.50), P90: quantileSorted(sorted, 0.90)}
}

// obs is a deal as the model sees it: the as-of view of a Deal without its strings (the segment is an
// index), so a million of them are cheap to hold and never scanned by the garbage collector.
type obs struct {
	Created, Closed Day
	Outcome         Outcome
	AmountKnown     bool
	OpenAmountKnown bool
	Segment         int32
	Amount          tandem.Money
	OpenAmount      tandem.Money
	WinProbability  float64
}

// viewAsOf returns the deals as an export taken at the end of asOf would show them, in id order, and
// the segment names by index.
func viewAsOf(deals []Deal, asOf Day) ([]obs, []string) {
	view := make([]obs, 0, len(deals))
	segments := map[string]int32{}
	var names []string
	last, lastIndex := "", int32(-1)
	for i := range deals {
		v, ok := deals[i].AsOf(asOf)
		if !ok {
			continue
		}
		if v.Segment != last || lastIndex < 0 {
			idx, seen := segments[v.Segment]
			if !seen {
				idx = int32(len(segments))
				segments[v.Segment] = idx
				names = append(names, v.Segment)
			}
			last, lastIndex = v.Segment, idx
		}
		view = append(view, obs{Created: v.Created, Closed: v.Closed, Outcome: v.Outcome, AmountKnown: v.AmountKnown,
			OpenAmountKnown: v.OpenAmountKnown, Segment: lastIndex, Amount: v.Amount, OpenAmount: v.OpenAmount,
			WinProbability: v.WinProbability})
	}
	return view, names
}

// openAmount is what an open deal is worth if won, and whether that is known.
func openAmount(d *obs) (tandem.Money, bool) {
	if d.OpenAmountKnown {
		return d.OpenAmount, true
	}
	return d.Amount, d.AmountKnown
}

// probBuckets is how finely open deals with an outside win probability are grouped: twenty cells of
// 0.05 each, a deal's probability rounded to the middle of its bucket.
const probBuckets = 20

// buildPlan fits a category's model as of asOf and prepares the draws for quarter q; winWeight is
// Options.WinProbabilityWeight.
func buildPlan(view []obs, q Quarter, asOf Day, winWeight float64) (*plan, *Model) {
	qs, qe := q.Start(), q.End()
	p := &plan{}
	for i := range view {
		d := &view[i]
		if d.Outcome == Won && d.Closed >= qs && d.Closed <= qe {
			p.wonToDate += d.Amount
		}
	}
	m := fit(view, asOf)
	if qe <= asOf {
		p.done = true
		return p, m
	}
	mean, variance := m.quarterShift(view, q, asOf)
	p.shiftMean, p.shiftSD, p.baseShare = mean, math.Sqrt(variance), m.winShare
	// The window still to come, in days after asOf.
	from, to := max(int(qs-asOf), 1), int(qe-asOf)

	catMean, catSD, _ := meanSD(m.wonAmounts)
	type cellKey struct {
		age     int
		band    int // amount band + 1; 0: the category's hazards
		segment int32
		known   bool
		prob    int // the outside win probability's bucket + 1; 0: none, or not used
	}
	winWeight = min(max(winWeight, 0), 1)
	cellProb := map[*openCell]float64{}
	cells := map[cellKey]*openCell{}
	for i := range view {
		d := &view[i]
		if d.Outcome != Open {
			continue
		}
		amount, known := openAmount(d)
		hazards, band := m.band(amount, known)
		age := min(int(asOf-d.Created), hazards.tailAge)
		key := cellKey{age: ageBand(age), band: band, segment: d.Segment, known: known}
		if band > 0 {
			// Four amount bands of day-by-day cells were five times the draws; a cell's mean
			// probability keeps its expected wins exact however wide it is.
			key.age = age / 28
		}
		if winWeight > 0 && d.WinProbability > 0 {
			key.prob = 1 + min(int(d.WinProbability*probBuckets), probBuckets-1)
		}
		c := cells[key]
		if c == nil {
			c = &openCell{}
			if key.prob > 0 {
				cellProb[c] = (float64(key.prob) - 0.5) / probBuckets
			}
			if !known {
				c.pool, c.poolMean, c.poolSD = m.wonAmounts, catMean, catSD
				if s := m.segments[d.Segment]; s != nil && len(s.wonAmounts) >= minSegmentPool {
					c.pool = s.wonAmounts
					c.poolMean, c.poolSD, _ = meanSD(s.wonAmounts)
				}
			}
			if s := m.segments[d.Segment]; s != nil {
				c.winOdds = s.oddsRatio // the segment's adjustment, applied below
			} else {
				c.winOdds = 1
			}
			cells[key] = c
			p.cells = append(p.cells, c)
		}
		pw, pl := hazards.incidence(age, age+from, age+to)
		c.sumWon += pw
		c.sumLost += pl
		if known {
			c.amounts = append(c.amounts, amount)
		} else {
			c.unknown++
		}
	}
	for _, c := range p.cells {
		n := float64(len(c.amounts) + c.unknown)
		c.closeProb = (c.sumWon + c.sumLost) / n
		switch {
		case c.sumWon+c.sumLost == 0:
			c.winOdds = 0
		case c.sumLost == 0:
			c.winOdds = math.Inf(1)
		default:
			c.winOdds *= c.sumWon / c.sumLost
		}
		// Outside probabilities: the win odds move toward the bucket's, on the log-odds scale, by the
		// weight; the model keeps when the deal closes (closeProb) and the quarter's common shift.
		if pr, ok := cellProb[c]; ok && c.winOdds > 0 && !math.IsInf(c.winOdds, 1) {
			c.winOdds = math.Exp((1-winWeight)*math.Log(c.winOdds) + winWeight*math.Log(pr/(1-pr)))
		} else if ok && winWeight == 1 {
			c.winOdds = pr / (1 - pr)
		}
	}
	for _, c := range p.cells {
		c.mean, c.sd, c.total = meanSD(c.amounts)
	}
	p.fresh = fitNewDeals(view, q, asOf)
	return p, m
}

// fitNewDeals looks at the complete past quarters (up to pastQuarters of them, ended on or before asOf)
// in the same window: wins closed in the quarter by deals created more than asOf−start days after the
// quarter began. Their counts give the gamma–Poisson, their amounts the pool.
func fitNewDeals(view []obs, q Quarter, asOf Day) newDeals {
	if len(view) == 0 {
		return newDeals{}
	}
	offset := asOf - q.Start()
	first := earliest(view)
	var past []Quarter // complete, and the category existed for all of it
	for pq := q.Prev(); len(past) < pastQuarters && pq.Start() >= first; pq = pq.Prev() {
		if pq.End() <= asOf {
			past = append(past, pq)
		}
	}
	if len(past) == 0 {
		return newDeals{}
	}
	counts := make(map[Quarter]int, len(past))
	var nd newDeals
	for i := range view {
		d := &view[i]
		if d.Outcome != Won {
			continue
		}
		pq := QuarterOf(d.Closed)
		if !slices.Contains(past, pq) || d.Created <= pq.Start()+offset {
			continue
		}
		counts[pq]++
		nd.pool = append(nd.pool, d.Amount)
	}
	var sum, sumSq float64
	for _, pq := range past {
		n := float64(counts[pq])
		sum += n
		sumSq += n * n
	}
	j := float64(len(past))
	nd.mean = sum / j
	if len(past) >= 3 && nd.mean > 0 {
		variance := (sumSq - sum*sum/j) / (j - 1)
		if variance > nd.mean {
			nd.shape = nd.mean * nd.mean / (variance - nd.mean)
		}
	}
	nd.poolMean, nd.poolSD, _ = meanSD(nd.pool)
	return nd
}

// ageBand groups open deals by age for the draws: days for the first four weeks, where the hazards
// move fastest, then weeks. Members of a band share its mean probabilities.
func ageBand(age int) int {
	if age < 28 {
		return age
	}
	return 28 + (age-28)/7
}

func earliest(view []obs) Day {
	first := view[0].Created
	for i := range view {
		first = min(first, view[i].Created)
	}
	return first
}
