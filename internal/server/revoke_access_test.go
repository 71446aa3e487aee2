package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/auth"
)

// Finding 7: API tokens survived a password change and there was no way to end a user's access at
// once. POST /users/{id}/revoke-access (and the layout's "Sign out everywhere") ends every session and
// revokes every token; a user may do it for themself, an admin for anyone.
func TestRevokeAccessRoleScoping(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		id := func(email string) string {
			u, _, err := e.store.UserByEmail(ctx, email)
			must(t, err)
			return itoa(u.ID)
		}
		path := func(email string) string { return APIPrefix + "/users/" + id(email) + "/revoke-access" }
		tests := []struct {
			role, path string
			want       int
		}{
			{"ae", path("admin@vendor.test"), 403},
			{"revops", path("ae@vendor.test"), 403}, // only an admin signs others out
			{"cro", path("ae@vendor.test"), 403},
			{"partner_a", path("user@beta.test"), 404}, // a partner cannot probe for users
			{"partner_a", path("ae@vendor.test"), 404},
			{"admin", APIPrefix + "/users/999999/revoke-access", 404},
			{"", path("ae@vendor.test"), 401},
			{"admin", path("ae@vendor.test"), 200},
			{"partner_b", path("user@beta.test"), 200}, // themself
		}
		for _, tc := range tests {
			res := e.do(tc.role, "POST", tc.path, nil)
			if res.status != tc.want {
				t.Errorf("%s POST %s: %d, want %d: %s", tc.role, tc.path, res.status, tc.want, res.body)
			}
		}
		// The AE's and partner B's tokens are dead now; the others still work.
		for role, want := range map[string]int{"ae": 401, "partner_b": 401, "partner_a": 200, "revops": 200} {
			if res := e.do(role, "GET", APIPrefix+"/me", nil); res.status != want {
				t.Errorf("%s after revocations: GET /me %d, want %d", role, res.status, want)
			}
		}
	})
}

func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	ctx := context.Background()
	laptop, csrf := e.signIn("pm@vendor.test")
	phone, _ := e.signIn("pm@vendor.test")
	get := func(c *http.Client) int { return e.get(c, "/registrations").status }
	if get(phone) != 200 || get(laptop) != 200 {
		t.Fatal("signed-in sessions refused")
	}
	// A password change ends the sessions but keeps the API token (README: "Signing out everywhere").
	u, _, err := e.store.UserByEmail(ctx, "pm@vendor.test")
	must(t, err)
	tok := auth.NewAPIToken()
	_, err = e.store.CreateAPIToken(ctx, u.ID, "script", auth.HashToken(tok))
	must(t, err)

	res := e.postForm(laptop, "/signout/everywhere", url.Values{"csrf_token": {csrf}}, e.http.URL)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/signin" {
		t.Fatalf("sign out everywhere: %d %s", res.status, res.header.Get("Location"))
	}
	if got := get(phone); got != http.StatusSeeOther {
		t.Errorf("the other session after signing out everywhere: %d, want a redirect to sign in", got)
	}
	req, err := http.NewRequest("GET", e.http.URL+APIPrefix+"/me", nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	if got := e.send(http.DefaultClient, req).status; got != 401 {
		t.Errorf("the user's API token after signing out everywhere: %d, want 401", got)
	}
	// Without the session's CSRF token nothing happens.
	other, _ := e.signIn("ae@vendor.test")
	if res := e.postForm(other, "/signout/everywhere", url.Values{}, e.http.URL); res.status != http.StatusForbidden {
		t.Errorf("sign out everywhere without a CSRF token: %d, want 403", res.status)
	}
}

// The users admin page signs another user out everywhere: admins only (others 403, partner users 404),
// the form needs the session's CSRF token, and the revocation is audited.
func TestUsersPageSignsAUserOutEverywhere(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		ae, _, err := e.store.UserByEmail(ctx, "ae@vendor.test")
		must(t, err)
		revoke := "/users/" + itoa(ae.ID) + "/revoke-access"
		for email, want := range map[string]int{"revops@vendor.test": 403, "ae@vendor.test": 403, "user@alpha.test": 404} {
			c, csrf := e.signIn(email)
			if res := e.get(c, "/users"); res.status != want {
				t.Errorf("%s GET /users: %d, want %d", email, res.status, want)
			}
			if res := e.postForm(c, revoke, url.Values{"csrf_token": {csrf}}, e.http.URL); res.status != want {
				t.Errorf("%s POST %s: %d, want %d", email, revoke, res.status, want)
			}
		}
		if res := e.get(e.browser(), "/users"); res.status != http.StatusSeeOther {
			t.Errorf("anonymous GET /users: %d, want a redirect to sign in", res.status)
		}
		admin, csrf := e.signIn("admin@vendor.test")
		page := e.get(admin, "/users")
		if page.status != 200 || !strings.Contains(string(page.body), `action="`+revoke+`"`) {
			t.Fatalf("admin GET /users: %d, no sign-out button for the AE: %.500s", page.status, page.body)
		}
		if res := e.postForm(admin, revoke, url.Values{}, e.http.URL); res.status != http.StatusForbidden {
			t.Errorf("POST without the CSRF token: %d, want 403", res.status)
		}
		if res := e.do("ae", "GET", APIPrefix+"/me", nil); res.status != 200 {
			t.Fatalf("the AE's token was revoked by a refused request: %d", res.status)
		}
		res := e.postForm(admin, revoke, url.Values{"csrf_token": {csrf}}, e.http.URL)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/users?signed_out=") {
			t.Fatalf("admin signs the AE out: %d %s", res.status, res.header.Get("Location"))
		}
		if res := e.do("ae", "GET", APIPrefix+"/me", nil); res.status != 401 {
			t.Errorf("the AE's token after the admin signed them out: %d, want 401", res.status)
		}
		audit := e.do("admin", "GET", APIPrefix+"/audit?action=user.revoke_access&entity_id="+itoa(ae.ID), nil)
		if !strings.Contains(string(audit.body), `"actor":"admin@vendor.test"`) {
			t.Errorf("the sign-out is not in the audit log as the admin's: %.500s", audit.body)
		}
	})
}
