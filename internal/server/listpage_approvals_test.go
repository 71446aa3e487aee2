package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// shownIDs lists the ids a list page shows, read from each row's attr="ID".
func shownIDs(body []byte, attr string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(attr+`="(\d+)"`).FindAllSubmatch(body, -1) {
		ids = append(ids, string(m[1]))
	}
	return ids
}

// csvColumn lists one column of a CSV download, header left out.
func csvColumn(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("the CSV has no header")
	}
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("the CSV has no column %q: %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// seedQueue files n more submitted registrations of partner A, named "Queue filler NN".
func (e *testEnv) seedQueue(n int) {
	e.t.Helper()
	for i := range n {
		r := &tandem.Registration{ExternalID: fmt.Sprintf("RQ-%02d", i), PartnerID: e.ids.partnerA, AccountName: fmt.Sprintf("Queue filler %02d", i),
			Country: "US", ProductType: tandem.ProductCore, EstimatedACV: tandem.Major(20_000 + int64(i)), Currency: "USD",
			Status: tandem.RegistrationSubmitted, SubmittedAt: time.Date(2026, 2, 2, 0, i, 0, 0, time.UTC)}
		must(e.t, e.store.CreateRegistration(context.Background(), tandem.SystemActor, r))
	}
}

// The approval queue filters by company, partner, product and deadline, pages with the shared pager,
// opens a registration from anywhere on its row, and downloads what it shows as CSV. Partner users never
// see it.
func TestApprovalsList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.seedQueue(30)
		c, _ := e.signIn("pm@vendor.test")
		body := getOK(t, e, c, "/approvals?q=acme").body
		if got := shownIDs(body, "data-registration"); !slices.Equal(got, []string{itoa(e.ids.regA)}) {
			t.Errorf("q=acme shows %v, want only %d", got, e.ids.regA)
		}
		if !strings.Contains(string(body), `data-href="/registrations/`+itoa(e.ids.regA)+`"`) {
			t.Errorf("queue rows are not clickable: %s", body)
		}
		partnerB := getOK(t, e, c, "/approvals?partner_id="+itoa(e.ids.partnerB)).body
		if got := shownIDs(partnerB, "data-registration"); !slices.Equal(got, []string{itoa(e.ids.regB)}) {
			t.Errorf("partner B's queue shows %v", got)
		}
		// The breached count is the filtered queue's, and links to it.
		if !strings.Contains(string(partnerB), `id="breached-count">1</strong>`) || !strings.Contains(string(partnerB), "partner_id="+itoa(e.ids.partnerB)+"&amp;sla_status=breached") {
			t.Errorf("partner B's breached count or its link: %s", partnerB)
		}
		if got := shownIDs(getOK(t, e, c, "/approvals?product_type=services").body, "data-registration"); len(got) != 0 {
			t.Errorf("no services registration waits, yet %v shown", got)
		}
		// 32 wait: page 2 of 25 holds the last 7, and the CSV of the same filters holds all 32 in the same
		// order as the pages.
		page1 := getOK(t, e, c, "/approvals?size=25").body
		page2 := getOK(t, e, c, "/approvals?size=25&page=2").body
		if !strings.Contains(string(page2), "26–32 of <strong>32</strong>") || !strings.Contains(string(page1), `class="pager"`) {
			t.Errorf("pager of page 2: %s", page2)
		}
		shown := append(shownIDs(page1, "data-registration"), shownIDs(page2, "data-registration")...)
		rows := csvRows(t, getOK(t, e, c, "/approvals?format=csv"))
		if got := csvColumn(t, rows, "id"); !slices.Equal(got, shown) || len(got) != 32 {
			t.Errorf("CSV ids %v, pages show %v", got, shown)
		}
		filtered := shownIDs(getOK(t, e, c, "/approvals?q=filler+1&partner_id="+itoa(e.ids.partnerA)).body, "data-registration")
		rows = csvRows(t, getOK(t, e, c, "/approvals?format=csv&q=filler+1&partner_id="+itoa(e.ids.partnerA)))
		if got := csvColumn(t, rows, "id"); !slices.Equal(got, filtered) || len(got) != 10 {
			t.Errorf("filtered CSV ids %v, page shows %v", got, filtered)
		}
		if why := csvColumn(t, rows, "not_auto_approved_because"); why[0] == "" {
			t.Errorf("the CSV does not say why a registration waits: %q", rows[1])
		}
		// The deadline filter keeps what it names: the seeded registrations are all long past theirs.
		if got := shownIDs(getOK(t, e, c, "/approvals?sla_status=on_track").body, "data-registration"); len(got) != 0 {
			t.Errorf("on-track filter shows %v", got)
		}
		if res := e.get(c, "/approvals?sla_status=late"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "sla_status") {
			t.Errorf("bad deadline filter: %d %s", res.status, res.body)
		}
		pc, _ := e.signIn("user@alpha.test")
		for _, path := range []string{"/approvals", "/approvals?format=csv&partner_id=" + itoa(e.ids.partnerA)} {
			if res := e.get(pc, path); res.status != http.StatusNotFound || strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
				t.Errorf("partner user %s: %d", path, res.status)
			}
		}
	})
}

// The account-match review queue pages with the shared pager and downloads what it shows as CSV, with
// the candidates; partner users get neither.
func TestAccountMatchesList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		m := e.queueDoubtfulMatch(t)
		c, _ := e.signIn("revops@vendor.test")
		body := getOK(t, e, c, "/account-matches?size=25").body
		shown := shownIDs(body, "data-match")
		if !slices.Equal(shown, []string{itoa(m.ID)}) || !strings.Contains(string(body), "1–1 of <strong>1</strong>") {
			t.Errorf("review queue shows %v: %s", shown, body)
		}
		rows := csvRows(t, getOK(t, e, c, "/account-matches?format=csv"))
		if got := csvColumn(t, rows, "id"); !slices.Equal(got, shown) || csvColumn(t, rows, "candidates")[0] == "" ||
			csvColumn(t, rows, "partner")[0] != "Alpha Partners" {
			t.Errorf("review queue CSV %q, page shows %v", rows, shown)
		}
		if got := shownIDs(getOK(t, e, c, "/account-matches?page=2").body, "data-match"); len(got) != 0 {
			t.Errorf("page 2 of one match shows %v", got)
		}
		pc, _ := e.signIn("user@alpha.test")
		if res := e.get(pc, "/account-matches?format=csv"); res.status != http.StatusNotFound {
			t.Errorf("partner user downloads the review queue: %d", res.status)
		}
	})
}
