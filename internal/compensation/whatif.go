package compensation

import (
	"context"
	"fmt"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
)

// What-if runs and gross profit: both read every deal of their periods, so both are for revops and
// executives only.

// maxWhatIfPeriods bounds a what-if run (two years of quarters).
const maxWhatIfPeriods = 8

// WhatIfReport is a draft plan tried on the closed-won deals of a range of periods.
type WhatIfReport struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Periods []string `json:"periods"`
	// BasePlanVersions are the plan versions in force in the periods, one per period.
	BasePlanVersions []string `json:"base_plan_versions"`
	comp.WhatIf
}

// WhatIf calculates the closed-won deals of the periods from..to (quarters, inclusive, at most eight)
// under the plan in force in each (a closed period: its frozen input under its frozen plan) and under
// the draft plan source, and compares them per AE, per partner and in total: AE pay, partner margin
// and cost of sale. Nothing is written. EINVALID for a bad draft or range.
func WhatIf(ctx context.Context, st Store, actor tandem.Actor, draftSource, from, to string) (*WhatIfReport, error) {
	if !tandem.CompSeesAll(actor) {
		return nil, tandem.ForbiddenOrHidden(actor, "comp what-if", "", "run what-ifs")
	}
	draft, err := ParseCompPlan("draft.yaml", draftSource)
	if err != nil {
		return nil, err
	}
	first, err := tandem.ParseQuarter(from)
	if err != nil {
		return nil, tandem.FieldError("from", "%q is not a quarter like 2025Q1", from)
	}
	last, err := tandem.ParseQuarter(to)
	if err != nil {
		return nil, tandem.FieldError("to", "%q is not a quarter like 2025Q4", to)
	}
	if last.Start.Before(first.Start) {
		return nil, tandem.FieldError("to", "%s is before %s", last.ID, first.ID)
	}
	rep := &WhatIfReport{From: first.ID, To: last.ID}
	var bases, drafts []*tandem.CompResult
	for p := first; !p.Start.After(last.Start); p = tandem.QuarterOf(p.End) {
		if len(rep.Periods) == maxWhatIfPeriods {
			return nil, tandem.FieldError("to", "a what-if covers at most %d quarters", maxWhatIfPeriods)
		}
		rep.Periods = append(rep.Periods, p.ID)
		cp, err := st.GetCompPeriod(ctx, actor, p.ID)
		if err != nil {
			return nil, err
		}
		var in *tandem.CompInput
		var plan *comp.Plan
		if cp.Status == tandem.PeriodClosed {
			f, err := st.FrozenCompPeriod(ctx, p.ID)
			if err != nil {
				return nil, err
			}
			if in, plan, err = frozenInput(f); err != nil {
				return nil, err
			}
		} else {
			if plan, _, err = CompPlanAt(ctx, st, p.Start); err != nil {
				return nil, err
			}
			if in, err = readInput(ctx, st, plan, p, nil); err != nil {
				return nil, err
			}
		}
		base, err := comp.Calculate(plan, *in)
		if err != nil {
			return nil, fmt.Errorf("what-if %s under plan %s: %w", p.ID, plan.Version(), err)
		}
		d, err := comp.Calculate(draft, *in)
		if err != nil {
			return nil, &tandem.Error{Code: tandem.EINVALID, Field: "source",
				Message: fmt.Sprintf("the draft cannot pay %s: %v", p.ID, err), Err: err}
		}
		rep.BasePlanVersions = append(rep.BasePlanVersions, plan.Version())
		bases, drafts = append(bases, base), append(drafts, d)
	}
	if rep.WhatIf, err = comp.CompareAll(bases, drafts); err != nil {
		return nil, fmt.Errorf("what-if: %w", err)
	}
	return rep, nil
}

// Gross profit groupings.
var GrossProfitGroupings = []string{"deal", "rep", "territory", "partner", "motion"}

// GrossProfitRow is gross profit summed over one rep, territory, partner or motion, with its name.
type GrossProfitRow struct {
	comp.ProfitRollup
	Name string `json:"name" doc:"the rep's, territory's or partner's name, or the motion; \"none\" for deals without one"`
}

// GrossProfitReport is a period's gross profit per deal or rolled up.
type GrossProfitReport struct {
	Period string              `json:"period"`
	By     string              `json:"by" enum:"deal,rep,territory,partner,motion"`
	Deals  []tandem.DealProfit `json:"deals" doc:"by=deal: every deal, by opportunity id"`
	Rows   []GrossProfitRow    `json:"rows" doc:"other groupings: one row per group, by key"`
	Total  comp.ProfitRollup   `json:"total" doc:"the whole period"`
}

// DealGrossProfit returns period id's gross profit per deal, by opportunity id, as GrossProfit by
// "deal" does, and whether the period is closed: a closed period's figures are frozen for good (the
// database refuses to change a closed period), so a caller may keep them. Revops and executives only.
func DealGrossProfit(ctx context.Context, st Store, actor tandem.Actor, id string) (profit []tandem.DealProfit, closed bool, err error) {
	return (*Cache)(nil).DealGrossProfit(ctx, st, actor, id)
}

// DealGrossProfit is DealGrossProfit with an open period's figures kept in c for the data version;
// the slice is shared and must not be modified.
func (c *Cache) DealGrossProfit(ctx context.Context, st Store, actor tandem.Actor, id string) (profit []tandem.DealProfit, closed bool, err error) {
	p, err := periodForAll(actor, "gross profit", id, "read gross profit")
	if err != nil {
		return nil, false, err
	}
	return c.dealProfit(ctx, st, p)
}

// GrossProfit returns period id's gross profit (ACV − discount − partner margin − SPIFFs − MDF share −
// cost of goods) per deal (by "deal") or rolled up by "rep", "territory", "partner" or "motion".
// Revops and executives only.
func GrossProfit(ctx context.Context, st Store, actor tandem.Actor, id, by string) (*GrossProfitReport, error) {
	return (*Cache)(nil).GrossProfit(ctx, st, actor, id, by)
}

// GrossProfit is GrossProfit with an open period's deal profit kept in c for the data version.
func (c *Cache) GrossProfit(ctx context.Context, st Store, actor tandem.Actor, id, by string) (*GrossProfitReport, error) {
	p, err := periodForAll(actor, "gross profit", id, "read gross profit")
	if err != nil {
		return nil, err
	}
	if by == "" {
		by = "deal"
	}
	group := by
	switch by {
	case "deal":
	case "rep":
		group = "owner"
	case "territory", "partner", "motion":
	default:
		return nil, tandem.FieldError("by", "%q is not one of deal, rep, territory, partner, motion", by)
	}
	profit, _, err := c.dealProfit(ctx, st, p)
	if err != nil {
		return nil, err
	}
	rep := &GrossProfitReport{Period: p.ID, By: by, Deals: []tandem.DealProfit{}, Rows: []GrossProfitRow{}}
	rep.Total.Key = "total"
	for i := range profit {
		if err := rep.Total.Add(profit[i]); err != nil {
			return nil, fmt.Errorf("gross profit of %s: %w", p.ID, err)
		}
	}
	if by == "deal" {
		rep.Deals = append(rep.Deals, profit...)
		return rep, nil
	}
	rows, err := comp.Rollup(profit, group)
	if err != nil {
		return nil, err
	}
	names, err := st.CompGroupNames(ctx, by)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		name := r.Key
		if by != "motion" {
			id, _ := strconv.ParseInt(r.Key, 10, 64)
			if name = names[id]; id == 0 {
				name = "none"
			}
		}
		rep.Rows = append(rep.Rows, GrossProfitRow{ProfitRollup: r, Name: name})
	}
	return rep, nil
}
