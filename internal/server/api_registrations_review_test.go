package server

import (
	"net/http"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestAutoApprovalWaitsForAccountReview (issue 10 #3): a registration whose company waits in the
// account-match review is not auto-approved on submission; once a person resolves the account it is
// approved by the system when nothing else stands in the way (a new account), and stays in the queue
// when the chosen account makes it overlap a direct deal.
func TestAutoApprovalWaitsForAccountReview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		resolve    func(e *testEnv) string
		wantStatus tandem.RegistrationStatus
		wantOpened int
	}{
		{name: "a new account: approved once resolved",
			resolve:    func(*testEnv) string { return `{"new":true}` },
			wantStatus: tandem.RegistrationApproved},
		{name: "the direct deal's account: overlap, stays in the queue",
			resolve:    func(e *testEnv) string { return `{"account_id":` + itoa(e.ids.accountD) + `}` },
			wantStatus: tandem.RegistrationSubmitted, wantOpened: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, e *testEnv) {
				res := e.registerAsPartnerA(t, doubtfulRegistration)
				var got registrationCreated
				res.json(t, &got)
				if got.Status != tandem.RegistrationSubmitted || got.AutoApproved {
					t.Fatalf("auto-approved while its account waits for review: %+v", got)
				}
				var queue listBody[sqlstore.AccountMatch]
				e.do("revops", http.MethodGet, APIPrefix+"/account-matches?status=review", nil).json(t, &queue)
				if queue.Total != 1 || queue.Items[0].RegistrationID != got.ID {
					t.Fatalf("review queue %+v", queue)
				}
				var resolved accountMatchResolved
				res = e.do("partner_manager", http.MethodPost, APIPrefix+"/account-matches/"+itoa(queue.Items[0].ID), tt.resolve(e))
				if res.status != http.StatusOK {
					t.Fatalf("resolve: %d %s", res.status, res.body)
				}
				res.json(t, &resolved)
				if resolved.ConflictsOpened != tt.wantOpened {
					t.Errorf("opened %d conflicts, want %d", resolved.ConflictsOpened, tt.wantOpened)
				}
				var after tandem.Registration
				e.do("revops", http.MethodGet, APIPrefix+"/registrations/"+itoa(got.ID), nil).json(t, &after)
				if after.Status != tt.wantStatus {
					t.Errorf("after resolution: %s, want %s", after.Status, tt.wantStatus)
				}
				if (tt.wantStatus == tandem.RegistrationApproved) != resolved.AutoApproved {
					t.Errorf("answer says auto_approved %v", resolved.AutoApproved)
				}
			})
		})
	}
}
