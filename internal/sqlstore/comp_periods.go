package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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

// Period statuses.
const (
	PeriodOpen   = "open"
	PeriodClosed = "closed"
)

// CompPeriod is a compensation period and, once closed, what froze it.
type CompPeriod struct {
	ID            string    `json:"id" doc:"a quarter such as 2026-Q3"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end" doc:"exclusive"`
	Status        string    `json:"status" enum:"open,closed"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	ClosedBy      int64     `json:"closed_by,omitempty"`
	PlanVersionID int64     `json:"plan_version_id,omitempty" doc:"the stored plan version frozen with the period; 0 for the built-in default plan"`
	PlanVersion   string    `json:"plan_version,omitempty" doc:"closed periods: the plan version frozen with the period"`
	ResultSHA256  string    `json:"result_sha256,omitempty" doc:"closed periods: SHA-256 of the frozen result's canonical JSON"`
	// AdjustmentsLand is true for the open period that receives the adjustments of closed periods.
	AdjustmentsLand bool `json:"adjustments_land,omitempty" doc:"this open period receives the adjustments and clawbacks of closed periods"`
}

const compPeriodColumns = `id, status, starts_at, ends_at, closed_at, closed_by, plan_version_id, plan_version, result_sha256`

func scanCompPeriod(scan func(...any) error) (CompPeriod, error) {
	var p CompPeriod
	err := scan(&p.ID, &p.Status, timeCol{&p.Start}, timeCol{&p.End}, timeCol{&p.ClosedAt}, idCol{&p.ClosedBy},
		idCol{&p.PlanVersionID}, &p.PlanVersion, &p.ResultSHA256)
	return p, err
}

func periodClosed(ctx context.Context, q querier, id string) (bool, error) {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM comp_periods WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("period %s: %w", id, err)
	}
	return status == PeriodClosed, nil
}

// closedPeriods returns the closed periods, oldest first, without their frozen documents.
func closedPeriods(ctx context.Context, q querier) ([]CompPeriod, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+compPeriodColumns+` FROM comp_periods WHERE status = 'closed' ORDER BY starts_at`)
	if err != nil {
		return nil, fmt.Errorf("closed periods: %w", err)
	}
	defer rows.Close()
	var out []CompPeriod
	for rows.Next() {
		p, err := scanCompPeriod(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("closed periods: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// adjustmentPeriod returns the id of the open period that receives adjustments: the quarter after the
// latest closed period ("" when none is closed).
func adjustmentPeriod(closed []CompPeriod) string {
	if len(closed) == 0 {
		return ""
	}
	return tandem.QuarterOf(closed[len(closed)-1].End).ID
}

// ListCompPeriods returns the periods, newest first: every closed one and every quarter from the first
// deal won to the current quarter. Anyone signed in may list them.
func (s *Store) ListCompPeriods(ctx context.Context, actor tandem.Actor) ([]CompPeriod, error) {
	closed, err := closedPeriods(ctx, s.read)
	if err != nil {
		return nil, err
	}
	byID := map[string]CompPeriod{}
	for _, p := range closed {
		byID[p.ID] = p
	}
	var first, last sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT min(close_date), max(close_date) FROM opportunities
		WHERE stage = 'closed_won' AND close_date IS NOT NULL`).Scan(&first, &last); err != nil {
		return nil, fmt.Errorf("list periods: %w", err)
	}
	now := tandem.QuarterOf(s.clock())
	from, to := now, now
	if first.Valid {
		if q := tandem.QuarterOf(time.UnixMicro(first.Int64).UTC()); q.Start.Before(from.Start) {
			from = q
		}
		if q := tandem.QuarterOf(time.UnixMicro(last.Int64).UTC()); q.Start.After(to.Start) {
			to = q
		}
	}
	// Bound the walk: a stray date decades away should not list a hundred empty quarters.
	if limit := now.Start.AddDate(-10, 0, 0); from.Start.Before(limit) {
		from = tandem.QuarterOf(limit)
	}
	if limit := now.Start.AddDate(2, 0, 0); to.Start.After(limit) {
		to = tandem.QuarterOf(limit)
	}
	for q := from; !q.Start.After(to.Start); q = tandem.QuarterOf(q.End) {
		if _, ok := byID[q.ID]; !ok {
			byID[q.ID] = CompPeriod{ID: q.ID, Start: q.Start, End: q.End, Status: PeriodOpen}
		}
	}
	land := adjustmentPeriod(closed)
	out := make([]CompPeriod, 0, len(byID))
	for _, p := range byID {
		p.AdjustmentsLand = p.ID == land && p.Status == PeriodOpen
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b CompPeriod) int { return b.Start.Compare(a.Start) })
	return out, nil
}

// GetCompPeriod returns period id, open or closed. EINVALID for a malformed id.
func (s *Store) GetCompPeriod(ctx context.Context, actor tandem.Actor, id string) (*CompPeriod, error) {
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	return getCompPeriod(ctx, s.read, p)
}

func getCompPeriod(ctx context.Context, q querier, p tandem.CompQuarter) (*CompPeriod, error) {
	cp, err := scanCompPeriod(q.QueryRowContext(ctx, `SELECT `+compPeriodColumns+` FROM comp_periods WHERE id = $1`, p.ID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		closed, err := closedPeriods(ctx, q)
		if err != nil {
			return nil, err
		}
		return &CompPeriod{ID: p.ID, Start: p.Start, End: p.End, Status: PeriodOpen,
			AdjustmentsLand: adjustmentPeriod(closed) == p.ID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get period %s: %w", p.ID, err)
	}
	return &cp, nil
}

// frozenPeriod is a closed period's frozen documents.
type frozenPeriod struct {
	CompPeriod
	planSource  string
	input       string
	adjustments string
	result      string
}

func loadFrozen(ctx context.Context, q querier, id string) (*frozenPeriod, error) {
	var f frozenPeriod
	err := q.QueryRowContext(ctx, `SELECT `+compPeriodColumns+`, plan_source, frozen_input, frozen_adjustments, frozen_result
		FROM comp_periods WHERE id = $1 AND status = 'closed'`, id).Scan(&f.ID, &f.Status, timeCol{&f.Start}, timeCol{&f.End},
		timeCol{&f.ClosedAt}, idCol{&f.ClosedBy}, idCol{&f.PlanVersionID}, &f.PlanVersion, &f.ResultSHA256,
		&f.planSource, &f.input, &f.adjustments, &f.result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENOTFOUND, "period %s is not closed", id)
	}
	if err != nil {
		return nil, fmt.Errorf("frozen period %s: %w", id, err)
	}
	return &f, nil
}

func (f *frozenPeriod) plan() (*comp.Plan, error) {
	return parseFrozenPlan(f.ID, f.planSource)
}

// inputAndPlan decodes the frozen input and plan.
func (f *frozenPeriod) inputAndPlan() (*tandem.CompInput, *comp.Plan, error) {
	plan, err := f.plan()
	if err != nil {
		return nil, nil, err
	}
	var in tandem.CompInput
	if err := json.Unmarshal([]byte(f.input), &in); err != nil {
		return nil, nil, fmt.Errorf("frozen input of period %s: %w", f.ID, err)
	}
	return &in, plan, nil
}

func parseFrozenPlan(id, source string) (*comp.Plan, error) {
	p, err := comp.Parse("period "+id+" plan", []byte(source))
	if err != nil {
		return nil, fmt.Errorf("frozen plan of period %s: %w", id, err)
	}
	return p, nil
}

// frozenColumn reads one frozen document column of closed period id, so a page that needs only the
// plan or the result does not read the whole frozen input (a quarter's deals) as well.
func frozenColumn(ctx context.Context, q querier, id, column string) (string, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT `+column+` FROM comp_periods WHERE id = $1 AND status = 'closed'`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", tandem.Errorf(tandem.ENOTFOUND, "period %s is not closed", id)
	}
	if err != nil {
		return "", fmt.Errorf("frozen period %s: %s: %w", id, column, err)
	}
	return doc, nil
}

// frozenPlan returns closed period id's frozen plan, reading only its source.
func frozenPlan(ctx context.Context, q querier, id string) (*comp.Plan, error) {
	source, err := frozenColumn(ctx, q, id, "plan_source")
	if err != nil {
		return nil, err
	}
	return parseFrozenPlan(id, source)
}

// frozenResult returns closed period id's frozen result, reading only that document.
func frozenResult(ctx context.Context, q querier, id string) (*tandem.CompResult, error) {
	doc, err := frozenColumn(ctx, q, id, "frozen_result")
	if err != nil {
		return nil, err
	}
	res, err := comp.UnmarshalResult([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("frozen result of period %s: %w", id, err)
	}
	return res, nil
}

// frozenStatement returns payee's frozen statement of closed period id; ok is false when it had none.
func frozenStatement(ctx context.Context, q querier, id string, payee payeeRef) (tandem.CompStatement, bool, error) {
	var st tandem.CompStatement
	var doc string
	err := q.QueryRowContext(ctx, `SELECT statement FROM comp_period_statements WHERE period = $1 AND payee_kind = $2
		AND payee_id = $3`, id, string(payee.kind), payee.id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("frozen statement %s %s %d: %w", id, payee.kind, payee.id, err)
	}
	if err := json.Unmarshal([]byte(doc), &st); err != nil {
		return st, false, fmt.Errorf("frozen statement %s %s %d: %w", id, payee.kind, payee.id, err)
	}
	return st, true, nil
}

// periodResult returns period p's result (only payee's statement when payee is set): the frozen one
// for a closed period, else calculated now with the adjustments that land in it.
func (s *Store) periodResult(ctx context.Context, p tandem.CompQuarter, payee *payeeRef) (*tandem.CompResult, error) {
	cp, err := getCompPeriod(ctx, s.read, p)
	if err != nil {
		return nil, err
	}
	if cp.Status == PeriodClosed {
		if payee == nil {
			return frozenResult(ctx, s.read, p.ID)
		}
		res := &tandem.CompResult{PlanVersion: cp.PlanVersion, Period: p.ID, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{},
			Profit: []tandem.DealProfit{}}
		st, ok, err := frozenStatement(ctx, s.read, p.ID, *payee)
		if err != nil || !ok {
			return res, err
		}
		addStatement(res, st)
		return res, nil
	}
	plan, _, err := compPlanAt(ctx, s.read, p.Start)
	if err != nil {
		return nil, err
	}
	in, err := s.readInput(ctx, plan, p, payee)
	if err != nil {
		return nil, err
	}
	res, err := comp.Calculate(plan, *in)
	if err != nil {
		return nil, fmt.Errorf("calculate period %s: %w", p.ID, err)
	}
	if payee != nil {
		res = onlyPayee(res, *payee)
	}
	if cp.AdjustmentsLand {
		adj, err := s.adjustments(ctx, p, payee)
		if err != nil {
			return nil, err
		}
		if len(adj) > 0 {
			if err := comp.WithAdjustments(res, adj); err != nil {
				return nil, fmt.Errorf("period %s: adjustments: %w", p.ID, err)
			}
		}
	}
	return res, nil
}

// readInput reads the input of period p (of one payee when payee is set; see buildInput). A whole
// period on SQLite is read on a connection of its own that gives its page cache back afterwards:
// reading a quarter of a million deals pulls most of the database into the connection's cache (up to
// 256 MiB), which would otherwise stay resident while the calculation needs the memory.
func (s *Store) readInput(ctx context.Context, plan *comp.Plan, p tandem.CompQuarter, payee *payeeRef) (*tandem.CompInput, error) {
	if payee != nil || !s.dialect.oneWriter() {
		return s.buildInput(ctx, s.read, plan, p, payee)
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("comp input %s: %w", p.ID, err)
	}
	defer conn.Close()
	in, err := s.buildInput(ctx, conn, plan, p, nil)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA shrink_memory`); err != nil {
		return nil, fmt.Errorf("comp input %s: release the page cache: %w", p.ID, err)
	}
	return in, nil
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
func onlyPayee(res *tandem.CompResult, payee payeeRef) *tandem.CompResult {
	out := &tandem.CompResult{PlanVersion: res.PlanVersion, Period: res.Period, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{},
		Profit: []tandem.DealProfit{}}
	list := res.Partners
	if payee.kind == tandem.PayeeAE {
		list = res.AEs
	}
	for _, st := range list {
		if st.PayeeID == payee.id {
			addStatement(out, st)
		}
	}
	return out
}

// stripAdjustments returns st without the adjustment lines it paid for earlier periods: what it paid
// for its own period's deals.
func stripAdjustments(st tandem.CompStatement) tandem.CompStatement {
	out := st
	out.Lines = make([]tandem.CompLine, 0, len(st.Lines))
	out.Total = 0
	for _, l := range st.Lines {
		if l.AdjustsPeriod != "" {
			continue
		}
		out.Lines = append(out.Lines, l)
		out.Total += l.Amount
	}
	return out
}

// adjustments returns the adjustment and clawback lines that land in open period p (one payee's when
// payee is set): for every closed period, the difference between what it should pay now, recalculated
// from current records under its frozen plan, and what it paid.
func (s *Store) adjustments(ctx context.Context, p tandem.CompQuarter, payee *payeeRef) ([]tandem.CompLine, error) {
	closed, err := closedPeriods(ctx, s.read)
	if err != nil || adjustmentPeriod(closed) != p.ID {
		return nil, err
	}
	// paid[period] is what each closed period paid for its own deals; later closed periods' adjustment
	// lines for it are added to it below.
	paid := make(map[string]*tandem.CompResult, len(closed))
	plans := make(map[string]*comp.Plan, len(closed))
	for _, cp := range closed {
		if plans[cp.ID], err = frozenPlan(ctx, s.read, cp.ID); err != nil {
			return nil, err
		}
		var frozen *tandem.CompResult
		if payee == nil {
			if frozen, err = frozenResult(ctx, s.read, cp.ID); err != nil {
				return nil, err
			}
		} else {
			frozen = &tandem.CompResult{PlanVersion: cp.PlanVersion, Period: cp.ID}
			st, ok, err := frozenStatement(ctx, s.read, cp.ID, *payee)
			if err != nil {
				return nil, err
			}
			if ok {
				addStatement(frozen, st)
			}
		}
		paid[cp.ID] = frozen
	}
	// Adjustment lines paid in a closed period belong to the period they adjust.
	extra := map[string]map[payeeRef][]tandem.CompLine{}
	for _, res := range paid {
		for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
			for _, st := range list {
				for _, l := range st.Lines {
					if l.AdjustsPeriod == "" {
						continue
					}
					if extra[l.AdjustsPeriod] == nil {
						extra[l.AdjustsPeriod] = map[payeeRef][]tandem.CompLine{}
					}
					key := payeeRef{st.PayeeKind, st.PayeeID}
					extra[l.AdjustsPeriod][key] = append(extra[l.AdjustsPeriod][key], l)
				}
			}
		}
	}
	var out []tandem.CompLine
	for _, cp := range closed {
		res := paid[cp.ID]
		base := &tandem.CompResult{PlanVersion: res.PlanVersion, Period: res.Period, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{}}
		seen := map[payeeRef]bool{}
		for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
			for _, st := range list {
				key := payeeRef{st.PayeeKind, st.PayeeID}
				seen[key] = true
				own := stripAdjustments(st)
				for _, l := range extra[cp.ID][key] {
					own.Lines = append(own.Lines, l)
					own.Total += l.Amount
				}
				addStatement(base, own)
			}
		}
		for key, lines := range extra[cp.ID] {
			if seen[key] {
				continue
			}
			st := tandem.CompStatement{Period: cp.ID, PayeeKind: key.kind, PayeeID: key.id, Lines: lines}
			for _, l := range lines {
				st.Total += l.Amount
			}
			addStatement(base, st)
		}
		period, err := tandem.ParseQuarter(cp.ID)
		if err != nil {
			return nil, fmt.Errorf("closed period %s: %w", cp.ID, err)
		}
		in, err := s.readInput(ctx, plans[cp.ID], period, payee)
		if err != nil {
			return nil, err
		}
		now, err := comp.Calculate(plans[cp.ID], *in)
		if err != nil {
			return nil, fmt.Errorf("recalculate closed period %s: %w", cp.ID, err)
		}
		if payee != nil {
			now = onlyPayee(now, *payee)
		}
		out = append(out, comp.Adjust(base, now, p)...)
	}
	return out, nil
}

// CalculatePeriod returns the whole result of period id: the frozen result of a closed period, or the
// live calculation of an open one under the plan in force at its start, with the adjustments that land
// in it. Revops and executives only (EFORBIDDEN; ENOTFOUND for partner users).
func (s *Store) CalculatePeriod(ctx context.Context, actor tandem.Actor, id string) (*tandem.CompResult, error) {
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	if !compSeesAll(actor) {
		return nil, forbiddenOrHidden(actor, "comp period", id, "read every statement")
	}
	return s.periodResult(ctx, p, nil)
}

// ListCompStatements returns the statements of period id that actor may see (see comp_scope.go):
// everything for revops and executives, otherwise each visible payee's statement calculated from that
// payee's deals alone. Profit is filled only for those who see everything.
func (s *Store) ListCompStatements(ctx context.Context, actor tandem.Actor, id string) (*tandem.CompResult, error) {
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if sc.all {
		return s.periodResult(ctx, p, nil)
	}
	out := &tandem.CompResult{Period: p.ID, AEs: []tandem.CompStatement{}, Partners: []tandem.CompStatement{}, Profit: []tandem.DealProfit{}}
	var payees []payeeRef
	if len(sc.aes) > 0 {
		ids := make([]int64, 0, len(sc.aes))
		for id := range sc.aes {
			ids = append(ids, id)
		}
		// Only AEs (and owners of deals) have AE statements: skip the managers' own ids when they sell nothing.
		cond, arg := s.inInts("id", 1, ids)
		rows, err := s.read.QueryContext(ctx, `SELECT id FROM users WHERE `+cond+` AND (role = 'ae' OR id IN
			(SELECT owner_id FROM opportunities WHERE stage = 'closed_won' AND close_date >= $2 AND close_date < $3))
			ORDER BY id`, arg, p.Start.UnixMicro(), p.End.UnixMicro())
		if err != nil {
			return nil, fmt.Errorf("list statements: %w", err)
		}
		for rows.Next() {
			var uid int64
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return nil, fmt.Errorf("list statements: %w", err)
			}
			payees = append(payees, payeeRef{tandem.PayeeAE, uid})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("list statements: %w", err)
		}
	}
	partnerIDs := make([]int64, 0, len(sc.partners))
	for id := range sc.partners {
		partnerIDs = append(partnerIDs, id)
	}
	slices.Sort(partnerIDs)
	for _, id := range partnerIDs {
		payees = append(payees, payeeRef{tandem.PayeePartner, id})
	}
	for _, payee := range payees {
		res, err := s.periodResult(ctx, p, &payee)
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
func (s *Store) PayeeStatement(ctx context.Context, actor tandem.Actor, id string, kind tandem.PayeeKind, payeeID int64) (*tandem.CompStatement, error) {
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	if kind != tandem.PayeeAE && kind != tandem.PayeePartner {
		return nil, tandem.FieldError("kind", "%q is not ae or partner", kind)
	}
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%s %d in %s", kind, payeeID, id)
	if !sc.sees(kind, payeeID) {
		return nil, tandem.NotFound("statement of", what)
	}
	res, err := s.periodResult(ctx, p, &payeeRef{kind, payeeID})
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

// ClosePeriod freezes period id (revops only): its input, the adjustments that land in it, the plan
// version in force at its start with the plan's source, the result and the result's SHA-256, plus one
// row per statement; and audits the close. ECONFLICT, changing nothing, when the period is closed
// already, has not ended, or is not the quarter after the latest closed period.
func (s *Store) ClosePeriod(ctx context.Context, actor tandem.Actor, id string) (*CompPeriod, error) {
	if err := requireCompAdmin(actor, "comp period", id, "close periods"); err != nil {
		return nil, err
	}
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	closed, err := closedPeriods(ctx, s.read)
	if err != nil {
		return nil, err
	}
	if err := mayClose(p, closed, s.clock()); err != nil {
		return nil, err
	}

	plan, version, err := compPlanAt(ctx, s.read, p.Start)
	if err != nil {
		return nil, err
	}
	in, err := s.buildInput(ctx, s.read, plan, p, nil)
	if err != nil {
		return nil, err
	}
	res, err := comp.Calculate(plan, *in)
	if err != nil {
		return nil, fmt.Errorf("close period %s: calculate: %w", p.ID, err)
	}
	adj, err := s.adjustments(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	if len(adj) > 0 {
		if err := comp.WithAdjustments(res, adj); err != nil {
			return nil, fmt.Errorf("close period %s: adjustments: %w", p.ID, err)
		}
	}
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
	cp := &CompPeriod{ID: p.ID, Start: p.Start, End: p.End, Status: PeriodClosed, ClosedBy: actor.UserID,
		PlanVersion: plan.Version(), ResultSHA256: hex.EncodeToString(sum[:])}
	source := string(plan.Source())
	if version != nil {
		cp.PlanVersionID, source = version.ID, version.Source
	}
	if s.beforeCloseTx != nil {
		s.beforeCloseTx(p.ID)
	}
	err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		// The checks above ran before the calculation; a concurrent close may have landed since. Check
		// again under a lock that serialises closers (SQLite has a single writer already) and refuse if
		// the closed periods changed, as the adjustments were calculated against the old ones.
		if !s.dialect.oneWriter() {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE comp_periods IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("close period %s: lock: %w", p.ID, err)
			}
		}
		current, err := closedPeriods(ctx, tx)
		if err != nil {
			return err
		}
		if err := mayClose(p, current, now); err != nil {
			return err
		}
		if len(current) != len(closed) {
			return tandem.Errorf(tandem.ECONFLICT, "period %s: another period closed while it was being calculated; try again", p.ID)
		}
		cp.ClosedAt = now
		_, err = tx.ExecContext(ctx, `INSERT INTO comp_periods (id, status, starts_at, ends_at, closed_at, closed_by,
			plan_version_id, plan_version, plan_source, frozen_input, frozen_adjustments, frozen_result, result_sha256)
			VALUES ($1, 'closed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.ID, p.Start.UnixMicro(), p.End.UnixMicro(), now.UnixMicro(), dbID(actor.UserID), dbID(cp.PlanVersionID),
			cp.PlanVersion, source, string(inputDoc), string(adjDoc), string(resultDoc), cp.ResultSHA256)
		if err != nil {
			if tandem.ErrorCode(s.mapErr(err, "period "+p.ID)) == tandem.ECONFLICT {
				return tandem.Errorf(tandem.ECONFLICT, "period %s is closed already; a closed period never changes", p.ID)
			}
			return fmt.Errorf("close period %s: %w", p.ID, err)
		}
		var total tandem.Money
		for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
			for _, st := range list {
				doc, err := json.Marshal(st)
				if err != nil {
					return fmt.Errorf("close period %s: freeze statement: %w", p.ID, err)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO comp_period_statements (period, payee_kind, payee_id, total, statement)
					VALUES ($1, $2, $3, $4, $5)`, p.ID, string(st.PayeeKind), st.PayeeID, int64(st.Total), string(doc)); err != nil {
					return fmt.Errorf("close period %s: freeze statement: %w", p.ID, err)
				}
				total += st.Total
			}
		}
		return appendAuditTx(ctx, tx, now, actor, "comp.period.close", "comp_period", p.ID, map[string]any{
			"plan_version": cp.PlanVersion, "result_sha256": cp.ResultSHA256, "deals": len(in.Deals),
			"statements": len(res.AEs) + len(res.Partners), "adjustments": len(adj), "total": total})
	})
	if err != nil {
		return nil, err
	}
	return cp, nil
}

// mayClose refuses (ECONFLICT) to close period p when it is closed already, has not ended at now, or
// is not the quarter after the latest of closed.
func mayClose(p tandem.CompQuarter, closed []CompPeriod, now time.Time) error {
	for _, c := range closed {
		if c.ID == p.ID {
			return tandem.Errorf(tandem.ECONFLICT, "period %s is closed already; a closed period never changes", p.ID)
		}
	}
	if now.Before(p.End) {
		return tandem.Errorf(tandem.ECONFLICT, "period %s has not ended; it can close from %s", p.ID, p.End.Format(time.DateOnly))
	}
	if next := adjustmentPeriod(closed); next != "" && next != p.ID {
		return tandem.Errorf(tandem.ECONFLICT, "periods close in order: the next period to close is %s", next)
	}
	return nil
}

// ReproduceClosedPeriod recalculates closed period id from its frozen input, frozen adjustments and
// frozen plan source, and returns the bytes it produced and the frozen bytes; they are equal unless
// something is badly wrong. Revops and executives only.
func (s *Store) ReproduceClosedPeriod(ctx context.Context, actor tandem.Actor, id string) (reproduced, frozen []byte, err error) {
	if _, err := parsePeriod(id); err != nil {
		return nil, nil, err
	}
	if !compSeesAll(actor) {
		return nil, nil, forbiddenOrHidden(actor, "comp period", id, "reproduce periods")
	}
	f, err := loadFrozen(ctx, s.read, id)
	if err != nil {
		return nil, nil, err
	}
	in, plan, err := f.inputAndPlan()
	if err != nil {
		return nil, nil, err
	}
	var adj []tandem.CompLine
	if err := json.Unmarshal([]byte(f.adjustments), &adj); err != nil {
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
	return out, []byte(f.result), nil
}

// frozenInput returns closed period id's frozen input and plan.
func frozenInput(ctx context.Context, q querier, id string) (*tandem.CompInput, *comp.Plan, error) {
	f, err := loadFrozen(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	return f.inputAndPlan()
}
