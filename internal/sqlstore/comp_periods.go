package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Compensation periods: the records of periods and what closing froze (see internal/compensation for
// the workflow). A trigger in each dialect refuses any later UPDATE or DELETE of a closed period's row.

// Period statuses and records, named here as the store's callers knew them.
const (
	PeriodOpen   = tandem.PeriodOpen
	PeriodClosed = tandem.PeriodClosed
)

// CompPeriod is a compensation period and, once closed, what froze it.
type CompPeriod = tandem.CompPeriod

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
	return queryAll(ctx, q, "closed periods", `SELECT `+compPeriodColumns+` FROM comp_periods WHERE status = 'closed' ORDER BY starts_at`,
		nil, scanCompPeriod)
}

// ClosedCompPeriods returns the closed periods, oldest first, without their frozen documents.
func (s *Store) ClosedCompPeriods(ctx context.Context) ([]CompPeriod, error) {
	return closedPeriods(ctx, s.read)
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
	land := tandem.AdjustmentPeriod(closed)
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
	p, err := tandem.ParseCompPeriod(id)
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
			AdjustmentsLand: tandem.AdjustmentPeriod(closed) == p.ID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get period %s: %w", p.ID, err)
	}
	return &cp, nil
}

// FrozenCompPeriod returns closed period id with its frozen documents; ENOTFOUND when it is not closed.
func (s *Store) FrozenCompPeriod(ctx context.Context, id string) (*tandem.FrozenCompPeriod, error) {
	var f tandem.FrozenCompPeriod
	err := s.read.QueryRowContext(ctx, `SELECT `+compPeriodColumns+`, plan_source, frozen_input, frozen_adjustments, frozen_result
		FROM comp_periods WHERE id = $1 AND status = 'closed'`, id).Scan(&f.ID, &f.Status, timeCol{&f.Start}, timeCol{&f.End},
		timeCol{&f.ClosedAt}, idCol{&f.ClosedBy}, idCol{&f.PlanVersionID}, &f.PlanVersion, &f.ResultSHA256,
		&f.PlanSource, &f.Input, &f.Adjustments, &f.Result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENOTFOUND, "period %s is not closed", id)
	}
	if err != nil {
		return nil, fmt.Errorf("frozen period %s: %w", id, err)
	}
	return &f, nil
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

// FrozenCompPlanSource returns the plan source frozen with closed period id; ENOTFOUND when it is not
// closed.
func (s *Store) FrozenCompPlanSource(ctx context.Context, id string) (string, error) {
	return frozenColumn(ctx, s.read, id, "plan_source")
}

// FrozenCompResult returns the result frozen with closed period id (canonical JSON); ENOTFOUND when it
// is not closed.
func (s *Store) FrozenCompResult(ctx context.Context, id string) ([]byte, error) {
	doc, err := frozenColumn(ctx, s.read, id, "frozen_result")
	return []byte(doc), err
}

// FrozenCompStatement returns payee's frozen statement of closed period id; ok is false when it had none.
func (s *Store) FrozenCompStatement(ctx context.Context, id string, payee tandem.CompPayee) (tandem.CompStatement, bool, error) {
	var st tandem.CompStatement
	var doc string
	err := s.read.QueryRowContext(ctx, `SELECT statement FROM comp_period_statements WHERE period = $1 AND payee_kind = $2
		AND payee_id = $3`, id, string(payee.Kind), payee.ID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("frozen statement %s %s %d: %w", id, payee.Kind, payee.ID, err)
	}
	if err := json.Unmarshal([]byte(doc), &st); err != nil {
		return st, false, fmt.Errorf("frozen statement %s %s %d: %w", id, payee.Kind, payee.ID, err)
	}
	return st, true, nil
}

// CompStatementAEs returns those of ids who have an AE statement in period p, by id: AEs, and owners
// of deals won in p.
func (s *Store) CompStatementAEs(ctx context.Context, p tandem.CompQuarter, ids []int64) ([]int64, error) {
	cond, arg := s.inInts("id", 1, ids)
	return queryAll(ctx, s.read, "list statements", `SELECT id FROM users WHERE `+cond+` AND (role = 'ae' OR id IN
		(SELECT owner_id FROM opportunities WHERE stage = 'closed_won' AND close_date >= $2 AND close_date < $3))
		ORDER BY id`, []any{arg, p.Start.UnixMicro(), p.End.UnixMicro()}, scanOne[int64])
}

// StoreClosedPeriod writes the close c of a period calculated by its caller (internal/compensation):
// the period row with its frozen documents, one row per statement and the audit entry, in one
// transaction. The checks the caller ran came before the calculation and a concurrent close may have
// landed since, so they run again under a lock that serialises closers (SQLite has a single writer
// already): ECONFLICT, writing nothing, when the period may no longer close or the closed periods
// changed (c.ClosedBefore), as the adjustments were calculated against the old ones. Revops only.
func (s *Store) StoreClosedPeriod(ctx context.Context, actor tandem.Actor, c *tandem.CompPeriodClose) (*CompPeriod, error) {
	if err := tandem.RequireCompAdmin(actor, "comp period", c.Frozen.ID, "close periods"); err != nil {
		return nil, err
	}
	f := c.Frozen
	p, err := tandem.ParseCompPeriod(f.ID)
	if err != nil {
		return nil, err
	}
	cp := f.CompPeriod
	cp.Start, cp.End, cp.Status, cp.ClosedBy = p.Start, p.End, PeriodClosed, actor.UserID
	if s.beforeCloseTx != nil {
		s.beforeCloseTx(p.ID)
	}
	err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if !s.dialect.oneWriter() {
			if _, err := tx.ExecContext(ctx, `LOCK TABLE comp_periods IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("close period %s: lock: %w", p.ID, err)
			}
		}
		current, err := closedPeriods(ctx, tx)
		if err != nil {
			return err
		}
		if err := tandem.MayClosePeriod(p, current, now); err != nil {
			return err
		}
		if len(current) != c.ClosedBefore {
			return tandem.Errorf(tandem.ECONFLICT, "period %s: another period closed while it was being calculated; try again", p.ID)
		}
		cp.ClosedAt = now
		_, err = tx.ExecContext(ctx, `INSERT INTO comp_periods (id, status, starts_at, ends_at, closed_at, closed_by,
			plan_version_id, plan_version, plan_source, frozen_input, frozen_adjustments, frozen_result, result_sha256)
			VALUES ($1, 'closed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.ID, p.Start.UnixMicro(), p.End.UnixMicro(), now.UnixMicro(), dbID(actor.UserID), dbID(cp.PlanVersionID),
			cp.PlanVersion, f.PlanSource, f.Input, f.Adjustments, f.Result, cp.ResultSHA256)
		if err != nil {
			if tandem.ErrorCode(s.mapErr(err, "period "+p.ID)) == tandem.ECONFLICT {
				return tandem.Errorf(tandem.ECONFLICT, "period %s is closed already; a closed period never changes", p.ID)
			}
			return fmt.Errorf("close period %s: %w", p.ID, err)
		}
		var total tandem.Money
		for _, st := range c.Statements {
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
		return appendAuditTx(ctx, tx, now, actor, "comp.period.close", "comp_period", p.ID, map[string]any{
			"plan_version": cp.PlanVersion, "result_sha256": cp.ResultSHA256, "deals": c.Deals,
			"statements": len(c.Statements), "adjustments": c.Adjustments, "total": total})
	})
	if err != nil {
		return nil, err
	}
	return &cp, nil
}

// CompDataVersion returns a fingerprint of what an open period's statements and gross profit are
// calculated from, for compensation.Cache: the audit log's last entry (plans, periods, quotas, users,
// partners, accounts, the catalogue, registration decisions, conflict resolutions and imports are all
// audited), the deals' count, last change, total ACV and won count, the flagged deals' count and id sum
// (the conflict engine flags cannibalisation with neither an audit entry nor a new updated_at), the
// quotas' count, sum and last change, the resolved conflicts, the registrations and the closed
// periods. Equal fingerprints mean equal inputs. Every part reads an index or a small table.
func (s *Store) CompDataVersion(ctx context.Context) (string, error) {
	var audit, deals, changed, acv, won, flagged, flaggedIDs, quotas, quotaSum, quotaChanged, resolved, regs, closed int64
	err := s.read.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT max(id) FROM audit_log), 0),
		(SELECT count(*) FROM opportunities),
		COALESCE((SELECT max(updated_at) FROM opportunities), 0),
		COALESCE((SELECT sum(acv) FROM opportunities), 0),
		(SELECT count(*) FROM opportunities WHERE stage = 'closed_won'),
		(SELECT count(*) FROM opportunities WHERE cannibalisation_flag),
		COALESCE((SELECT sum(id) FROM opportunities WHERE cannibalisation_flag), 0),
		(SELECT count(*) FROM comp_quotas),
		COALESCE((SELECT sum(amount) FROM comp_quotas), 0),
		COALESCE((SELECT max(updated_at) FROM comp_quotas), 0),
		(SELECT count(*) FROM conflicts WHERE status = 'resolved'),
		(SELECT count(*) FROM registrations),
		(SELECT count(*) FROM comp_periods WHERE status = 'closed')`).
		Scan(&audit, &deals, &changed, &acv, &won, &flagged, &flaggedIDs, &quotas, &quotaSum, &quotaChanged, &resolved, &regs, &closed)
	if err != nil {
		return "", fmt.Errorf("comp data version: %w", err)
	}
	return fmt.Sprintf("a%d.d%d.u%d.v%d.w%d.f%d.%d.q%d.%d.%d.r%d.g%d.p%d", audit, deals, changed, acv, won, flagged, flaggedIDs,
		quotas, quotaSum, quotaChanged, resolved, regs, closed), nil
}
