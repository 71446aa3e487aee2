package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecasting"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Every role reads the forecast of the deals it may see: partner users their own partner's, vendor
// staff (AEs included, who see every deal under the existing rules) the company's.
func TestForecastAPIByRole(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		total := func(role string) ForecastLine {
			t.Helper()
			res := e.do(role, http.MethodGet, APIPrefix+"/forecast?as_of=2026-05-01", nil)
			if res.status != 200 {
				t.Fatalf("%s: status %d: %s", role, res.status, res.body)
			}
			var b ForecastBody
			res.json(t, &b)
			if b.Quarter != "2026Q2" || b.AsOf != "2026-05-01" || len(b.Lines) != 5 || b.Seed == 0 {
				t.Fatalf("%s: forecast %+v", role, b)
			}
			l := b.Lines[4]
			if l.Category != "total" || l.P10 > l.P50 || l.P50 > l.P90 {
				t.Errorf("%s: total %+v", role, l)
			}
			return l
		}
		company := tandem.Major(80_000 + 450_000 + 1_200_000)
		for role, want := range map[string]tandem.Money{
			"partner_a": tandem.Major(80_000), "partner_b": tandem.Major(450_000),
			"ae": company, "cro": company, "revops": company, "partner_manager": company, "admin": company,
		} {
			if got := total(role).Pipeline; got != want {
				t.Errorf("%s: pipeline roll-up %s, want %s", role, got, want)
			}
		}
		deals := func(role, query string) []string {
			t.Helper()
			res := e.do(role, http.MethodGet, APIPrefix+"/forecast/deals?as_of=2026-05-01&"+query, nil)
			if res.status != 200 {
				t.Fatalf("%s %s: status %d: %s", role, query, res.status, res.body)
			}
			var list []forecasting.DealRef
			res.json(t, &list)
			var ids []string
			for _, d := range list {
				ids = append(ids, d.ExternalID)
			}
			slices.Sort(ids)
			return ids
		}
		if got := deals("partner_a", "category=total&number=pipeline"); !slices.Equal(got, []string{"O-A"}) {
			t.Errorf("partner A's deals %v", got)
		}
		if got := deals("cro", "number=pipeline"); !slices.Equal(got, []string{"O-A", "O-B", "O-D"}) {
			t.Errorf("the CRO's deals %v", got)
		}
		if got := deals("cro", "number=commit"); len(got) != 0 {
			t.Errorf("commit deals %v, want none (all are pipeline)", got)
		}
		if res := e.do("cro", http.MethodGet, APIPrefix+"/forecast?as_of=May", nil); res.status != 422 {
			t.Errorf("a bad as_of: status %d", res.status)
		}
		res := e.do("cro", http.MethodGet, APIPrefix+"/forecast/movement?quarter=2026Q2&from=2025-12-31&to=2026-05-01", nil)
		var mv MovementBody
		res.json(t, &mv)
		if res.status != 200 || len(mv.Movements) != 5 || mv.Movements[4].Added != company {
			t.Errorf("movement: %d %s", res.status, res.body)
		}
	})
}

// A submission is the roll-up plus an adjustment with its reason, audited; partner users cannot submit
// or read submissions and snapshots.
func TestForecastSubmissionAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		body := `{"quarter":"2026Q2","level":"company","category":"total","roll_up":173000000,"adjustment":-20000000,"reason":"Bergmann slips"}`
		res := e.do("cro", http.MethodPost, APIPrefix+"/forecast/submissions", body)
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var sub tandem.ForecastSubmission
		res.json(t, &sub)
		if sub.Amount != 153000000 || sub.SubmittedBy == 0 {
			t.Errorf("submission %+v", sub)
		}
		if res := e.do("ae", http.MethodPost, APIPrefix+"/forecast/submissions",
			`{"quarter":"2026Q2","level":"team","scope":"1","category":"direct","roll_up":1,"adjustment":5}`); res.status != 422 ||
			!strings.Contains(string(res.body), "reason") {
			t.Errorf("an adjustment without a reason: %d %s", res.status, res.body)
		}
		for _, role := range []string{"partner_a", "partner_b"} {
			if res := e.do(role, http.MethodPost, APIPrefix+"/forecast/submissions", body); res.status != 404 {
				t.Errorf("%s submits: %d", role, res.status)
			}
		}
		res = e.do("ae", http.MethodGet, APIPrefix+"/forecast/submissions?quarter=2026Q2", nil)
		var list []tandem.ForecastSubmission
		res.json(t, &list)
		if len(list) != 1 || list[0].Reason != "Bergmann slips" {
			t.Errorf("submissions %s", res.body)
		}
		audit, _, err := e.store.ListAudit(t.Context(), tandem.SystemActor, sqlstore.AuditFilter{Action: "forecast.submit"})
		must(t, err)
		if len(audit) != 1 || audit[0].Actor != "cro@vendor.test" || !strings.Contains(audit[0].Detail, "Bergmann slips") {
			t.Errorf("audit %+v", audit)
		}
		if res := e.do("revops", http.MethodGet, APIPrefix+"/forecast/snapshots?quarter=2026Q2", nil); res.status != 200 || strings.TrimSpace(string(res.body)) != "[]" {
			t.Errorf("snapshots: %d %s", res.status, res.body)
		}
	})
}

// An opportunity's history through the API: a change made by the API shows; another partner's deal is 404.
func TestOpportunityHistoryAPI(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		path := APIPrefix + "/opportunities/" + itoa(e.ids.oppB)
		if res := e.do("revops", http.MethodPatch, path, `{"stage":"proposal","forecast_category":"commit"}`); res.status != 200 {
			t.Fatalf("update: %d %s", res.status, res.body)
		}
		for role, want := range map[string]int{"cro": 200, "ae": 200, "partner_b": 200, "partner_a": 404} {
			res := e.do(role, http.MethodGet, path+"/history", nil)
			if res.status != want {
				t.Errorf("%s: status %d, want %d", role, res.status, want)
				continue
			}
			if want != 200 {
				continue
			}
			var list []tandem.OpportunityChange
			res.json(t, &list)
			fields := map[tandem.HistoryField]string{}
			for _, c := range list {
				fields[c.Field] = c.Old + "→" + c.New
			}
			if fields[tandem.HistoryStage] != "qualified→proposal" || fields[tandem.HistoryForecastCategory] != "pipeline→commit" {
				t.Errorf("%s: history %s", role, res.body)
			}
		}
	})
}
