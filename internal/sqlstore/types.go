package sqlstore

import (
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Limits of a list page.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// OpportunityFilter selects opportunities; zero fields match everything.
type OpportunityFilter struct {
	Motion    tandem.Motion
	Stage     tandem.Stage
	Open      bool                    // only deals not yet won or lost
	Forecast  tandem.ForecastCategory // "" for any
	PartnerID int64
	OwnerID   int64
	AccountID int64
	Rule      string
	Query     string // name or account name contains, case-insensitive
	// CreatedFrom and CreatedTo bound the day the deal was created: from inclusive, to exclusive (zero for
	// no bound) — the deals behind a month of the home page's trends.
	CreatedFrom, CreatedTo time.Time
	// ClosedFrom and ClosedTo bound the close date the same way (a month of bookings on a home).
	ClosedFrom, ClosedTo time.Time
	Attribution          tandem.Attribution // "" for any
	// Sort is one of name, acv, close_date, stage, motion, updated_at, created_at, id, each optionally
	// prefixed with "-" for descending; anything else is EINVALID.
	Sort          string
	Limit, Offset int
}

// AccountFilter selects accounts.
type AccountFilter struct {
	Query         string // name or domain contains, case-insensitive
	Country       string
	Vertical      string
	Sort          string // name, country, created_at, updated_at, id (prefix "-" to reverse)
	Limit, Offset int
}

// PartnerFilter selects partners.
type PartnerFilter struct {
	Query         string
	Tier          tandem.Tier
	Standing      tandem.Standing
	Sort          string // name, tier, created_at, updated_at, id
	Limit, Offset int
}

// UserFilter selects users.
type UserFilter struct {
	Role          tandem.Role
	PartnerID     int64
	Query         string // name or email contains
	Sort          string // name, email, role, id
	Limit, Offset int
}

// RegistrationFilter selects registrations.
type RegistrationFilter struct {
	Status        tandem.RegistrationStatus
	PartnerID     int64
	AccountID     int64
	OpportunityID int64  // the registration linked to one deal (0 for any)
	Query         string // account name contains
	// SubmittedFrom and SubmittedTo bound when it was submitted: from inclusive, to exclusive (zero for no
	// bound).
	SubmittedFrom, SubmittedTo time.Time
	// ExpiresFrom and ExpiresTo bound when its protection expires, the same way (a partner's
	// registrations expiring soon).
	ExpiresFrom, ExpiresTo time.Time
	Sort                   string // submitted_at, account_name, estimated_acv, expires_at, status, id
	Limit, Offset          int
}

// TouchFilter selects partner touches.
type TouchFilter struct {
	OpportunityID int64
	PartnerID     int64
	Sort          string // occurred_at, id
	Limit, Offset int
}

// TerritoryFilter selects territories.
type TerritoryFilter struct {
	Query         string
	Limit, Offset int
}

// ProductFilter selects products.
type ProductFilter struct {
	Query         string
	Type          tandem.ProductType
	Limit, Offset int
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string
	EntityID string
	Action   string
	// From (inclusive) and Before (exclusive) bound when the entries were written; zero for no bound.
	From, Before  time.Time
	Limit, Offset int
}

// ConflictFilter selects conflicts.
type ConflictFilter struct {
	Status        tandem.ConflictStatus
	Cause         tandem.ConflictCause
	Level         tandem.EscalationLevel // 0 for any
	Limit, Offset int
}

// ImportJobFilter selects import jobs, newest first.
type ImportJobFilter struct {
	Status        ImportJobStatus
	Limit, Offset int
}

// Session is a signed-in browser session. The token itself is never stored, only its SHA-256.
type Session struct {
	TokenHash string
	UserID    int64
	CSRFToken string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// ImportJobStatus is where an import job is.
type ImportJobStatus string

const (
	ImportRunning   ImportJobStatus = "running"
	ImportSucceeded ImportJobStatus = "succeeded"
	ImportFailed    ImportJobStatus = "failed"
)

// ImportJob records one import for the progress display and the history.
type ImportJob struct {
	ID         int64               `json:"id"`
	Kind       string              `json:"kind"` // accounts, partners, users, opportunities, registrations, touches
	FileName   string              `json:"file_name"`
	Status     ImportJobStatus     `json:"status"`
	RowsRead   int64               `json:"rows_read"`
	BytesRead  int64               `json:"bytes_read"`
	BytesTotal int64               `json:"bytes_total"`
	Counts     tandem.UpsertCounts `json:"counts"`
	Rejected   int64               `json:"rejected"`
	Error      string              `json:"error,omitempty"`
	// DryRun jobs check the whole file and roll back: their counts say what an import would do.
	DryRun  bool   `json:"dry_run"`
	Mapping string `json:"mapping,omitempty"` // the column mapping: a built-in layout, mapping name or uploaded file
	// Problems are the row problems found (the first MaxImportProblems); ProblemCount counts them all.
	Problems     []ImportProblem `json:"problems,omitempty"`
	ProblemCount int64           `json:"problem_count"`
	HasRejects   bool            `json:"has_rejects"` // a CSV of the rejected rows can be downloaded
	CreatedBy    int64           `json:"created_by,omitempty"`
	StartedAt    time.Time       `json:"started_at"`
	FinishedAt   time.Time       `json:"finished_at,omitzero"`
}
