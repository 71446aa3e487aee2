package server

import (
	"net/http"
	"strings"
	"testing"
)

// The search API and page: staff find every kind, partner A never finds partner B's partner, account,
// deal or registration, nor people; a one-letter search is refused with the field named.
func TestSearch(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		var all struct {
			Accounts           []struct{ Name string } `json:"accounts"`
			OpportunitiesTotal int                     `json:"opportunities_total"`
			RegistrationsTotal int                     `json:"registrations_total"`
			PartnersTotal      int                     `json:"partners_total"`
			PeopleTotal        int                     `json:"people_total"`
		}
		res := e.do("revops", "GET", "/api/v1/search?q=berg", nil)
		if res.status != http.StatusOK {
			t.Fatalf("staff search: %d %s", res.status, res.body)
		}
		res.json(t, &all)
		if len(all.Accounts) != 1 || all.OpportunitiesTotal != 1 || all.RegistrationsTotal != 1 {
			t.Errorf("staff search for berg: %s", res.body)
		}
		res = e.do("revops", "GET", "/api/v1/search?q=beta", nil)
		res.json(t, &all)
		if all.PartnersTotal != 1 || all.PeopleTotal != 1 { // Beta Systems and Bob Beta
			t.Errorf("staff search for beta: %s", res.body)
		}
		res = e.do("revops", "GET", "/api/v1/search?q=alice", nil)
		res.json(t, &all)
		if all.PeopleTotal != 1 {
			t.Errorf("staff search for alice: %s", res.body)
		}

		for _, q := range []string{"berg", "beta", "bob"} {
			res := e.do("partner_a", "GET", "/api/v1/search?q="+q, nil)
			if res.status != http.StatusOK {
				t.Fatalf("partner search %q: %d %s", q, res.status, res.body)
			}
			for _, leak := range []string{"Bergmann", "Beta Systems", "Bob", "user@beta"} {
				if strings.Contains(string(res.body), leak) {
					t.Errorf("partner A's search for %q shows %q: %s", q, leak, res.body)
				}
			}
		}
		res = e.do("partner_a", "GET", "/api/v1/search?q=acme", nil)
		res.json(t, &all)
		if len(all.Accounts) != 1 || all.OpportunitiesTotal != 1 || all.RegistrationsTotal != 1 {
			t.Errorf("partner A's search for its own acme: %s", res.body)
		}
		if res := e.do("partner_a", "GET", "/api/v1/search?q=a", nil); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "q") {
			t.Errorf("one-letter search: %d %s", res.status, res.body)
		}

		// The page groups what it finds by kind, with links, and leaves out partner B's records.
		c, _ := e.signIn("user@alpha.test")
		page := e.get(c, "/search?q=acme")
		body := string(page.body)
		if page.status != http.StatusOK || !strings.Contains(body, `id="search-opportunities"`) || !strings.Contains(body, "/portal/registrations/") {
			t.Errorf("partner search page: %d %s", page.status, body)
		}
		if strings.Contains(body, `id="search-people"`) {
			t.Error("partner search page has a people group")
		}
		page = e.get(c, "/search?q=berg")
		if strings.Contains(string(page.body), "Bergmann") {
			t.Errorf("partner A's search page shows partner B's Bergmann")
		}
		page = e.get(c, "/search?q=x")
		if !strings.Contains(string(page.body), `id="search-error"`) {
			t.Errorf("one-letter search page has no error: %s", page.body)
		}
		c, _ = e.signIn("revops@vendor.test")
		page = e.get(c, "/search?q=berg")
		for _, want := range []string{`id="search-accounts"`, `id="search-registrations"`, "Bergmann rollout", "/registrations/"} {
			if !strings.Contains(string(page.body), want) {
				t.Errorf("staff search page lacks %q", want)
			}
		}
	})
}
