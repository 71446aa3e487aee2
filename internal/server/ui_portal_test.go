package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestIssue3PagesAccess opens every new page as each kind of user: partner users get 404 on staff
// pages, only deciders reach the approval queue, and each sees its own navigation.
func TestIssue3PagesAccess(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, _ := e.signIn("revops@vendor.test")
		ae, _ := e.signIn("ae@vendor.test")
		partner, _ := e.signIn("user@alpha.test")
		tests := []struct {
			path                 string
			revops, ae, partner  int
			revopsSees, partSees string
		}{
			{"/portal/register", 200, 403, 200, `name="partner_id"`, `id="register-form"`},
			{"/portal/bulk", 200, 403, 200, "partner_id,account_name", "may be left out"},
			{"/portal/registrations", 200, 200, 200, "Beta Systems", "Acme Corp"},
			{"/portal/registrations/" + itoa(e.ids.regA), 200, 200, 200, "submit", "submit"},
			{"/portal/registrations/" + itoa(e.ids.regB), 200, 200, 404, "Bergmann", ""},
			{"/approvals", 200, 403, 404, "Approval queue", ""},
			{"/conflicts", 200, 200, 404, "Channel conflicts", ""},
			{"/conflicts/1", 404, 404, 404, "", ""},
			{"/escalations", 200, 200, 404, "Escalation log", ""},
			{"/review", 200, 200, 404, "Conflict review", ""},
			{"/review?quarter=2026Q5", 422, 422, 404, "not a quarter", ""},
		}
		for _, tc := range tests {
			t.Run(tc.path, func(t *testing.T) {
				res := e.get(revops, tc.path)
				if res.status != tc.revops || !strings.Contains(string(res.body), tc.revopsSees) {
					t.Errorf("revops: %d, want %d with %q", res.status, tc.revops, tc.revopsSees)
				}
				if res := e.get(ae, tc.path); res.status != tc.ae {
					t.Errorf("ae: %d, want %d", res.status, tc.ae)
				}
				res = e.get(partner, tc.path)
				if res.status != tc.partner || !strings.Contains(string(res.body), tc.partSees) {
					t.Errorf("partner: %d, want %d with %q", res.status, tc.partner, tc.partSees)
				}
				wantAbsent(t, res, "Bergmann", "Beta Systems", "<script>")
			})
		}
		nav := func(c *http.Client) string {
			body := string(e.get(c, "/").body)
			return body[strings.Index(body, `<nav class="menus"`):strings.Index(body, "</nav>")]
		}
		if n := nav(partner); !strings.Contains(n, "/portal/register") || !strings.Contains(n, "/portal/bulk") ||
			!strings.Contains(n, "My registrations") || strings.Contains(n, "/conflicts") || strings.Contains(n, "/approvals") {
			t.Errorf("partner navigation: %s", n)
		}
		if n := nav(revops); !strings.Contains(n, "/approvals") || !strings.Contains(n, "/conflicts") ||
			!strings.Contains(n, "/escalations") || !strings.Contains(n, "/review") || strings.Contains(n, "/portal/bulk") {
			t.Errorf("revops navigation: %s", n)
		}
		if n := nav(ae); strings.Contains(n, "/approvals") || !strings.Contains(n, "/conflicts") {
			t.Errorf("AE navigation (not a decider): %s", n)
		}
	})
}

func regForm(fields ...string) url.Values {
	v := url.Values{"account_name": {"Northwind Traders"}, "website": {"northwind.test"}, "country": {"US"},
		"vertical": {"technology"}, "product_type": {"core"}, "estimated_acv": {"80,000"}, "currency": {"USD"}, "expected_close": {"2026-09-30"},
		"contact_name": {"Nina North"}, "contact_email": {"nina@northwind.test"}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return v
}

func TestRegisterForm(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		partner, csrf := e.signIn("user@alpha.test")

		// Without the CSRF token the form is refused and nothing is filed.
		res := e.post(partner, "", "/portal/register", regForm())
		if res.status != http.StatusForbidden {
			t.Fatalf("no CSRF token: %d", res.status)
		}

		// A clean deal: the result at once, with the motion, why, and the protection countdown.
		res = e.post(partner, csrf, "/portal/register", regForm())
		wantPage(t, res, 200, `id="register-result"`, "Northwind Traders", `id="result-motion"><span class="motion `,
			`class="countdown`, "data-deadline=")
		wantAbsent(t, res, "overlap under review")
		var list listBody[tandem.Registration]
		e.do("partner_a", "GET", APIPrefix+"/registrations?q=northwind", nil).json(t, &list)
		if list.Total != 1 || list.Items[0].PartnerID != e.ids.partnerA || list.Items[0].EstimatedACV != tandem.Major(80_000) {
			t.Fatalf("filed: %+v", list)
		}

		// Bad fields: each error next to its field, the input kept, nothing filed.
		res = e.post(partner, csrf, "/portal/register", regForm("account_name", "Keep Me Inc", "country", "U5", "estimated_acv", "lots"))
		wantPage(t, res, http.StatusUnprocessableEntity, `value="Keep Me Inc"`, `value="U5"`, `value="lots"`, "is not an amount")
		res = e.post(partner, csrf, "/portal/register", regForm("account_name", "Keep Me Inc", "country", "U5"))
		wantPage(t, res, http.StatusUnprocessableEntity, `value="Keep Me Inc"`, "ISO 3166")
		if m := regexp.MustCompile(`id="country"[^>]*>\s*<span class="field-error"[^>]*>([^<]*)`).FindSubmatch(res.body); m == nil {
			t.Errorf("the country error is not next to the country field:\n%s", res.body)
		}
		e.do("partner_a", "GET", APIPrefix+"/registrations?q=keep", nil).json(t, &list)
		if list.Total != 0 {
			t.Errorf("a refused form filed %d registrations", list.Total)
		}

		// An overlap with a direct deal: "overlap under review", never with whom.
		res = e.post(partner, csrf, "/portal/register", regForm("account_name", "Direct Dynamics", "website", "direct.test"))
		wantPage(t, res, 200, `id="result-review"`, tandem.OverlapUnderReview)
		wantAbsent(t, res, "Direct Dynamics platform", "Alan AE", "direct_overlap")

		// Channel staff choose the partner.
		staff, scsrf := e.signIn("pm@vendor.test")
		res = e.post(staff, scsrf, "/portal/register", regForm("account_name", "Staff Filed"))
		wantPage(t, res, http.StatusUnprocessableEntity, "choose the partner")
		res = e.post(staff, scsrf, "/portal/register", regForm("account_name", "Staff Filed", "partner_id", itoa(e.ids.partnerB)))
		wantPage(t, res, 200, `id="register-result"`, "for Beta Systems")
		// A partner user cannot file for another partner through the form's fields.
		res = e.post(partner, csrf, "/portal/register", regForm("account_name", "Sneaky", "partner_id", itoa(e.ids.partnerB)))
		wantPage(t, res, 200, "for Alpha Partners")
	})
}

func TestMyRegistrations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		partner, csrf := e.signIn("user@alpha.test")
		res := e.get(partner, "/portal/registrations?sort=-estimated_acv")
		wantPage(t, res, 200, "Acme Corp", `data-sort="estimated_acv"`, "decision due", `class="countdown`)
		wantAbsent(t, res, "Bergmann")

		// A submitted registration cannot be extended: the store says why, and nothing changes.
		res = e.post(partner, csrf, "/portal/registrations/"+itoa(e.ids.regA)+"/extend", nil)
		wantPage(t, res, http.StatusConflict, "Could not extend")
		// It can be withdrawn; its history then shows both steps.
		res = e.post(partner, csrf, "/portal/registrations/"+itoa(e.ids.regA)+"/withdraw", url.Values{"reason": {"customer went quiet"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", res.status, res.body)
		}
		res = e.get(partner, res.header.Get("Location"))
		wantPage(t, res, 200, "Withdrawn:", `data-event="withdraw"`, "customer went quiet", "you")
		if strings.Contains(string(res.body), `id="withdraw"`) {
			t.Error("a withdrawn registration still offers to withdraw")
		}
		// Withdrawing again is refused by the lifecycle.
		res = e.post(partner, csrf, "/portal/registrations/"+itoa(e.ids.regA)+"/withdraw", nil)
		wantPage(t, res, http.StatusConflict, "Could not withdraw")
		// Another partner's registration does not exist for this one.
		res = e.post(partner, csrf, "/portal/registrations/"+itoa(e.ids.regB)+"/withdraw", nil)
		wantPage(t, res, http.StatusNotFound)
		if r, err := e.store.GetRegistration(context.Background(), tandem.SystemActor, e.ids.regB); err != nil || r.Status != tandem.RegistrationSubmitted {
			t.Errorf("partner B's registration after A's attempt: %v %v", r, err)
		}
	})
}

func TestApprovalQueuePage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		pm, csrf := e.signIn("pm@vendor.test")
		res := e.get(pm, "/approvals")
		wantPage(t, res, 200, `id="approval-`+itoa(e.ids.regA)+`"`, `id="approval-`+itoa(e.ids.regB)+`"`, "Alpha Partners")
		// Both were submitted long before now: past their deadline, highlighted.
		wantPage(t, res, 200, "sla-breached", "overdue by")
		if a, b := strings.Index(string(res.body), `id="approval-`+itoa(e.ids.regA)), strings.Index(string(res.body), `id="approval-`+itoa(e.ids.regB)); a > b {
			t.Error("the queue is not ordered by deadline (A, submitted first, should come first)")
		}
		htmx := func(path string, form url.Values) response {
			form.Set(csrfField, csrf)
			req := e.formRequest(path, form)
			req.Header.Set("HX-Request", "true")
			return e.send(pm, req)
		}
		// Rejecting needs a reason: the store's message comes back in the row.
		res = htmx("/approvals/"+itoa(e.ids.regB)+"/reject", url.Values{})
		wantPage(t, res, 200, `class="refused"`, "reason", `class="error"`)
		res = htmx("/approvals/"+itoa(e.ids.regB)+"/reject", url.Values{"reason": {"not a qualified opportunity"}})
		wantPage(t, res, 200, "Rejected: not a qualified opportunity")
		res = htmx("/approvals/"+itoa(e.ids.regA)+"/approve", url.Values{})
		wantPage(t, res, 200, `class="decided"`, "Approved")
		// Deciding twice is refused.
		res = htmx("/approvals/"+itoa(e.ids.regA)+"/approve", url.Values{})
		wantPage(t, res, 200, `class="refused"`)
		// A plain form post goes back to the queue, now empty.
		res = e.post(pm, csrf, "/approvals/"+itoa(e.ids.regA)+"/approve", nil)
		wantPage(t, res, http.StatusConflict)
		wantPage(t, e.get(pm, "/approvals"), 200, "Nothing waits")
		// Without the token, nothing.
		if res := e.post(pm, "", "/approvals/"+itoa(e.ids.regA)+"/reject", url.Values{"reason": {"x"}}); res.status != http.StatusForbidden {
			t.Errorf("no CSRF: %d", res.status)
		}
	})
}

// openConflict has partner A register the account of the direct deal, which opens a direct overlap.
func (e *testEnv) openConflict(account string) sqlstore.ConflictDetail {
	e.t.Helper()
	e.registerAsPartnerA(e.t, map[string]any{"account_name": account,
		"website": "direct.test", "country": "US", "vertical": "technology", "product_type": "core", "estimated_acv": 9_000_000})
	list, _, err := e.store.ListConflictDetails(context.Background(), tandem.SystemActor, sqlstore.ConflictDetailFilter{Sort: "-id", Limit: 1})
	must(e.t, err)
	if len(list) == 0 {
		e.t.Fatal("the registration opened no conflict")
	}
	return list[0]
}

func TestConflictPages(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c := e.openConflict("Direct Dynamics")
		id := itoa(c.ID)
		revops, rcsrf := e.signIn("revops@vendor.test")
		res := e.get(revops, "/conflicts?status=open&level=1")
		wantPage(t, res, 200, `href="/conflicts/`+id+`"`, "direct overlap", "Alpha Partners", `class="countdown`)
		if m := regexp.MustCompile(`data-level="1" class="on">[^<]*<span class="count">(\d+)</span>`).FindSubmatch(res.body); m == nil || string(m[1]) != "1" {
			t.Errorf("level-1 tab count: %q in\n%s", m, res.body)
		}
		wantPage(t, e.get(revops, "/conflicts?level=2"), 200, "No conflicts match")

		res = e.get(revops, "/conflicts/"+id)
		wantPage(t, res, 200, "Alpha Partners", "Direct Dynamics platform", `id="precedents"`, `id="conflict-log"`, "opened",
			`id="resolve-form"`, "AE, Partner manager", "does not decide conflicts at level 1",
			"Deal size</dt><dd>$", "(segment ")
		// Partner users never see a conflict.
		partner, _ := e.signIn("user@alpha.test")
		wantPage(t, e.get(partner, "/conflicts/"+id), 404)

		// RevOps does not decide level 1: the store's refusal is shown, the form kept.
		res = e.post(revops, rcsrf, "/conflicts/"+id+"/resolve", url.Values{"resolution": {"award_partner"}, "rationale": {"keep my words"}})
		wantPage(t, res, http.StatusForbidden, "Not resolved: RevOps may not resolve a conflict at level 1", "keep my words")

		pm, csrf := e.signIn("pm@vendor.test")
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			shows  string
		}{
			{"no CSRF", url.Values{"resolution": {"split"}, "partner_share": {"60"}, "rationale": {"x"}}, http.StatusForbidden, ""},
			{"share not a number", url.Values{"resolution": {"split"}, "partner_share": {"sixty"}, "rationale": {"x"}}, 422, "not a percentage"},
			{"share out of range", url.Values{"resolution": {"split"}, "partner_share": {"100"}, "rationale": {"x"}}, 422, `class="field-error"`},
			{"no rationale", url.Values{"resolution": {"split"}, "partner_share": {"60"}}, 422, "rationale"},
		} {
			token := csrf
			if tc.name == "no CSRF" {
				token = ""
			}
			res := e.post(pm, token, "/conflicts/"+id+"/resolve", tc.form)
			if res.status != tc.status || !strings.Contains(string(res.body), tc.shows) {
				t.Errorf("%s: %d, want %d with %q", tc.name, res.status, tc.status, tc.shows)
			}
		}
		res = e.post(pm, csrf, "/conflicts/"+id+"/resolve", url.Values{"resolution": {"split"}, "partner_share": {"62.5"},
			"rationale": {"partner found it, AE closes it"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", res.status, res.body)
		}
		res = e.get(pm, "/conflicts/"+id)
		wantPage(t, res, 200, `id="split-share-shown">62.5 %`, "partner found it, AE closes it", "Pat Manager")
		got, err := e.store.GetConflictDetail(context.Background(), tandem.SystemActor, c.ID)
		must(t, err)
		if got.Resolution != tandem.ResolveSplit || got.PartnerShareBasisPoints != 6250 {
			t.Errorf("stored %s %d", got.Resolution, got.PartnerShareBasisPoints)
		}

		// The escalation log shows both steps, newest first, and filters.
		res = e.get(pm, "/escalations")
		wantPage(t, res, 200, `data-action="resolved"`, `data-action="opened"`)
		if strings.Index(string(res.body), `data-action="resolved"`) > strings.Index(string(res.body), `data-action="opened"`) {
			t.Error("the escalation log is not newest first")
		}
		res = e.get(pm, "/escalations?action=resolved&conflict="+id)
		wantPage(t, res, 200, `data-action="resolved"`, "split: partner found it")
		wantAbsent(t, res, `data-action="opened"`)
	})
}

func TestReviewPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c := e.openConflict("Direct Dynamics")
		cro, _ := e.signIn("cro@vendor.test")
		q := quarterOf(c.OpenedAt).String()
		res := e.get(cro, "/review?quarter="+q)
		wantPage(t, res, 200, `id="kpi-opened"`, "direct overlap", `id="cause-chart"`, `id="level-chart"`, "target 90.0 %")
		// Every count links to the conflicts behind it: follow the cause count and find as many.
		m := regexp.MustCompile(`<td>direct overlap</td><td class="num"><a href="([^"]+)">(\d+)</a>`).FindSubmatch(res.body)
		if m == nil {
			t.Fatalf("no cause count link:\n%s", res.body)
		}
		link := strings.ReplaceAll(string(m[1]), "&amp;", "&")
		list := e.get(cro, link)
		if want := fmt.Sprintf(`<span class="muted">(%s)</span>`, m[2]); !strings.Contains(string(list.body), want) {
			t.Errorf("%s does not list %s conflicts", link, m[2])
		}
		// Another quarter has none.
		wantPage(t, e.get(cro, "/review?quarter=2020Q1"), 200, `id="kpi-opened" href="/conflicts?from=2020-01-01&amp;to=2020-04-01">0</a>`)
	})
}
