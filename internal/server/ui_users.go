package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The users admin page (admins): every user, and a button to sign one out everywhere — every session
// ends and every API token is revoked (the store audits it as user.revoke_access), as the API's
// POST /users/{id}/revoke-access does, for a leaked token or someone who left.

// admins may see and act on other users' access.
var admins = allow(tandem.RoleAdmin)

type usersData struct {
	Users     []userRow
	Total     int
	TotalText string
	Query     string
	Role      string
	Roles     []tandem.Role
	Partners  []partnerOption
	Pager     pager
}

// userRow is a user as the list shows it, with its partner's name.
type userRow struct {
	tandem.User
	Partner string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	lp.Filters.Del("signed_out") // the flash of the last sign-out, not a filter to keep
	q := lp.Query
	f := sqlstore.UserFilter{Sort: "name", Query: strings.TrimSpace(q.Get("q")), Role: tandem.Role(q.Get("role"))}
	if f.Role != "" && !slices.Contains(tandem.Roles, f.Role) {
		return tandem.FieldError("role", "%q is not a role", f.Role)
	}
	if v := q.Get("partner_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return tandem.FieldError("partner_id", "%q is not a partner id", v)
		}
		f.PartnerID = id
	}
	users, total, names, err := partnerListRows(s, r, lp, func(limit, offset int) ([]tandem.User, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListUsers(ctx, actor, f)
	})
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeRowsCSV(w, "users", s.now(), []string{"id", "name", "email", "role", "partner", "disabled"}, users, total,
			func(u tandem.User) []string {
				return []string{strconv.FormatInt(u.ID, 10), u.Name, u.Email, string(u.Role), names[u.PartnerID], strconv.FormatBool(u.Disabled)}
			})
	}
	d := usersData{Total: total, TotalText: count(total), Query: f.Query, Role: string(f.Role), Roles: tandem.Roles,
		Pager: lp.Pager(total, len(users))}
	for _, u := range users {
		d.Users = append(d.Users, userRow{User: u, Partner: names[u.PartnerID]})
	}
	for id, name := range names {
		d.Partners = append(d.Partners, partnerOption{ID: id, Name: name, Selected: f.PartnerID == id})
	}
	sortPartnerOptions(d.Partners)
	var flash string
	if id, err := strconv.ParseInt(q.Get("signed_out"), 10, 64); err == nil && id > 0 {
		flash = fmt.Sprintf("User #%d is signed out everywhere: every session ended and every API token revoked.", id)
	}
	s.render(w, r, http.StatusOK, "users", view{Title: "Users", Nav: "users", Flash: flash, FlashOK: flash != "", Data: d})
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
