package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The audit and escalation logs filter by the days entries were written (both days inclusive) in the
// store query; the page and its CSV hold the same entries, a malformed day is refused naming its field,
// and partner users get neither log.
func TestLogListsByDate(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		at := func(day string, hour int) time.Time {
			d, err := time.Parse(time.DateOnly, day)
			must(t, err)
			return d.Add(time.Duration(hour) * time.Hour)
		}
		// Audit entries on three days, and a conflict opened on the 4th.
		for _, when := range []time.Time{at("2026-03-02", 9), at("2026-03-03", 0), at("2026-03-03", 23), at("2026-03-04", 1)} {
			e.store.SetClock(func() time.Time { return when })
			must(t, e.store.AppendAudit(ctx, tandem.SystemActor, "checked", "list-dates", when.Format(time.RFC3339), nil))
		}
		e.store.SetClock(func() time.Time { return at("2026-03-04", 12) })
		conflict := e.openConflict("Direct Dynamics")
		e.store.SetClock(time.Now)

		c, _ := e.signIn("revops@vendor.test")
		audit := "/audit?entity=list-dates&from=2026-03-03&to=2026-03-03"
		page := getOK(t, e, c, audit).body
		shown := shownIDs(page, "data-entry")
		rows := csvRows(t, getOK(t, e, c, audit+"&format=csv"))
		if got := csvColumn(t, rows, "entity_id"); !slices.Equal(got, []string{"2026-03-03T23:00:00Z", "2026-03-03T00:00:00Z"}) ||
			!slices.Equal(csvColumn(t, rows, "id"), shown) {
			t.Errorf("audit of the 3rd: CSV %q, page shows entries %v", rows, shown)
		}
		if !strings.Contains(string(page), `value="2026-03-03"`) || !strings.Contains(string(page), "1–2 of <strong>2</strong>") {
			t.Errorf("the audit page lost its date filter or pager: %s", page)
		}
		if got := shownIDs(getOK(t, e, c, "/audit?entity=list-dates&from=2026-03-03").body, "data-entry"); len(got) != 3 {
			t.Errorf("audit from the 3rd shows %v, want 3 entries", got)
		}

		// Audit rows of a registration or a conflict open its page.
		for _, link := range []string{"/conflicts/" + itoa(conflict.ID), "/registrations/" + itoa(conflict.RegistrationID)} {
			entity := strings.TrimSuffix(strings.Split(link, "/")[1], "s")
			if body := getOK(t, e, c, "/audit?entity="+entity).body; !strings.Contains(string(body), `data-href="`+link+`"`) {
				t.Errorf("the audit of %s does not open %s: %s", entity, link, body)
			}
		}

		esc := "/escalations?conflict=" + itoa(conflict.ID) + "&from=2026-03-04&to=2026-03-04"
		shown = shownIDs(getOK(t, e, c, esc).body, "data-entry")
		rows = csvRows(t, getOK(t, e, c, esc+"&format=csv"))
		if ids := csvColumn(t, rows, "id"); len(ids) != 1 || !slices.Equal(ids, shown) {
			t.Errorf("escalations of the 4th: CSV %q, page shows %v", rows, shown)
		}
		for _, path := range []string{"/escalations?conflict=" + itoa(conflict.ID) + "&to=2026-03-03", "/escalations?conflict=" + itoa(conflict.ID) + "&from=2026-03-05"} {
			if got := shownIDs(getOK(t, e, c, path).body, "data-entry"); len(got) != 0 {
				t.Errorf("%s shows %v", path, got)
			}
		}
		for _, path := range []string{"/audit?from=03/03/2026", "/escalations?to=soon"} {
			res := e.get(c, path)
			field := strings.Split(strings.Split(path, "?")[1], "=")[0]
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), field) {
				t.Errorf("%s: %d %s", path, res.status, res.body)
			}
		}
		pc, _ := e.signIn("user@alpha.test")
		for _, path := range []string{audit, esc + "&format=csv"} {
			if res := e.get(pc, path); res.status != http.StatusNotFound {
				t.Errorf("partner user %s: %d", path, res.status)
			}
		}
	})
}

// The webhooks page's deliveries filter by status and channel, page with the shared pager and download
// what they show as CSV; partner users get none of it.
func TestDeliveriesList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.openConflict("Direct Dynamics")
		n, err := e.store.EnqueueNotifications(context.Background(), time.Now(), sqlstore.EnqueueOptions{Email: true})
		must(t, err)
		if n == 0 {
			t.Fatal("the conflict enqueued no delivery")
		}
		c, _ := e.signIn("revops@vendor.test")
		body := getOK(t, e, c, "/webhooks?channel=email&size=25").body
		shown := shownIDs(body, "data-delivery")
		if len(shown) != min(n, 25) || !strings.Contains(string(body), `class="pager"`) {
			t.Errorf("email deliveries show %d of %d: %s", len(shown), n, body)
		}
		rows := csvRows(t, getOK(t, e, c, "/webhooks?channel=email&format=csv"))
		if ids := csvColumn(t, rows, "id"); len(ids) != n || !slices.Equal(ids[:len(shown)], shown) {
			t.Errorf("CSV ids %v, page shows %v", ids, shown)
		}
		if chans := csvColumn(t, rows, "channel"); slices.ContainsFunc(chans, func(ch string) bool { return ch != "email" }) {
			t.Errorf("channel=email CSV holds %v", chans)
		}
		if got := shownIDs(getOK(t, e, c, "/webhooks?channel=webhook").body, "data-delivery"); len(got) != 0 {
			t.Errorf("no webhook is set up, yet deliveries %v shown", got)
		}
		pc, _ := e.signIn("user@alpha.test")
		if res := e.get(pc, "/webhooks?format=csv"); res.status != http.StatusNotFound {
			t.Errorf("partner user downloads the deliveries: %d", res.status)
		}
	})
}
