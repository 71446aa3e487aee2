package portfolio

import (
	"fmt"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// explain writes the plain-words explanation of every motion and of the whole split.
func explain(rec *Recommendation) {
	for i := range rec.Motions {
		rec.Motions[i].Explanation = explainMotion(&rec.Motions[i], rec.Moves, rec.Limits)
	}
	t := rec.Total
	var b strings.Builder
	if len(rec.Moves) == 0 {
		b.WriteString("keep last month's split")
	} else {
		b.WriteString("moving ")
		for i, mv := range rec.Moves {
			if i > 0 {
				b.WriteString(", ")
				if i == len(rec.Moves)-1 {
					b.WriteString("and ")
				}
			}
			fmt.Fprintf(&b, "%s from %s to %s", mv.Amount.Format(""), fromName(mv.From), toName(mv.To))
		}
	}
	fmt.Fprintf(&b, ": %s expected margin a month (P10 %s, P90 %s); expected total margin %s (P10 %s, P90 %s)",
		signed(t.ExpectedGain), signed(t.GainP10), signed(t.GainP90),
		t.ExpectedGrossMargin.Format(""), t.P10.Format(""), t.P90.Format(""))
	if len(rec.Moves) > 0 && t.GainP10 < 0 {
		b.WriteString("; the gain is not certain: in at least 10% of the bootstrap fits the move loses margin")
	}
	rec.Explanation = b.String()
}

func explainMotion(p *MotionPlan, moves []Move, lim Limits) string {
	var b strings.Builder
	d := p.Recommended - p.Current
	switch {
	case !p.Fitted:
		fmt.Fprintf(&b, "no response curve: %s; ", p.Reason)
		if d == 0 {
			fmt.Fprintf(&b, "kept at %s", p.Current.Format(""))
		} else {
			fmt.Fprintf(&b, "set to %s from %s to meet the budget and its floor", p.Recommended.Format(""), p.Current.Format(""))
		}
		fmt.Fprintf(&b, "; margin shown is its history's monthly average %s", p.ExpectedGrossMargin.Format(""))
		return b.String()
	case d > 0:
		fmt.Fprintf(&b, "raise from %s to %s (%s", p.Current.Format(""), p.Recommended.Format(""), signed(d))
		if src := counterparts(moves, p.Motion, true); src != "" {
			fmt.Fprintf(&b, ", moved from %s", src)
		}
		b.WriteString(")")
	case d < 0:
		fmt.Fprintf(&b, "cut from %s to %s (%s", p.Current.Format(""), p.Recommended.Format(""), signed(d))
		if dst := counterparts(moves, p.Motion, false); dst != "" {
			fmt.Fprintf(&b, ", moved to %s", dst)
		}
		b.WriteString(")")
	default:
		fmt.Fprintf(&b, "keep at %s", p.Current.Format(""))
	}
	fmt.Fprintf(&b, ": %s expected margin a month (P10 %s, P90 %s)", signed(p.ExpectedGain), signed(p.GainP10), signed(p.GainP90))
	if p.Recommended == p.Floor {
		switch {
		case p.FloorRule == FloorMaxCut && d < 0:
			fmt.Fprintf(&b, "; the %s max cut stops it here", percent(lim.MaxCut))
		case p.FloorRule == FloorMinimum && p.Floor > 0:
			b.WriteString("; held at its minimum")
		}
	}
	fmt.Fprintf(&b, "; each further %s here would add about %s of margin a month", tandem.Major(1000).Format(""), moneyOf(p.MarginalReturn*1000).Format(""))
	switch {
	case p.Recommended > p.MaxSpend:
		fmt.Fprintf(&b, "; more than any month in the history (at most %s), so the curve is extrapolated", p.MaxSpend.Format(""))
	case p.Recommended < p.MinSpend:
		fmt.Fprintf(&b, "; less than any month in the history (at least %s), so the curve is extrapolated", p.MinSpend.Format(""))
	}
	if p.LagWeight < 1 {
		fmt.Fprintf(&b, "; about %.0f%% of its effect shows the month after the spend", (1-p.LagWeight)*100)
	}
	return b.String()
}

// counterparts names the motions money moved from (into=true) or to, with amounts.
func counterparts(moves []Move, motion string, into bool) string {
	var parts []string
	for _, mv := range moves {
		switch {
		case into && mv.To == motion:
			parts = append(parts, fmt.Sprintf("%s %s", fromName(mv.From), mv.Amount.Format("")))
		case !into && mv.From == motion:
			parts = append(parts, fmt.Sprintf("%s %s", toName(mv.To), mv.Amount.Format("")))
		}
	}
	return strings.Join(parts, ", ")
}

func fromName(m string) string {
	if m == "" {
		return "new budget"
	}
	return m
}

func toName(m string) string {
	if m == "" {
		return "the budget cut"
	}
	return m
}

func signed(m tandem.Money) string {
	if m < 0 {
		return "-" + (-m).Format("")
	}
	return "+" + m.Format("")
}
