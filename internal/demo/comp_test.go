package demo

import (
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
)

// TestDemoCompensation: the demo has a published plan, quotas, the last four completed quarters closed
// with statements, and a clawback in the current quarter for the deal discounted after its close.
func TestDemoCompensation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := companyAtToday(t)
	actor := tandem.SystemActor
	plan, v, err := compensation.CompPlanAt(ctx, st, Today)
	if err != nil || v == nil || plan.Version() != "demo-1" {
		t.Fatalf("plan in force: %v %v", v, err)
	}
	periods, err := st.ListCompPeriods(ctx, actor)
	if err != nil {
		t.Fatal(err)
	}
	closed := map[string]bool{}
	for _, p := range periods {
		closed[p.ID] = p.Status == "closed"
	}
	for _, id := range []string{"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"} {
		if !closed[id] {
			t.Errorf("%s is not closed: %v", id, closed)
		}
		res, err := compensation.CalculatePeriod(ctx, st, actor, id)
		if err != nil || len(res.AEs) == 0 || len(res.Partners) == 0 {
			t.Errorf("%s: %v", id, err)
		}
	}
	quotas, err := st.ListCompQuotas(ctx, actor, "2026-Q3")
	if err != nil || len(quotas) == 0 {
		t.Errorf("quotas %v %v", quotas, err)
	}
	for _, q := range quotas {
		if q.Amount < tandem.Major(600_000) || q.Amount > tandem.Major(1_500_000) {
			t.Errorf("AE %d has a quarterly quota of %s, want $600,000 to $1,500,000", q.UserID, q.Amount.Format("USD"))
		}
	}
	res, err := compensation.CalculatePeriod(ctx, st, actor, "2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	claws := 0
	for _, list := range [][]comp.Statement{res.AEs, res.Partners} {
		for _, s := range list {
			for _, l := range s.Lines {
				if l.Kind == comp.LineClawback && l.AdjustsPeriod == "2026-Q3" {
					claws++
				}
			}
		}
	}
	if claws == 0 {
		t.Error("the current quarter shows no clawback for the deal discounted after 2026-Q3 closed")
	}
}
