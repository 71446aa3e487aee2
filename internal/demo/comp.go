package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// compQuarters is how many completed quarters the demo pays and closes.
const compQuarters = 4

// writeComp gives the demo company its compensation: the built-in plan published with an effective date
// at the start of the first paid quarter, a quota for every AE in each of the last four completed
// quarters (about 90 % of what the AE sold on average, so attainment spreads either side of 100 %),
// those quarters closed oldest first, and one deal of the last closed quarter discounted after the close,
// so the current quarter shows a clawback. Everything is dated by the store's clock (the demo's today).
func writeComp(ctx context.Context, st *sqlstore.Store, today time.Time) error {
	actor := tandem.SystemActor
	current := comp.QuarterOf(today)
	quarters := make([]comp.Period, compQuarters)
	p := current
	for i := compQuarters - 1; i >= 0; i-- {
		p = comp.QuarterOf(p.Start.AddDate(0, 0, -1))
		quarters[i] = p
	}

	src := string(comp.DefaultSource())
	src = replaceLine(src, "effective_from:", "effective_from: "+quarters[0].Start.Format(time.DateOnly))
	src = replaceLine(src, "version:", `version: "demo-1"`)
	v, err := st.CreateCompPlanDraft(ctx, actor, src)
	if err != nil {
		return fmt.Errorf("demo: comp plan: %w", err)
	}
	if _, err := st.PublishCompPlanVersion(ctx, actor, v.ID); err != nil {
		return fmt.Errorf("demo: comp plan: %w", err)
	}

	// What each AE sold per quarter, to set quotas they can beat or miss.
	sold := map[int64]tandem.Money{}
	var aes []int64
	for _, q := range quarters {
		in, err := st.CompInput(ctx, actor, q.ID)
		if err != nil {
			return fmt.Errorf("demo: comp input %s: %w", q.ID, err)
		}
		if aes == nil {
			for _, a := range in.AEs {
				aes = append(aes, a.UserID)
			}
		}
		for _, d := range in.Deals {
			if d.Currency == "USD" {
				sold[d.OwnerID] += d.ACV
			} else {
				sold[d.OwnerID] += d.ACV * 11 / 10 // near enough for a quota
			}
		}
	}
	var quotas []sqlstore.CompQuota
	for i, id := range aes {
		avg := sold[id] / compQuarters
		// 80 % to 110 % of the average, by AE, rounded to $10,000; at least $100,000.
		share := tandem.Money(80 + (i*7)%31)
		quota := max(avg*share/100/tandem.Major(10_000)*tandem.Major(10_000), tandem.Major(100_000))
		for _, q := range quarters {
			quotas = append(quotas, sqlstore.CompQuota{UserID: id, Period: q.ID, Amount: quota})
		}
		quotas = append(quotas, sqlstore.CompQuota{UserID: id, Period: current.ID, Amount: quota})
	}
	if len(quotas) > 0 {
		if err := st.UpsertCompQuotas(ctx, actor, quotas); err != nil {
			return fmt.Errorf("demo: quotas: %w", err)
		}
	}
	for _, q := range quarters {
		if _, err := st.ClosePeriod(ctx, actor, q.ID); err != nil {
			return fmt.Errorf("demo: close %s: %w", q.ID, err)
		}
	}

	// A partner deal of the last closed quarter gets 10 points more discount after the close.
	last := quarters[len(quarters)-1]
	in, err := st.CompInput(ctx, actor, last.ID)
	if err != nil {
		return fmt.Errorf("demo: comp input %s: %w", last.ID, err)
	}
	for _, d := range in.Deals {
		if d.PartnerID == 0 || d.DiscountBasisPoints > 8000 {
			continue
		}
		o, err := st.GetOpportunity(ctx, actor, d.OpportunityID)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		o.DiscountBasisPoints += 1000
		if err := st.UpdateOpportunity(ctx, actor, o); err != nil {
			return fmt.Errorf("demo: discount after close: %w", err)
		}
		break
	}
	return nil
}

// replaceLine replaces the first line of src starting with prefix.
func replaceLine(src, prefix, line string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
			break
		}
	}
	return strings.Join(lines, "\n")
}
