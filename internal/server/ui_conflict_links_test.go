package server

import (
	"net/http"
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
