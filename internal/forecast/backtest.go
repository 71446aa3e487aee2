package forecast

import (
	"fmt"
	"math"
	"slices"

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
	for _, w := range weeks {
		if w < 0 || w > 13 {
			return nil, fmt.Errorf("week %d: weeks run from 0 to 13", w)
		}
	}
	var out []BacktestLine
	for _, q := range h.BacktestQuarters() {
		actual := h.actuals(q)
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

// actuals returns the won value closed in q per category, then the total.
func (h *History) actuals(q Quarter) []tandem.Money {
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

// Accuracy summarises backtest lines of one group (a category or the total, one week or all).
type Accuracy struct {
	Group    string
	Lines    int
	Covered  int     // lines whose actual lies within [P10, P90]
	Coverage float64 // Covered / Lines
	// MAPE is the mean of |P50 − actual| / actual over lines with a non-zero actual; Bias the mean of
	// (P50 − actual) / actual (positive: the forecast ran high).
	MAPE float64
	Bias float64
}

// Score groups backtest lines by key and scores each group, in the order groups first appear.
func Score(lines []BacktestLine, key func(BacktestLine) string) []Accuracy {
	var order []string
	byKey := map[string]*Accuracy{}
	counts := map[string]int{}
	for _, l := range lines {
		k := key(l)
		a := byKey[k]
		if a == nil {
			a = &Accuracy{Group: k}
			byKey[k] = a
			order = append(order, k)
		}
		a.Lines++
		if l.Actual >= l.P10 && l.Actual <= l.P90 {
			a.Covered++
		}
		if l.Actual != 0 {
			e := float64(l.P50-l.Actual) / float64(l.Actual)
			a.MAPE += math.Abs(e)
			a.Bias += e
			counts[k]++
		}
	}
	out := make([]Accuracy, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		a.Coverage = float64(a.Covered) / float64(a.Lines)
		if n := counts[k]; n > 0 {
			a.MAPE /= float64(n)
			a.Bias /= float64(n)
		}
		out = append(out, *a)
	}
	return slices.Clip(out)
}
