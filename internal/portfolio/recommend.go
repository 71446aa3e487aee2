package portfolio

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"gonum.org/v1/gonum/stat"
)

// DefaultMaxCut returns the largest share of its current spend a motion may lose in one month: 20 %.
func DefaultMaxCut() *big.Rat { return big.NewRat(1, 5) }

// Limits are what a recommended split must respect.
type Limits struct {
	// Budget is next month's total; the recommended amounts sum to it exactly.
	Budget tandem.Money
	// MaxCut is the largest fraction (0–1) of its current spend a motion may lose; nil means DefaultMaxCut().
	MaxCut *big.Rat
	// Minimums are per-motion floors (motion names as NormalizeMotion writes them).
	Minimums map[string]tandem.Money
}

// Floor rules: why a motion may not go lower.
const (
	FloorMaxCut  = "max_cut"
	FloorMinimum = "minimum"
)

// Outcome is a split's money and expected margin, for one motion or the total. Margins are per month
// once the split has taken effect; P10/P90 are bootstrap percentiles.
type Outcome struct {
	Current     tandem.Money
	Recommended tandem.Money
	// ExpectedGrossMargin, P10 and P90 are the margin at the recommended spend.
	ExpectedGrossMargin tandem.Money
	P10, P90            tandem.Money
	// CurrentGrossMargin is the expected margin had last month's spend been kept.
	CurrentGrossMargin tandem.Money
	// ExpectedGain, GainP10 and GainP90 compare the recommended spend with the current one.
	ExpectedGain     tandem.Money
	GainP10, GainP90 tandem.Money
}

// MotionPlan is one motion's line of a recommendation.
type MotionPlan struct {
	Motion string
	Outcome
	// Floor is the least the motion may get and FloorRule why (FloorMaxCut or FloorMinimum).
	Floor     tandem.Money
	FloorRule string
	// MarginalReturn is the expected extra margin per extra unit of spend at the recommended amount.
	MarginalReturn float64
	Fitted         bool
	Reason         string // why there is no curve, when Fitted is false
	LagWeight      float64
	// MinSpend and MaxSpend are the range of spend in the motion's history; outside it the curve is
	// extrapolated.
	MinSpend, MaxSpend tandem.Money
	Explanation        string
}

// Move is money moved from one motion to another; From is "" for new budget, To is "" for budget given up.
type Move struct {
	From, To string
	Amount   tandem.Money
}

// Recommendation is next month's split.
type Recommendation struct {
	Month       Month
	Limits      Limits
	Motions     []MotionPlan
	Total       Outcome
	Moves       []Move
	Explanation string
}

// InfeasibleError says the limits cannot all be met: the floors add up to more than the budget.
type InfeasibleError struct {
	Budget     tandem.Money
	FloorTotal tandem.Money
	Floors     []MotionPlan // Motion, Current, Floor and FloorRule of every motion
	MaxCut     *big.Rat
}

// Unwrap gives the error tandem's code EINVALID, so a server maps it to a client error.
func (e *InfeasibleError) Unwrap() error {
	return &tandem.Error{Code: tandem.EINVALID, Message: e.Error()}
}

func (e *InfeasibleError) Error() string {
	var parts []string
	for _, f := range e.Floors {
		switch f.FloorRule {
		case FloorMinimum:
			parts = append(parts, fmt.Sprintf("%s minimum %s", f.Motion, f.Floor.Format("")))
		case FloorMaxCut:
			if f.Floor > 0 {
				parts = append(parts, fmt.Sprintf("%s %s (current %s less the %s max cut)", f.Motion, f.Floor.Format(""), f.Current.Format(""), percent(e.MaxCut)))
			}
		}
	}
	return fmt.Sprintf("infeasible limits: the motions' floors need at least %s but the budget is %s (%s short): %s; raise the budget, lower a minimum or allow a larger --max-cut",
		e.FloorTotal.Format(""), e.Budget.Format(""), (e.FloorTotal - e.Budget).Format(""), strings.Join(parts, ", "))
}

// Recommend finds next month's split of lim.Budget over the fitted motions that maximises expected
// gross margin within the limits. Errors: a negative budget, a max cut outside 0–100 %, a minimum for a
// motion not in models or below zero (tandem EINVALID), and *InfeasibleError when the floors exceed the
// budget.
func Recommend(models []Model, lim Limits) (Recommendation, error) {
	if len(models) == 0 {
		return Recommendation{}, errors.New("recommend: no motions to split the budget over")
	}
	if lim.Budget < 0 {
		return Recommendation{}, tandem.FieldError("budget", "%s is negative", lim.Budget.Format(""))
	}
	if lim.MaxCut == nil {
		lim.MaxCut = DefaultMaxCut()
	}
	// The recommendation keeps its own copy of the limits, not the caller's map and rational.
	lim.MaxCut, lim.Minimums = new(big.Rat).Set(lim.MaxCut), maps.Clone(lim.Minimums)
	if lim.MaxCut.Sign() < 0 || lim.MaxCut.Cmp(big.NewRat(1, 1)) > 0 {
		return Recommendation{}, tandem.FieldError("max-cut", "%s is not between 0%% and 100%%", percent(lim.MaxCut))
	}
	own := slices.Clone(models) // never change the caller's models
	ms := make([]*Model, len(own))
	for i := range own {
		if own[i].Fitted && len(own[i].Replicates) == 0 { // a model built without a bootstrap
			own[i].Replicates = []Curve{own[i].Point}
		}
		ms[i] = &own[i]
	}
	slices.SortFunc(ms, func(a, b *Model) int { return strings.Compare(a.Motion, b.Motion) })
	for i := 1; i < len(ms); i++ {
		if ms[i].Motion == ms[i-1].Motion {
			return Recommendation{}, fmt.Errorf("recommend: motion %s appears twice", ms[i].Motion)
		}
	}
	mins := make([]string, 0, len(lim.Minimums))
	for name := range lim.Minimums {
		mins = append(mins, name)
	}
	slices.Sort(mins)
	for _, name := range mins {
		if _, ok := slices.BinarySearchFunc(ms, name, func(m *Model, n string) int { return strings.Compare(m.Motion, n) }); !ok {
			return Recommendation{}, tandem.FieldError("min", "motion %q is not in the history (motions: %s)", name, strings.Join(motionNames(ms), ", "))
		}
		if lim.Minimums[name] < 0 {
			return Recommendation{}, tandem.FieldError("min", "%s: minimum %s is negative", name, lim.Minimums[name].Format(""))
		}
	}

	plans := make([]MotionPlan, len(ms))
	var floorTotal tandem.Money
	keep := new(big.Rat).Sub(big.NewRat(1, 1), lim.MaxCut)
	for i, m := range ms {
		p := MotionPlan{Motion: m.Motion, Fitted: m.Fitted, Reason: m.Reason, LagWeight: m.LagWeight, MinSpend: m.MinSpend, MaxSpend: m.MaxSpend}
		p.Current = m.Current
		p.Floor, p.FloorRule = ceilMoney(new(big.Rat).Mul(new(big.Rat).SetInt64(int64(m.Current)), keep)), FloorMaxCut
		if minimum, ok := lim.Minimums[m.Motion]; ok && minimum >= p.Floor {
			p.Floor, p.FloorRule = minimum, FloorMinimum
		}
		floorTotal += p.Floor
		plans[i] = p
	}
	if floorTotal > lim.Budget {
		return Recommendation{}, &InfeasibleError{Budget: lim.Budget, FloorTotal: floorTotal, Floors: plans, MaxCut: lim.MaxCut}
	}

	split(ms, plans, lim.Budget-floorTotal)
	rec := Recommendation{Limits: lim, Motions: plans}
	if len(ms) > 0 {
		rec.Month = lastMonthOf(ms) + 1
	}
	outcomes(ms, rec.Motions, &rec.Total)
	rec.Moves = moves(rec.Motions)
	explain(&rec)
	return rec, nil
}

// split sets every plan's Recommended: floors plus extra (cents). Motions without a curve keep their
// current spend where the budget allows; the fitted ones share the rest by equal marginal return.
func split(ms []*Model, plans []MotionPlan, extra tandem.Money) {
	var fitted, unfitted []int
	for i, m := range ms {
		plans[i].Recommended = plans[i].Floor
		if m.Fitted {
			fitted = append(fitted, i)
		} else {
			unfitted = append(unfitted, i)
		}
	}
	give := func(idx []int, amount tandem.Money, weights []float64) {
		for j, c := range apportion(int64(amount), weights) {
			plans[idx[j]].Recommended += tandem.Money(c)
		}
	}
	// Motions without a curve first: back up to their current spend, or a share of what there is.
	if len(unfitted) > 0 {
		headroom := make([]float64, len(unfitted))
		var want tandem.Money
		for j, i := range unfitted {
			h := max(plans[i].Current-plans[i].Floor, 0)
			headroom[j] = float64(h)
			want += h
		}
		grant := min(want, extra)
		if want > 0 {
			give(unfitted, grant, headroom)
		}
		extra -= grant
	}
	if extra == 0 {
		return
	}
	if len(fitted) == 0 { // nothing to optimise: the rest follows last month's shares
		give(unfitted, extra, currentWeights(plans, unfitted))
		return
	}
	fm := make([]*Model, len(fitted))
	floors := make([]float64, len(fitted))
	for j, i := range fitted {
		fm[j], floors[j] = ms[i], float64(plans[i].Floor)/100
	}
	above, ok := solveSplit(fm, floors, float64(extra)/100)
	if !ok { // no motion shows any return on spend
		above = currentWeights(plans, fitted)
	}
	give(fitted, extra, above)
}

func currentWeights(plans []MotionPlan, idx []int) []float64 {
	w := make([]float64, len(idx))
	for j, i := range idx {
		w[j] = float64(plans[i].Current)
	}
	return w
}

// outcomes fills every plan's and the total's expected margins, gains and percentiles.
func outcomes(ms []*Model, plans []MotionPlan, total *Outcome) {
	reps := 0
	for _, m := range ms {
		reps = max(reps, len(m.Replicates))
	}
	totRec, totGain := make([]float64, reps), make([]float64, reps)
	var totCur float64
	for i, m := range ms {
		p := &plans[i]
		total.Current += p.Current
		total.Recommended += p.Recommended
		if !m.Fitted {
			// No curve: the motion's margin is taken as its history's, unaffected by the split.
			continue
		}
		rec, cur := float64(p.Recommended)/100, float64(p.Current)/100
		margins, gains := make([]float64, len(m.Replicates)), make([]float64, len(m.Replicates))
		for r, c := range m.Replicates {
			margins[r] = c.Margin(rec)
			gains[r] = margins[r] - c.Margin(cur)
			totRec[r] += margins[r]
			totGain[r] += gains[r]
		}
		curMargin := m.ExpectedMargin(cur)
		totCur += curMargin
		p.CurrentGrossMargin = moneyOf(curMargin)
		p.ExpectedGrossMargin, p.P10, p.P90 = summarise(margins)
		p.ExpectedGain, p.GainP10, p.GainP90 = summarise(gains)
		p.MarginalReturn = m.ExpectedSlope(rec)
	}
	unfittedMargin := 0.0
	for i, m := range ms {
		if m.Fitted {
			continue
		}
		avg := m.AverageMargin
		plans[i].ExpectedGrossMargin, plans[i].P10, plans[i].P90, plans[i].CurrentGrossMargin = avg, avg, avg, avg
		unfittedMargin += float64(avg) / 100
	}
	for r := range totRec {
		totRec[r] += unfittedMargin
	}
	total.CurrentGrossMargin = moneyOf(totCur + unfittedMargin)
	if reps == 0 { // nothing was fitted
		total.ExpectedGrossMargin, total.P10, total.P90 = moneyOf(unfittedMargin), moneyOf(unfittedMargin), moneyOf(unfittedMargin)
		return
	}
	total.ExpectedGrossMargin, total.P10, total.P90 = summarise(totRec)
	total.ExpectedGain, total.GainP10, total.GainP90 = summarise(totGain)
}

// summarise returns the mean, 10th and 90th percentiles of xs as money (xs is reordered).
func summarise(xs []float64) (mean, p10, p90 tandem.Money) {
	slices.Sort(xs)
	return moneyOf(stat.Mean(xs, nil)), moneyOf(stat.Quantile(0.1, stat.Empirical, xs, nil)), moneyOf(stat.Quantile(0.9, stat.Empirical, xs, nil))
}

// moneyOf converts an estimate in major units to money, rounding half to even at the cent.
func moneyOf(x float64) tandem.Money {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return tandem.Money(math.RoundToEven(x * 100))
}

// ceilMoney rounds an exact amount in minor units up to a whole minor unit.
func ceilMoney(r *big.Rat) tandem.Money {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return tandem.Money(q.Int64())
}

func percent(r *big.Rat) string {
	f, _ := new(big.Rat).Mul(r, big.NewRat(100, 1)).Float64()
	return fmt.Sprintf("%g%%", f)
}

func motionNames(ms []*Model) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Motion
	}
	return out
}

func lastMonthOf(ms []*Model) Month {
	var last Month
	for _, m := range ms {
		last = max(last, m.LastMonth)
	}
	return last
}

// moves pairs the motions that lose money with those that gain it, largest first, for the explanation.
func moves(plans []MotionPlan) []Move {
	type delta struct {
		motion string
		amount tandem.Money
	}
	var from, to []delta
	var net tandem.Money
	for _, p := range plans {
		d := p.Recommended - p.Current
		net += d
		switch {
		case d < 0:
			from = append(from, delta{p.Motion, -d})
		case d > 0:
			to = append(to, delta{p.Motion, d})
		}
	}
	if net > 0 {
		from = append(from, delta{"", net})
	} else if net < 0 {
		to = append(to, delta{"", -net})
	}
	order := func(a, b delta) int {
		return cmp.Or(cmp.Compare(b.amount, a.amount), strings.Compare(a.motion, b.motion))
	}
	slices.SortStableFunc(from, order)
	slices.SortStableFunc(to, order)
	var out []Move
	for i, j := 0, 0; i < len(from) && j < len(to); {
		amt := min(from[i].amount, to[j].amount)
		out = append(out, Move{From: from[i].motion, To: to[j].motion, Amount: amt})
		if from[i].amount -= amt; from[i].amount == 0 {
			i++
		}
		if to[j].amount -= amt; to[j].amount == 0 {
			j++
		}
	}
	return out
}
