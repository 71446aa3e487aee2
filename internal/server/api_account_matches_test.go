package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestAccountMatchAPI: a registration whose company the matcher cannot resolve with confidence waits
// in the review queue; the partner learns nothing of it; resolving it re-runs detection, which then
// finds the direct deal on the chosen account.
func TestAccountMatchAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		res := e.registerAsPartnerA(t, doubtfulRegistration)
		for _, leak := range []string{`"account_id"`, "review", "Direct Dynamics platform"} {
			if strings.Contains(string(res.body), leak) {
				t.Errorf("the partner's response leaks %q: %s", leak, res.body)
			}
		}
		if res := e.do("partner_a", http.MethodGet, APIPrefix+"/account-matches", nil); res.status != http.StatusNotFound {
			t.Errorf("partner lists account matches: %d %s", res.status, res.body)
		}

		var queue listBody[sqlstore.AccountMatch]
		e.do("revops", http.MethodGet, APIPrefix+"/account-matches?status=review", nil).json(t, &queue)
		if queue.Total != 1 || queue.Items[0].CandidateID != e.ids.accountD || queue.Items[0].Reason == "" {
			t.Fatalf("review queue %+v", queue)
		}
		m := queue.Items[0]
		path := APIPrefix + "/account-matches/" + itoa(m.ID)
		if res := e.do("revops", http.MethodPost, path, `{}`); res.status != http.StatusUnprocessableEntity {
			t.Errorf("neither account nor new: %d %s", res.status, res.body)
		}
		if res := e.do("ae", http.MethodPost, path, `{"account_id":`+itoa(e.ids.accountD)+`}`); res.status != http.StatusNotFound &&
			res.status != http.StatusForbidden {
			t.Errorf("an AE resolves: %d %s", res.status, res.body)
		}
		var resolved accountMatchResolved
		res = e.do("partner_manager", http.MethodPost, path, `{"account_id":`+itoa(e.ids.accountD)+`}`)
		if res.status != http.StatusOK {
			t.Fatalf("resolve: %d %s", res.status, res.body)
		}
		res.json(t, &resolved)
		if resolved.Status != sqlstore.AccountMatchResolved || resolved.ResolvedAccountID != e.ids.accountD || resolved.ConflictsOpened != 1 {
			t.Errorf("resolved %+v, want the direct overlap opened", resolved)
		}
		if res := e.do("partner_manager", http.MethodPost, path, `{"new":true}`); res.status != http.StatusConflict {
			t.Errorf("resolving twice: %d %s", res.status, res.body)
		}
		// Still nothing for the partner: its registration shows no account.
		res = e.do("partner_a", http.MethodGet, APIPrefix+"/registrations/"+itoa(m.RegistrationID), nil)
		if res.status != http.StatusOK || strings.Contains(string(res.body), `"account_id"`) {
			t.Errorf("partner reads its registration: %d %s", res.status, res.body)
		}
	})
}
