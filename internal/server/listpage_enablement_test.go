package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The users list filters by name or email, role and partner, pages with the shared pager and downloads
// what it shows as CSV; only admins open it.
func TestUsersList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		for i := range 30 {
			u := tandem.User{Email: fmt.Sprintf("seller%02d@vendor.test", i), Name: fmt.Sprintf("Seller %02d", i), Role: tandem.RoleAE}
			must(t, e.store.CreateUser(ctx, tandem.SystemActor, &u, ""))
		}
		c, _ := e.signIn("admin@vendor.test")
		page1 := getOK(t, e, c, "/users?role=ae&size=25").body
		page2 := getOK(t, e, c, "/users?role=ae&size=25&page=2").body
		shown := append(shownIDs(page1, "data-user"), shownIDs(page2, "data-user")...)
		if !strings.Contains(string(page2), "26–31 of <strong>31</strong>") {
			t.Errorf("AE page 2 of 25: %s", page2)
		}
		rows := csvRows(t, getOK(t, e, c, "/users?role=ae&format=csv"))
		if got := csvColumn(t, rows, "id"); !slices.Equal(got, shown) || len(got) != 31 {
			t.Errorf("CSV ids %v, pages show %v", got, shown)
		}
		if roles := csvColumn(t, rows, "role"); slices.ContainsFunc(roles, func(r string) bool { return r != "ae" }) {
			t.Errorf("role=ae CSV holds other roles: %v", roles)
		}
		rows = csvRows(t, getOK(t, e, c, "/users?format=csv&partner_id="+itoa(e.ids.partnerB)))
		if got := csvColumn(t, rows, "email"); !slices.Equal(got, []string{"user@beta.test"}) || csvColumn(t, rows, "partner")[0] != "Beta Systems" {
			t.Errorf("partner B's users: %q", rows)
		}
		if got := shownIDs(getOK(t, e, c, "/users?q=SELLER+1").body, "data-user"); len(got) != 10 {
			t.Errorf("q=SELLER 1 shows %d users, want 10", len(got))
		}
		if res := e.get(c, "/users?role=boss"); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "role") {
			t.Errorf("bad role filter: %d", res.status)
		}
		for _, email := range []string{"revops@vendor.test", "user@alpha.test"} {
			oc, _ := e.signIn(email)
			if res := e.get(oc, "/users?format=csv"); res.status == http.StatusOK {
				t.Errorf("%s downloads the users list", email)
			}
		}
	})
}

// The MDF requests list filters by state and partner, pages, and its CSV (on the page and at
// /mdf/requests.csv) holds what it shows; a partner user's list and CSV hold only its own requests,
// whatever partner it asks for.
func TestMDFRequestsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ps := seedPortfolio(t, e)
		ctx := context.Background()
		for i := range 27 {
			_, err := e.srv.enablement().MoveMDF(ctx, tandem.SystemActor, ps.fundA, enablementMove("request", fmt.Sprintf("Alpha webinar %02d", i), tandem.Major(100)))
			must(t, err)
		}
		c, _ := e.signIn("pm@vendor.test")
		page1 := getOK(t, e, c, "/mdf?state=requested&size=25").body
		page2 := getOK(t, e, c, "/mdf?state=requested&size=25&page=2").body
		if !strings.Contains(string(page2), "26–28 of <strong>28</strong>") {
			t.Errorf("requests page 2: %s", page2)
		}
		refs := func(body []byte) []string {
			var out []string
			for _, m := range regexp.MustCompile(`<tr data-ref="([^"]+)" data-request>`).FindAllSubmatch(body, -1) {
				out = append(out, string(m[1]))
			}
			return out
		}
		shown := append(refs(page1), refs(page2)...)
		for _, path := range []string{"/mdf?state=requested&format=csv", "/mdf/requests.csv?state=requested"} {
			if got := csvColumn(t, csvRows(t, getOK(t, e, c, path)), "ref"); !slices.Equal(got, shown) || len(got) != 28 {
				t.Errorf("%s refs %v, pages show %v", path, got, shown)
			}
		}
		if got := csvColumn(t, csvRows(t, getOK(t, e, c, "/mdf/requests.csv?partner_id="+itoa(e.ids.partnerB))), "ref"); !slices.Equal(got, []string{ps.refB}) {
			t.Errorf("partner B's requests: %v", got)
		}
		if got := refs(getOK(t, e, c, "/mdf?state=paid").body); len(got) != 0 {
			t.Errorf("no request is paid, yet %v shown", got)
		}
		if res := e.get(c, "/mdf?state=spent"); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "state") {
			t.Errorf("bad state filter: %d", res.status)
		}
		pc, _ := e.signIn("user@alpha.test")
		body := getOK(t, e, pc, "/mdf?partner_id="+itoa(e.ids.partnerB)).body
		if strings.Contains(string(body), ps.refB) || strings.Contains(string(body), `id="f-partner"`) {
			t.Errorf("partner A's list shows partner B's request or a partner filter")
		}
		for _, path := range []string{"/mdf?format=csv&partner_id=" + itoa(e.ids.partnerB), "/mdf/requests.csv?partner_id=" + itoa(e.ids.partnerB)} {
			if got := csvRows(t, getOK(t, e, pc, path)); len(got) != 1 {
				t.Errorf("partner A's CSV asking for partner B: %q", got)
			}
		}
		if got := csvColumn(t, csvRows(t, getOK(t, e, pc, "/mdf?format=csv")), "partner"); len(got) != 27 || slices.ContainsFunc(got, func(p string) bool { return p != "Alpha Partners" }) {
			t.Errorf("partner A's own CSV: %v", got)
		}
	})
}

// The spend ledger pages with the shared pager under its filters, its sum and count stay the whole
// filtered ledger's, and its CSV holds every line the pages show; a partner sees only its own lines.
func TestSpendList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		seedPortfolio(t, e)
		var lines []sqlstore.SpendLine
		for i := range 60 {
			lines = append(lines, sqlstore.SpendLine{Month: fmt.Sprintf("2026-%02d", i%12+1), Motion: "co_sell", Kind: "event", Amount: tandem.Major(10),
				Currency: "USD", Source: "t", SourceRef: fmt.Sprint(i), PartnerID: e.ids.partnerA})
		}
		_, err := e.store.AddSpendLines(context.Background(), tandem.SystemActor, lines)
		must(t, err)
		c, _ := e.signIn("cro@vendor.test")
		ids := func(body []byte) []string {
			var out []string
			for _, m := range regexp.MustCompile(`<tr id="(s\d+)"`).FindAllSubmatch(body, -1) {
				out = append(out, string(m[1]))
			}
			return out
		}
		page1 := getOK(t, e, c, "/portfolio/spend?motion=co_sell").body
		page2 := getOK(t, e, c, "/portfolio/spend?motion=co_sell&page=2").body
		if !strings.Contains(string(page1), `<span id="spend-count">60</span>`) || !strings.Contains(string(page1), "$600.00") ||
			!strings.Contains(string(page2), "51–60 of <strong>60</strong>") {
			t.Errorf("spend pages: count, sum or pager wrong:\n%s\n%s", page1, page2)
		}
		shown := append(ids(page1), ids(page2)...)
		if got := csvColumn(t, csvRows(t, getOK(t, e, c, "/portfolio/spend?motion=co_sell&format=csv")), "id"); !slices.Equal(got, shown) || len(got) != 60 {
			t.Errorf("spend CSV %v, pages show %v", got, shown)
		}
		pc, _ := e.signIn("user@beta.test")
		if got := ids(getOK(t, e, pc, "/portfolio/spend?partner="+itoa(e.ids.partnerA)).body); len(got) != 0 {
			t.Errorf("partner B sees partner A's lines %v", got)
		}
		if got := csvRows(t, getOK(t, e, pc, "/portfolio/spend?format=csv&motion=co_sell")); len(got) != 1 {
			t.Errorf("partner B's CSV of partner A's co-sell lines: %q", got)
		}
	})
}

// The certification coverage table filters by partner, kind and cells no one is certified for, pages
// with the shared pager, and its CSV holds the cells the page shows; a partner user's holds only its own.
func TestCertificationCoverageList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		seedPortfolio(t, e)
		cells := regexp.MustCompile(`<tr(?: class="gap")?><td>([^<]*)</td><td>(vertical|product)</td><td>([^<]*)</td><td>([^<]*)</td>`)
		shown := func(body []byte) []string {
			var out []string
			for _, m := range cells.FindAllSubmatch(body, -1) {
				out = append(out, strings.Join([]string{string(m[1]), string(m[2]), string(m[3]), string(m[4])}, "|"))
			}
			return out
		}
		inCSV := func(rows [][]string) []string {
			var out []string
			for _, r := range rows[1:] {
				out = append(out, strings.Join([]string{r[0], r[1], strings.ReplaceAll(r[2], "_", " "), strings.ReplaceAll(r[3], "_", " ")}, "|"))
			}
			return out
		}
		c, _ := e.signIn("cro@vendor.test")
		all := getOK(t, e, c, "/certifications").body
		if len(shown(all)) == 0 || !strings.Contains(string(all), `class="pager"`) {
			t.Fatalf("no coverage cells or no pager: %s", all)
		}
		for _, q := range []string{"", "partner_id=" + itoa(e.ids.partnerA), "kind=product", "uncovered=1", "kind=vertical&uncovered=1"} {
			page := shown(getOK(t, e, c, "/certifications?"+q).body)
			rows := csvRows(t, getOK(t, e, c, "/certifications?format=csv&"+q))
			if got := inCSV(rows); !slices.Equal(got, page) {
				t.Errorf("%s: CSV %v, page %v", q, got, page)
			}
			for _, r := range rows[1:] {
				if (strings.Contains(q, "partner_id") && r[0] != "Alpha Partners") || (strings.Contains(q, "kind=product") && r[1] != "product") ||
					(strings.Contains(q, "uncovered") && r[4] != "0") {
					t.Errorf("%s: the CSV holds %q", q, r)
				}
			}
		}
		if res := e.get(c, "/certifications?kind=region"); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "kind") {
			t.Errorf("bad kind filter: %d", res.status)
		}
		pc, _ := e.signIn("user@alpha.test")
		rows := csvRows(t, getOK(t, e, pc, "/certifications?format=csv&partner_id="+itoa(e.ids.partnerB)))
		if body := getOK(t, e, pc, "/certifications").body; strings.Contains(string(body), "Beta Systems") || strings.Contains(string(body), `id="f-partner"`) {
			t.Errorf("partner A's coverage shows Beta or a partner filter")
		}
		if len(rows) != 1 {
			t.Errorf("partner A's CSV asking for partner B: %q", rows)
		}
		if got := csvColumn(t, csvRows(t, getOK(t, e, pc, "/certifications?format=csv")), "partner"); len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != "Alpha Partners" }) {
			t.Errorf("partner A's own coverage CSV: %v", got)
		}
	})
}
