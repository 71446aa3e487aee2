package comp

import (
	"cmp"
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

func (t CostTotals) sub(o CostTotals) CostTotals {
	return CostTotals{t.Commission - o.Commission, t.SPIFF - o.SPIFF, t.AEPay - o.AEPay, t.PartnerMargin - o.PartnerMargin, t.CostOfSale - o.CostOfSale}
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
func Compare(base, draft *Result) WhatIf { return CompareAll([]*Result{base}, []*Result{draft}) }

// CompareAll compares several periods (say, last year's four quarters) calculated under the base plan
// and under a draft plan, per AE, per partner and in total.
func CompareAll(base, draft []*Result) WhatIf {
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
	add := func(results []*Result, totals *CostTotals, into func(*PayeeChange) *tandem.Money) {
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
					*into(pc) += st.Total
					for _, l := range st.Lines {
						switch l.Kind {
						case LineCommission, LineAccelerator:
							totals.Commission += l.Amount
						case LineSPIFF:
							totals.SPIFF += l.Amount
						case LinePartnerMargin, LineRegistrationBonus:
							totals.PartnerMargin += l.Amount
						case LineAdjustment, LineClawback:
							if l.PayeeKind == PayeePartner {
								totals.PartnerMargin += l.Amount
							} else {
								totals.Commission += l.Amount
							}
						}
					}
				}
			}
		}
		totals.AEPay = totals.Commission + totals.SPIFF
		totals.CostOfSale = totals.Commission + totals.SPIFF + totals.PartnerMargin
	}
	add(base, &w.Base, func(pc *PayeeChange) *tandem.Money { return &pc.Base })
	add(draft, &w.Draft, func(pc *PayeeChange) *tandem.Money { return &pc.Draft })
	w.Change = w.Draft.sub(w.Base)
	w.AEs, w.Partners = []PayeeChange{}, []PayeeChange{}
	for _, pc := range changes {
		pc.Change = pc.Draft - pc.Base
		if pc.PayeeKind == PayeeAE {
			w.AEs = append(w.AEs, *pc)
		} else {
			w.Partners = append(w.Partners, *pc)
		}
	}
	byID := func(a, b PayeeChange) int { return cmp.Compare(a.PayeeID, b.PayeeID) }
	slices.SortFunc(w.AEs, byID)
	slices.SortFunc(w.Partners, byID)
	return w
}
