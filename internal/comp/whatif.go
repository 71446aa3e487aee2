package comp

import (
	"cmp"
	"fmt"
	"slices"

	tandem "github.com/tandem-revops/tandem"
)

// PayeeChange is one AE's pay or one partner's margin under the base and the draft plan.
type PayeeChange struct {
	PayeeKind PayeeKind    `json:"payee_kind"`
	PayeeID   int64        `json:"payee_id"`
	Name      string       `json:"name"`
	Base      tandem.Money `json:"base"`
	Draft     tandem.Money `json:"draft"`
	Change    tandem.Money `json:"change"` // Draft − Base
}

// CostTotals is what a plan costs over the compared periods. Commission includes accelerators;
// PartnerMargin includes registration bonuses; CostOfSale = Commission + SPIFF + PartnerMargin.
// Adjustments and clawbacks count in AEPay and PartnerMargin.
type CostTotals struct {
	Commission    tandem.Money `json:"commission"`
	SPIFF         tandem.Money `json:"spiff"`
	AEPay         tandem.Money `json:"ae_pay"`
	PartnerMargin tandem.Money `json:"partner_margin"`
	CostOfSale    tandem.Money `json:"cost_of_sale"`
}

func (t CostTotals) sub(o CostTotals) (CostTotals, error) {
	var out CostTotals
	for _, c := range []struct {
		name     string
		into     *tandem.Money
		from, by tandem.Money
	}{
		{"commission change", &out.Commission, t.Commission, o.Commission},
		{"SPIFF change", &out.SPIFF, t.SPIFF, o.SPIFF},
		{"AE pay change", &out.AEPay, t.AEPay, o.AEPay},
		{"partner margin change", &out.PartnerMargin, t.PartnerMargin, o.PartnerMargin},
		{"cost of sale change", &out.CostOfSale, t.CostOfSale, o.CostOfSale},
	} {
		d, err := tandem.SubMoney(c.from, c.by)
		if err != nil {
			return CostTotals{}, tandem.MoneyRangeError(c.name)
		}
		*c.into = d
	}
	return out, nil
}

// WhatIf compares the same deals paid under a base plan and a draft plan.
type WhatIf struct {
	BasePlanVersion  string        `json:"base_plan_version"`
	DraftPlanVersion string        `json:"draft_plan_version"`
	AEs              []PayeeChange `json:"aes"`      // ordered by payee id
	Partners         []PayeeChange `json:"partners"` // ordered by payee id
	Base             CostTotals    `json:"base"`
	Draft            CostTotals    `json:"draft"`
	Change           CostTotals    `json:"change"` // Draft − Base
}

// Compare compares one period calculated under the base plan and under a draft plan (Calculate with
// the same input and each plan).
func Compare(base, draft *Result) (WhatIf, error) {
	return CompareAll([]*Result{base}, []*Result{draft})
}

// CompareAll compares several periods (say, last year's four quarters) calculated under the base plan
// and under a draft plan, per AE, per partner and in total. Every total is a checked sum: past the
// money range it returns an EINVALID error naming the total.
func CompareAll(base, draft []*Result) (WhatIf, error) {
	var w WhatIf
	if len(base) > 0 {
		w.BasePlanVersion = base[0].PlanVersion
	}
	if len(draft) > 0 {
		w.DraftPlanVersion = draft[0].PlanVersion
	}
	type key struct {
		kind PayeeKind
		id   int64
	}
	changes := map[key]*PayeeChange{}
	// acc adds m to *into; the first sum past the money range is kept in err and ends the comparison.
	var err error
	acc := func(what string, into *tandem.Money, m tandem.Money) {
		if err != nil {
			return
		}
		s, e := tandem.AddMoney(*into, m)
		if e != nil {
			err = tandem.MoneyRangeError(what)
			return
		}
		*into = s
	}
	add := func(plan string, results []*Result, totals *CostTotals, into func(*PayeeChange) *tandem.Money) {
		for _, res := range results {
			for _, sts := range [][]Statement{res.AEs, res.Partners} {
				for i := range sts {
					st := &sts[i]
					k := key{st.PayeeKind, st.PayeeID}
					pc := changes[k]
					if pc == nil {
						pc = &PayeeChange{PayeeKind: st.PayeeKind, PayeeID: st.PayeeID}
						changes[k] = pc
					}
					if pc.Name == "" {
						pc.Name = st.Name
					}
					acc(fmt.Sprintf("%s plan's %s %d pay", plan, st.PayeeKind, st.PayeeID), into(pc), st.Total)
					for _, l := range st.Lines {
						switch l.Kind {
						case LineCommission, LineAccelerator:
							acc(plan+" plan's commission", &totals.Commission, l.Amount)
						case LineSPIFF:
							acc(plan+" plan's SPIFF", &totals.SPIFF, l.Amount)
						case LinePartnerMargin, LineRegistrationBonus:
							acc(plan+" plan's partner margin", &totals.PartnerMargin, l.Amount)
						case LineAdjustment, LineClawback:
							if l.PayeeKind == PayeePartner {
								acc(plan+" plan's partner margin", &totals.PartnerMargin, l.Amount)
							} else {
								acc(plan+" plan's commission", &totals.Commission, l.Amount)
							}
						}
					}
				}
			}
		}
		totals.AEPay, totals.CostOfSale = 0, 0
		acc(plan+" plan's AE pay", &totals.AEPay, totals.Commission)
		acc(plan+" plan's AE pay", &totals.AEPay, totals.SPIFF)
		acc(plan+" plan's cost of sale", &totals.CostOfSale, totals.AEPay)
		acc(plan+" plan's cost of sale", &totals.CostOfSale, totals.PartnerMargin)
	}
	add("the base", base, &w.Base, func(pc *PayeeChange) *tandem.Money { return &pc.Base })
	add("the draft", draft, &w.Draft, func(pc *PayeeChange) *tandem.Money { return &pc.Draft })
	if err != nil {
		return WhatIf{}, err
	}
	if w.Change, err = w.Draft.sub(w.Base); err != nil {
		return WhatIf{}, err
	}
	w.AEs, w.Partners = []PayeeChange{}, []PayeeChange{}
	for _, pc := range changes {
		if pc.Change, err = tandem.SubMoney(pc.Draft, pc.Base); err != nil {
			return WhatIf{}, tandem.MoneyRangeError(fmt.Sprintf("%s %d's pay change", pc.PayeeKind, pc.PayeeID))
		}
		if pc.PayeeKind == PayeeAE {
			w.AEs = append(w.AEs, *pc)
		} else {
			w.Partners = append(w.Partners, *pc)
		}
	}
	byID := func(a, b PayeeChange) int { return cmp.Compare(a.PayeeID, b.PayeeID) }
	slices.SortFunc(w.AEs, byID)
	slices.SortFunc(w.Partners, byID)
	return w, nil
}
