package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/companyname"
)

const registrationColumns = `r.id, r.external_id, r.partner_id, r.account_id, r.account_name, r.website, r.country,
	r.product_type, r.estimated_acv, r.currency, r.expected_close, r.contact_name, r.contact_email, r.status,
	r.submitted_at, r.decided_at, r.decided_by, r.rejection_reason, r.expires_at, r.extensions, r.opportunity_id,
	r.created_at, r.updated_at, r.vertical`

var registrationWriteColumns = []string{"external_id", "partner_id", "account_id", "account_name", "website",
	"country", "product_type", "estimated_acv", "currency", "expected_close", "contact_name", "contact_email",
	"status", "submitted_at", "decided_at", "decided_by", "rejection_reason", "expires_at", "extensions",
	"opportunity_id", "name_key", "domain_key", "vertical"}

// registrationValues are r's values for registrationWriteColumns, with the normalised name and website
// keys overlap detection looks registrations up by.
func registrationValues(r *tandem.Registration) []any {
	return []any{r.ExternalID, r.PartnerID, dbID(r.AccountID), r.AccountName, r.Website, r.Country,
		string(r.ProductType), int64(r.EstimatedACV), r.Currency, dbTime(r.ExpectedClose), r.ContactName,
		r.ContactEmail, string(r.Status), dbTime(r.SubmittedAt), dbTime(r.DecidedAt), dbID(r.DecidedBy),
		r.RejectionReason, dbTime(r.ExpiresAt), int64(r.Extensions), dbID(r.OpportunityID),
		companyname.Normalize(r.AccountName), tandem.NormalizeDomain(r.Website), r.Vertical}
}

func scanRegistration(scan func(...any) error) (tandem.Registration, error) {
	var r tandem.Registration
	err := scan(&r.ID, &r.ExternalID, &r.PartnerID, idCol{&r.AccountID}, &r.AccountName, &r.Website, &r.Country,
		&r.ProductType, &r.EstimatedACV, &r.Currency, timeCol{&r.ExpectedClose}, &r.ContactName, &r.ContactEmail,
		&r.Status, timeCol{&r.SubmittedAt}, timeCol{&r.DecidedAt}, idCol{&r.DecidedBy}, &r.RejectionReason,
		timeCol{&r.ExpiresAt}, &r.Extensions, idCol{&r.OpportunityID}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, &r.Vertical)
	return r, err
}

func scopeRegistrations(w *where, actor tandem.Actor) {
	w.ownedBy(actor, "r.partner_id")
}

// GetRegistration returns the registration with id; ENOTFOUND when there is none or actor may not see it.
// A partner user gets it without the account it was resolved to (see hideAccount).
func (s *Store) GetRegistration(ctx context.Context, actor tandem.Actor, id int64) (*tandem.Registration, error) {
	r, err := registrationRecord.get(ctx, s.read, actor, id)
	if err != nil {
		return nil, err
	}
	hideAccount(actor, r)
	return r, nil
}

// hideAccount clears the account a registration was resolved to when actor is a partner user: a partner
// types the company it registers; which of the vendor's accounts that turned out to be (chosen by the
// matcher or a reviewer) is the vendor's to know.
func hideAccount(actor tandem.Actor, r *tandem.Registration) {
	if actor.IsPartner() {
		r.AccountID = 0
	}
}

// ListRegistrations returns a page of the registrations actor may see and how many match f.
func (s *Store) ListRegistrations(ctx context.Context, actor tandem.Actor, f RegistrationFilter) ([]tandem.Registration, int, error) {
	w := registrationRecord.scoped(actor)
	addEq(&w, "r.status", string(f.Status))
	addEq(&w, "r.partner_id", f.PartnerID)
	if f.AccountID != 0 && !actor.IsPartner() { // a partner may not probe which account it matched
		w.add("r.account_id = ?", f.AccountID)
	}
	addEq(&w, "r.opportunity_id", f.OpportunityID)
	w.during("r.submitted_at", f.SubmittedFrom, f.SubmittedTo)
	w.during("r.expires_at", f.ExpiresFrom, f.ExpiresTo)
	if err := w.search(f.Query, s.dialect.containsFold("r.account_name")); err != nil {
		return nil, 0, err
	}
	items, total, err := registrationRecord.list(ctx, s, w, f.Sort, "-submitted_at", map[string]string{
		"submitted_at": "r.submitted_at", "account_name": "r.account_name", "estimated_acv": "r.estimated_acv",
		"expires_at": "r.expires_at", "status": "r.status", "updated_at": "r.updated_at", "id": "r.id",
	}, f.Limit, f.Offset)
	for i := range items {
		hideAccount(actor, &items[i])
	}
	return items, total, err
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
	return registrationRecord.insertTx(ctx, s, tx, now, actor, r, tx.QueryRowContext(ctx,
		fmt.Sprintf(`INSERT INTO registrations (%s, created_at, updated_at) VALUES (%s, $%d, $%d) RETURNING id`,
			joinColumns(registrationWriteColumns), placeholders(1, n), n+1, n+1), args...))
}

// UpdateRegistration writes r's fields over the stored registration r.ID and audits what changed.
// ENOTFOUND when actor cannot see it; a partner user cannot move it to another partner nor choose its
// account. The lifecycle is not this method's: a status, decision, expiry or extension different from
// the stored one is refused with ECONFLICT naming the lifecycle endpoint to use, and the row is left
// unchanged (zero values keep the stored ones).
func (s *Store) UpdateRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration) error {
	if actor.IsPartner() {
		r.PartnerID = actor.PartnerID
	}
	return registrationRecord.update(ctx, s, actor, r, func(old *tandem.Registration) error {
		if actor.IsPartner() {
			r.AccountID = old.AccountID
		}
		if err := keepLifecycle(old, r); err != nil {
			return err
		}
		return r.Validate()
	}, func(tx *sql.Tx, now time.Time) error {
		n := len(registrationWriteColumns)
		args := append(registrationValues(r), now.UnixMicro(), r.ID)
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE registrations SET (%s, updated_at) = (%s) WHERE id = $%d`,
			joinColumns(registrationWriteColumns), placeholders(1, n+1), n+2), args...)
		return err
	})
}

// lifecycleEndpoints names where each status is reached, for the error that refuses a direct change.
var lifecycleEndpoints = map[tandem.RegistrationStatus]string{
	tandem.RegistrationApproved:  "POST /registrations/{id}/approve",
	tandem.RegistrationRejected:  "POST /registrations/{id}/reject",
	tandem.RegistrationWithdrawn: "POST /registrations/{id}/withdraw",
	tandem.RegistrationExpired:   "the expiry job (or POST /registrations/{id}/extend to extend)",
	tandem.RegistrationWon:       "POST /registrations/{id}/win",
	tandem.RegistrationLost:      "POST /registrations/{id}/lose",
}

// keepLifecycle fills r's lifecycle fields left zero from old, and refuses any that differ: the
// lifecycle moves a registration only through its transitions (TransitionRegistration), which check who
// may make them, keep the event log and stamp the deadlines.
func keepLifecycle(old, r *tandem.Registration) error {
	if r.Status == "" {
		r.Status = old.Status
	}
	if r.Status != old.Status {
		how := lifecycleEndpoints[r.Status]
		if how == "" {
			how = "a new registration (POST /registrations)"
		}
		return tandem.Errorf(tandem.ECONFLICT, "registration %d is %s: its status changes only through the lifecycle, "+
			"not by an update; to make it %s use %s", old.ID, old.Status, r.Status, how)
	}
	stamps := []struct {
		field    string
		old, new *time.Time
	}{{"submitted_at", &old.SubmittedAt, &r.SubmittedAt}, {"decided_at", &old.DecidedAt, &r.DecidedAt},
		{"expires_at", &old.ExpiresAt, &r.ExpiresAt}}
	for _, st := range stamps {
		if st.new.IsZero() {
			*st.new = *st.old
		} else if !st.new.Equal(*st.old) {
			return tandem.Errorf(tandem.ECONFLICT, "registration %d: %s is set by the lifecycle, not by an update", old.ID, st.field)
		}
	}
	if r.DecidedBy == 0 {
		r.DecidedBy = old.DecidedBy
	}
	if r.RejectionReason == "" {
		r.RejectionReason = old.RejectionReason
	}
	if r.Extensions == 0 {
		r.Extensions = old.Extensions
	}
	switch {
	case r.DecidedBy != old.DecidedBy:
		return tandem.Errorf(tandem.ECONFLICT, "registration %d: decided_by is set by approve or reject, not by an update", old.ID)
	case r.RejectionReason != old.RejectionReason:
		return tandem.Errorf(tandem.ECONFLICT, "registration %d: the rejection reason is given to POST /registrations/{id}/reject", old.ID)
	case r.Extensions != old.Extensions:
		return tandem.Errorf(tandem.ECONFLICT, "registration %d: extensions are granted by POST /registrations/{id}/extend", old.ID)
	}
	return nil
}
