package tandem

import "time"

// Payout is one payment actually made to a payee for a compensation period, as a payout file lists it
// and the store records it for reconciliation.
type Payout struct {
	Line      int    // the file line it came from
	Period    string // a quarter id, "2026-Q3"
	PayeeKind string // "ae" or "partner"
	PayeeID   int64
	Amount    Money
	Reference string // the payment's reference, unique per payee and period
}

// PayoutImport is one imported payout file.
type PayoutImport struct {
	ID         int64     `json:"id"`
	FileName   string    `json:"file_name"`
	Rows       int       `json:"rows" doc:"payouts imported"`
	Total      Money     `json:"total" doc:"sum of the amounts, minor units"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy int64     `json:"imported_by,omitempty"`
}

// PayeeRecord is a payee a payout file may name: an AE (by Email) or a partner (by ExternalID or Name).
type PayeeRecord struct {
	ID         int64
	Email      string
	ExternalID string
	Name       string
}
