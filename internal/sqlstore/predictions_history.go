package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The history predictions learn from, read whole for the training job (internal/prediction), which
// computes every feature as of the moment a prediction would have been made. The store hands over
// records with their times and decides nothing about what was known when.

// HistoryRegistration is a registration with the partner and account facts it points to.
type HistoryRegistration struct {
	ID            int64
	PartnerID     int64
	AccountID     int64 // 0 when the account was not resolved
	Country       string
	ProductType   string
	EstimatedACV  int64 // minor units
	Currency      string
	Status        string
	SubmittedAt   time.Time
	CreatedAt     time.Time
	DecidedAt     time.Time
	OpportunityID int64
	// The account matcher's score and decision at submit (empty when the registration was not matched).
	MatchScore    float64
	MatchDecision string
	MatchedAt     time.Time
	// Imported is true for a registration that arrived by import, not through Tandem's submission
	// (which runs conflict detection).
	Imported bool
}

// HistoryOpportunity is an opportunity with its dates.
type HistoryOpportunity struct {
	ID               int64
	AccountID        int64
	OwnerID          int64
	PartnerID        int64
	Product          string
	ProductType      string
	ACV              int64 // minor units
	Currency         string
	Stage            string
	ForecastCategory string
	Country          string
	Vertical         string
	DiscountBP       int
	Motion           string
	CreatedOn        time.Time // the CRM's creation date (zero when unknown)
	CloseDate        time.Time
	CreatedAt        time.Time // when Tandem first stored it
	UpdatedAt        time.Time
}

// HistoryConflict is a conflict and the registrations it involves.
type HistoryConflict struct {
	ID                  int64
	Cause               string
	AccountID           int64
	OpportunityID       int64
	RegistrationID      int64
	OtherRegistrationID int64
	OpenedAt            time.Time
	Resolution          string
	ResolvedAt          time.Time
}

// HistoryPartner is a partner's current standing facts.
type HistoryPartner struct {
	ID       int64
	Tier     string
	Type     string
	Standing string
}

// HistoryAccount is an account's facts.
type HistoryAccount struct {
	ID       int64
	Vertical string
	Country  string
	OwnerID  int64
}

// HistoryTouch is a partner touch on an opportunity.
type HistoryTouch struct {
	OpportunityID int64
	PartnerID     int64
	Kind          string
	OccurredAt    time.Time
}

// PredictionHistory is everything the training reads.
type PredictionHistory struct {
	Registrations []HistoryRegistration
	Opportunities []HistoryOpportunity
	Conflicts     []HistoryConflict
	Partners      []HistoryPartner
	Accounts      []HistoryAccount
	Touches       []HistoryTouch
}

// ReadPredictionHistory reads the whole history, in id order. It is the jobs' read and takes no actor.
func (s *Store) ReadPredictionHistory(ctx context.Context) (*PredictionHistory, error) {
	h := &PredictionHistory{}
	reads := []struct {
		what, query string
		read        func(context.Context, querier, string) error
	}{
		{"registrations", `SELECT r.id, r.partner_id, r.account_id, r.country, r.product_type, r.estimated_acv, r.currency,
			r.status, r.submitted_at, r.created_at, r.decided_at, r.opportunity_id, am.score, am.decision, am.created_at,
			EXISTS (SELECT 1 FROM registration_events e WHERE e.registration_id = r.id AND e.event = 'import')
			FROM registrations r LEFT JOIN account_matches am ON am.registration_id = r.id ORDER BY r.id`,
			readInto(&h.Registrations, func(scan func(...any) error) (HistoryRegistration, error) {
				var r HistoryRegistration
				var score sql.NullFloat64
				var decision sql.NullString
				if err := scan(&r.ID, &r.PartnerID, idCol{&r.AccountID}, &r.Country, &r.ProductType, &r.EstimatedACV,
					&r.Currency, &r.Status, timeCol{&r.SubmittedAt}, timeCol{&r.CreatedAt}, timeCol{&r.DecidedAt},
					idCol{&r.OpportunityID}, &score, &decision, timeCol{&r.MatchedAt}, &r.Imported); err != nil {
					return r, err
				}
				r.MatchScore, r.MatchDecision = score.Float64, decision.String
				return r, nil
			})},
		{"opportunities", `SELECT id, account_id, owner_id, partner_id, product, product_type, acv, currency, stage,
			forecast_category, country, vertical, discount_basis_points, routing_motion, created_on, close_date, created_at,
			updated_at FROM opportunities ORDER BY id`,
			readInto(&h.Opportunities, func(scan func(...any) error) (HistoryOpportunity, error) {
				var o HistoryOpportunity
				err := scan(&o.ID, &o.AccountID, idCol{&o.OwnerID}, idCol{&o.PartnerID}, &o.Product, &o.ProductType,
					&o.ACV, &o.Currency, &o.Stage, &o.ForecastCategory, &o.Country, &o.Vertical, &o.DiscountBP, &o.Motion,
					timeCol{&o.CreatedOn}, timeCol{&o.CloseDate}, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt})
				return o, err
			})},
		{"conflicts", `SELECT id, cause, account_id, opportunity_id, registration_id, other_registration_id, opened_at,
			resolution, resolved_at FROM conflicts ORDER BY id`,
			readInto(&h.Conflicts, func(scan func(...any) error) (HistoryConflict, error) {
				var c HistoryConflict
				err := scan(&c.ID, &c.Cause, idCol{&c.AccountID}, idCol{&c.OpportunityID}, idCol{&c.RegistrationID},
					idCol{&c.OtherRegistrationID}, timeCol{&c.OpenedAt}, &c.Resolution, timeCol{&c.ResolvedAt})
				return c, err
			})},
		{"partners", `SELECT id, tier, type, standing FROM partners ORDER BY id`,
			readInto(&h.Partners, func(scan func(...any) error) (HistoryPartner, error) {
				var p HistoryPartner
				err := scan(&p.ID, &p.Tier, &p.Type, &p.Standing)
				return p, err
			})},
		{"accounts", `SELECT id, vertical, country, owner_id FROM accounts ORDER BY id`,
			readInto(&h.Accounts, func(scan func(...any) error) (HistoryAccount, error) {
				var a HistoryAccount
				err := scan(&a.ID, &a.Vertical, &a.Country, idCol{&a.OwnerID})
				return a, err
			})},
		{"touches", `SELECT opportunity_id, partner_id, kind, occurred_at FROM touches ORDER BY id`,
			readInto(&h.Touches, func(scan func(...any) error) (HistoryTouch, error) {
				var t HistoryTouch
				err := scan(&t.OpportunityID, &t.PartnerID, &t.Kind, timeCol{&t.OccurredAt})
				return t, err
			})},
	}
	for _, r := range reads {
		if err := r.read(ctx, s.read, r.query); err != nil {
			return nil, fmt.Errorf("prediction history: %s: %w", r.what, err)
		}
	}
	return h, nil
}

// readInto is a read of ReadPredictionHistory: every row of its query, scanned with scan, into *dst.
func readInto[T any](dst *[]T, scan func(func(...any) error) (T, error)) func(context.Context, querier, string) error {
	return func(ctx context.Context, q querier, query string) error {
		var err error
		*dst, err = scanAll(ctx, q, query, nil, scan)
		return err
	}
}
