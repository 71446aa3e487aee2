package server

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestConflictPageLinksStaffRegistration: the conflict page is for staff, so its registration links go
// to the staff page /registrations/{id}, not to the partner portal's page.
func TestConflictPageLinksStaffRegistration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c := e.openConflict("Direct Dynamics")
		if c.RegistrationID == 0 {
			t.Fatal("the conflict has no registration")
		}
		revops, _ := e.signIn("revops@vendor.test")
		res := e.get(revops, "/conflicts/"+itoa(c.ID))
		wantPage(t, res, http.StatusOK, `href="/registrations/`+itoa(c.RegistrationID)+`"`)
		wantAbsent(t, res, `href="/portal/registrations/`)
		wantPage(t, e.get(revops, "/registrations/"+itoa(c.RegistrationID)), http.StatusOK)
	})
}

// TestConflictResolveFormShowsEveryError (issue 10 #6): a split with a bad share and no rationale
// reports both at once, each next to its field.
func TestConflictResolveFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c := e.openConflict("Direct Dynamics")
		pm, csrf := e.signIn("pm@vendor.test")
		res := e.post(pm, csrf, "/conflicts/"+itoa(c.ID)+"/resolve",
			url.Values{"resolution": {"split"}, "partner_share": {"sixty"}, "rationale": {" "}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.status)
		}
		wantFieldError(t, res, "partner_share")
		wantFieldError(t, res, "rationale")
		res = e.post(pm, csrf, "/conflicts/"+itoa(c.ID)+"/resolve", url.Values{"rationale": {" "}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.status)
		}
		if msg := regexp.MustCompile(`<legend>Decision</legend>(?s:.*?)<span class="field-error"[^>]*>([^<]+)`).FindSubmatch(res.body); msg == nil {
			t.Errorf("no error next to the decision:\n%s", res.body)
		}
		wantFieldError(t, res, "rationale")
	})
}
