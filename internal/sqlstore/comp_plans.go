package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
)

// Compensation plan versions go draft → published → superseded, like policy versions, and are
// effective-dated: the plan in force on a day is the published or superseded version with the latest
// effective date on or before it (the later published among equals). Superseding a version does not end
// its effect on the periods it was in force for. When no version is in force on a day, the built-in
// default plan (comp.Default) applies. Drafts are internal: partner users see published versions only.

// CompPlanVersion is one stored version of the compensation plan.
type CompPlanVersion struct {
	ID            int64               `json:"id"`
	Name          string              `json:"name"`
	Version       string              `json:"version"`
	EffectiveFrom time.Time           `json:"effective_from"`
	Status        tandem.PolicyStatus `json:"status" enum:"draft,published,superseded"`
	Source        string              `json:"source" doc:"the plan YAML as written"`
	CreatedAt     time.Time           `json:"created_at"`
	CreatedBy     int64               `json:"created_by,omitempty"`
	PublishedAt   time.Time           `json:"published_at,omitzero"`
	PublishedBy   int64               `json:"published_by,omitempty"`
}

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

// compAdmin reports whether actor runs compensation (revops or admin): plans, quotas, closing periods,
// payouts, attribution runs.
func compAdmin(actor tandem.Actor) bool { return actor.Can(tandem.RoleRevOps) }

// requireCompAdmin refuses everyone but revops and admins: partner users as if the record did not exist.
func requireCompAdmin(actor tandem.Actor, kind string, id any, what string) error {
	if actor.IsPartner() {
		return tandem.NotFound(kind, id)
	}
	if !compAdmin(actor) {
		return tandem.Errorf(tandem.EFORBIDDEN, "only revops may %s", what)
	}
	return nil
}

// ParseCompPlan parses a plan source from a client into an EINVALID error on field "source" naming
// file, line, column and reason.
func ParseCompPlan(name, src string) (*comp.Plan, error) {
	if strings.TrimSpace(src) == "" {
		return nil, tandem.FieldError("source", "is required")
	}
	p, err := comp.Parse(name, []byte(src))
	if err != nil {
		return nil, &tandem.Error{Code: tandem.EINVALID, Field: "source", Message: err.Error(), Err: err}
	}
	return p, nil
}

// CreateCompPlanDraft parses src and stores it as a draft; the name, version and effective date come
// from the plan. EINVALID when it does not parse, ECONFLICT when the name and version exist, EFORBIDDEN
// for anyone but revops.
func (s *Store) CreateCompPlanDraft(ctx context.Context, actor tandem.Actor, src string) (*CompPlanVersion, error) {
	if err := requireCompAdmin(actor, "comp plan version", "new", "write compensation plans"); err != nil {
		return nil, err
	}
	plan, err := ParseCompPlan("plan.yaml", src)
	if err != nil {
		return nil, err
	}
	v := &CompPlanVersion{Name: plan.Name(), Version: plan.Version(), EffectiveFrom: plan.EffectiveFrom(),
		Status: tandem.PolicyDraft, Source: src}
	if v.Name == "" {
		v.Name = "comp"
	}
	if v.Version == "" {
		return nil, tandem.FieldError("source", "the plan has no version")
	}
	err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		v.CreatedAt, v.CreatedBy = now, actor.UserID
		err := tx.QueryRowContext(ctx, `INSERT INTO comp_plan_versions (name, version, effective_from, status, source,
			created_at, created_by) VALUES ($1, $2, $3, 'draft', $4, $5, $6) RETURNING id`,
			v.Name, v.Version, dbTime(v.EffectiveFrom), v.Source, now.UnixMicro(), dbID(actor.UserID)).Scan(&v.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create comp plan version: %w", err), "comp plan "+v.Name+" version "+v.Version)
		}
		return appendAuditTx(ctx, tx, now, actor, "comp.plan.create", "comp_plan_version", idString(v.ID),
			map[string]any{"name": v.Name, "version": v.Version, "effective_from": v.EffectiveFrom})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
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
	rows, err := s.read.QueryContext(ctx, q+` ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list comp plan versions: %w", err)
	}
	defer rows.Close()
	out := []CompPlanVersion{}
	for rows.Next() {
		p, err := scanCompPlan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list comp plan versions: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PublishCompPlanVersion publishes a draft and supersedes the version published before it. The draft
// must parse and have no error findings (EINVALID); publishing anything but a draft is ECONFLICT and
// changes nothing.
func (s *Store) PublishCompPlanVersion(ctx context.Context, actor tandem.Actor, id int64) (*CompPlanVersion, error) {
	if err := requireCompAdmin(actor, "comp plan version", id, "publish compensation plans"); err != nil {
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
		plan, err := ParseCompPlan(p.Name, p.Source)
		if err != nil {
			return err
		}
		for _, f := range comp.Check(plan) {
			if f.Severity == comp.SeverityError {
				return tandem.FieldError("source", "the plan has errors; fix them before publishing: line %d: %s", f.Line, f.Message)
			}
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

// CompPlanAt returns the plan in force at t and its stored version; the version is nil when no
// published version is in force then and the built-in default plan applies.
func (s *Store) CompPlanAt(ctx context.Context, t time.Time) (*comp.Plan, *CompPlanVersion, error) {
	return compPlanAt(ctx, s.read, t)
}

func compPlanAt(ctx context.Context, q querier, t time.Time) (*comp.Plan, *CompPlanVersion, error) {
	v, err := scanCompPlan(q.QueryRowContext(ctx, `SELECT `+compPlanColumns+` FROM comp_plan_versions
		WHERE status <> 'draft' AND COALESCE(effective_from, 0) <= $1
		ORDER BY COALESCE(effective_from, 0) DESC, published_at DESC, id DESC LIMIT 1`, t.UnixMicro()).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return comp.Default(), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("comp plan in force at %s: %w", t.Format(time.DateOnly), err)
	}
	plan, err := comp.Parse(v.Name, []byte(v.Source))
	if err != nil {
		return nil, nil, fmt.Errorf("comp plan %s version %s no longer parses: %w", v.Name, v.Version, err)
	}
	return plan, &v, nil
}

// UpsertCompQuotas sets AEs' quotas, each for one period, in one transaction: all or nothing. Revops
// only. EINVALID for a bad period, a negative amount or a user who is not an AE; ECONFLICT for a
// closed period (its quotas are frozen with it).
func (s *Store) UpsertCompQuotas(ctx context.Context, actor tandem.Actor, quotas []CompQuota) error {
	if err := requireCompAdmin(actor, "comp quota", "", "set quotas"); err != nil {
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
	p, err := parsePeriod(period)
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
		if sc.sees(tandem.PayeeAE, q.UserID) {
			out = append(out, q)
		}
	}
	return out, rows.Err()
}
