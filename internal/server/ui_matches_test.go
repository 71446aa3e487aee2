package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// queueDoubtfulMatch files partner A's registration of a company the matcher cannot tie to an account
// with confidence ("Direct Dynamics Europe" is close to the Direct Dynamics account) and returns the
// waiting match.
func (e *testEnv) queueDoubtfulMatch(t *testing.T) sqlstore.AccountMatch {
	t.Helper()
	e.registerAsPartnerA(t,
		`{"account_name":"Direct Dynamics Europe","website":"dd-europe.test","vertical":"technology","country":"US","product_type":"core","estimated_acv":100}`)
	items, total, err := e.store.ListAccountMatches(context.Background(), tandem.SystemActor, sqlstore.AccountMatchFilter{})
	must(t, err)
	if total != 1 {
		t.Fatalf("review queue has %d matches, want 1", total)
	}
	return items[0]
}

// TestAccountMatchPage: staff see the doubtful match with what the partner typed and the candidates;
// only deciders get the buttons; partner users get 404 and no badge; a decision needs the CSRF token,
// re-runs detection and says which conflict it opened.
func TestAccountMatchPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, _ := e.signIn("revops@vendor.test")
		ae, aecsrf := e.signIn("ae@vendor.test")
		pm, pmcsrf := e.signIn("pm@vendor.test")
		partner, pcsrf := e.signIn("user@alpha.test")

		wantPage(t, e.get(revops, "/account-matches"), 200, "No account match waits for review")
		wantAbsent(t, e.get(revops, "/"), `id="match-review-count"`)

		m := e.queueDoubtfulMatch(t)
		card := `id="match-` + itoa(m.ID) + `"`
		res := e.get(revops, "/account-matches")
		wantPage(t, res, 200, card, "Direct Dynamics Europe", "dd-europe.test", "Alpha Partners", "Direct Dynamics <span class=\"muted\">#"+itoa(e.ids.accountD),
			"This account", "A new account", `hx-get="/account-matches/`+itoa(m.ID)+`/search"`, `id="match-review-count" title="waiting for review">1<`)
		if !regexp.MustCompile(`<td class="num">\d+ %</td>`).Match(res.body) {
			t.Errorf("no candidate score in percent:\n%s", res.body)
		}
		// Linked from the approval queue with the count.
		wantPage(t, e.get(pm, "/approvals"), 200, `href="/account-matches" id="account-matches-link"><strong>1</strong> account matches to review`)

		// Other staff read; partner users do not know the page exists.
		res = e.get(ae, "/account-matches")
		wantPage(t, res, 200, "Direct Dynamics Europe", "you can read")
		wantAbsent(t, res, "This account", "A new account")
		res = e.get(partner, "/account-matches")
		wantPage(t, res, 404)
		wantAbsent(t, res, "Direct Dynamics Europe")
		wantAbsent(t, e.get(partner, "/"), "match-review-count", "/account-matches")
		wantPage(t, e.get(partner, "/account-matches/"+itoa(m.ID)+"/search?q=direct"), 404)

		// Search offers accounts by name or website, with a button for deciders only.
		wantPage(t, e.get(pm, "/account-matches/"+itoa(m.ID)+"/search?q=bergmann"), 200, "Bergmann GmbH", "bergmann.test", `value="`+itoa(e.ids.accountB)+`"`)
		res = e.get(ae, "/account-matches/"+itoa(m.ID)+"/search?q=bergmann")
		wantPage(t, res, 200, "Bergmann GmbH")
		wantAbsent(t, res, "This account")
		wantPage(t, e.get(pm, "/account-matches/"+itoa(m.ID)+"/search?q=zzzz"), 200, "No account matches")

		// Deciding: the CSRF token is required; AEs and partner users may not.
		path := "/account-matches/" + itoa(m.ID) + "/resolve"
		pick := url.Values{"account_id": {itoa(e.ids.accountD)}}
		if res := e.post(pm, "", path, pick); res.status != http.StatusForbidden {
			t.Errorf("no CSRF token: %d", res.status)
		}
		if res := e.post(ae, aecsrf, path, pick); res.status != http.StatusForbidden {
			t.Errorf("an AE decides: %d", res.status)
		}
		if res := e.post(partner, pcsrf, path, pick); res.status != http.StatusNotFound {
			t.Errorf("a partner user decides: %d", res.status)
		}
		if res := e.post(pm, pmcsrf, path, url.Values{}); res.status != http.StatusUnprocessableEntity {
			t.Errorf("neither an account nor new: %d", res.status)
		}
		if got, err := e.store.GetAccountMatch(context.Background(), tandem.SystemActor, m.ID); err != nil || got.Status != sqlstore.AccountMatchReview {
			t.Fatalf("refused decisions changed the match: %+v %v", got, err)
		}

		// The partner manager picks the account (as htmx does): detection finds the direct deal.
		res = e.htmxPost(pm, pmcsrf, path, pick)
		wantPage(t, res, 200, card, "Resolved:", "matched to <strong>Direct Dynamics</strong>", tandem.OverlapUnderReview, `href="/conflicts/`)
		wantAbsent(t, res, "<html", "This account")
		conflicts, _, err := e.store.ListConflictDetails(context.Background(), tandem.SystemActor, sqlstore.ConflictDetailFilter{})
		must(t, err)
		if len(conflicts) != 1 || conflicts[0].Cause != tandem.CauseDirectOverlap || !strings.Contains(string(res.body), `href="/conflicts/`+itoa(conflicts[0].ID)+`"`) {
			t.Errorf("conflicts after the decision: %+v", conflicts)
		}
		// Twice: refused, shown on the card; the queue is empty and the badge gone.
		res = e.htmxPost(pm, pmcsrf, path, url.Values{"new": {"1"}})
		wantPage(t, res, 200, "not waiting for review")
		res = e.post(pm, pmcsrf, path, url.Values{"new": {"1"}})
		wantPage(t, res, http.StatusConflict, "not waiting for review")
		res = e.get(revops, "/account-matches")
		wantPage(t, res, 200, "No account match waits for review")
		wantAbsent(t, res, `id="match-review-count"`)
	})
}

// TestAccountMatchPageNewAccount: "a new account" by a plain form post leaves the registration without
// an account and says so in the flash.
func TestAccountMatchPageNewAccount(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		m := e.queueDoubtfulMatch(t)
		revops, csrf := e.signIn("revops@vendor.test")
		res := e.post(revops, csrf, "/account-matches/"+itoa(m.ID)+"/resolve", url.Values{"new": {"1"}})
		wantPage(t, res, 200, `class="flash ok"`, "a new account.", "No conflict opened.")
		reg, err := e.store.GetRegistration(context.Background(), tandem.SystemActor, m.RegistrationID)
		must(t, err)
		if reg.AccountID != 0 {
			t.Errorf("a new account's registration has account %d", reg.AccountID)
		}
	})
}

// htmxPost sends a form as htmx does: with the CSRF token in the header.
func (e *testEnv) htmxPost(c *http.Client, csrf, path string, form url.Values) response {
	e.t.Helper()
	req := e.formRequest(path, form)
	req.Header.Set("HX-Request", "true")
	req.Header.Set(csrfHeader, csrf)
	return e.send(c, req)
}
