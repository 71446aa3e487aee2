package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The conflict records: opening a conflict (for detection, conflict_candidates.go, and for re-routes
// and attribution disputes), the moves that escalate unresolved conflicts up the four-level path,
// resolution, the escalation log, and what precedent search and the pattern review read. Deciding
// which claims conflict, how alike two conflicts are and how the review counts is internal/conflicts.
//
// Escalation fires exactly once per move however many processes run it: the due time lives in the
// database, each move is a conditional UPDATE (… WHERE level = the level read AND status = 'open') and,
// on PostgreSQL, the due rows are read FOR UPDATE SKIP LOCKED so that a second instance skips rather
// than waits for the rows the first is moving. A restarted process finds the due rows where they were.

// ConflictDetail is a conflict with what it was about when it opened (see tandem.ConflictDetail).
type ConflictDetail = tandem.ConflictDetail

const conflictDetailColumns = conflictColumns + `, partner_id, other_partner_id, ae_id, acv, partner_tier,
	COALESCE((SELECT o.currency FROM opportunities o WHERE o.id = conflicts.opportunity_id),
		(SELECT r.currency FROM registrations r WHERE r.id = conflicts.registration_id), '')`

func scanConflictDetail(scan func(...any) error) (ConflictDetail, error) {
	var d ConflictDetail
	c, err := scanConflict(func(dest ...any) error {
		return scan(append(dest, idCol{&d.PartnerID}, idCol{&d.OtherPartnerID}, idCol{&d.AEID}, &d.ACV, &d.PartnerTier, &d.Currency)...)
	})
	d.Conflict = c
	d.Segment = tandem.ACVBand(d.ACV)
	return d, err
}

// GetConflictDetail returns conflict id with what it was about. ENOTFOUND when there is none or actor
// is a partner user.
func (s *Store) GetConflictDetail(ctx context.Context, actor tandem.Actor, id int64) (*ConflictDetail, error) {
	return getConflictDetail(ctx, s.read, actor, id)
}

func getConflictDetail(ctx context.Context, q querier, actor tandem.Actor, id int64) (*ConflictDetail, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("conflict", id)
	}
	d, err := scanConflictDetail(q.QueryRowContext(ctx, `SELECT `+conflictDetailColumns+` FROM conflicts WHERE id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tandem.NotFound("conflict", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get conflict %d: %w", id, err)
	}
	return &d, nil
}

// openConflictTx opens d at level 1 unless an open conflict with the same pair key exists, logs the
// opening and audits it. It reports whether a conflict was opened.
func (s *Store) openConflictTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, pairKey string) (bool, error) {
	return s.openConflictNoteTx(ctx, tx, now, actor, rules, d, pairKey, string(d.Cause))
}

// openConflictNoteTx is openConflictTx with the opening log entry's note.
func (s *Store) openConflictNoteTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, rules tandem.ConflictRules,
	d *ConflictDetail, pairKey, note string) (bool, error) {
	d.Level, d.Status, d.OpenedAt = tandem.LevelAEAndPartnerManager, tandem.ConflictOpen, now
	d.LevelDueAt = rules.DueAt(d.Level, now)
	d.Segment = tandem.ACVBand(d.ACV)
	err := tx.QueryRowContext(ctx, `INSERT INTO conflicts (cause, account_id, product_type, opportunity_id,
		registration_id, other_registration_id, rule, level, status, opened_at, level_due_at, pair_key, partner_id,
		other_partner_id, ae_id, acv, partner_tier)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT DO NOTHING RETURNING id`,
		string(d.Cause), dbID(d.AccountID), string(d.ProductType), dbID(d.OpportunityID), dbID(d.RegistrationID),
		dbID(d.OtherRegistrationID), d.Rule, int64(d.Level), string(d.Status), now.UnixMicro(), d.LevelDueAt.UnixMicro(),
		pairKey, dbID(d.PartnerID), dbID(d.OtherPartnerID), dbID(d.AEID), int64(d.ACV), string(d.PartnerTier)).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // already open for this pair
	}
	if err != nil {
		return false, s.mapErr(fmt.Errorf("open %s conflict: %w", d.Cause, err), "conflict")
	}
	entry := tandem.EscalationEntry{ConflictID: d.ID, At: now, Level: d.Level, Action: tandem.EscalationOpened,
		ActorID: actor.UserID, Note: note}
	if err := appendEscalationTx(ctx, tx, &entry); err != nil {
		return false, err
	}
	return true, appendAuditTx(ctx, tx, now, actor, "conflict.open", "conflict", idString(d.ID), d)
}

func appendEscalationTx(ctx context.Context, tx querier, e *tandem.EscalationEntry) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO escalation_log (conflict_id, at, level, action, actor_id, note)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.ConflictID, e.At.UnixMicro(), int64(e.Level), e.Action, dbID(e.ActorID), e.Note).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("log conflict %d %s: %w", e.ConflictID, e.Action, err)
	}
	return nil
}

// CannibalisationFlagged reports whether opportunity id is flagged for undercutting a partner's
// registered deal (commission forfeit and performance review). ENOTFOUND when actor cannot see it.
func (s *Store) CannibalisationFlagged(ctx context.Context, actor tandem.Actor, id int64) (bool, error) {
	if err := forbidPartner(actor, "see compensation flags"); err != nil {
		return false, err
	}
	var flagged bool
	err := s.read.QueryRowContext(ctx, `SELECT cannibalisation_flag FROM opportunities WHERE id = $1`, id).Scan(boolCol{&flagged})
	if errors.Is(err, sql.ErrNoRows) {
		return false, tandem.NotFound("opportunity", id)
	}
	if err != nil {
		return false, fmt.Errorf("cannibalisation flag of opportunity %d: %w", id, err)
	}
	return flagged, nil
}

// escalationBatch is how many due conflicts one escalation transaction moves.
const escalationBatch = 500

// EscalateDue moves every open conflict whose level's time ran out by now up one level (a conflict
// overdue by several levels' SLAs climbs as far as its deadlines say), sets the new level's deadline
// from the old one on the business calendar, and writes one escalation-log row per move. It returns how
// many moves it made. Conflicts with the CEO stay there, open and overdue. Several processes may call it
// at once on one database: each move happens exactly once.
func (s *Store) EscalateDue(ctx context.Context, now time.Time, rules tandem.ConflictRules) (int, error) {
	if err := rules.Validate(); err != nil {
		return 0, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	total := 0
	for {
		n, err := s.escalateBatch(ctx, now, rules)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (s *Store) escalateBatch(ctx context.Context, now time.Time, rules tandem.ConflictRules) (int, error) {
	lock := s.dialect.skipLocked()
	moved := 0
	err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		due, err := queryAll(ctx, tx, "escalate: due conflicts", `SELECT id, level, level_due_at FROM conflicts
			WHERE status = 'open' AND level < 4 AND level_due_at <= $1 ORDER BY level_due_at, id LIMIT `+
			strconv.Itoa(escalationBatch)+lock, []any{now.UnixMicro()}, func(scan func(...any) error) (tandem.Conflict, error) {
			c := tandem.Conflict{Status: tandem.ConflictOpen}
			err := scan(&c.ID, &c.Level, timeCol{&c.LevelDueAt})
			return c, err
		})
		if err != nil {
			return err
		}
		for _, c := range due {
			from, ranOut := c.Level, c.LevelDueAt
			// The next level's clock starts when this one ran out, so a late run does not give it extra time.
			entry, err := c.Escalate(now, rules.DueAt(from+1, ranOut))
			if err != nil {
				return err
			}
			ok, err := changedOne(ctx, tx, `UPDATE conflicts SET level = $1, level_due_at = $2
				WHERE id = $3 AND level = $4 AND status = 'open'`, int64(c.Level), c.LevelDueAt.UnixMicro(), c.ID, int64(from))
			if err != nil {
				return fmt.Errorf("escalate conflict %d: %w", c.ID, err)
			}
			if !ok {
				continue // another process moved or resolved it first
			}
			entry.Note += "; due " + c.LevelDueAt.Format(time.RFC3339)
			if err := appendEscalationTx(ctx, tx, &entry); err != nil {
				return err
			}
			if err := appendAuditTx(ctx, tx, now, tandem.SystemActor, "conflict.escalate", "conflict", idString(c.ID),
				map[string]any{"from_level": from, "to_level": c.Level, "level_due_at": c.LevelDueAt}); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return moved, nil
}

// ResolveConflict decides conflict id as actor and returns it as it now is. ENOTFOUND when there is no
// such conflict or actor is a partner user; EFORBIDDEN when actor is not a decider of the conflict's
// current level (nor an admin); ECONFLICT when it is resolved already or moved meanwhile; EINVALID for
// a bad resolution (see tandem.Conflict.Resolve). On any error nothing is written.
func (s *Store) ResolveConflict(ctx context.Context, actor tandem.Actor, id int64, res tandem.Resolution,
	partnerShareBP int, rationale string) (*ConflictDetail, error) {
	var out *ConflictDetail
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		d, err := getConflictDetail(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if d.Status == tandem.ConflictOpen && !d.Level.MayResolve(actor) {
			return tandem.Errorf(tandem.EFORBIDDEN, "%s may not resolve a conflict at level %d", actor.Role.Label(), d.Level)
		}
		old := d.Conflict
		entry, err := d.Resolve(res, partnerShareBP, rationale, actor.UserID, now)
		if err != nil {
			return err
		}
		ok, err := changedOne(ctx, tx, `UPDATE conflicts SET status = $1, resolution = $2, partner_share_basis_points = $3,
			rationale = $4, resolved_at = $5, resolved_by = $6 WHERE id = $7 AND status = 'open' AND level = $8`,
			string(d.Status), string(d.Resolution), int64(d.PartnerShareBasisPoints), d.Rationale, now.UnixMicro(),
			dbID(d.ResolvedBy), id, int64(old.Level))
		if err != nil {
			return s.mapErr(fmt.Errorf("resolve conflict %d: %w", id, err), "conflict")
		}
		if !ok {
			return tandem.Errorf(tandem.ECONFLICT, "conflict %d changed while it was being resolved; look again", id)
		}
		if err := appendEscalationTx(ctx, tx, &entry); err != nil {
			return err
		}
		if err := appendAuditTx(ctx, tx, now, actor, "conflict.resolve", "conflict", idString(id), map[string]any{
			"level": d.Level, "resolution": d.Resolution, "partner_share_basis_points": d.PartnerShareBasisPoints,
			"rationale": d.Rationale}); err != nil {
			return err
		}
		if err := applyAttributionDecisionTx(ctx, tx, now, actor, d); err != nil { // attribution.go
			return err
		}
		if err := applyRerouteDecisionTx(ctx, tx, now, actor, d); err != nil { // reroute.go
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EscalationLog returns the append-only log of conflict id, oldest first. ENOTFOUND when there is no
// such conflict or actor is a partner user.
func (s *Store) EscalationLog(ctx context.Context, actor tandem.Actor, id int64) ([]tandem.EscalationEntry, error) {
	if _, err := s.GetConflictDetail(ctx, actor, id); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, s.read, fmt.Sprintf("conflict %d log", id), `SELECT id, conflict_id, at, level, action, actor_id, note
		FROM escalation_log WHERE conflict_id = $1 ORDER BY id`, []any{id},
		func(scan func(...any) error) (tandem.EscalationEntry, error) {
			var e tandem.EscalationEntry
			err := scan(&e.ID, &e.ConflictID, timeCol{&e.At}, &e.Level, &e.Action, idCol{&e.ActorID}, &e.Note)
			return e, err
		})
	return orEmpty(out), err
}

// ResolvedConflicts returns the latest resolved conflicts but exceptID, newest first, at most limit:
// what the precedent search (internal/conflicts) weighs. ENOTFOUND for partner users: conflicts are
// the vendor's.
func (s *Store) ResolvedConflicts(ctx context.Context, actor tandem.Actor, exceptID int64, limit int) ([]ConflictDetail, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("conflict", exceptID)
	}
	return queryAll(ctx, s.read, "resolved conflicts", `SELECT `+conflictDetailColumns+` FROM conflicts
		WHERE status = 'resolved' AND id <> $1 ORDER BY resolved_at DESC, id DESC LIMIT `+strconv.Itoa(limit),
		[]any{exceptID}, scanConflictDetail)
}

// ConflictReviewRows returns what the pattern review (internal/conflicts) counts of each conflict
// opened from from (inclusive) to to (exclusive), with its partner's and AE's names. EFORBIDDEN for
// partner users.
func (s *Store) ConflictReviewRows(ctx context.Context, actor tandem.Actor, from, to time.Time) ([]tandem.ConflictReviewRow, error) {
	if err := forbidPartner(actor, "see the conflict review"); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.read, "conflict review", `SELECT c.cause, c.rule, c.acv, c.status, c.level, c.opened_at,
		c.resolved_at, COALESCE(c.partner_id, 0), COALESCE(p.name, ''), COALESCE(c.ae_id, 0), COALESCE(u.name, '')
		FROM conflicts c LEFT JOIN partners p ON p.id = c.partner_id LEFT JOIN users u ON u.id = c.ae_id
		WHERE c.opened_at >= $1 AND c.opened_at < $2`, []any{from.UTC().UnixMicro(), to.UTC().UnixMicro()},
		func(scan func(...any) error) (tandem.ConflictReviewRow, error) {
			var r tandem.ConflictReviewRow
			err := scan(&r.Cause, &r.Rule, &r.ACV, &r.Status, &r.Level, timeCol{&r.OpenedAt}, timeCol{&r.ResolvedAt},
				&r.PartnerID, &r.PartnerName, &r.AEID, &r.AEName)
			return r, err
		})
}
