package server

import (
	"net/http"
	"regexp"
	"testing"
)

// TestRegisterFormShowsEveryError: an empty name, a bad email and ACV "12x" are all reported at once, each
// next to its own field (issue 10 #6).
func TestRegisterFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		partner, csrf := e.signIn("user@alpha.test")
		res := e.post(partner, csrf, "/portal/register", regForm("account_name", "", "contact_email", "nina.northwind.test", "estimated_acv", "12x"))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.status)
		}
		for _, field := range []string{"account_name", "contact_email", "estimated_acv"} {
			next := regexp.MustCompile(`name="` + field + `"[^>]*>\s*<span class="field-error"[^>]*>([^<]+)`)
			if next.FindSubmatch(res.body) == nil {
				t.Errorf("no error next to %s:\n%s", field, res.body)
			}
		}
	})
}
