package compensation

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
)

// Compensation periods are calendar quarters. A period is open until revops closes it; an open period
// is calculated live from the records under the plan in force at its start. Closing freezes it: the
// input, the adjustments paid in it, the plan version and its source, the result and the result's
// SHA-256 are stored, and a trigger in each dialect refuses any later UPDATE or DELETE of the row, so a
// closed period's statements never change and recalculating them from the frozen input reproduces the
// frozen bytes.
//
// Periods close in order: the first close may be any period that has ended (the go-live period), every
// later one must be the quarter right after the latest closed period. A deal of a closed period that
// changes afterwards (value, discount, stage, close date, partner, flags, quota) is not re-paid in its
// period: the period is recalculated from current data under its own frozen plan and the difference
// against what it paid (its frozen statements plus adjustments already paid for it in later closed
// periods) becomes adjustment and clawback lines in the open period right after the latest closed
// period — the only period that shows them, and the one that freezes them when it closes.

// CompInput assembles the calculation input of period (e.g. "2026-Q3") from the stored records: every
// deal won with a close date in the period, with its owner, partner, territory (the account's), motion,
// attribution (derived with the plan in force when not yet stored), value, discount, cost of goods (the
// catalogue product of that name, else the first of its product type), whether the partner holds an
// approved or won registration on it, the anti-cannibalisation flag and the split a resolved conflict
// decided; every AE with the period's quota, and the partners of the deals. Revops and executives only.
func CompInput(ctx context.Context, st Store, actor tandem.Actor, period string) (*tandem.CompInput, error) {
	p, err := periodForAll(actor, "comp period", period, "read every deal's compensation input")
	if err != nil {
		return nil, err
	}
	plan, _, err := CompPlanAt(ctx, st, p.Start)
	if err != nil {
		return nil, err
	}
	return readInput(ctx, st, plan, p, nil)
}

// periodForAll parses period id for a read of every deal or statement in it, which only revops and
// executives make: EFORBIDDEN saying what others may not do, ENOTFOUND (kind id) for partner users.
func periodForAll(actor tandem.Actor, kind, id, what string) (tandem.CompQuarter, error) {
	p, err := tandem.ParseCompPeriod(id)
	if err != nil {
		return p, err
	}
	if !tandem.CompSeesAll(actor) {
		return p, tandem.ForbiddenOrHidden(actor, kind, id, what)
	}
	return p, nil
}

// readInput reads the input of period p (of one payee when payee is set) and attributes the deals
// whose attribution is not stored yet with plan's rules.
func readInput(ctx context.Context, st Store, plan *comp.Plan, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompInput, error) {
	in, facts, err := st.CompPeriodInput(ctx, p, payee)
	if err != nil {
		return nil, err
	}
	// The deals are ordered by opportunity id: the facts find theirs by binary search.
	for _, f := range facts {
		i, ok := slices.BinarySearchFunc(in.Deals, f.OpportunityID, func(d tandem.CompDeal, id int64) int {
			return cmp.Compare(d.OpportunityID, id)
		})
		if ok {
			in.Deals[i].Attribution, _ = plan.Attribute(f)
		}
	}
	return in, nil
}

// CalculatePeriod returns the whole result of period id: the frozen result of a closed period, or the
// live calculation of an open one under the plan in force at its start, with the adjustments that land
// in it. Revops and executives only (EFORBIDDEN; ENOTFOUND for partner users).
func CalculatePeriod(ctx context.Context, st Store, actor tandem.Actor, id string) (*tandem.CompResult, error) {
	p, err := periodForAll(actor, "comp period", id, "read every statement")
	if err != nil {
		return nil, err
	}
	return periodResult(ctx, st, nil, p, nil)
}

// ListCompStatements returns the statements of period id that actor may see (see tandem.CompScope):
// everything for revops and executives, otherwise each visible payee's statement calculated from that
// payee's deals alone. Profit is filled only for those who see everything.
func ListCompStatements(ctx context.Context, st Store, actor tandem.Actor, id string) (*tandem.CompResult, error) {
	p, err := tandem.ParseCompPeriod(id)
	if err != nil {
		return nil, err
	}
	sc, err := st.CompScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	if sc.All {
		return periodResult(ctx, st, nil, p, nil)
	}
	out := &tandem.CompResult{Period: p.ID, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{}, Profit: []tandem.DealProfit{}}
	var payees []tandem.CompPayee
	if len(sc.AEs) > 0 {
		ids := make([]int64, 0, len(sc.AEs))
		for id := range sc.AEs {
			ids = append(ids, id)
		}
		// Only AEs (and owners of deals) have AE statements: skip the managers' own ids when they sell nothing.
		aes, err := st.CompStatementAEs(ctx, p, ids)
		if err != nil {
			return nil, err
		}
		for _, uid := range aes {
			payees = append(payees, tandem.CompPayee{Kind: tandem.PayeeAE, ID: uid})
		}
	}
	partnerIDs := make([]int64, 0, len(sc.Partners))
	for id := range sc.Partners {
		partnerIDs = append(partnerIDs, id)
	}
	slices.Sort(partnerIDs)
	for _, id := range partnerIDs {
		payees = append(payees, tandem.CompPayee{Kind: tandem.PayeePartner, ID: id})
	}
	for _, payee := range payees {
		res, err := periodResult(ctx, st, nil, p, &payee)
		if err != nil {
			return nil, err
		}
		out.PlanVersion = res.PlanVersion
		out.AEs = append(out.AEs, res.AEs...)
		out.Partners = append(out.Partners, res.Partners...)
	}
	return out, nil
}

// PayeeStatement returns one payee's statement of period id, calculated from that payee's deals alone
// (a closed period's is the frozen one). ENOTFOUND when actor may not see it or there is none.
func PayeeStatement(ctx context.Context, st Store, actor tandem.Actor, id string, kind tandem.PayeeKind, payeeID int64) (*tandem.CompStatement, error) {
	p, err := tandem.ParseCompPeriod(id)
	if err != nil {
		return nil, err
	}
	if kind != tandem.PayeeAE && kind != tandem.PayeePartner {
		return nil, tandem.FieldError("kind", "%q is not ae or partner", kind)
	}
	sc, err := st.CompScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%s %d in %s", kind, payeeID, id)
	if !sc.Sees(kind, payeeID) {
		return nil, tandem.NotFound("statement of", what)
	}
	res, err := periodResult(ctx, st, nil, p, &tandem.CompPayee{Kind: kind, ID: payeeID})
	if err != nil {
		return nil, err
	}
	for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
		for i := range list {
			if list[i].PayeeKind == kind && list[i].PayeeID == payeeID {
				return &list[i], nil
			}
		}
	}
	return nil, tandem.NotFound("statement of", what)
}

// periodResult returns period p's result (only payee's statement when payee is set): the frozen one
// for a closed period, else calculated now with the adjustments that land in it. Closed periods' frozen
// documents are decoded once into c (nil: each time).
func periodResult(ctx context.Context, st Store, c *Cache, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompResult, error) {
	cp, err := st.GetCompPeriod(ctx, tandem.SystemActor, p.ID)
	if err != nil {
		return nil, err
	}
	if cp.Status == tandem.PeriodClosed {
		if payee == nil && c == nil {
			return frozenResult(ctx, st, p.ID) // the plan is not needed: only the result is decoded
		}
		if payee == nil {
			_, res, err := c.closedDocs(ctx, st, *cp)
			return res, err
		}
		res := &tandem.CompResult{PlanVersion: cp.PlanVersion, Period: p.ID, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{},
			Profit: []tandem.DealProfit{}}
		s, ok, err := st.FrozenCompStatement(ctx, p.ID, *payee)
		if err != nil || !ok {
			return res, err
		}
		addStatement(res, s)
		return res, nil
	}
	run, err := live(ctx, st, c, p, payee, cp.AdjustmentsLand, "period "+p.ID)
	if err != nil {
		return nil, err
	}
	return run.res, nil
}

// periodProfit returns period p's gross profit per deal, by opportunity id: a closed period's frozen
// profit (only that part of the frozen result is decoded), or an open period's live calculation. The
// live run skips the adjustments that land in the period: they add statement lines and never change a
// deal's gross profit, and gathering them decodes every closed period's whole result.
//
// It asks for the frozen result straight away (ENOTFOUND: the period is open) rather than reading the
// period first: the period's row keeps its result hash after the frozen documents, so reading the row
// walks every frozen document once more.
func periodProfit(ctx context.Context, st Store, p tandem.CompQuarter) (profit []tandem.DealProfit, closed bool, err error) {
	doc, err := st.FrozenCompResult(ctx, p.ID)
	switch {
	case err == nil:
		var frozen struct {
			Profit []tandem.DealProfit `json:"profit"`
		}
		if err := json.Unmarshal(doc, &frozen); err != nil {
			return nil, false, fmt.Errorf("frozen result of period %s: %w", p.ID, err)
		}
		return frozen.Profit, true, nil
	case tandem.ErrorCode(err) != tandem.ENOTFOUND:
		return nil, false, err
	}
	run, err := live(ctx, st, nil, p, nil, false, "period "+p.ID)
	if err != nil {
		return nil, false, err
	}
	return run.res.Profit, false, nil
}

// liveRun is an open period calculated from the current records.
type liveRun struct {
	plan    *comp.Plan
	version *tandem.CompPlanVersion // nil: the built-in default plan
	in      *tandem.CompInput
	res     *tandem.CompResult
	adj     []tandem.CompLine
}

// live calculates open period p (only payee's statement when payee is set) under the plan in force
// at its start, with the adjustments that land in it when adjust is set, decoding closed periods'
// frozen documents once into c (nil: each time). what names the run in errors.
func live(ctx context.Context, st Store, c *Cache, p tandem.CompQuarter, payee *tandem.CompPayee, adjust bool, what string) (*liveRun, error) {
	var run liveRun
	var err error
	if run.plan, run.version, err = CompPlanAt(ctx, st, p.Start); err != nil {
		return nil, err
	}
	if run.in, err = readInput(ctx, st, run.plan, p, payee); err != nil {
		return nil, err
	}
	if run.res, err = comp.Calculate(run.plan, *run.in); err != nil {
		return nil, fmt.Errorf("%s: calculate: %w", what, err)
	}
	if payee != nil {
		run.res = onlyPayee(run.res, *payee)
	}
	if !adjust {
		return &run, nil
	}
	if run.adj, err = adjustments(ctx, st, c, p, payee); err != nil {
		return nil, err
	}
	if len(run.adj) > 0 {
		if err := comp.WithAdjustments(run.res, run.adj); err != nil {
			return nil, fmt.Errorf("%s: adjustments: %w", what, err)
		}
	}
	return &run, nil
}

// frozenResult returns closed period id's frozen result, reading only that document.
func frozenResult(ctx context.Context, st Store, id string) (*tandem.CompResult, error) {
	doc, err := st.FrozenCompResult(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := comp.UnmarshalResult(doc)
	if err != nil {
		return nil, fmt.Errorf("frozen result of period %s: %w", id, err)
	}
	return res, nil
}

func parseFrozenPlan(id, source string) (*comp.Plan, error) {
	p, err := comp.Parse("period "+id+" plan", []byte(source))
	if err != nil {
		return nil, fmt.Errorf("frozen plan of period %s: %w", id, err)
	}
	return p, nil
}

// frozenInput decodes closed period f's frozen input and plan.
func frozenInput(f *tandem.FrozenCompPeriod) (*tandem.CompInput, *comp.Plan, error) {
	plan, err := parseFrozenPlan(f.ID, f.PlanSource)
	if err != nil {
		return nil, nil, err
	}
	var in tandem.CompInput
	if err := json.Unmarshal([]byte(f.Input), &in); err != nil {
		return nil, nil, fmt.Errorf("frozen input of period %s: %w", f.ID, err)
	}
	return &in, plan, nil
}

func addStatement(res *tandem.CompResult, st tandem.CompStatement) {
	if st.PayeeKind == tandem.PayeeAE {
		res.AEs = append(res.AEs, st)
	} else {
		res.Partners = append(res.Partners, st)
	}
}

// onlyPayee keeps payee's statement of res, and none of the profit (a payee's partial calculation
// says nothing reliable about the deals of others).
func onlyPayee(res *tandem.CompResult, payee tandem.CompPayee) *tandem.CompResult {
	out := &tandem.CompResult{PlanVersion: res.PlanVersion, Period: res.Period, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{},
		Profit: []tandem.DealProfit{}}
	list := res.Partners
	if payee.Kind == tandem.PayeeAE {
		list = res.AEs
	}
	for _, st := range list {
		if st.PayeeID == payee.ID {
			addStatement(out, st)
		}
	}
	return out
}

// stripAdjustments returns st without the adjustment lines it paid for earlier periods: what it paid
// for its own period's deals, and extra lines appended. The total is a checked sum: past the money
// range it returns an EINVALID error naming the statement.
func stripAdjustments(st tandem.CompStatement, extra ...tandem.CompLine) (tandem.CompStatement, error) {
	out := st
	out.Lines = make([]tandem.CompLine, 0, len(st.Lines)+len(extra))
	var total tandem.MoneySum
	for _, l := range st.Lines {
		if l.AdjustsPeriod != "" {
			continue
		}
		out.Lines = append(out.Lines, l)
		total.Add(l.Amount)
	}
	for _, l := range extra {
		out.Lines = append(out.Lines, l)
		total.Add(l.Amount)
	}
	var err error
	out.Total, err = total.Total(fmt.Sprintf("%s %s %d's statement", st.Period, st.PayeeKind, st.PayeeID))
	return out, err
}

// adjustments returns the adjustment and clawback lines that land in open period p (one payee's when
// payee is set): for every closed period, the difference between what it should pay now, recalculated
// from current records under its frozen plan, and what it paid. The closed periods' frozen plans and
// results are decoded once into c (nil: each time).
func adjustments(ctx context.Context, st Store, c *Cache, p tandem.CompQuarter, payee *tandem.CompPayee) ([]tandem.CompLine, error) {
	closed, err := st.ClosedCompPeriods(ctx)
	if err != nil || tandem.AdjustmentPeriod(closed) != p.ID {
		return nil, err
	}
	// paid[period] is what each closed period paid for its own deals; later closed periods' adjustment
	// lines for it are added to it below. The periods are read, and below recalculated, a few at a
	// time: each is a frozen document to decode and a quarter of deals to read and calculate.
	paid := make(map[string]*tandem.CompResult, len(closed))
	plans := make(map[string]*comp.Plan, len(closed))
	frozenPlans := make([]*comp.Plan, len(closed))
	frozenPaid := make([]*tandem.CompResult, len(closed))
	err = inParallel(len(closed), func(i int) error {
		cp := closed[i]
		if payee == nil {
			var err error
			frozenPlans[i], frozenPaid[i], err = c.closedDocs(ctx, st, cp)
			return err
		}
		source, err := st.FrozenCompPlanSource(ctx, cp.ID)
		if err != nil {
			return err
		}
		if frozenPlans[i], err = parseFrozenPlan(cp.ID, source); err != nil {
			return err
		}
		frozen := &tandem.CompResult{PlanVersion: cp.PlanVersion, Period: cp.ID}
		s, ok, err := st.FrozenCompStatement(ctx, cp.ID, *payee)
		if err != nil {
			return err
		}
		if ok {
			addStatement(frozen, s)
		}
		frozenPaid[i] = frozen
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, cp := range closed {
		plans[cp.ID], paid[cp.ID] = frozenPlans[i], frozenPaid[i]
	}
	// Adjustment lines paid in a closed period belong to the period they adjust.
	extra := map[string]map[tandem.CompPayee][]tandem.CompLine{}
	for _, res := range paid {
		for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
			for _, s := range list {
				for _, l := range s.Lines {
					if l.AdjustsPeriod == "" {
						continue
					}
					if extra[l.AdjustsPeriod] == nil {
						extra[l.AdjustsPeriod] = map[tandem.CompPayee][]tandem.CompLine{}
					}
					key := tandem.CompPayee{Kind: s.PayeeKind, ID: s.PayeeID}
					extra[l.AdjustsPeriod][key] = append(extra[l.AdjustsPeriod][key], l)
				}
			}
		}
	}
	perPeriod := make([][]tandem.CompLine, len(closed))
	err = inParallel(len(closed), func(i int) error {
		cp := closed[i]
		res := paid[cp.ID]
		base := &tandem.CompResult{PlanVersion: res.PlanVersion, Period: res.Period, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{}}
		seen := map[tandem.CompPayee]bool{}
		for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
			for _, s := range list {
				key := tandem.CompPayee{Kind: s.PayeeKind, ID: s.PayeeID}
				seen[key] = true
				own, err := stripAdjustments(s, extra[cp.ID][key]...)
				if err != nil {
					return err
				}
				addStatement(base, own)
			}
		}
		for key, lines := range extra[cp.ID] {
			if seen[key] {
				continue
			}
			s, err := stripAdjustments(tandem.CompStatement{Period: cp.ID, PayeeKind: key.Kind, PayeeID: key.ID}, lines...)
			if err != nil {
				return err
			}
			addStatement(base, s)
		}
		period, err := tandem.ParseQuarter(cp.ID)
		if err != nil {
			return fmt.Errorf("closed period %s: %w", cp.ID, err)
		}
		in, err := readInput(ctx, st, plans[cp.ID], period, payee)
		if err != nil {
			return err
		}
		now, err := comp.Calculate(plans[cp.ID], *in)
		if err != nil {
			return fmt.Errorf("recalculate closed period %s: %w", cp.ID, err)
		}
		if payee != nil {
			now = onlyPayee(now, *payee)
		}
		adj, err := comp.Adjust(base, now, p)
		if err != nil {
			return fmt.Errorf("adjust closed period %s: %w", cp.ID, err)
		}
		perPeriod[i] = adj
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []tandem.CompLine
	for _, adj := range perPeriod {
		out = append(out, adj...)
	}
	return out, nil
}

// inParallel runs fn(0) … fn(n-1), as many at once as Go has processors, and returns the error of
// the lowest i that failed, so the error does not depend on scheduling.
func inParallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ClosePeriod freezes period id (revops only): its input, the adjustments that land in it, the plan
// version in force at its start with the plan's source, the result and the result's SHA-256, plus one
// row per statement; and audits the close. The calculation runs first; the store then writes it all
// in one transaction after checking again, under a lock, that the period may still close.
// ECONFLICT, changing nothing, when the period is closed already, has not ended, or is not the
// quarter after the latest closed period.
func ClosePeriod(ctx context.Context, st Store, actor tandem.Actor, id string) (*tandem.CompPeriod, error) {
	if err := tandem.RequireCompAdmin(actor, "comp period", id, "close periods"); err != nil {
		return nil, err
	}
	p, err := tandem.ParseCompPeriod(id)
	if err != nil {
		return nil, err
	}
	closed, err := st.ClosedCompPeriods(ctx)
	if err != nil {
		return nil, err
	}
	if err := tandem.MayClosePeriod(p, closed, st.Now()); err != nil {
		return nil, err
	}

	run, err := live(ctx, st, nil, p, nil, true, "close period "+p.ID)
	if err != nil {
		return nil, err
	}
	plan, version, in, res, adj := run.plan, run.version, run.in, run.res, run.adj
	if adj == nil {
		adj = []tandem.CompLine{}
	}
	resultDoc, err := comp.MarshalResult(res)
	if err != nil {
		return nil, fmt.Errorf("close period %s: %w", p.ID, err)
	}
	inputDoc, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("close period %s: freeze input: %w", p.ID, err)
	}
	adjDoc, err := json.Marshal(adj)
	if err != nil {
		return nil, fmt.Errorf("close period %s: freeze adjustments: %w", p.ID, err)
	}
	sum := sha256.Sum256(resultDoc)
	c := &tandem.CompPeriodClose{
		Frozen: tandem.FrozenCompPeriod{
			CompPeriod: tandem.CompPeriod{ID: p.ID, Start: p.Start, End: p.End, Status: tandem.PeriodClosed, ClosedBy: actor.UserID,
				PlanVersion: plan.Version(), ResultSHA256: hex.EncodeToString(sum[:])},
			PlanSource: string(plan.Source()), Input: string(inputDoc), Adjustments: string(adjDoc), Result: string(resultDoc),
		},
		Statements:   append(append(make([]tandem.CompStatement, 0, len(res.AEs)+len(res.Partners)), res.AEs...), res.Partners...),
		Deals:        len(in.Deals),
		Adjustments:  len(adj),
		ClosedBefore: len(closed),
	}
	if version != nil {
		c.Frozen.PlanVersionID, c.Frozen.PlanSource = version.ID, version.Source
	}
	return st.StoreClosedPeriod(ctx, actor, c)
}

// ReproduceClosedPeriod recalculates closed period id from its frozen input, frozen adjustments and
// frozen plan source, and returns the bytes it produced and the frozen bytes; they are equal unless
// something is badly wrong. Revops and executives only.
func ReproduceClosedPeriod(ctx context.Context, st Store, actor tandem.Actor, id string) (reproduced, frozen []byte, err error) {
	if _, err := periodForAll(actor, "comp period", id, "reproduce periods"); err != nil {
		return nil, nil, err
	}
	f, err := st.FrozenCompPeriod(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	in, plan, err := frozenInput(f)
	if err != nil {
		return nil, nil, err
	}
	var adj []tandem.CompLine
	if err := json.Unmarshal([]byte(f.Adjustments), &adj); err != nil {
		return nil, nil, fmt.Errorf("frozen adjustments of period %s: %w", id, err)
	}
	res, err := comp.Calculate(plan, *in)
	if err != nil {
		return nil, nil, fmt.Errorf("reproduce period %s: %w", id, err)
	}
	if len(adj) > 0 {
		if err := comp.WithAdjustments(res, adj); err != nil {
			return nil, nil, fmt.Errorf("reproduce period %s: %w", id, err)
		}
	}
	out, err := comp.MarshalResult(res)
	if err != nil {
		return nil, nil, err
	}
	return out, []byte(f.Result), nil
}
