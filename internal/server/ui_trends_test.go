package server

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The home page's trends: new pipeline by month and motion, registrations by month and status, each
// bar linking to a list that holds as many records as the bar counts; a partner user's are its own.
func TestHomeTrends(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		// Sign in first, at the real time the cookie jar judges sessions by; then the server's clock moves
		// to the trends' "today".
		clients := map[string]*http.Client{}
		for _, email := range []string{"revops@vendor.test", "user@alpha.test"} {
			clients[email], _ = e.signIn(email)
		}
		e.srv.now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
		chart := regexp.MustCompile(`id="(pipeline-trend|registration-trend)" class="chart" data-chart="([^"]+)"`)
		check := func(email string, wantDeals, wantRegs int64) {
			t.Helper()
			c := clients[email]
			body := e.get(c, "/").body
			charts := chart.FindAllSubmatch(body, -1)
			if len(charts) != 2 {
				t.Fatalf("%s: %d trend charts on the home page", email, len(charts))
			}
			for i, want := range []int64{wantDeals, wantRegs} {
				var spec stackChart
				must(t, json.Unmarshal([]byte(html.UnescapeString(string(charts[i][2]))), &spec))
				if len(spec.Labels) != trendMonths || spec.Labels[trendMonths-1] != "Mar 2026" {
					t.Errorf("%s: labels %v", email, spec.Labels)
				}
				var sum int64
				for _, s := range spec.Series {
					for j, v := range s.Values {
						sum += v
						if v == 0 {
							continue
						}
						// The list behind the bar holds as many records.
						list := string(e.get(c, s.Links[j]).body)
						n := strings.Count(list, "<tr data-href=") + strings.Count(list, `<tr data-id=`)
						if !strings.Contains(list, " of <strong>"+itoa(v)+"</strong>") && !strings.Contains(list, "("+itoa(v)+")") {
							t.Errorf("%s: bar %s %s counts %d; its list %s says otherwise (%d rows): %.3000s", email, s.Name, spec.Labels[j], v, s.Links[j], n, list)
						}
					}
				}
				if sum != want {
					t.Errorf("%s: %s sums to %d, want %d", email, charts[i][1], sum, want)
				}
			}
		}
		// Three deals created in January 2026, two registrations submitted in February.
		check("revops@vendor.test", 3, 2)
		check("user@alpha.test", 1, 1)
		// A bad date in a list filter names the field.
		c := clients["revops@vendor.test"]
		if res := e.get(c, "/opportunities?created_from=2026-13-01"); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(res.body), "created_from") {
			t.Errorf("bad created_from: %d", res.status)
		}
	})
}
