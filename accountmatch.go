package tandem

import "time"

// MatchAccount is an account as the account matcher reads it from the account base.
type MatchAccount struct {
	ID      string
	Name    string
	Domain  string // website; any of "acme.com", "https://www.acme.com/about", "sales@acme.com"
	Country string // ISO code or a common English name; compared only when both sides have one
}

// ChangeCursor is a position in the account base's change order: (updated at, id).
type ChangeCursor struct {
	At  time.Time
	Seq int64
}

// After reports whether c comes after o.
func (c ChangeCursor) After(o ChangeCursor) bool {
	return c.At.After(o.At) || c.At.Equal(o.At) && c.Seq > o.Seq
}

// AccountDecision is what the account matcher decided about a company.
type AccountDecision string

const (
	AccountDecisionMatch  AccountDecision = "match"  // confidently an existing account
	AccountDecisionReview AccountDecision = "review" // plausible, but a person should confirm (review queue)
	AccountDecisionNew    AccountDecision = "new"    // nothing close: a new account
)

// AccountMatchCandidate is one account the matcher considered.
type AccountMatchCandidate struct {
	AccountID int64   `json:"account_id"`
	Name      string  `json:"name"`
	Score     float64 `json:"score"`
	Reason    string  `json:"reason"`
}

// AccountResolution is the matcher's outcome for a registration's company, as the store records it:
// AccountID is the account of a match, Candidates the best three, best first.
type AccountResolution struct {
	Decision   AccountDecision
	AccountID  int64
	Score      float64
	Reason     string
	Candidates []AccountMatchCandidate
}
