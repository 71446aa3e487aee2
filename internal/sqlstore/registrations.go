package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

const registrationColumns = `r.id, r.external_id, r.partner_id, r.account_id, r.account_name, r.website, r.country,
	r.product_type, r.estimated_acv, r.currency, r.expected_close, r.contact_name, r.contact_email, r.status,
	r.submitted_at, r.decided_at, r.decided_by, r.rejection_reason, r.expires_at, r.extensions, r.opportunity_id,
	r.created_at, r.updated_at`

var registrationWriteColumns = []string{"external_id", "partner_id", "account_id", "account_name", "website",
	"country", "product_type", "estimated_acv", "currency", "expected_close", "contact_name", "contact_email",
	"status", "submitted_at", "decided_at", "decided_by", "rejection_reason", "expires_at", "extensions",
	"opportunity_id"}

func registrationValues(r *tandem.Registration) []any {
	return []any{r.ExternalID, r.PartnerID, dbID(r.AccountID), r.AccountName, r.Website, r.Country,
		string(r.ProductType), int64(r.EstimatedACV), r.Currency, dbTime(r.ExpectedClose), r.ContactName,
		r.ContactEmail, string(r.Status), dbTime(r.SubmittedAt), dbTime(r.DecidedAt), dbID(r.DecidedBy),
		r.RejectionReason, dbTime(r.ExpiresAt), int64(r.Extensions), dbID(r.OpportunityID)}
}

func scanRegistration(scan func(...any) error) (tandem.Registration, error) {
	var r tandem.Registration
	err := scan(&r.ID, &r.ExternalID, &r.PartnerID, idCol{&r.AccountID}, &r.AccountName, &r.Website, &r.Country,
		&r.ProductType, &r.EstimatedACV, &r.Currency, timeCol{&r.ExpectedClose}, &r.ContactName, &r.ContactEmail,
		&r.Status, timeCol{&r.SubmittedAt}, timeCol{&r.DecidedAt}, idCol{&r.DecidedBy}, &r.RejectionReason,
		timeCol{&r.ExpiresAt}, &r.Extensions, idCol{&r.OpportunityID}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	return r, err
}

func scopeRegistrations(w *where, actor tandem.Actor) {
	if actor.IsPartner() {
		w.add("r.partner_id = ?", actor.PartnerID)
	}
}

// GetRegistration returns the registration with id; ENOTFOUND when there is none or actor may not see it.
func (s *Store) GetRegistration(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Registration, error) {
	return getRegistration(ctx, s.read, actor, id)
}

func getRegistration(ctx context.Context, q querier, actor tandem.Actor, id int64) (*tandem.Registration, error) {
	var w where
	w.add("r.id = ?", id)
	scopeRegistrations(&w, actor)
	return getOne(ctx, q, "registration", id, `SELECT `+registrationColumns+` FROM registrations r`+w.sql(), w.args, scanRegistration)
}

// ListRegistrations returns a page of the registrations actor may see and how many match f.
func (s *Store) ListRegistrations(ctx context.Context, actor tandem.Actor, f RegistrationFilter) ([]tandem.Registration, int, error) {
	var w where
	scopeRegistrations(&w, actor)
	if f.Status != "" {
		w.add("r.status = ?", string(f.Status))
	}
	if f.PartnerID != 0 {
		w.add("r.partner_id = ?", f.PartnerID)
	}
	if f.AccountID != 0 {
		w.add("r.account_id = ?", f.AccountID)
	}
	if f.Query != "" {
		w.add(`lower(r.account_name) LIKE ? ESCAPE '\'`, likePattern(f.Query))
	}
	order, err := orderBy(f.Sort, "-submitted_at", map[string]string{
		"submitted_at": "r.submitted_at", "account_name": "r.account_name", "estimated_acv": "r.estimated_acv",
		"expires_at": "r.expires_at", "status": "r.status", "updated_at": "r.updated_at", "id": "r.id",
	}, "r.id")
	if err != nil {
		return nil, 0, err
	}
	return listRecords(ctx, s, "registrations", registrationColumns, "registrations r", w, order, f.Limit, f.Offset, scanRegistration)
}

// CreateRegistration stores a new registration; a partner user's registration is always its own
// partner's. Status defaults to submitted and SubmittedAt to now.
func (s *Store) CreateRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration) error {
	if actor.IsPartner() {
		r.PartnerID = actor.PartnerID
	}
	if r.Status == "" {
		r.Status = tandem.RegistrationSubmitted
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.ExternalID == "" {
		r.ExternalID = newExternalID("reg")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if r.SubmittedAt.IsZero() {
			r.SubmittedAt = now
		}
		return s.insertRegistrationTx(ctx, tx, now, actor, r)
	})
}

// insertRegistrationTx inserts r, fills its id and timestamps, and audits the creation.
func (s *Store) insertRegistrationTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, r *tandem.Registration) error {
	args := append(registrationValues(r), now.UnixMicro())
	n := len(registrationWriteColumns)
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`INSERT INTO registrations (%s, created_at, updated_at)
		VALUES (%s, $%d, $%d) RETURNING id`, joinColumns(registrationWriteColumns), placeholders(1, n), n+1, n+1),
		args...).Scan(&r.ID)
	if err != nil {
		return s.mapErr(fmt.Errorf("create registration %q: %w", r.ExternalID, err), "registration "+r.ExternalID)
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return appendAuditTx(ctx, tx, now, actor, "registration.create", "registration", idString(r.ID), r)
}

// UpdateRegistration writes r's fields over the stored registration r.ID and audits what changed.
// ENOTFOUND when actor cannot see it; a partner user cannot move it to another partner.
func (s *Store) UpdateRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration) error {
	if actor.IsPartner() {
		r.PartnerID = actor.PartnerID
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := getRegistration(ctx, tx, actor, r.ID)
		if err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if r.ExternalID == "" {
			r.ExternalID = old.ExternalID
		}
		r.CreatedAt, r.UpdatedAt = old.CreatedAt, old.UpdatedAt
		diff := changes(old, r)
		if len(diff) == 0 {
			return nil
		}
		n := len(registrationWriteColumns)
		args := append(registrationValues(r), now.UnixMicro(), r.ID)
		_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE registrations SET (%s, updated_at) = (%s) WHERE id = $%d`,
			joinColumns(registrationWriteColumns), placeholders(1, n+1), n+2), args...)
		if err != nil {
			return s.mapErr(fmt.Errorf("update registration %d: %w", r.ID, err), "registration "+r.ExternalID)
		}
		r.UpdatedAt = now
		return appendAuditTx(ctx, tx, now, actor, "registration.update", "registration", idString(r.ID), diff)
	})
}
