package enablement

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/portfolio"
)

// ReturnsLine is one returns row as the API, the page and the CSV export show it. Money is minor
// units; ROMI is a decimal string rounded half to even at six places ("" when there was no spend).
type ReturnsLine struct {
	Period       string       `json:"period"`
	Motion       string       `json:"motion"`
	Segment      string       `json:"segment,omitempty"`
	Spend        tandem.Money `json:"spend"`
	GrossMargin  tandem.Money `json:"gross_margin" doc:"attributable gross margin of the won deals"`
	Deals        int          `json:"deals"`
	Wins         int          `json:"wins"`
	WinRate      float64      `json:"win_rate"`
	NewCustomers int          `json:"new_customers"`
	ROMI         string       `json:"romi" doc:"(gross margin − spend) ÷ spend, six decimals; empty without spend"`
	CAC          tandem.Money `json:"cac,omitempty" doc:"spend ÷ new customers, rounded half to even; absent without new customers"`
	CycleDays    float64      `json:"cycle_days" doc:"mean days from creation to close of the won deals (0 without wins)"`
	LTV          tandem.Money `json:"ltv,omitempty" doc:"(gross margin ÷ wins) ÷ (1 − annual retention), rounded half to even; absent without wins or retention"`
	SpendLines   []string     `json:"spend_lines" doc:"ids of the spend lines behind the row (s + spend line id)"`
	DealLines    []string     `json:"deal_lines" doc:"ids of the deals behind the row (d + opportunity id)"`
}

// ROMIFloat is the ROMI as a float for charts (0 without spend).
func (l ReturnsLine) ROMIFloat() float64 {
	r, ok := new(big.Rat).SetString(l.ROMI)
	if !ok {
		return 0
	}
	f, _ := r.Float64()
	return f
}

// Lines turns returns rows into ReturnsLines.
func Lines(rows []portfolio.ReturnsRow) []ReturnsLine {
	out := make([]ReturnsLine, 0, len(rows))
	for _, r := range rows {
		l := ReturnsLine{Period: r.Period, Motion: r.Motion, Segment: r.Segment, Spend: r.Spend, GrossMargin: r.GrossMargin,
			Deals: r.Deals, Wins: r.Wins, WinRate: r.WinRate(), NewCustomers: r.NewCustomers,
			SpendLines: r.SpendLines, DealLines: r.DealLines}
		if r.ROMI != nil {
			l.ROMI = r.ROMI.FloatString(6)
		}
		if r.CACKnown {
			l.CAC = r.CAC
		}
		l.CycleDays = math.Round(r.CycleDays*10) / 10
		if r.LTVKnown {
			l.LTV = r.LTV
		}
		if l.SpendLines == nil {
			l.SpendLines = []string{}
		}
		if l.DealLines == nil {
			l.DealLines = []string{}
		}
		out = append(out, l)
	}
	return out
}

// PlanLine is one motion's (or the total's) line of a recommendation, money in minor units.
type PlanLine struct {
	Motion              string       `json:"motion"`
	Current             tandem.Money `json:"current"`
	Recommended         tandem.Money `json:"recommended"`
	ExpectedGrossMargin tandem.Money `json:"expected_gross_margin" doc:"expected monthly gross margin at the recommended spend"`
	P10                 tandem.Money `json:"p10"`
	P90                 tandem.Money `json:"p90"`
	ExpectedGain        tandem.Money `json:"expected_gain" doc:"against keeping last month's spend"`
	GainP10             tandem.Money `json:"gain_p10"`
	GainP90             tandem.Money `json:"gain_p90"`
	Fitted              bool         `json:"fitted" doc:"false when the motion has too little history for a curve"`
	Explanation         string       `json:"explanation"`
}

// RecommendationView is the recommendation as the API and the page show it.
type RecommendationView struct {
	Month       string       `json:"month" doc:"the month the split is for"`
	Budget      tandem.Money `json:"budget"`
	Motions     []PlanLine   `json:"motions"`
	Total       PlanLine     `json:"total"`
	Explanation string       `json:"explanation"`
}

// View turns a recommendation into its view.
func View(rec portfolio.Recommendation) RecommendationView {
	line := func(motion string, o portfolio.Outcome, fitted bool, explanation string) PlanLine {
		return PlanLine{Motion: motion, Current: o.Current, Recommended: o.Recommended, ExpectedGrossMargin: o.ExpectedGrossMargin,
			P10: o.P10, P90: o.P90, ExpectedGain: o.ExpectedGain, GainP10: o.GainP10, GainP90: o.GainP90, Fitted: fitted,
			Explanation: explanation}
	}
	v := RecommendationView{Month: (rec.Month).String(), Budget: rec.Limits.Budget, Explanation: rec.Explanation,
		Total: line("total", rec.Total, true, rec.Explanation)}
	for _, p := range rec.Motions {
		v.Motions = append(v.Motions, line(p.Motion, p.Outcome, p.Fitted, p.Explanation))
	}
	return v
}

// Months returns the first and last month ("YYYY-MM") of the row's period: a month, a quarter
// ("2026-Q1") or a window ("2024-01…2025-12"), for the drill-down to its spend lines.
func (l ReturnsLine) Months() [2]string {
	if from, to, ok := strings.Cut(l.Period, "…"); ok {
		return [2]string{from, to}
	}
	if year, q, ok := strings.Cut(l.Period, "-Q"); ok {
		n, err := strconv.Atoi(q)
		if err == nil && n >= 1 && n <= 4 {
			return [2]string{fmt.Sprintf("%s-%02d", year, 3*n-2), fmt.Sprintf("%s-%02d", year, 3*n)}
		}
	}
	return [2]string{l.Period, l.Period}
}
