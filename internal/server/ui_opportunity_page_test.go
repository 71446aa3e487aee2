package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// wantFieldError fails unless the page shows an error right after the form field named field (the
// "field-error" partial), and returns it.
func wantFieldError(t *testing.T, res response, field string) string {
	t.Helper()
	next := regexp.MustCompile(`name="` + regexp.QuoteMeta(field) + `"[^>]*>(?:[^<]*</textarea>|(?:<option[^>]*>[^<]*</option>)*</select>)?\s*<span class="field-error"[^>]*>([^<]+)`)
	m := next.FindSubmatch(res.body)
	if m == nil {
		t.Fatalf("no error next to %s:\n%s", field, res.body)
	}
	return string(m[1])
}

// TestOpportunityPage (issue 10 #12): a deal's page shows its owner, its registration, its conflicts,
// its compensation lines and its history, and offers the attribution dispute that was API-only.
func TestOpportunityPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		ids := compUISeed(t, e) // partner A's deal won in 2026-Q1, owned by Alan AE
		reg := &tandem.Registration{ExternalID: "R-OPP", PartnerID: e.ids.partnerA, AccountName: "Acme Corp", Country: "US",
			ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(80_000), Currency: "USD",
			Status: tandem.RegistrationApproved, OpportunityID: e.ids.oppA}
		must(t, e.store.CreateRegistration(ctx, tandem.SystemActor, reg))
		page := "/opportunities/" + itoa(e.ids.oppA)

		revops, _ := e.signIn("revops@vendor.test")
		res := e.get(revops, page)
		wantPage(t, res, http.StatusOK, `id="owner"`, "Alan AE",
			`href="/registrations/`+itoa(reg.ID)+`"`, `id="conflicts"`, "No conflict about this deal",
			`id="comp-lines"`, `href="/comp?ae=`+itoa(ids.alan)+`&amp;period=2026-Q1"`,
			`href="/comp/partner?partner=`+itoa(e.ids.partnerA)+`&amp;period=2026-Q1"`,
			`id="history"`, "closed won", `id="dispute-form"`)

		// The partner disputes: a reason is required, shown next to its field; then a conflict opens.
		partner, pcsrf := e.signIn("user@alpha.test")
		res = e.post(partner, pcsrf, page+"/dispute", url.Values{"reason": {"  "}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty reason: status %d", res.status)
		}
		wantFieldError(t, res, "reason")
		res = e.post(partner, pcsrf, page+"/dispute", url.Values{"reason": {"we sourced it at the trade fair"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("dispute: status %d: %s", res.status, res.body)
		}
		wantPage(t, e.get(partner, res.header.Get("Location")), http.StatusOK, "under dispute")
		list, _, err := e.store.ListConflictDetails(ctx, tandem.SystemActor, sqlstore.ConflictDetailFilter{OpportunityID: e.ids.oppA})
		must(t, err)
		if len(list) != 1 || list[0].Cause != tandem.CauseAttribution {
			t.Fatalf("conflicts of the deal: %+v", list)
		}
		wantPage(t, e.get(revops, page), http.StatusOK, `href="/conflicts/`+itoa(list[0].ID)+`"`, "attribution")

		// The partner sees its registration on the portal page and its own statement, not the AE's.
		res = e.get(partner, page)
		wantPage(t, res, http.StatusOK, `href="/portal/registrations/`+itoa(reg.ID)+`"`, `href="/comp/partner?partner=`)
		wantAbsent(t, res, `href="/comp?ae=`, `id="conflicts"`, "Alan AE")
	})
}

// TestOpportunityDisputeAccess: who may dispute from the page, and that another partner's deal stays
// hidden (the store decides, the route names the roles).
func TestOpportunityDisputeAccess(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		page := "/opportunities/" + itoa(e.ids.oppA)
		reason := url.Values{"reason": {"not ours"}}
		beta, bcsrf := e.signIn("user@beta.test")
		wantPage(t, e.get(beta, page), http.StatusNotFound)
		if res := e.post(beta, bcsrf, page+"/dispute", reason); res.status != http.StatusNotFound {
			t.Errorf("another partner's deal: status %d", res.status)
		}
		cro, ccsrf := e.signIn("cro@vendor.test")
		if res := e.post(cro, ccsrf, page+"/dispute", reason); res.status != http.StatusForbidden {
			t.Errorf("the CRO disputes: status %d", res.status)
		}
		wantAbsent(t, e.get(cro, page), `id="dispute-form"`)
		pm, pcsrf := e.signIn("pm@vendor.test")
		if res := e.post(pm, pcsrf, page+"/dispute", url.Values{}); res.status != http.StatusUnprocessableEntity {
			t.Errorf("no reason: status %d", res.status)
		}
		if res := e.post(pm, "", page+"/dispute", reason); res.status != http.StatusForbidden {
			t.Errorf("without the CSRF token: status %d", res.status)
		}
		if res := e.post(pm, pcsrf, page+"/dispute", reason); res.status != http.StatusSeeOther {
			t.Errorf("the partner manager disputes: status %d: %s", res.status, res.body)
		}
		if res := e.post(pm, pcsrf, page+"/dispute", reason); res.status != http.StatusConflict {
			t.Errorf("a second dispute: status %d", res.status)
		}
	})
}
