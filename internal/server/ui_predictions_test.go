package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/predict"
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

// The models page with a real model's metrics: the calibration table of the held-out window and the
// strongest features.
func TestModelsPageShowsCalibration(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	rng := rand.New(rand.NewPCG(1, 1))
	var exs []predict.Example
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 600 {
		tier := []string{"gold", "silver"}[rng.IntN(2)]
		p := 0.2
		if tier == "gold" {
			p = 0.7
		}
		exs = append(exs, predict.Example{ID: strconv.Itoa(i), At: start.Add(time.Duration(i) * time.Hour),
			Fields: predict.Record{"partner_tier": tier}, Positive: rng.Float64() < p})
	}
	m, err := predict.Train(context.Background(), exs, predict.Config{Target: "won", Positive: "true", IDColumn: "id",
		TimeColumn: "at", Seed: 1, Params: predict.DefaultParams()})
	must(t, err)
	metrics, err := json.Marshal(m.Metrics)
	must(t, err)
	v := sqlstore.ModelVersion{Kind: sqlstore.PredictionWinProbability, Version: m.Version, Examples: len(exs),
		Features: m.FeatureNames(), Metrics: metrics, Model: []byte(`{}`), PromotionReason: "no current version", TriggeredBy: "schedule",
		TestFrom: m.Training.TestWindow.From, TestTo: m.Training.TestWindow.To}
	must(t, e.store.AddModelVersion(context.Background(), &v, true))
	c, _ := e.signIn("cro@vendor.test")
	res := e.get(c, "/models")
	body := string(res.body)
	if res.status != 200 || !strings.Contains(body, "Calibration of the version in force") ||
		!strings.Contains(body, "Strongest features: partner tier") || !strings.Contains(body, fmt.Sprintf("%.3f", m.Metrics.Test.AUC)) {
		t.Fatalf("models page (status %d) lacks the calibration, features or AUC %.3f:\n%s", res.status, m.Metrics.Test.AUC, body)
	}
	if rows := strings.Count(body, "<tr><td>"); rows < 2 {
		t.Fatalf("calibration table has %d rows", rows)
	}
	if strings.Contains(body, "Train a new version now") {
		t.Error("a CRO is offered training, which is RevOps'")
	}
	rc, csrf := e.signIn("revops@vendor.test")
	res = e.post(rc, csrf, "/models/train", url.Values{"kind": {"conflict_risk"}})
	if res.status != 422 || !strings.Contains(string(res.body), "too few examples") {
		t.Errorf("training on a company with two registrations: status %d, want 422 saying too few examples", res.status)
	}
	c2, csrf2 := e.signIn("cro@vendor.test")
	if res := e.post(c2, csrf2, "/models/train", url.Values{"kind": {"win_probability"}}); res.status != 403 {
		t.Errorf("a CRO trained a model: status %d, want 403", res.status)
	}
}

// The risk grade on the registration and in the queue comes from the programme in force: the default
// policy's bands (medium from 20 %, high from 50 %), then a published policy's own.
func TestRiskGradeFollowsThePolicyInForce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, openSQLite(t))
	e.seedPredictions() // registration A at 42 %
	client, _ := e.signIn("pm@vendor.test")
	regA := "/portal/registrations/" + itoa(e.ids.regA)
	grade := regexp.MustCompile(`id="risk-grade">(\w+) risk<`)
	queueGrade := regexp.MustCompile(`data-registration="` + itoa(e.ids.regA) + `"[\s\S]*?data-grade="(\w*)"`)
	check := func(want string) {
		t.Helper()
		if m := grade.FindStringSubmatch(string(e.get(client, regA).body)); m == nil || m[1] != want {
			t.Errorf("registration page grade = %v, want %s", m, want)
		}
		if m := queueGrade.FindStringSubmatch(string(e.get(client, "/approvals").body)); m == nil || m[1] != want {
			t.Errorf("queue grade = %v, want %s", m, want)
		}
	}
	check("medium")
	src := strings.Replace(string(policy.DefaultSource()), `medium_at: "20%", high_at: "50%"`, `medium_at: "10%", high_at: "40%"`, 1)
	if !strings.Contains(src, `high_at: "40%"`) {
		t.Fatal("the default policy has no predictions.conflict_risk line to change")
	}
	src = strings.Replace(src, `version: "2026.1"`, `version: "2026.2"`, 1)
	v := &tandem.PolicyVersion{Name: "Tandem default rules of engagement", Version: "2026.2", Source: src,
		Status: tandem.PolicyDraft, EffectiveFrom: policy.Default().EffectiveFrom()}
	must(t, e.store.CreatePolicyVersion(context.Background(), tandem.SystemActor, v))
	must(t, e.store.PublishPolicyVersion(context.Background(), tandem.SystemActor, v.ID))
	check("high")
}
