package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Compensation plan versions: the stored records (see internal/compensation for the workflow and how
// the plan in force on a day is chosen).

// CompPlanVersion is one stored version of the compensation plan.
type CompPlanVersion = tandem.CompPlanVersion

// CompQuota is an AE's quota for one period, in minor units of the plan currency.
type CompQuota struct {
	UserID int64        `json:"user_id"`
	Period string       `json:"period" doc:"a quarter such as 2026-Q3"`
	Amount tandem.Money `json:"amount" doc:"minor units of the plan currency"`
}

const compPlanColumns = `id, name, version, effective_from, status, source, created_at, created_by, published_at, published_by`

func scanCompPlan(scan func(...any) error) (CompPlanVersion, error) {
	var p CompPlanVersion
	err := scan(&p.ID, &p.Name, &p.Version, timeCol{&p.EffectiveFrom}, &p.Status, &p.Source, timeCol{&p.CreatedAt},
		idCol{&p.CreatedBy}, timeCol{&p.PublishedAt}, idCol{&p.PublishedBy})
	return p, err
}

// InsertCompPlanDraft stores v as a draft, stamping its id and creation, and audits it. Revops only;
// ECONFLICT when its name and version exist.
func (s *Store) InsertCompPlanDraft(ctx context.Context, actor tandem.Actor, v *CompPlanVersion) error {
	if err := tandem.RequireCompAdmin(actor, "comp plan version", "new", "write compensation plans"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		v.Status, v.CreatedAt, v.CreatedBy = tandem.PolicyDraft, now, actor.UserID
		err := tx.QueryRowContext(ctx, `INSERT INTO comp_plan_versions (name, version, effective_from, status, source,
			created_at, created_by) VALUES ($1, $2, $3, 'draft', $4, $5, $6) RETURNING id`,
			v.Name, v.Version, dbTime(v.EffectiveFrom), v.Source, now.UnixMicro(), dbID(actor.UserID)).Scan(&v.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create comp plan version: %w", err), "comp plan "+v.Name+" version "+v.Version)
		}
		return appendAuditTx(ctx, tx, now, actor, "comp.plan.create", "comp_plan_version", idString(v.ID),
			map[string]any{"name": v.Name, "version": v.Version, "effective_from": v.EffectiveFrom})
	})
}

// GetCompPlanVersion returns a plan version; partner users see published and superseded ones only.
func (s *Store) GetCompPlanVersion(ctx context.Context, actor tandem.Actor, id int64) (*CompPlanVersion, error) {
	return getCompPlan(ctx, s.read, actor, id)
}

func getCompPlan(ctx context.Context, q querier, actor tandem.Actor, id int64) (*CompPlanVersion, error) {
	var w where
	w.add("id = ?", id)
	if actor.IsPartner() {
		w.add("status <> 'draft'")
	}
	return getOne(ctx, q, "comp plan version", id, `SELECT `+compPlanColumns+` FROM comp_plan_versions`+w.sql(), w.args, scanCompPlan)
}

// ListCompPlanVersions returns every version actor may see, newest first.
func (s *Store) ListCompPlanVersions(ctx context.Context, actor tandem.Actor) ([]CompPlanVersion, error) {
	q := `SELECT ` + compPlanColumns + ` FROM comp_plan_versions`
	if actor.IsPartner() {
		q += ` WHERE status <> 'draft'`
	}
	out, err := queryAll(ctx, s.read, "list comp plan versions", q+` ORDER BY id DESC`, nil, scanCompPlan)
	return orEmpty(out), err
}

// PublishCompPlanVersion publishes draft id and supersedes the version published before it, in one
// transaction that first runs check on the draft (the compensation workflow parses and checks the
// plan): check's error refuses the publish and changes nothing. Publishing anything but a draft is
// ECONFLICT and changes nothing. Revops only.
func (s *Store) PublishCompPlanVersion(ctx context.Context, actor tandem.Actor, id int64, check func(*CompPlanVersion) error) (*CompPlanVersion, error) {
	if err := tandem.RequireCompAdmin(actor, "comp plan version", id, "publish compensation plans"); err != nil {
		return nil, err
	}
	var out *CompPlanVersion
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		p, err := getCompPlan(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if p.Status != tandem.PolicyDraft {
			return tandem.Errorf(tandem.ECONFLICT, "comp plan version %s is %s; only a draft can be published", p.Version, p.Status)
		}
		if err := check(p); err != nil {
			return err
		}
		superseded, err := publishVersionTx(ctx, tx, now, actor, "comp_plan_versions", "comp plan", id, p.Version)
		if err != nil {
			return err
		}
		p.Status, p.PublishedAt, p.PublishedBy = tandem.PolicyPublished, now, actor.UserID
		out = p
		return appendAuditTx(ctx, tx, now, actor, "comp.plan.publish", "comp_plan_version", idString(id),
			map[string]any{"name": p.Name, "version": p.Version, "effective_from": p.EffectiveFrom, "superseded": superseded})
	})
	return out, err
}

// CompPlanVersionAt returns the plan version in force at t: the published or superseded version with
// the latest effective date on or before t (the later published among equals). ENOTFOUND when none is.
func (s *Store) CompPlanVersionAt(ctx context.Context, t time.Time) (*CompPlanVersion, error) {
	v, err := scanCompPlan(s.read.QueryRowContext(ctx, `SELECT `+compPlanColumns+` FROM comp_plan_versions
		WHERE status <> 'draft' AND COALESCE(effective_from, 0) <= $1
		ORDER BY COALESCE(effective_from, 0) DESC, published_at DESC, id DESC LIMIT 1`, t.UnixMicro()).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.Errorf(tandem.ENOTFOUND, "no comp plan version is in force at %s", t.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("comp plan in force at %s: %w", t.Format(time.DateOnly), err)
	}
	return &v, nil
}

// UpsertCompQuotas sets AEs' quotas, each for one period, in one transaction: all or nothing. Revops
// only. EINVALID for a bad period, a negative amount or a user who is not an AE; ECONFLICT for a
// closed period (its quotas are frozen with it).
func (s *Store) UpsertCompQuotas(ctx context.Context, actor tandem.Actor, quotas []CompQuota) error {
	if err := tandem.RequireCompAdmin(actor, "comp quota", "", "set quotas"); err != nil {
		return err
	}
	for i, q := range quotas {
		p, err := tandem.ParseQuarter(q.Period)
		if err != nil {
			return tandem.FieldError(fmt.Sprintf("quotas[%d].period", i), "%q is not a quarter like 2026Q3", q.Period)
		}
		quotas[i].Period = p.ID
		if err := tandem.CheckAmount(fmt.Sprintf("quotas[%d].amount", i), q.Amount); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for i, q := range quotas {
			var role tandem.Role
			err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, q.UserID).Scan(&role)
			if errors.Is(err, sql.ErrNoRows) {
				return tandem.FieldError(fmt.Sprintf("quotas[%d].user_id", i), "user %d does not exist", q.UserID)
			}
			if err != nil {
				return fmt.Errorf("upsert quota: %w", err)
			}
			if role != tandem.RoleAE {
				return tandem.FieldError(fmt.Sprintf("quotas[%d].user_id", i), "user %d is a %s, not an AE", q.UserID, role)
			}
			if closed, err := periodClosed(ctx, tx, q.Period); err != nil {
				return err
			} else if closed {
				return tandem.Errorf(tandem.ECONFLICT, "period %s is closed; its quotas cannot change", q.Period)
			}
			var old sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT amount FROM comp_quotas WHERE user_id = $1 AND period = $2`,
				q.UserID, q.Period).Scan(&old); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("upsert quota: %w", err)
			}
			if old.Valid && old.Int64 == int64(q.Amount) {
				continue
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO comp_quotas (user_id, period, amount, updated_at, updated_by)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, period)
				DO UPDATE SET amount = excluded.amount, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				q.UserID, q.Period, int64(q.Amount), now.UnixMicro(), dbID(actor.UserID))
			if err != nil {
				return s.mapErr(fmt.Errorf("upsert quota: %w", err), "quota")
			}
			detail := map[string]any{"user_id": q.UserID, "period": q.Period, "amount": q.Amount}
			if old.Valid {
				detail["was"] = tandem.Money(old.Int64)
			}
			if err := appendAuditTx(ctx, tx, now, actor, "comp.quota.set", "comp_quota",
				q.Period+":"+idString(q.UserID), detail); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListCompQuotas returns the quotas set for period, by user id: those of the AEs whose statements
// actor may see (see comp_scope.go); none for partner users.
func (s *Store) ListCompQuotas(ctx context.Context, actor tandem.Actor, period string) ([]CompQuota, error) {
	out := []CompQuota{}
	p, err := tandem.ParseCompPeriod(period)
	if err != nil {
		return nil, err
	}
	period = p.ID
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT user_id, period, amount FROM comp_quotas WHERE period = $1 ORDER BY user_id`, period)
	if err != nil {
		return nil, fmt.Errorf("list quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var q CompQuota
		if err := rows.Scan(&q.UserID, &q.Period, &q.Amount); err != nil {
			return nil, fmt.Errorf("list quotas: %w", err)
		}
		if sc.Sees(tandem.PayeeAE, q.UserID) {
			out = append(out, q)
		}
	}
	return out, rows.Err()
}
