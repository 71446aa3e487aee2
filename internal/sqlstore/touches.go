package sqlstore

import (
	"context"
	"database/sql"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

const touchColumns = `t.id, t.external_id, t.partner_id, t.opportunity_id, t.kind, t.occurred_at, t.note`

func scanTouch(scan func(...any) error) (tandem.Touch, error) {
	var t tandem.Touch
	err := scan(&t.ID, &t.ExternalID, &t.PartnerID, &t.OpportunityID, &t.Kind, timeCol{&t.OccurredAt}, &t.Note)
	return t, err
}

// GetTouch returns the touch with id; ENOTFOUND when there is none or actor may not see it.
func (s *Store) GetTouch(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Touch, error) {
	return touchRecord.get(ctx, s.read, actor, id)
}

// ListTouches returns a page of the touches actor may see and how many match f.
func (s *Store) ListTouches(ctx context.Context, actor tandem.Actor, f TouchFilter) ([]tandem.Touch, int, error) {
	w := touchRecord.scoped(actor)
	addEq(&w, "t.opportunity_id", f.OpportunityID)
	addEq(&w, "t.partner_id", f.PartnerID)
	return touchRecord.list(ctx, s, w, f.Sort, "occurred_at", map[string]string{"occurred_at": "t.occurred_at", "id": "t.id", "kind": "t.kind"}, f.Limit, f.Offset)
}

// CreateTouch records a partner touch; a partner user's touch is always its own partner's.
func (s *Store) CreateTouch(ctx context.Context, actor tandem.Actor, t *tandem.Touch) error {
	if actor.IsPartner() {
		t.PartnerID = actor.PartnerID
	}
	return touchRecord.create(ctx, s, actor, t, t.Validate, func(tx *sql.Tx, now time.Time) *sql.Row {
		return tx.QueryRowContext(ctx, `INSERT INTO touches (external_id,
			partner_id, opportunity_id, kind, occurred_at, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.ExternalID, t.PartnerID, t.OpportunityID, string(t.Kind), dbTime(t.OccurredAt), t.Note)
	})
}

// UpdateTouch writes t's fields over the stored touch t.ID. ENOTFOUND when actor cannot see it.
func (s *Store) UpdateTouch(ctx context.Context, actor tandem.Actor, t *tandem.Touch) error {
	if actor.IsPartner() {
		t.PartnerID = actor.PartnerID
	}
	return touchRecord.update(ctx, s, actor, t, func(old *tandem.Touch) error {
		return t.Validate()
	}, func(tx *sql.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `UPDATE touches SET external_id = $1, partner_id = $2, opportunity_id = $3,
			kind = $4, occurred_at = $5, note = $6 WHERE id = $7`, t.ExternalID, t.PartnerID, t.OpportunityID,
			string(t.Kind), dbTime(t.OccurredAt), t.Note, t.ID)
		return err
	})
}
