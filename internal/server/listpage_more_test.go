package server

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// getOK fetches path as client c and fails the test unless it answers 200.
func getOK(t *testing.T, e *testEnv, c *http.Client, path string) response {
	t.Helper()
	res := e.get(c, path)
	if res.status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, res.status, res.body)
	}
	return res
}

// csvRows reads a list's CSV download, failing unless it is one.
func csvRows(t *testing.T, res response) [][]string {
	t.Helper()
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("csv content type %q: %s", ct, res.body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	must(t, err)
	return rows
}

// The partner's own registrations list has the pager and a CSV, and the CSV of partner A holds no row of
// partner B, whatever partner it asks for (the store scopes it in SQL).
func TestMyRegistrationsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		pc, _ := e.signIn("user@alpha.test")
		body := string(getOK(t, e, pc, "/portal/registrations?size=25").body)
		if !strings.Contains(body, `class="pager"`) || !strings.Contains(body, "1–1 of <strong>1</strong>") ||
			!strings.Contains(body, `data-href="/portal/registrations/`+itoa(e.ids.regA)+`"`) {
			t.Errorf("partner A's list lacks the pager or clickable rows: %s", body)
		}
		rows := csvRows(t, getOK(t, e, pc, "/portal/registrations?format=csv"))
		if len(rows) != 2 || rows[1][2] != "Acme Corp" || rows[1][3] != "Alpha Partners" {
			t.Errorf("partner A's CSV %q", rows)
		}
		res := getOK(t, e, pc, "/portal/registrations?format=csv&partner_id="+itoa(e.ids.partnerB))
		if rows := csvRows(t, res); len(rows) != 1 || strings.Contains(string(res.body), "Bergmann") || strings.Contains(string(res.body), "Beta") {
			t.Errorf("partner A's CSV asking for partner B: %q", rows)
		}
		// An older ?offset= link and ?status= still work; a bad status is refused naming the field.
		getOK(t, e, pc, "/portal/registrations?offset=0&status=submitted")
		if res := e.get(pc, "/portal/registrations?status=nonsense"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "status") {
			t.Errorf("bad status filter: %d %s", res.status, res.body)
		}
		if res := e.get(pc, "/portal/registrations?submitted_from=yesterday"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "submitted_from") {
			t.Errorf("bad date filter: %d %s", res.status, res.body)
		}
		// Staff see every partner's and may filter to one.
		sc, _ := e.signIn("revops@vendor.test")
		rows = csvRows(t, getOK(t, e, sc, "/portal/registrations?format=csv&partner_id="+itoa(e.ids.partnerB)))
		if len(rows) != 2 || rows[1][2] != "Bergmann GmbH" {
			t.Errorf("staff CSV for partner B: %q", rows)
		}
	})
}

// The audit and escalation logs page with the shared pager and download what they show as CSV; partner
// users get neither.
func TestLogLists(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, _ := e.signIn("revops@vendor.test")
		for _, path := range []string{"/audit?size=25", "/escalations?size=25", "/audit?offset=50", "/escalations?offset=50&level=1"} {
			if body := string(getOK(t, e, c, path).body); !strings.Contains(body, `class="pager"`) {
				t.Errorf("%s: no pager: %s", path, body)
			}
		}
		rows := csvRows(t, getOK(t, e, c, "/audit?format=csv"))
		if len(rows) < 1 || strings.Join(rows[0], ",") != "id,at,actor,action,entity,entity_id,detail" {
			t.Errorf("audit CSV header %q", rows)
		}
		rows = csvRows(t, getOK(t, e, c, "/escalations?format=csv"))
		if len(rows) < 1 || rows[0][2] != "conflict_id" {
			t.Errorf("escalations CSV header %q", rows)
		}
		pc, _ := e.signIn("user@alpha.test")
		for _, path := range []string{"/audit?format=csv", "/escalations?format=csv"} {
			if res := e.get(pc, path); res.status != http.StatusNotFound || strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
				t.Errorf("partner user %s: %d", path, res.status)
			}
		}
	})
}

// The conflict queue keeps its filters and ?offset= links, pages with the shared pager and downloads the
// filtered queue as CSV.
func TestConflictsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, _ := e.signIn("revops@vendor.test")
		for _, path := range []string{"/conflicts?status=open&size=25", "/conflicts?offset=50", "/conflicts?partner_id=" + itoa(e.ids.partnerB)} {
			if body := string(getOK(t, e, c, path).body); !strings.Contains(body, `class="pager"`) {
				t.Errorf("%s: no pager: %s", path, body)
			}
		}
		rows := csvRows(t, getOK(t, e, c, "/conflicts?format=csv&status=open"))
		if len(rows) < 1 || rows[0][0] != "id" || rows[0][7] != "acv" || rows[0][8] != "currency" {
			t.Errorf("conflicts CSV header %q", rows)
		}
		if res := e.get(c, "/conflicts?from=soon"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "from") {
			t.Errorf("bad date filter: %d", res.status)
		}
	})
}

// The opportunities list pages with the shared pager (older ?offset= links still land), and its CSV is
// the streaming API export of the same filters; a partner user's export holds only its own deals.
func TestOpportunitiesList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c, _ := e.signIn("revops@vendor.test")
		for _, path := range []string{"/opportunities?size=25&motion=direct", "/opportunities?offset=50", "/opportunities?page=2"} {
			if body := string(getOK(t, e, c, path).body); !strings.Contains(body, `class="pager"`) {
				t.Errorf("%s: no pager: %s", path, body)
			}
		}
		body := string(getOK(t, e, c, "/opportunities").body)
		if !strings.Contains(body, `data-href="/opportunities/`+itoa(e.ids.oppB)+`"`) {
			t.Errorf("rows are not clickable: %s", body)
		}
		res := e.get(c, "/opportunities?format=csv&stage=open&motion=direct&page=3")
		if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || !strings.HasPrefix(loc, APIPrefix+"/opportunities.csv?") ||
			!strings.Contains(loc, "open=true") || !strings.Contains(loc, "motion=direct") || strings.Contains(loc, "page=") {
			t.Errorf("csv: %d %q", res.status, loc)
		}
		pc, _ := e.signIn("user@alpha.test")
		res = e.get(pc, "/opportunities?format=csv&partner_id="+itoa(e.ids.partnerB))
		if res.status != http.StatusSeeOther {
			t.Fatalf("partner csv: %d", res.status)
		}
		res = e.get(pc, res.header.Get("Location"))
		if strings.Contains(string(res.body), "Bergmann") {
			t.Errorf("partner A's export shows partner B's deal: %s", res.body)
		}
	})
}
