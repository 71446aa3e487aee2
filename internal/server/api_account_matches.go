package server

import (
	"context"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The account-match review queue: registrations whose company the matcher could not resolve with
// confidence wait here until a person picks the account or says it is new; deciding re-runs conflict
// detection for the registration. Vendor staff only: a partner never learns which account its
// registration was matched to, so partner users get 404 for these routes.

type accountMatchListInput struct {
	Status string `query:"status" enum:"review,auto,resolved" doc:"default review: the queue"`
	PageParams
}

type accountMatchResolveInput struct {
	IDParam
	Body struct {
		AccountID int64 `json:"account_id,omitempty" minimum:"0" doc:"the account the registration is for"`
		New       bool  `json:"new,omitempty" doc:"true: the company is not an existing account"`
	}
}

// accountMatchResolved is a decided account match and how many conflicts its registration opened on the
// detection that followed.
type accountMatchResolved struct {
	sqlstore.AccountMatch
	ConflictsOpened int `json:"conflicts_opened"`
	// AutoApproved: the registration waited for its account alone and the system approved it.
	AutoApproved bool `json:"auto_approved,omitempty"`
}

func (s *Server) registerAccountMatchAPI() {
	register(s.api, opGet("list-account-matches", "/account-matches", "List account matches",
		"The review queue by default (status=review), oldest first, each with the matcher's score, reason and best candidates."),
		pageFor(s, s.store.ListAccountMatches, func(in *accountMatchListInput) sqlstore.AccountMatchFilter {
			return sqlstore.AccountMatchFilter{Status: in.Status, Limit: in.Limit, Offset: in.Offset}
		}))
	register(s.api, op(http.MethodPost, "resolve-account-match", "/account-matches/{id}", "Resolve an account match",
		"Give account_id, or new: true when the company is not an existing account. Only a match in review can be "+
			"resolved (409 otherwise). Conflict detection then runs again for the registration, and so does the "+
			"auto-approval, which waits for the account to be known."),
		func(ctx context.Context, in *accountMatchResolveInput) (*bodyOutput[accountMatchResolved], error) {
			actor := actorFrom(ctx)
			b := in.Body
			if (b.AccountID == 0) == !b.New {
				return nil, s.problem(ctx, tandem.FieldError("account_id", "give either account_id or new: true"))
			}
			m, err := s.store.ResolveAccountMatch(ctx, actor, in.ID, b.AccountID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			opened := s.detectRegistrationConflicts(ctx, actor, m.RegistrationID)
			auto := s.autoApproveAfterResolution(ctx, m.RegistrationID, opened)
			return ok(accountMatchResolved{AccountMatch: *m, ConflictsOpened: opened, AutoApproved: auto}), nil
		})
}
