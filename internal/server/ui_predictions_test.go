package server

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The prediction blocks of the pages, per role: staff deciders see the conflict risk on the registration
// and in the queue (sortable), AEs the win probability only, partner users neither, nor the models page.
func TestPredictionPagesByRole(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		risk, _ := e.seedPredictions()
		_, err := e.store.SaveScores(context.Background(), []sqlstore.PredictionScore{{EntityKind: sqlstore.PredictionEntityRegistration,
			EntityID: e.ids.regB, ModelID: risk.ID, Probability: 0.9, Reasons: []string{"partner_conflict_rate = 0.5 raises the odds"}}})
		must(t, err)
		regA := "/portal/registrations/" + itoa(e.ids.regA)
		oppA := "/opportunities/" + itoa(e.ids.oppA)
		for _, c := range []struct {
			email                          string
			models, regRisk, queue, oppWin bool
		}{
			{"revops@vendor.test", true, true, true, true},
			{"pm@vendor.test", true, true, true, true},
			{"cro@vendor.test", true, true, false, true},
			{"ae@vendor.test", true, false, false, true},
			{"user@alpha.test", false, false, false, false},
		} {
			client, _ := e.signIn(c.email)
			models := e.get(client, "/models")
			if got := models.status == 200; got != c.models {
				t.Errorf("%s: /models status %d", c.email, models.status)
			}
			if c.models {
				hasRisk := strings.Contains(string(models.body), `id="model-conflict_risk"`)
				if hasRisk != c.regRisk || !strings.Contains(string(models.body), `id="model-win_probability"`) {
					t.Errorf("%s: models page shows conflict risk %v, win probability %v", c.email, hasRisk,
						strings.Contains(string(models.body), `id="model-win_probability"`))
				}
			}
			reg := e.get(client, regA)
			if reg.status != 200 {
				t.Fatalf("%s: %s status %d", c.email, regA, reg.status)
			}
			if got := strings.Contains(string(reg.body), `id="conflict-risk"`); got != c.regRisk {
				t.Errorf("%s: conflict risk on the registration page: %v, want %v", c.email, got, c.regRisk)
			}
			if c.regRisk && !strings.Contains(string(reg.body), "42 %") {
				t.Errorf("%s: registration page lacks the 42 %% risk", c.email)
			}
			if opp := e.get(client, oppA); opp.status != 200 || strings.Contains(string(opp.body), `id="win-probability"`) != c.oppWin {
				t.Errorf("%s: win probability on the deal page: status %d, shown %v, want %v", c.email, opp.status,
					strings.Contains(string(opp.body), `id="win-probability"`), c.oppWin)
			}
			if !c.queue {
				continue
			}
			order := regexp.MustCompile(`data-registration="(\d+)"`)
			rows := func(path string) []string {
				var ids []string
				for _, m := range order.FindAllStringSubmatch(string(e.get(client, path).body), -1) {
					ids = append(ids, m[1])
				}
				return ids
			}
			byRisk := rows("/approvals?sort=risk")
			if len(byRisk) < 2 || byRisk[0] != itoa(e.ids.regB) || byRisk[1] != itoa(e.ids.regA) {
				t.Errorf("%s: queue sorted by risk: %v, want registration %d (90 %%) before %d (42 %%)", c.email, byRisk, e.ids.regB, e.ids.regA)
			}
		}
	})
}
