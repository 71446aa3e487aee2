package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// homeToday is the clock of the role-home tests: in 2026-Q1, whose deals compUISeed wins in February.
var homeToday = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// homeSeed adds to the fixture what every role's home shows: Alan AE owns the direct deal (with an
// open conflict on it, then won in 2026-Q1 by compUISeed) and an open deal partner A sourced; Pat Manager
// manages partner A; each partner holds an approved registration expiring within a month of today (and
// one expiring later, which no home counts); a VP Sales, a VP Channel and a CEO sign in.
func homeSeed(t *testing.T, e *testEnv, today time.Time) compUIIDs {
	t.Helper()
	ctx := context.Background()
	sys := tandem.SystemActor
	user := func(email string) *tandem.User {
		us, _, err := e.store.ListUsers(ctx, sys, sqlstore.UserFilter{Query: email})
		must(t, err)
		if len(us) != 1 {
			t.Fatalf("%d users %s", len(us), email)
		}
		return &us[0]
	}
	alan := user("ae@vendor.test")
	direct, err := e.store.GetOpportunity(ctx, sys, e.ids.oppDirect)
	must(t, err)
	direct.OwnerID = alan.ID
	must(t, e.store.UpdateOpportunity(ctx, sys, direct))
	// A direct overlap with Alan's deal, opened in February so that the leaders' trend holds it.
	srvNow := e.srv.now
	opened := func() time.Time { return time.Date(2026, 2, 12, 9, 0, 0, 0, time.UTC) }
	e.srv.now = opened
	e.store.SetClock(opened)
	e.openConflict("Direct Dynamics")
	e.srv.now = srvNow
	e.store.SetClock(time.Now)
	ids := compUISeed(t, e)

	open := &tandem.Opportunity{ExternalID: "O-OPEN", Name: "Acme second site", AccountID: e.ids.accountA, PartnerID: e.ids.partnerA,
		OwnerID: alan.ID, ProductType: tandem.ProductCore, ACV: tandem.Major(120_000), Currency: "USD", Stage: tandem.StageProposal,
		ForecastCategory: tandem.ForecastCommit, Country: "US", Attribution: tandem.AttributionPartnerSourced, CreatedOn: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC),
		CloseDate: time.Date(2026, 5, 30, 0, 0, 0, 0, time.UTC)}
	must(t, e.srv.saveOpportunity(ctx, sys, open))

	pa, err := e.store.GetPartner(ctx, sys, e.ids.partnerA)
	must(t, err)
	pa.ManagerID = user("pm@vendor.test").ID
	must(t, e.store.UpdatePartner(ctx, sys, pa))

	for _, r := range []struct {
		partner int64
		account string
		expires time.Time
	}{
		{e.ids.partnerA, "Alpha Expiring Co", today.AddDate(0, 0, 12)},
		{e.ids.partnerA, "Alpha Later Co", today.AddDate(0, 3, 0)},
		{e.ids.partnerB, "Beta Expiring GmbH", today.AddDate(0, 0, 5)},
	} {
		reg := &tandem.Registration{PartnerID: r.partner, AccountName: r.account, Country: "US", ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Major(40_000), Currency: "USD", Status: tandem.RegistrationApproved,
			SubmittedAt: today.AddDate(0, -2, 0), ExpiresAt: r.expires}
		must(t, e.store.CreateRegistration(ctx, sys, reg))
	}
	hash, err := e.srv.hasher.Hash(ctx, testPassword)
	must(t, err)
	for _, u := range []*tandem.User{
		{Email: "vps@vendor.test", Name: "Vic Sales", Role: tandem.RoleVPSales},
		{Email: "vpc@vendor.test", Name: "Val Channel", Role: tandem.RoleVPChannel},
		{Email: "ceo@vendor.test", Name: "Cy CEO", Role: tandem.RoleCEO},
	} {
		must(t, e.store.CreateUser(ctx, sys, u, hash))
	}
	return ids
}

// listTotal reads how many records a list page says it holds: "(12)" after its heading.
var listTotal = regexp.MustCompile(`\(([0-9,]+)\)</span></h1>`)

// homeNumber is a number on a home that links to its records: a table's tally or a plain count link.
var homeNumber = regexp.MustCompile(`<a href="([^"]+)" title="[^"]*"(?: class="zero")?>(?:<span class="n">)?([0-9,]+)<`)

// checkHomeNumbers follows every number in the role's part of a home (before the shared pipeline) and
// fails when the list it opens holds a different number of records. It returns how many it followed.
func checkHomeNumbers(t *testing.T, e *testEnv, c *http.Client, who string, body []byte) int {
	t.Helper()
	part := string(body)
	if i := strings.Index(part, `<h2 class="section">`); i >= 0 {
		part = part[:i]
	}
	n := 0
	for _, m := range homeNumber.FindAllStringSubmatch(part, -1) {
		link, want := html.UnescapeString(m[1]), strings.ReplaceAll(m[2], ",", "")
		res := e.get(c, link)
		got := listTotal.FindSubmatch(res.body)
		if res.status != http.StatusOK || got == nil || strings.ReplaceAll(string(got[1]), ",", "") != want {
			t.Errorf("%s: %s says %s; the list answers %d with %q", who, link, want, res.status, got)
		}
		n++
	}
	return n
}

// TestRoleHomes signs in as each role and checks its home shows its own numbers, each linking to a list
// that holds as many records, and nothing of another role's home.
func TestRoleHomes(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ids := homeSeed(t, e, homeToday)
		roles := []struct {
			email   string
			section string // the id of the role's part
			want    []string
		}{
			{"ae@vendor.test", "ae-home", []string{"My open deals by motion", `id="my-open-table"`, "owner_id=" + itoa(ids.alan),
				"My attainment, 2026Q1", "/comp?period=2026-Q1", `id="my-conflicts"`, "ae_id=" + itoa(ids.alan)}},
			{"pm@vendor.test", "manager-home", []string{"My partners' pipeline", "Alpha Partners", "partner_id=" + itoa(e.ids.partnerA),
				`id="approval-queue"`}},
			{"user@alpha.test", "partner-home", []string{"Alpha Expiring Co", "/comp/partner?period=2026-Q1", "/comp/partner?period=2025-Q4"}},
			{"user@beta.test", "partner-home", []string{"Beta Expiring GmbH", "/comp/partner?period=2026-Q1"}},
			{"cro@vendor.test", "exec-home", []string{`id="bookings-trend"`, `id="sourced-trend"`, `id="conflict-trend"`, `id="exec-months"`}},
			{"vps@vendor.test", "exec-home", []string{`id="bookings-trend"`, `id="exec-months"`}},
			{"vpc@vendor.test", "exec-home", []string{`id="bookings-trend"`, `id="exec-months"`}},
			{"ceo@vendor.test", "exec-home", []string{`id="bookings-trend"`, `id="exec-months"`}},
			{"revops@vendor.test", "jobs-home", []string{`href="/import"`, `href="/policy"`, `href="/approvals"`}},
			{"admin@vendor.test", "jobs-home", []string{`href="/import"`, `href="/users"`}},
		}
		clients := map[string]*http.Client{}
		for _, r := range roles {
			clients[r.email], _ = e.signIn(r.email) // at the real time the cookie jar judges sessions by
		}
		e.srv.now = func() time.Time { return homeToday }
		sections := []string{"ae-home", "manager-home", "partner-home", "exec-home", "jobs-home"}
		for _, r := range roles {
			t.Run(r.email, func(t *testing.T) {
				c := clients[r.email]
				res := e.get(c, "/")
				wantPage(t, res, http.StatusOK, append([]string{`id="` + r.section + `"`}, r.want...)...)
				for _, other := range sections {
					if other != r.section && strings.Contains(string(res.body), `id="`+other+`"`) {
						t.Errorf("%s's home shows %s", r.email, other)
					}
				}
				if n := checkHomeNumbers(t, e, c, r.email, res.body); n == 0 && r.section != "jobs-home" {
					t.Errorf("%s's home has no number to follow", r.email)
				}
			})
		}

		// The AE's numbers: its open deal, its conflict, and the attainment its own statement states.
		body := string(e.get(clients["ae@vendor.test"], "/").body)
		var st comp.Statement
		e.do("ae", "GET", APIPrefix+"/comp/periods/2026-Q1/statements/ae/"+itoa(ids.alan), nil).json(t, &st)
		attainment := fmt.Sprintf(`<span class="value">%d.%02d%%</span>`, st.AttainmentBasisPoints/100, st.AttainmentBasisPoints%100)
		if st.AttainmentBasisPoints == 0 || !strings.Contains(body, attainment) || !strings.Contains(body, st.Credit.Format("USD")) {
			t.Errorf("AE home lacks its statement's attainment %s and credit %s", attainment, st.Credit.Format("USD"))
		}
		if !regexp.MustCompile(`All levels</th><td class="num"><a href="[^"]*" title="1 open conflicts, all levels">1</a>`).MatchString(body) {
			t.Errorf("AE home: not one open conflict:\n%s", grepLines(body, "All levels"))
		}
		if !regexp.MustCompile(`data-total><a href="[^"]*owner_id=` + itoa(ids.alan) + `[^"]*" title="1 deals`).MatchString(body) {
			t.Errorf("AE home: not one open deal of its own:\n%s", grepLines(body, "data-total"))
		}
		// The list behind it names the owner it is narrowed to, and its filter form keeps it.
		list := e.get(clients["ae@vendor.test"], "/opportunities?owner_id="+itoa(ids.alan)+"&stage=open&sort=-acv")
		wantPage(t, list, http.StatusOK, `id="narrowed"`, "owner Alan AE", `<input type="hidden" name="owner_id" value="`+itoa(ids.alan)+`">`, "Acme second site")
		if strings.Contains(string(list.body), "Direct Dynamics platform") {
			t.Error("the AE's open deals list a won deal")
		}
		// The leaders' bookings: February holds the three deals won; the one deal created then that a
		// partner sourced is all of February's new pipeline.
		body = string(e.get(clients["cro@vendor.test"], "/").body)
		if !regexp.MustCompile(`attribution=partner_sourced&amp;created_from=2026-02-01[^"]*" title="\$120,000.00 of \$120,000.00">100.0%<`).MatchString(body) {
			t.Errorf("CRO home: February's partner-sourced share is not 100%%:\n%s", grepLines(body, "100.0%"))
		}
		if !regexp.MustCompile(`closed_from=2026-02-01&amp;closed_to=2026-03-01[^"]*" title="3 deals`).MatchString(body) {
			t.Errorf("CRO home: February's bookings are not three deals:\n%s", grepLines(body, "closed_from=2026-02-01"))
		}
		// The CSV of the list behind it holds the same three deals, and March's none.
		for month, want := range map[string]int{"closed_from=2026-02-01&closed_to=2026-03-01": 3, "closed_from=2026-03-01&closed_to=2026-04-01": 0} {
			res := e.do("cro", "GET", APIPrefix+"/opportunities.csv?stage=closed_won&"+month, nil)
			if lines := strings.Count(strings.TrimSpace(string(res.body)), "\n"); res.status != http.StatusOK || lines != want {
				t.Errorf("CSV of bookings %s: %d, %d deals, want %d:\n%s", month, res.status, lines, want, res.body)
			}
		}
		if res := e.do("cro", "GET", APIPrefix+"/opportunities.csv?closed_from=2026-13-01", nil); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "closed_from") {
			t.Errorf("bad closed_from: %d %s", res.status, res.body)
		}
	})
}

// TestPartnerHomeIsolation: a partner user's home counts only its own partner's registrations and
// statement, whatever the other partner holds.
func TestPartnerHomeIsolation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		homeSeed(t, e, homeToday)
		partners := []struct {
			email, token     string
			partner, other   int64
			own, otherExpiry string
		}{
			{"user@alpha.test", "partner_a", e.ids.partnerA, e.ids.partnerB, "Alpha Expiring Co", "Beta Expiring GmbH"},
			{"user@beta.test", "partner_b", e.ids.partnerB, e.ids.partnerA, "Beta Expiring GmbH", "Alpha Expiring Co"},
		}
		clients := map[string]*http.Client{}
		for _, p := range partners {
			clients[p.email], _ = e.signIn(p.email)
		}
		e.srv.now = func() time.Time { return homeToday }
		for _, p := range partners {
			t.Run(p.email, func(t *testing.T) {
				body := string(e.get(clients[p.email], "/").body)
				if !strings.Contains(body, p.own) || strings.Contains(body, p.otherExpiry) {
					t.Errorf("expiring registrations: want %q and not %q", p.own, p.otherExpiry)
				}
				if !strings.Contains(body, `title="1 expiring"`) && !strings.Contains(body, `>1 approved registrations<`) {
					t.Errorf("not one expiring registration:\n%s", grepLines(body, "expiring-count"))
				}
				var mine comp.Statement
				e.do(p.token, "GET", APIPrefix+"/comp/periods/2026-Q1/statements/partner/"+itoa(p.partner), nil).json(t, &mine)
				if !strings.Contains(body, ">"+mine.Total.Format("USD")+"</a>") {
					t.Errorf("home lacks its own statement total %s", mine.Total.Format("USD"))
				}
				var other comp.Statement
				e.do("revops", "GET", APIPrefix+"/comp/periods/2026-Q1/statements/partner/"+itoa(p.other), nil).json(t, &other)
				if other.Total != mine.Total && strings.Contains(body, ">"+other.Total.Format("USD")+"</a>") {
					t.Errorf("home shows the other partner's statement total %s", other.Total.Format("USD"))
				}
				// The expiring list it links to holds only its own, even asked for the other partner's.
				list := string(e.get(clients[p.email], "/portal/registrations?status=approved&expires_from=2026-03-10&expires_to=2026-04-10&partner_id="+
					itoa(p.other)).body)
				if strings.Contains(list, p.otherExpiry) || !strings.Contains(list, `id="narrowed"`) {
					t.Errorf("the expiring list shows the other partner's registration or not what it is narrowed to")
				}
				own := string(e.get(clients[p.email], "/portal/registrations?status=approved&expires_from=2026-03-10&expires_to=2026-04-10").body)
				if !strings.Contains(own, p.own) || strings.Contains(own, "Later Co") {
					t.Errorf("the expiring list lacks %q or holds one expiring later", p.own)
				}
			})
		}
	})
}

func TestShare(t *testing.T) {
	t.Parallel()
	of := func(acv tandem.Money) tally {
		var t tally
		t.add(1, acv)
		t.text("USD")
		return t
	}
	tests := []struct {
		name        string
		part, whole tally
		want        string
	}{
		{"none of nothing", of(0), of(0), "–"},
		{"a third, half to even at the tenth", of(1), of(3), "33.3%"},
		{"all", of(tandem.Major(120_000)), of(tandem.Major(120_000)), "100.0%"},
		{"tenth rounds half to even", of(1), of(16), "6.2%"}, // 6.25 → 6.2
		{"amounts past int64 once multiplied", of(tandem.Money(1) << 60), of(tandem.Money(1) << 61), "50.0%"},
	}
	for _, tc := range tests {
		if got, _ := share(tc.part, tc.whole); got != tc.want {
			t.Errorf("%s: share = %q, want %q", tc.name, got, tc.want)
		}
	}
}
