package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// seedPredictions stores a promoted version of each kind and a score of partner A's registration and
// deal.
func (e *testEnv) seedPredictions() (risk, win sqlstore.ModelVersion) {
	ctx := context.Background()
	for _, m := range []*sqlstore.ModelVersion{&risk, &win} {
		*m = sqlstore.ModelVersion{Version: "m-test", Examples: 100, Features: []string{"acv"}, Model: []byte(`{}`),
			Metrics: json.RawMessage(`{"test":{"auc":0.8}}`), PromotionReason: "no current version", TriggeredBy: "cli"}
	}
	risk.Kind, win.Kind = sqlstore.PredictionConflictRisk, sqlstore.PredictionWinProbability
	must(e.t, e.store.AddModelVersion(ctx, &risk, true))
	must(e.t, e.store.AddModelVersion(ctx, &win, true))
	_, err := e.store.SaveScores(ctx, []sqlstore.PredictionScore{
		{EntityKind: sqlstore.PredictionEntityRegistration, EntityID: e.ids.regA, ModelID: risk.ID, Probability: 0.42,
			Reasons: []string{"other_partners_registered_account = 1 raises the odds"}},
		{EntityKind: sqlstore.PredictionEntityOpportunity, EntityID: e.ids.oppA, ModelID: win.ID, Probability: 0.31,
			Reasons: []string{"acv = 80000 lowers the odds"}},
	})
	must(e.t, err)
	return risk, win
}

// Every prediction route for every role: partner users get 404 everywhere, even for their own
// registration and deal; AEs see win probability and its model but not conflict risk; only RevOps and
// admins train.
func TestPredictionRoutesByRole(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		risk, win := e.seedPredictions()
		regRisk := "/api/v1/registrations/" + itoa(e.ids.regA) + "/conflict-risk"
		oppWin := "/api/v1/opportunities/" + itoa(e.ids.oppA) + "/win-probability"
		riskModel := "/api/v1/prediction-models/" + itoa(risk.ID)
		winModel := "/api/v1/prediction-models/" + itoa(win.ID)
		train := `{"kind":"win_probability"}`
		type call struct{ method, path, body string }
		routes := []call{{"GET", regRisk, ""}, {"GET", oppWin, ""}, {"GET", "/api/v1/prediction-models", ""},
			{"GET", riskModel, ""}, {"GET", winModel, ""}, {"POST", "/api/v1/prediction-models", train}}
		// Training on the seeded company's handful of deals is refused as too short (422): allowed, but
		// nothing to learn from.
		want := map[string][]int{
			"admin":           {200, 200, 200, 200, 200, 422},
			"revops":          {200, 200, 200, 200, 200, 422},
			"cro":             {200, 200, 200, 200, 200, 403},
			"partner_manager": {200, 200, 200, 200, 200, 403},
			"ae":              {403, 200, 200, 404, 200, 403},
			"partner_a":       {404, 404, 404, 404, 404, 404},
			"partner_b":       {404, 404, 404, 404, 404, 404},
		}
		for role, codes := range want {
			for i, r := range routes {
				var body any
				if r.body != "" {
					body = r.body
				}
				res := e.do(role, r.method, r.path, body)
				if res.status != codes[i] {
					t.Errorf("%s %s %s: status %d, want %d: %s", role, r.method, r.path, res.status, codes[i], res.body)
				}
				if (role == "partner_a" || role == "partner_b") && (strings.Contains(string(res.body), "0.42") || strings.Contains(string(res.body), "m-test")) {
					t.Errorf("%s %s %s leaks a prediction: %s", role, r.method, r.path, res.body)
				}
			}
		}
		var sc sqlstore.PredictionScore
		res := e.do("revops", "GET", regRisk, nil)
		res.json(t, &sc)
		if sc.Probability != 0.42 || sc.ModelID != risk.ID || sc.ModelVersion != "m-test" || len(sc.Reasons) != 1 {
			t.Fatalf("conflict risk = %+v", sc)
		}
		var list modelListBody
		e.do("ae", "GET", "/api/v1/prediction-models", nil).json(t, &list)
		if len(list.Items) != 1 || list.Items[0].Kind != sqlstore.PredictionWinProbability {
			t.Fatalf("an AE lists %+v, want the win model only", list.Items)
		}
		if res := e.do("revops", "GET", "/api/v1/registrations/"+itoa(e.ids.regB)+"/conflict-risk", nil); res.status != 404 {
			t.Fatalf("an unscored registration: status %d, want 404", res.status)
		}
	})
}

// The approval queue sorted by conflict risk through the API: the riskiest first, paged with offset,
// each item with its risk; AEs and partner users may not sort by a score hidden from them; the
// parameter is in the OpenAPI document.
func TestApprovalQueueAPISortedByRisk(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		risk, _ := e.seedPredictions()
		_, err := e.store.SaveScores(context.Background(), []sqlstore.PredictionScore{{EntityKind: sqlstore.PredictionEntityRegistration,
			EntityID: e.ids.regB, ModelID: risk.ID, Probability: 0.9}})
		must(t, err)
		type page struct {
			Items []sqlstore.ApprovalQueueItem `json:"items"`
			Total int                          `json:"total"`
		}
		get := func(role, query string) (page, int) {
			t.Helper()
			var p page
			res := e.do(role, "GET", "/api/v1/registrations/queue"+query, nil)
			if res.status == 200 {
				res.json(t, &p)
			}
			return p, res.status
		}
		p, status := get("partner_manager", "?sort=risk")
		if status != 200 || len(p.Items) < 2 || p.Items[0].Registration.ID != e.ids.regB || p.Items[1].Registration.ID != e.ids.regA {
			t.Fatalf("sorted by risk: status %d, %+v; want registration %d then %d", status, p, e.ids.regB, e.ids.regA)
		}
		if p.Items[0].Risk == nil || *p.Items[0].Risk != 0.9 || *p.Items[1].Risk != 0.42 {
			t.Errorf("items lack their risk: %+v %+v", p.Items[0].Risk, p.Items[1].Risk)
		}
		next, status := get("revops", "?sort=risk&limit=1&offset=1")
		if status != 200 || len(next.Items) != 1 || next.Items[0].Registration.ID != e.ids.regA || next.Total != p.Total {
			t.Errorf("second page of one: status %d, %+v; want registration %d, total %d", status, next, e.ids.regA, p.Total)
		}
		if deadline, status := get("revops", ""); status != 200 || len(deadline.Items) == 0 || deadline.Items[0].Risk != nil {
			t.Errorf("the deadline order: status %d, first item %+v (no risk expected)", status, deadline.Items)
		}
		// AEs may read the queue but not the risk; partner users get what they get for the queue itself.
		for role, want := range map[string]int{"ae": 403, "partner_a": 404, "partner_b": 404} {
			if _, status := get(role, "?sort=risk"); status != want {
				t.Errorf("%s sorts the queue by risk: status %d, want %d", role, status, want)
			}
			if _, status := get(role, ""); role != "ae" && status != want {
				t.Errorf("%s reads the queue: status %d, want %d", role, status, want)
			}
		}
		if _, status := get("revops", "?sort=size"); status != 422 && status != 400 {
			t.Errorf("sort=size: status %d, want a validation error", status)
		}
		doc := string(e.do("", "GET", "/api/v1/openapi.json", nil).body)
		if !strings.Contains(doc, "highest latest conflict-risk score first") {
			t.Error("the OpenAPI document does not describe sort=risk")
		}
	})
}
