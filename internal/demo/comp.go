package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// compQuarters is how many completed quarters the demo pays and closes.
const compQuarters = 4

// The range of an AE's quarterly quota in the demo.
var (
	minQuarterQuota = tandem.Major(600_000)
	maxQuarterQuota = tandem.Major(1_500_000)
)

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
	// The built-in plan's rates are a template; the demo pays what a mid-market vendor pays an AE who
	// closes about $1M a quarter: some $30–45k of commission a quarter at target.
	for _, r := range demoPlanRates {
		old, repl := r[0], r[1]
		if !strings.Contains(src, old) {
			return fmt.Errorf("demo: comp plan: the built-in plan has no line %q to adjust", old)
		}
		src = strings.Replace(src, old, repl, 1)
	}
	v, err := compensation.CreateCompPlanDraft(ctx, st, actor, src)
	if err != nil {
		return fmt.Errorf("demo: comp plan: %w", err)
	}
	if _, err := compensation.PublishCompPlanVersion(ctx, st, actor, v.ID); err != nil {
		return fmt.Errorf("demo: comp plan: %w", err)
	}

	// What each AE sold per quarter, to set quotas they can beat or miss.
	sold := map[int64]tandem.Money{}
	var aes []int64
	for _, q := range quarters {
		in, err := compensation.CompInput(ctx, st, actor, q.ID)
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
		// 80 % to 110 % of the average, by AE, rounded to $10,000, within what a mid-market vendor
		// asks of an AE a quarter ($600,000 to $1,500,000): a territory's big accounts make some AEs
		// sell far more than others, and a quota follows the seat more than the seller.
		share := tandem.Money(80 + (i*7)%31)
		quota := avg * share / 100 / tandem.Major(10_000) * tandem.Major(10_000)
		quota = min(max(quota, minQuarterQuota), maxQuarterQuota)
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
		if _, err := compensation.ClosePeriod(ctx, st, actor, q.ID); err != nil {
			return fmt.Errorf("demo: close %s: %w", q.ID, err)
		}
	}

	// A partner deal of the last closed quarter gets 10 points more discount after the close.
	last := quarters[len(quarters)-1]
	in, err := compensation.CompInput(ctx, st, actor, last.ID)
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

// demoPlanRates are the demo plan's changes to the built-in plan's quota and rates.
var demoPlanRates = [][2]string{
	{`quota: "1500000"`, `quota: "1000000"`},
	{`base_rate: "8%"`, `base_rate: "3.5%"`},
	{`{above: "100%", rate: "12%"}`, `{above: "100%", rate: "5%"}`},
	{`{above: "150%", rate: "16%"}`, `{above: "150%", rate: "7%"}`},
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
