package tandem

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// What channel-conflict detection (internal/conflicts) reads and writes through the store: the claims
// and direct deals on one customer, and the conflicts it opens. Detection decides; the store reads the
// candidates by its indexed keys and writes in one transaction.

// AccountIdentity is how detection recognises one customer across records: by account id when both
// sides are resolved to an account, otherwise by normalised name or website domain. The store builds
// it with the same normalisation as its match keys.
type AccountIdentity struct {
	ID      int64
	Names   []string
	Domains []string
}

// SameAs reports whether a and b are one customer.
func (a AccountIdentity) SameAs(b AccountIdentity) bool {
	if a.ID != 0 && b.ID != 0 {
		return a.ID == b.ID
	}
	for _, n := range a.Names {
		if slices.Contains(b.Names, n) {
			return true
		}
	}
	for _, d := range a.Domains {
		if slices.Contains(b.Domains, d) {
			return true
		}
	}
	return false
}

// ConflictClaim is a registration as detection sees it, with its partner's tier, its account's owner
// and its deal's routing rule.
type ConflictClaim struct {
	ID, PartnerID, AccountID, OpportunityID, AEID int64
	Status                                        RegistrationStatus
	ProductType                                   ProductType
	SubmittedAt, ExpiresAt                        time.Time
	ACV                                           Money
	Tier                                          Tier
	Rule                                          string
	Who                                           AccountIdentity
}

// ActiveAt reports whether the claim protects its deal at now: submitted, or approved and not expired.
func (c ConflictClaim) ActiveAt(now time.Time) bool {
	return c.Status == RegistrationSubmitted ||
		(c.Status == RegistrationApproved && (c.ExpiresAt.IsZero() || c.ExpiresAt.After(now)))
}

// DirectDeal is an open opportunity without a partner, as detection sees it.
type DirectDeal struct {
	ID, AccountID, OwnerID int64
	ACV                    Money
	Rule                   string
	Who                    AccountIdentity
}

// ConflictPairKey names a pair of claims (two registrations, or a registration and an opportunity) so
// that only one conflict can be open about it, whatever its cause.
func ConflictPairKey(kind string, a, b int64) string {
	if kind == "regs" && b < a {
		a, b = b, a
	}
	return kind + ":" + strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10)
}

// ConflictCandidates reads what detection compares, as one actor at one instant.
type ConflictCandidates interface {
	// Now is the instant the reads and writes are stamped with.
	Now() time.Time
	// Claim returns registration id; ENOTFOUND when the actor cannot see it.
	Claim(ctx context.Context, id int64) (ConflictClaim, error)
	// ApprovedClaimsOf returns the approved, unexpired registrations of opportunity id, first
	// submitted first.
	ApprovedClaimsOf(ctx context.Context, opportunityID int64) ([]ConflictClaim, error)
	// ClaimsOn returns the registrations that may be on the customer who is, by account and match
	// keys, first submitted first: of any status and product type, and not yet compared exactly.
	ClaimsOn(ctx context.Context, who AccountIdentity) ([]ConflictClaim, error)
	// OpenDirectDealsOn returns the open opportunities without a partner of product type pt on the
	// accounts the customer who may be, not yet compared exactly.
	OpenDirectDealsOn(ctx context.Context, pt ProductType, who AccountIdentity) ([]DirectDeal, error)
	// Account returns account id's owner and identity.
	Account(ctx context.Context, id int64) (ownerID int64, who AccountIdentity, err error)
}

// ConflictDetectionTx is ConflictCandidates inside the transaction that opens the conflicts.
type ConflictDetectionTx interface {
	ConflictCandidates
	// OpenConflict opens d at level 1 unless a conflict with pairKey is open already, logs and audits
	// the opening, and reports whether it opened one (filling d's id, level and due time).
	OpenConflict(ctx context.Context, d *ConflictDetail, pairKey string) (bool, error)
	// FlagCannibalisation flags opportunity id for commission forfeit and performance review.
	FlagCannibalisation(ctx context.Context, opportunityID int64) error
}

// ConflictReviewRow is what the quarterly pattern review counts of one conflict.
type ConflictReviewRow struct {
	Cause                ConflictCause
	Rule                 string
	ACV                  Money
	Status               ConflictStatus
	Level                EscalationLevel
	OpenedAt, ResolvedAt time.Time
	PartnerID            int64
	PartnerName          string
	AEID                 int64
	AEName               string
}

// ReviewCount is how many conflicts share one value of a dimension of the pattern review.
type ReviewCount struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty" doc:"the partner's or AE's name"`
	Count int    `json:"count"`
}

// LevelShare is how many of the resolved conflicts were resolved at one level, and their share.
type LevelShare struct {
	Level    EscalationLevel `json:"level"`
	Resolved int             `json:"resolved"`
	Share    float64         `json:"share" doc:"of all resolved conflicts, 0 to 1 (about 0.9 expected at level 1)"`
}

// ConflictReview is the quarterly pattern review of the conflicts opened in [From, To).
type ConflictReview struct {
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Opened    int           `json:"opened"`
	Resolved  int           `json:"resolved"`
	Open      int           `json:"open"`
	ByCause   []ReviewCount `json:"by_cause"`
	ByRule    []ReviewCount `json:"by_rule" doc:"most conflicts first: the rules to look at changing"`
	BySegment []ReviewCount `json:"by_segment"`
	ByPartner []ReviewCount `json:"by_partner"`
	ByAE      []ReviewCount `json:"by_ae"`
	// ResolvedAtLevel has one row per level, 1 to 4.
	ResolvedAtLevel []LevelShare `json:"resolved_at_level"`
	// MedianSecondsToResolution is the median wall-clock time from opening to resolution (0 when none).
	MedianSecondsToResolution int64 `json:"median_seconds_to_resolution"`
}
