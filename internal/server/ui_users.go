package server

import (
	"fmt"
	"net/http"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The users admin page (admins): every user, and a button to sign one out everywhere — every session
// ends and every API token is revoked (the store audits it as user.revoke_access), as the API's
// POST /users/{id}/revoke-access does, for a leaked token or someone who left.

// admins may see and act on other users' access.
var admins = allow(tandem.RoleAdmin)

// usersShown bounds the page; the API lists the rest.
const usersShown = 500

type usersData struct {
	Users []tandem.User
	Total int
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	users, total, err := s.store.ListUsers(ctx, actorFrom(ctx), sqlstore.UserFilter{Sort: "name", Limit: usersShown})
	if err != nil {
		return err
	}
	var flash string
	if id, err := strconv.ParseInt(r.URL.Query().Get("signed_out"), 10, 64); err == nil && id > 0 {
		flash = fmt.Sprintf("User #%d is signed out everywhere: every session ended and every API token revoked.", id)
	}
	s.render(w, r, http.StatusOK, "users", view{Title: "Users", Nav: "users", Flash: flash, FlashOK: flash != "",
		Data: usersData{Users: users, Total: total}})
	return nil
}

// userRevokeAccess is the page's "Sign out everywhere" button for one user.
func (s *Server) userRevokeAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if _, err := s.store.RevokeAllAccess(ctx, actorFrom(ctx), id); err != nil {
		return err
	}
	if id == actorFrom(ctx).UserID {
		clearSessionCookie(w, s.cfg.SecureCookies) // the admin signed themself out
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/users?signed_out="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
