package server

import (
	"net/http"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in       string
		from, to time.Time
		label    string
		bad      bool
	}{
		{"", day(2026, 10, 1), day(2027, 1, 1), "2026Q4", false},
		{"2026Q2", day(2026, 4, 1), day(2026, 7, 1), "2026Q2", false},
		{"2025", day(2025, 1, 1), day(2026, 1, 1), "2025", false},
		{"12m", day(2025, 12, 1), day(2026, 12, 1), "last 12 months", false},
		{"2026Q5", time.Time{}, time.Time{}, "", true},
		{"soon", time.Time{}, time.Time{}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := parsePeriod(tc.in, now)
			if (err != nil) != tc.bad {
				t.Fatalf("parsePeriod(%q): %v", tc.in, err)
			}
			if !tc.bad && (!p.From.Equal(tc.from) || !p.To.Equal(tc.to) || p.Label != tc.label) {
				t.Errorf("parsePeriod(%q) = %+v", tc.in, p)
			}
		})
	}
}

// TestApprovalReportPage: the deciders and VPs see the report of the period; other staff 403, partner
// users 404; a decision shows in the numbers, by month and by partner manager.
func TestApprovalReportPage(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, _ := e.signIn("revops@vendor.test")
		pm, _ := e.signIn("pm@vendor.test")
		ae, _ := e.signIn("ae@vendor.test")
		cro, _ := e.signIn("cro@vendor.test")
		partner, _ := e.signIn("user@alpha.test")

		wantPage(t, e.get(revops, "/approvals/report"), 200, `id="kpi-decided">0<`, "No registration was decided in this period",
			`id="waiting-link">2 in the approval queue`)
		// One decision now: the quarter's report counts it; a bad period is refused.
		if res := e.do("partner_manager", http.MethodPost, APIPrefix+"/registrations/"+itoa(e.ids.regA)+"/approve", `{}`); res.status != http.StatusOK {
			t.Fatalf("approve: %d %s", res.status, res.body)
		}
		res := e.get(pm, "/approvals/report")
		wantPage(t, res, 200, `id="kpi-decided">1<`, `id="kpi-breaches">`, `id="month-chart" class="chart" data-chart=`,
			"no partner manager", e.srv.now().UTC().Format("January 2006"), `id="waiting-link">1 in the approval queue`, `<option value="12m"`)
		wantAbsent(t, res, "<script>")
		wantPage(t, e.get(revops, "/approvals/report?period=12m"), 200, "last 12 months", `id="kpi-decided">1<`)
		wantPage(t, e.get(revops, "/approvals/report?period=2019"), 200, `id="kpi-decided">0<`, `<option value="2019" selected>`)
		wantPage(t, e.get(revops, "/approvals/report?period=2026Q7"), http.StatusUnprocessableEntity, "not a period")
		wantPage(t, e.get(revops, "/approvals"), 200, `href="/approvals/report" id="approval-report-link"`)

		for name, c := range map[string]*http.Client{"ae": ae, "cro": cro} {
			if res := e.get(c, "/approvals/report"); res.status != http.StatusForbidden {
				t.Errorf("%s: %d", name, res.status)
			}
		}
		res = e.get(partner, "/approvals/report")
		wantPage(t, res, http.StatusNotFound)
		wantAbsent(t, res, "kpi-decided")
	})
}
