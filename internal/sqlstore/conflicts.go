package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Conflicts are internal to the vendor: partner users see none.

const conflictColumns = `id, cause, account_id, product_type, opportunity_id, registration_id, other_registration_id,
	rule, level, status, opened_at, level_due_at, resolution, partner_share_basis_points, rationale, resolved_at,
	resolved_by`

func scanConflict(scan func(...any) error) (tandem.Conflict, error) {
	var c tandem.Conflict
	err := scan(&c.ID, &c.Cause, idCol{&c.AccountID}, &c.ProductType, idCol{&c.OpportunityID}, idCol{&c.RegistrationID},
		idCol{&c.OtherRegistrationID}, &c.Rule, &c.Level, &c.Status, timeCol{&c.OpenedAt}, timeCol{&c.LevelDueAt},
		&c.Resolution, &c.PartnerShareBasisPoints, &c.Rationale, timeCol{&c.ResolvedAt}, idCol{&c.ResolvedBy})
	return c, err
}

// GetConflict returns a conflict; ENOTFOUND when there is none or actor is a partner user.
func (s *Store) GetConflict(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Conflict, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("conflict", id)
	}
	return getOne(ctx, s.read, "conflict", id, `SELECT `+conflictColumns+` FROM conflicts WHERE id = $1`, []any{id}, scanConflict)
}

// ListConflicts returns conflicts, oldest first; empty for partner users.
func (s *Store) ListConflicts(ctx context.Context, actor tandem.Actor, f ConflictFilter) ([]tandem.Conflict, int, error) {
	if actor.IsPartner() {
		return nil, 0, nil
	}
	var w where
	addEq(&w, "status", string(f.Status))
	addEq(&w, "cause", string(f.Cause))
	addEq(&w, "level", int64(f.Level))
	return listRecords(ctx, s, "conflicts", conflictColumns, "conflicts", w, " ORDER BY opened_at, id", f.Limit, f.Offset, scanConflict)
}

// CreateConflict opens a conflict at level 1 (unless c.Level says otherwise), logs the opening in the
// escalation log and audits it.
func (s *Store) CreateConflict(ctx context.Context, actor tandem.Actor, c *tandem.Conflict) error {
	if err := forbidPartner(actor, "open conflicts"); err != nil {
		return err
	}
	if !c.Cause.Valid() {
		return tandem.FieldError("cause", "%q is not a conflict cause", c.Cause)
	}
	if c.Level == 0 {
		c.Level = tandem.LevelAEAndPartnerManager
	}
	if c.Level < tandem.LevelAEAndPartnerManager || c.Level > tandem.LevelCEO {
		return tandem.FieldError("level", "must be between 1 and 4")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		c.Status = tandem.ConflictOpen
		if c.OpenedAt.IsZero() {
			c.OpenedAt = now
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO conflicts (cause, account_id, product_type, opportunity_id,
			registration_id, other_registration_id, rule, level, status, opened_at, level_due_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			string(c.Cause), dbID(c.AccountID), string(c.ProductType), dbID(c.OpportunityID), dbID(c.RegistrationID),
			dbID(c.OtherRegistrationID), c.Rule, int64(c.Level), string(c.Status), c.OpenedAt.UnixMicro(),
			dbTime(c.LevelDueAt)).Scan(&c.ID)
		if err != nil {
			return s.mapErr(fmt.Errorf("create conflict: %w", err), "conflict")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO escalation_log (conflict_id, at, level, action, actor_id)
			VALUES ($1, $2, $3, 'opened', $4)`, c.ID, now.UnixMicro(), int64(c.Level), dbID(actor.UserID)); err != nil {
			return fmt.Errorf("create conflict: escalation log: %w", err)
		}
		return appendAuditTx(ctx, tx, now, actor, "conflict.create", "conflict", idString(c.ID), c)
	})
}
