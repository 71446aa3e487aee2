package server

import (
	"net/http"
	"testing"
)

// TestApprovalQueueSaysWhy (issue 10 #8): each registration in the queue links to its page and says
// why the system did not approve it, with the account-match review and the overlaps it waits on.
func TestApprovalQueueSaysWhy(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		review := e.registerAsPartnerA(t, doubtfulRegistration)
		var r registrationCreated
		review.json(t, &r)
		c := e.openConflict("Direct Dynamics")
		revops, _ := e.signIn("revops@vendor.test")
		wantPage(t, e.get(revops, "/approvals"), http.StatusOK,
			`href="/registrations/`+itoa(r.ID)+`"`, autoApproveAccount, `href="/account-matches"`,
			autoApproveOverlap, `href="/conflicts/`+itoa(c.ID)+`"`)
	})
}
