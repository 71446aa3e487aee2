package forecast

import (
	"fmt"
	"math"

	tandem "github.com/tandem-revops/tandem"
)

// DefaultWeeks are the weeks of the quarter a backtest forecasts from.
var DefaultWeeks = []int{1, 4, 8}

// BacktestLine is one replayed forecast: quarter q as of its start + 7·Week days, against the won
// value that actually closed in q.
type BacktestLine struct {
	Quarter  Quarter
	Week     int
	Category string
	P10      tandem.Money
	P50      tandem.Money
	P90      tandem.Money
	Actual   tandem.Money
}

// BacktestQuarters returns the quarters a backtest replays: from the fifth quarter of the history (the
// first is the one holding its earliest created day) to the last one that ended on or before the
// history's latest day. Empty when the history is shorter.
func (h *History) BacktestQuarters() []Quarter {
	var qs []Quarter
	q := QuarterOf(h.first)
	for range 4 {
		q = q.Next()
	}
	for ; q.End() <= h.last; q = q.Next() {
		qs = append(qs, q)
	}
	return qs
}

// Backtest replays the history: for every BacktestQuarters quarter and each week W it forecasts the
// quarter as of its start + 7·W days from what was known then, exactly as Forecast on that day's export
// would, and pairs each line with the quarter's actual won value.
func (h *History) Backtest(weeks []int, opts Options) ([]BacktestLine, error) {
	if err := CheckWeeks(weeks); err != nil {
		return nil, err
	}
	var out []BacktestLine
	for _, q := range h.BacktestQuarters() {
		actual := h.Actuals(q)
		for _, w := range weeks {
			res := h.Forecast(q, q.Start()+Day(7*w), opts)
			for i, l := range res.Lines {
				out = append(out, BacktestLine{Quarter: q, Week: w, Category: l.Category,
					P10: l.P10, P50: l.P50, P90: l.P90, Actual: actual[i]})
			}
		}
	}
	return out, nil
}

// CheckWeeks checks a backtest's weeks: 0 to 13.
func CheckWeeks(weeks []int) error {
	for _, w := range weeks {
		if w < 0 || w > 13 {
			return fmt.Errorf("week %d: weeks run from 0 to 13", w)
		}
	}
	return nil
}

// Actuals returns the won value closed in q per category (in Categories order), then the total.
func (h *History) Actuals(q Quarter) []tandem.Money {
	out := make([]tandem.Money, len(Categories)+1)
	for i := range Categories {
		for _, d := range h.byCategory[i] {
			if d.Outcome == Won && d.Closed >= q.Start() && d.Closed <= q.End() {
				out[i] += d.Amount
			}
		}
		out[len(Categories)] += out[i]
	}
	return out
}

// Prediction is one forecast of a group's value against what happened: a rep's, a manager's or a
// category's quarter. A band is optional.
type Prediction struct {
	Group    string
	Forecast tandem.Money
	Actual   tandem.Money
	HasBand  bool
	P10, P90 tandem.Money
}

// Accuracy scores the predictions of one group.
type Accuracy struct {
	Group string
	Lines int
	// Covered counts predictions with a band whose actual lies within [P10, P90]; Coverage is Covered
	// over the predictions that have a band.
	Covered  int
	Coverage float64
	// MAPE is the mean of |forecast − actual| / actual and Bias the mean of (forecast − actual) / actual
	// (positive: the forecast ran high), both over predictions with a non-zero actual; ZeroActuals
	// counts the others, which have no relative error.
	MAPE        float64
	Bias        float64
	ZeroActuals int
}

// Score groups backtest lines by key and scores each group (P50 against the actual, and the band's
// coverage), in the order groups first appear.
func Score(lines []BacktestLine, key func(BacktestLine) string) []Accuracy {
	preds := make([]Prediction, len(lines))
	for i, l := range lines {
		preds[i] = Prediction{Group: key(l), Forecast: l.P50, Actual: l.Actual, HasBand: true, P10: l.P10, P90: l.P90}
	}
	return ScorePredictions(preds)
}

// ScorePredictions scores predictions per group, in the order groups first appear.
func ScorePredictions(preds []Prediction) []Accuracy {
	var order []string
	byGroup := map[string]*Accuracy{}
	banded := map[string]int{}
	for _, p := range preds {
		a := byGroup[p.Group]
		if a == nil {
			a = &Accuracy{Group: p.Group}
			byGroup[p.Group] = a
			order = append(order, p.Group)
		}
		a.Lines++
		if p.HasBand {
			banded[p.Group]++
			if p.Actual >= p.P10 && p.Actual <= p.P90 {
				a.Covered++
			}
		}
		if p.Actual == 0 {
			a.ZeroActuals++
			continue
		}
		e := float64(p.Forecast-p.Actual) / float64(p.Actual)
		a.MAPE += math.Abs(e)
		a.Bias += e
	}
	out := make([]Accuracy, 0, len(order))
	for _, g := range order {
		a := byGroup[g]
		if n := banded[g]; n > 0 {
			a.Coverage = float64(a.Covered) / float64(n)
		}
		if n := a.Lines - a.ZeroActuals; n > 0 {
			a.MAPE /= float64(n)
			a.Bias /= float64(n)
		}
		out = append(out, *a)
	}
	return out
}
