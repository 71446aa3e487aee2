package comp

import (
	"cmp"
	"fmt"
	"slices"

	tandem "github.com/tandem-revops/tandem"
)

// Adjust compares what a closed period paid (frozen, its statements as they were closed) with what it
// should pay now (recalculated from current deal data under the closed period's plan) and returns the
// difference as lines of the open period: for each payee and deal, a positive difference is an
// adjustment, a negative one a clawback; nothing when equal. The lines are dated in the open period,
// carry AdjustsPeriod = the closed period, and are ordered by payee kind, payee id and deal. The frozen
// result is not changed: a closed period's statement never changes.
//
// Adjustments already paid for the closed period since it closed count as paid for it, so a deal
// changed twice is adjusted by the second change only. Pass them either inside frozen's statements
// (lines whose AdjustsPeriod is frozen.Period) or as already — not both. Lines adjusting other
// periods are ignored. Adjustments move money, not attainment: their quota credit is zero. It returns
// an EINVALID error when what a deal paid or should pay, or the difference, leaves the money range.
func Adjust(frozen *Result, recalculated *Result, open Period, already ...Line) ([]Line, error) {
	type key struct {
		kind  PayeeKind
		payee int64
		opp   int64
	}
	type sums struct {
		paid, due   tandem.MoneySum
		ext         string
		attribution tandem.Attribution
	}
	m := map[key]*sums{}
	get := func(l *Line) *sums {
		k := key{l.PayeeKind, l.PayeeID, l.OpportunityID}
		s := m[k]
		if s == nil {
			s = &sums{ext: l.DealExternal, attribution: l.Attribution}
			m[k] = s
		}
		return s
	}
	each := func(res *Result, f func(*Line)) {
		for _, sts := range [][]Statement{res.AEs, res.Partners} {
			for i := range sts {
				for j := range sts[i].Lines {
					f(&sts[i].Lines[j])
				}
			}
		}
	}
	closed := frozen.Period
	each(frozen, func(l *Line) {
		if l.AdjustsPeriod == "" || l.AdjustsPeriod == closed {
			get(l).paid.Add(l.Amount)
		}
	})
	for i := range already {
		if l := &already[i]; l.AdjustsPeriod == closed {
			get(l).paid.Add(l.Amount)
		}
	}
	each(recalculated, func(l *Line) {
		if l.AdjustsPeriod == "" {
			s := get(l)
			s.due.Add(l.Amount)
			s.ext, s.attribution = l.DealExternal, l.Attribution
		}
	})
	type diff struct{ paid, due, diff tandem.Money }
	diffs := make(map[key]diff, len(m))
	keys := make([]key, 0, len(m))
	for k, s := range m {
		what := fmt.Sprintf("%s %d's pay on deal %d", k.kind, k.payee, k.opp)
		paid, err := s.paid.Total(what + " in " + closed)
		if err != nil {
			return nil, err
		}
		due, err := s.due.Total(what + " recalculated")
		if err != nil {
			return nil, err
		}
		d, err := tandem.SubMoney(due, paid)
		if err != nil {
			return nil, tandem.MoneyRangeError(what + " adjustment")
		}
		if d != 0 {
			keys = append(keys, k)
			diffs[k] = diff{paid, due, d}
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		if c := cmp.Compare(a.payee, b.payee); c != 0 {
			return c
		}
		return cmp.Compare(a.opp, b.opp)
	})
	out := make([]Line, 0, len(keys))
	for _, k := range keys {
		s, dd := m[k], diffs[k]
		diff := dd.diff
		l := Line{Period: open.ID, PayeeKind: k.kind, PayeeID: k.payee, OpportunityID: k.opp, DealExternal: s.ext,
			Attribution: s.attribution, Amount: diff, Rule: ruleAdjustment, PlanVersion: recalculated.PlanVersion, AdjustsPeriod: closed}
		l.Kind = LineAdjustment
		verb := "pays the difference"
		if diff < 0 {
			l.Kind, verb = LineClawback, "claws back the difference"
		}
		l.Explanation = fmt.Sprintf("The deal changed after %s closed: that period paid %s on it, recalculated under plan %s it pays %s; %s, %s, in %s.",
			closed, dd.paid, recalculated.PlanVersion, dd.due, verb, diff, open.ID)
		out = append(out, l)
	}
	return out, nil
}

// WithAdjustments adds adjustment and clawback lines to the open period's statements in res (res must
// be that period's result), creating a statement for a payee that has none (its name is then empty),
// and recomputes the totals. It returns an EINVALID error when a line is dated in another period, or
// when a statement's total with its adjustments leaves the money range (res is then unchanged).
func WithAdjustments(res *Result, adj []Line) error {
	for _, l := range adj {
		if l.Period != res.Period {
			return tandem.FieldError("period", "an adjustment of deal %d is dated %s, not %s", l.OpportunityID, l.Period, res.Period)
		}
		if l.PayeeKind != PayeeAE && l.PayeeKind != PayeePartner {
			return tandem.FieldError("payee_kind", "%q is not ae or partner", l.PayeeKind)
		}
	}
	// Check every total first, so an overflow leaves res as it was.
	type payee struct {
		kind PayeeKind
		id   int64
	}
	totals := map[payee]*tandem.MoneySum{}
	for _, sts := range [][]Statement{res.AEs, res.Partners} {
		for _, st := range sts {
			totals[payee{st.PayeeKind, st.PayeeID}] = &tandem.MoneySum{}
			totals[payee{st.PayeeKind, st.PayeeID}].Add(st.Total)
		}
	}
	for _, l := range adj {
		t := totals[payee{l.PayeeKind, l.PayeeID}]
		if t == nil {
			t = &tandem.MoneySum{}
			totals[payee{l.PayeeKind, l.PayeeID}] = t
		}
		t.Add(l.Amount)
		if t.Overflowed() {
			return tandem.MoneyRangeError(fmt.Sprintf("%s %d's statement", l.PayeeKind, l.PayeeID))
		}
	}
	for _, l := range adj {
		sts := &res.AEs
		if l.PayeeKind == PayeePartner {
			sts = &res.Partners
		}
		i, ok := slices.BinarySearchFunc(*sts, l.PayeeID, func(s Statement, id int64) int { return cmp.Compare(s.PayeeID, id) })
		if !ok {
			*sts = slices.Insert(*sts, i, Statement{Period: res.Period, PayeeKind: l.PayeeKind, PayeeID: l.PayeeID, Lines: []Line{}})
		}
		st := &(*sts)[i]
		// A statement's lines may share a backing array with its neighbours: copy before growing it.
		st.Lines = append(slices.Clip(st.Lines), l)
		st.Total += l.Amount
	}
	return nil
}
