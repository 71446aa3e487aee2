package server

import (
	"context"
	"net/http"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// "Sign out everywhere": every session and API token of a user ends at once. A password change ends
// the user's sessions but keeps its API tokens (scripts are not tied to a password); this is how to
// end those too, after a leak or when someone leaves.

func (s *Server) registerRevokeAccessAPI() {
	register(s.api, op(http.MethodPost, "revoke-user-access", "/users/{id}/revoke-access", "Sign a user out everywhere",
		"Ends every browser session and revokes every API token of the user, the caller's own included when it is "+
			"the same user. A user may do it for themself, an admin for anyone."),
		func(ctx context.Context, in *IDParam) (*bodyOutput[sqlstore.RevokedAccess], error) {
			out, err := s.store.RevokeAllAccess(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(out), nil
		})
}

// signoutEverywhere is the layout's "Sign out everywhere" button: the signed-in user's own sessions
// and tokens, then the sign-in page.
func (s *Server) signoutEverywhere(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.RevokeAllAccess(r.Context(), actorFrom(r.Context()), actorFrom(r.Context()).UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	clearSessionCookie(w, s.cfg.SecureCookies)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
