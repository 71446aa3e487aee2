package portfolio

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// SpendLine is one line of the enablement spend ledger.
type SpendLine struct {
	ID      string
	Month   Month
	Motion  string
	Segment string
	Kind    string // training, certification, content, spiff, event, mdf, …
	Amount  tandem.Money
}

// DealLine is one closed deal's contribution to returns: its close month, motion and segment, whether
// it was won and brought a new customer, and the gross margin attributable to the motion.
type DealLine struct {
	ID          string
	Month       Month
	Motion      string
	Segment     string
	Won         bool
	NewCustomer bool
	GrossMargin tandem.Money
	// CycleDays is the whole days from the deal's creation to its close (its sales cycle).
	CycleDays int
}

// Granularity is the period returns are summed over.
type Granularity int

const (
	ByMonth Granularity = iota
	ByQuarter
)

// periodOf names the period holding m: "2026-03" by month, "2026-Q1" by quarter.
func (g Granularity) periodOf(m Month) string {
	if g == ByQuarter {
		return fmt.Sprintf("%04d-Q%d", int(m)/12, int(m)%12/3+1)
	}
	return m.String()
}

// ReturnsRow is one motion and segment in one period, with the lines behind every figure.
type ReturnsRow struct {
	Period       string
	Motion       string
	Segment      string
	Spend        tandem.Money
	GrossMargin  tandem.Money // attributable margin of the won deals
	Deals, Wins  int
	NewCustomers int
	// ROMI is (GrossMargin − Spend) ÷ Spend, nil when there was no spend.
	ROMI *big.Rat
	// CAC is Spend ÷ NewCustomers rounded half to even; CACKnown is false when there were none.
	CAC      tandem.Money
	CACKnown bool
	// CycleDays is the mean sales cycle of the won deals in days (0 without wins).
	CycleDays float64
	// LTV is the lifetime value of the row's average won customer (see LTVOf); LTVKnown is false
	// without wins or without a retention rate below 1.
	LTV      tandem.Money
	LTVKnown bool
	// SpendLines and DealLines are the ids behind the row, sorted, for drill-down.
	SpendLines []string
	DealLines  []string
}

// WinRate returns wins ÷ closed deals (0 with no deals).
func (r ReturnsRow) WinRate() float64 {
	if r.Deals == 0 {
		return 0
	}
	return float64(r.Wins) / float64(r.Deals)
}

// Returns sums spend and deals by period, motion and segment (motion and segment as NormalizeMotion
// writes them; an empty segment stays empty) and works out ROMI, CAC and cycle time (LTV needs a
// retention rate: see ReturnsWithRetention). Rows come sorted by period, motion and segment. Lost deals
// count towards the win rate but bring no margin and no cycle time.
func Returns(spend []SpendLine, deals []DealLine, by Granularity) []ReturnsRow {
	return ReturnsWithRetention(spend, deals, by, nil)
}

// ReturnsWithRetention is Returns with each row's LTV worked out at the annual customer retention
// rate given (nil: no LTV).
func ReturnsWithRetention(spend []SpendLine, deals []DealLine, by Granularity, retention *big.Rat) []ReturnsRow {
	type key struct{ period, motion, segment string }
	rows := map[key]*ReturnsRow{}
	cycle := map[*ReturnsRow]int{} // summed cycle days of the won deals
	// Lines repeat a few months, motions and segments: each spelling is formatted and normalised once,
	// not once a line (tens of thousands of deals on each view of the portfolio page).
	type spelling struct {
		month           Month
		motion, segment string
	}
	seen := map[spelling]*ReturnsRow{}
	row := func(m Month, motion, segment string) *ReturnsRow {
		sp := spelling{m, motion, segment}
		if r, ok := seen[sp]; ok {
			return r
		}
		k := key{by.periodOf(m), NormalizeMotion(motion), NormalizeMotion(segment)}
		r := rows[k]
		if r == nil {
			r = &ReturnsRow{Period: k.period, Motion: k.motion, Segment: k.segment}
			rows[k] = r
		}
		seen[sp] = r
		return r
	}
	for _, s := range spend {
		r := row(s.Month, s.Motion, s.Segment)
		r.Spend += s.Amount
		r.SpendLines = append(r.SpendLines, s.ID)
	}
	for _, d := range deals {
		r := row(d.Month, d.Motion, d.Segment)
		r.Deals++
		r.DealLines = append(r.DealLines, d.ID)
		if d.Won {
			r.Wins++
			r.GrossMargin += d.GrossMargin
			cycle[r] += d.CycleDays
			if d.NewCustomer {
				r.NewCustomers++
			}
		}
	}
	out := make([]ReturnsRow, 0, len(rows))
	for _, r := range rows {
		if romi, err := ROMI(r.GrossMargin, r.Spend); err == nil {
			r.ROMI = romi
		}
		if cac, err := CAC(r.Spend, int64(r.NewCustomers)); err == nil {
			r.CAC, r.CACKnown = cac, true
		}
		if r.Wins > 0 {
			r.CycleDays = float64(cycle[r]) / float64(r.Wins)
		}
		if ltv, err := LTVOf(r.GrossMargin, int64(r.Wins), retention); err == nil {
			r.LTV, r.LTVKnown = ltv, true
		}
		slices.Sort(r.SpendLines)
		slices.Sort(r.DealLines)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ReturnsRow) int {
		return cmp.Or(strings.Compare(a.Period, b.Period), strings.Compare(a.Motion, b.Motion), strings.Compare(a.Segment, b.Segment))
	})
	return out
}
