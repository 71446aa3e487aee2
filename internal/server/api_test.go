package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

func TestHealthzAndMetrics(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		if res := e.do("", "GET", "/healthz", nil); res.status != 200 || string(res.body) != "ok\n" {
			t.Fatalf("/healthz = %d %q", res.status, res.body)
		}
		e.do("ae", "GET", "/api/v1/opportunities/"+itoa(e.ids.oppA), nil)
		res := e.do("", "GET", "/metrics", nil)
		body := string(res.body)
		if !strings.Contains(body, `tandem_http_requests_total{code="200",route="GET /api/v1/opportunities/{id}"}`) {
			t.Errorf("/metrics has no series for the route pattern:\n%s", grepLines(body, "tandem_http"))
		}
		if strings.Contains(body, "/opportunities/"+itoa(e.ids.oppA)) {
			t.Error("/metrics labels a series with a record id")
		}
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		t.Run("no credentials", func(t *testing.T) {
			if res := e.do("", "GET", "/api/v1/opportunities", nil); res.status != 401 {
				t.Fatalf("status %d, want 401", res.status)
			}
		})
		t.Run("bad token", func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer tdm_not-a-token")
			if res := e.send(http.DefaultClient, req); res.status != 401 || res.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %s, want a 401 problem", res.status, res.header.Get("Content-Type"))
			}
		})
		t.Run("bearer token", func(t *testing.T) {
			res := e.do("ae", "GET", "/api/v1/me", nil)
			var me meBody
			res.json(t, &me)
			if res.status != 200 || me.User.Email != "ae@vendor.test" {
				t.Fatalf("status %d, me = %+v", res.status, me)
			}
		})
		t.Run("bad password", func(t *testing.T) {
			c := e.browser()
			res := e.postForm(c, "/signin", url.Values{"email": {"ae@vendor.test"}, "password": {"wrong"}}, "")
			if res.status != 401 || !strings.Contains(string(res.body), "wrong email or password") {
				t.Fatalf("status %d, want 401 with a message", res.status)
			}
			res = e.postForm(c, "/signin", url.Values{"email": {"nobody@vendor.test"}, "password": {"wrong"}}, "")
			if res.status != 401 {
				t.Fatalf("unknown email: status %d, want 401", res.status)
			}
		})
		t.Run("session cookie", func(t *testing.T) {
			c, _ := e.signIn("ae@vendor.test")
			res := e.get(c, "/api/v1/me")
			if res.status != 200 || !strings.Contains(string(res.body), "ae@vendor.test") {
				t.Fatalf("GET /api/v1/me with the session: %d %s", res.status, res.body)
			}
			u, _ := url.Parse(e.http.URL)
			for _, ck := range c.Jar.Cookies(u) {
				if ck.Name == sessionCookie && len(ck.Value) < 40 {
					t.Errorf("session token %q is short", ck.Value)
				}
			}
			if res := e.get(c, "/"); res.status != 200 || !strings.Contains(string(res.body), "motion-chart") {
				t.Fatalf("dashboard with the session: %d", res.status)
			}
		})
		t.Run("sign-in cookie flags", func(t *testing.T) {
			res := e.postForm(e.browser(), "/signin", url.Values{"email": {"ae@vendor.test"}, "password": {testPassword}}, "")
			ck := res.header.Get("Set-Cookie")
			for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(ck, want) {
					t.Errorf("Set-Cookie %q lacks %s", ck, want)
				}
			}
		})
		t.Run("anonymous page redirects to sign-in", func(t *testing.T) {
			res := e.get(e.browser(), "/opportunities")
			if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
				t.Fatalf("status %d location %q", res.status, res.header.Get("Location"))
			}
		})
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, csrf := e.signIn("revops@vendor.test")
		body := `{"name":"CSRF test account","vertical":"technology","country":"US"}`
		post := func(header map[string]string) response {
			req, _ := http.NewRequest("POST", e.http.URL+"/api/v1/accounts", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range header {
				req.Header.Set(k, v)
			}
			return e.send(c, req)
		}
		tests := []struct {
			name   string
			header map[string]string
			want   int
		}{
			{"no token", nil, 403},
			{"wrong token", map[string]string{csrfHeader: "nope"}, 403},
			{"cross origin", map[string]string{csrfHeader: csrf, "Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"}, 403},
			{"right token", map[string]string{csrfHeader: csrf}, 201},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if res := post(tc.header); res.status != tc.want {
					t.Fatalf("status %d, want %d: %s", res.status, tc.want, res.body)
				}
			})
		}
		t.Run("form without token", func(t *testing.T) {
			res := e.postForm(c, "/policy/publish", url.Values{"source": {"x"}}, "")
			if res.status != 403 {
				t.Fatalf("status %d, want 403", res.status)
			}
		})
		t.Run("cross-origin form", func(t *testing.T) {
			res := e.postForm(c, "/signout", url.Values{"csrf_token": {csrf}}, "https://evil.test")
			if res.status != 403 {
				t.Fatalf("status %d, want 403", res.status)
			}
		})
		t.Run("bearer needs no CSRF token", func(t *testing.T) {
			if res := e.do("revops", "POST", "/api/v1/accounts", `{"name":"Token account"}`); res.status != 201 {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
		})
	})
}

func TestRolePermissions(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		acct := itoa(e.ids.accountD)
		oppBody := `{"name":"Perm deal","account_id":` + acct + `,"acv":1000000}`
		tests := []struct {
			role, method, path, body string
			want                     int
		}{
			{"ae", "GET", "/api/v1/audit", "", 200},
			{"cro", "GET", "/api/v1/audit", "", 200},
			{"partner_a", "GET", "/api/v1/audit", "", 404},
			{"ae", "POST", "/api/v1/users", `{"email":"x@vendor.test","name":"X","role":"ae"}`, 403},
			{"revops", "POST", "/api/v1/users", `{"email":"x@vendor.test","name":"X","role":"ae"}`, 201},
			{"revops", "POST", "/api/v1/users", `{"email":"y@vendor.test","name":"Y","role":"admin"}`, 403},
			{"admin", "POST", "/api/v1/users", `{"email":"y@vendor.test","name":"Y","role":"admin"}`, 201},
			{"cro", "POST", "/api/v1/opportunities", oppBody, 403},
			{"ae", "POST", "/api/v1/opportunities", oppBody, 201},
			{"partner_a", "POST", "/api/v1/opportunities", oppBody, 404},
			{"ae", "POST", "/api/v1/policy/versions", `{"source":"x"}`, 403},
			{"ae", "GET", "/api/v1/policy", "", 200},
			{"partner_a", "GET", "/api/v1/policy", "", 200},
			{"partner_a", "GET", "/api/v1/users", "", 404},
			{"partner_manager", "POST", "/api/v1/partners", `{"name":"Gamma"}`, 201},
			{"ae", "POST", "/api/v1/partners", `{"name":"Delta"}`, 403},
			{"ae", "POST", "/api/v1/opportunities", `{"name":"","account_id":` + acct + `}`, 422},
			{"ae", "GET", "/api/v1/opportunities?sort=bogus", "", 422},
			{"ae", "GET", "/api/v1/opportunities/999999", "", 404},
		}
		for _, tc := range tests {
			t.Run(tc.role+" "+tc.method+" "+tc.path, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				res := e.do(tc.role, tc.method, tc.path, body)
				if res.status != tc.want {
					t.Fatalf("status %d, want %d: %s", res.status, tc.want, res.body)
				}
				if res.status >= 400 && !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("error content type %q, want application/problem+json", res.header.Get("Content-Type"))
				}
			})
		}
	})
}

func TestRoutingOnCreateAndUpdate(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		var created tandem.Opportunity
		res := e.do("ae", "POST", "/api/v1/opportunities", map[string]any{
			"name": "Routed deal", "account_id": e.ids.accountD, "acv": 150_000_000, "country": "US", "stage": "qualified"})
		if res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
		res.json(t, &created)
		active, v, err := e.srv.activePolicy(t.Context())
		must(t, err)
		r := created.Routing
		if r.Motion == "" || r.Rule == "" || r.Explanation == "" || r.PolicyVersion != active.Version() {
			t.Fatalf("created deal routing = %+v; want motion, rule, explanation and version %s (stored #%d)", r, active.Version(), v.ID)
		}
		var got tandem.Opportunity
		e.do("ae", "GET", "/api/v1/opportunities/"+itoa(created.ID), nil).json(t, &got)
		if got.Routing.Rule != r.Rule || got.Routing.PolicyVersion != r.PolicyVersion {
			t.Fatalf("stored routing %+v differs from the created one %+v", got.Routing, r)
		}
		// A small add-on deal with a partner routes differently from a big direct core deal.
		var updated tandem.Opportunity
		res = e.do("ae", "PATCH", "/api/v1/opportunities/"+itoa(created.ID), map[string]any{
			"acv": 2_000_000, "product_type": "addon", "partner_id": e.ids.partnerA})
		if res.status != 200 {
			t.Fatalf("update: %d %s", res.status, res.body)
		}
		res.json(t, &updated)
		if updated.Routing.Rule == "" || updated.ACV != 2_000_000 || updated.PartnerID != e.ids.partnerA {
			t.Fatalf("updated = %+v", updated)
		}
		if updated.Routing.Rule == r.Rule && updated.Routing.Motion == r.Motion {
			t.Errorf("update did not re-route: still %s by %s", r.Motion, r.Rule)
		}
	})
}

func itoa(n int64) string { return strconvFormat(n) }

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	ctx := t.Context()
	for range e.srv.cfg.SignInFailures {
		if _, _, err := e.srv.signIn(ctx, "ae@vendor.test", "guess", "192.0.2.1"); tandem.ErrorCode(err) != tandem.EUNAUTH {
			t.Fatalf("wrong password: %v", err)
		}
	}
	_, _, err := e.srv.signIn(ctx, "ae@vendor.test", testPassword, "192.0.2.1")
	if err == nil || !strings.Contains(err.Error(), "too many") {
		t.Fatalf("the right password after too many failures: %v, want refused", err)
	}
	if _, _, err := e.srv.signIn(ctx, "ae@vendor.test", testPassword, "192.0.2.2"); err != nil {
		t.Fatalf("another address is refused too: %v", err)
	}
}
