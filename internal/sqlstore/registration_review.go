package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// RegistrationReview is what stands between a submitted registration and its approval, as the vendor's
// staff see it: the open conflicts it is party to and the account matcher's decision about its company
// (nil when the company was never matched). Partner users see none of it.
type RegistrationReview struct {
	OpenConflicts []tandem.Conflict `json:"open_conflicts"`
	AccountMatch  *AccountMatch     `json:"account_match,omitempty"`
}

// AccountInReview reports whether the registration's company waits for a person to pick its account.
func (v RegistrationReview) AccountInReview() bool {
	return v.AccountMatch != nil && v.AccountMatch.Status == AccountMatchReview
}

// RegistrationReview returns the review state of registration id. ENOTFOUND for partner users and for
// a registration actor cannot see.
func (s *Store) RegistrationReview(ctx context.Context, actor tandem.Actor, id int64) (*RegistrationReview, error) {
	if actor.IsPartner() {
		return nil, tandem.NotFound("registration review", id)
	}
	if _, err := s.GetRegistration(ctx, actor, id); err != nil {
		return nil, err
	}
	out := &RegistrationReview{OpenConflicts: []tandem.Conflict{}}
	err := eachRow(ctx, s.read, `SELECT `+conflictColumns+` FROM conflicts
		WHERE status = $1 AND (registration_id = $2 OR other_registration_id = $2) ORDER BY opened_at, id`,
		[]any{string(tandem.ConflictOpen), id}, func(scan func(...any) error) error {
			c, err := scanConflict(scan)
			if err != nil {
				return err
			}
			out.OpenConflicts = append(out.OpenConflicts, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("open conflicts of registration %d: %w", id, err)
	}
	// The latest decision about the company: a registration has at most one, but the newest wins.
	m, err := scanAccountMatch(s.read.QueryRowContext(ctx, `SELECT `+accountMatchColumns+` FROM `+accountMatchFrom+`
		WHERE m.registration_id = $1 ORDER BY m.id DESC LIMIT 1`, id).Scan)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("account match of registration %d: %w", id, err)
	default:
		out.AccountMatch = &m
	}
	return out, nil
}
