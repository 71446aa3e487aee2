package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// TestStaffRegistrationsList: the vendor's registrations list honours ?status=, links each row to a staff
// detail page that offers an AE nothing it cannot do, and writes counts with separators (issue 10 #7).
func TestStaffRegistrationsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		if res := e.do("partner_manager", http.MethodPost, APIPrefix+"/registrations/"+itoa(e.ids.regA)+"/approve", `{}`); res.status != http.StatusOK {
			t.Fatalf("approve: %d %s", res.status, res.body)
		}
		res := e.do("ae", "GET", "/registrations?status=approved", nil)
		body := string(res.body)
		if res.status != 200 || !strings.Contains(body, "Acme Corp") || strings.Contains(body, "Bergmann GmbH") {
			t.Errorf("?status=approved: %d, want Acme Corp only:\n%s", res.status, body)
		}
		detail := fmt.Sprintf(`href="/registrations/%d"`, e.ids.regA)
		if !strings.Contains(body, detail) {
			t.Errorf("the row does not link to %s:\n%s", detail, body)
		}
		res = e.do("ae", "GET", fmt.Sprintf("/registrations/%d", e.ids.regA), nil)
		body = string(res.body)
		if res.status != 200 || !strings.Contains(body, "Acme Corp") {
			t.Fatalf("staff detail: %d\n%s", res.status, body)
		}
		for _, bad := range []string{`href="/portal/register"`, `href="/portal/registrations"`, `id="withdraw"`, `id="extend"`} {
			if strings.Contains(body, bad) {
				t.Errorf("an AE's registration page offers %s", bad)
			}
		}

		ctx := context.Background()
		for i := range 1000 {
			r := &tandem.Registration{ExternalID: fmt.Sprintf("R-BULK-%d", i), PartnerID: e.ids.partnerB, AccountName: fmt.Sprintf("Bulk %d", i),
				Country: "US", ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(10_000), Currency: "USD",
				Status: tandem.RegistrationSubmitted, SubmittedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
			must(t, e.store.CreateRegistration(ctx, tandem.SystemActor, r))
		}
		res = e.do("revops", "GET", "/registrations", nil)
		if !strings.Contains(string(res.body), "(1,002)") {
			t.Errorf("the count of 1002 registrations is not written 1,002")
		}
	})
}
