// Package registration owns filing a deal registration: the company is resolved to an account by the
// account matcher (in memory, before any transaction), then the registration is submitted through the
// store's lifecycle with that resolution, so the store records the outcome without knowing the
// matcher. The HTTP server and the demo file registrations through a Submitter alike.
package registration

import (
	"context"
	"log/slog"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/match"
)

// Matcher resolves a company to an account; match.Live is the implementation.
type Matcher interface {
	Match(ctx context.Context, q match.Query) (match.Result, error)
}

// Store submits a registration with its account resolution (the SQL store).
type Store interface {
	SubmitResolvedRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration, rules tandem.RegistrationRules,
		resolved *tandem.AccountResolution) error
}

// Submitter files registrations.
type Submitter struct {
	store   Store
	matcher Matcher // nil: registrations are filed unresolved
	log     *slog.Logger
}

// NewSubmitter returns a Submitter over store resolving companies with matcher (nil for none).
func NewSubmitter(store Store, matcher Matcher, logger *slog.Logger) *Submitter {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Submitter{store: store, matcher: matcher, log: logger}
}

// Submit files r as actor under rules: see sqlstore.Store.SubmitResolvedRegistration.
func (s *Submitter) Submit(ctx context.Context, actor tandem.Actor, r *tandem.Registration, rules tandem.RegistrationRules) error {
	return s.store.SubmitResolvedRegistration(ctx, actor, r, rules, s.resolve(ctx, r))
}

// Resolve runs the matcher over r's company before filing, for a caller that needs the account first
// (to take a field the partner left out from it); file with SubmitResolved then, which matches no
// second time.
func (s *Submitter) Resolve(ctx context.Context, r *tandem.Registration) *tandem.AccountResolution {
	return s.resolve(ctx, r)
}

// SubmitResolved files r with the resolution Resolve returned.
func (s *Submitter) SubmitResolved(ctx context.Context, actor tandem.Actor, r *tandem.Registration, rules tandem.RegistrationRules,
	resolved *tandem.AccountResolution) error {
	return s.store.SubmitResolvedRegistration(ctx, actor, r, rules, resolved)
}

// resolve runs the matcher over r's company. It returns nil when there is nothing to record: no
// matcher, r names its account already, or the matcher failed (logged: the registration is filed
// unresolved rather than refused).
func (s *Submitter) resolve(ctx context.Context, r *tandem.Registration) *tandem.AccountResolution {
	if s.matcher == nil || r.AccountID != 0 {
		return nil
	}
	res, err := s.matcher.Match(ctx, match.Query{ID: r.ExternalID, Name: r.AccountName, Domain: r.Website, Country: r.Country})
	if err != nil {
		s.log.ErrorContext(ctx, "account resolution failed", slog.String("registration", r.ExternalID), slog.Any("err", err))
		return nil
	}
	resolved, err := res.Resolution()
	if err != nil {
		s.log.ErrorContext(ctx, "account resolution: bad account id", slog.String("registration", r.ExternalID), slog.Any("err", err))
		return nil
	}
	return resolved
}
