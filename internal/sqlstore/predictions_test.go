package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

func addVersion(t *testing.T, s *Store, kind string, auc float64, promote bool) ModelVersion {
	t.Helper()
	m := ModelVersion{Kind: kind, Version: "v-" + kind, Examples: 120, Features: []string{"acv", "tier"},
		Metrics: json.RawMessage(`{"test":{"auc":` + jsonNumber(auc) + `}}`), Model: []byte(`{"format":1}`),
		PromotionReason: "test", TriggeredBy: "schedule",
		TrainFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), TestTo: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	must(t, s.AddModelVersion(context.Background(), &m, promote))
	return m
}

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestModelVersionsPromotion(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, ok, err := s.PromotedModel(ctx, PredictionConflictRisk); err != nil || ok {
			t.Fatalf("promoted model of an empty store: ok=%v err=%v", ok, err)
		}
		first := addVersion(t, s, PredictionConflictRisk, 0.8, true)
		rejected := addVersion(t, s, PredictionConflictRisk, 0.7, false)
		win := addVersion(t, s, PredictionWinProbability, 0.75, true)
		second := addVersion(t, s, PredictionConflictRisk, 0.81, true)

		cur, ok, err := s.PromotedModel(ctx, PredictionConflictRisk)
		must(t, err)
		if !ok || cur.ID != second.ID || string(cur.Model) != `{"format":1}` {
			t.Fatalf("promoted conflict model = %+v, want version %d with its model", cur, second.ID)
		}
		list, err := s.ListModelVersions(ctx, admin, PredictionConflictRisk)
		must(t, err)
		var states []string
		for _, m := range list {
			states = append(states, m.State)
		}
		if want := []string{ModelPromoted, ModelNotPromoted, ModelSuperseded}; !slices.Equal(states, want) {
			t.Fatalf("states newest first = %v, want %v", states, want)
		}
		if list[2].ID != first.ID || list[1].ID != rejected.ID || !list[1].PromotedAt.IsZero() || list[2].PromotedAt.IsZero() {
			t.Fatalf("versions = %+v", list)
		}
		if got := list[0]; !slices.Equal(got.Features, []string{"acv", "tier"}) || got.Examples != 120 || !got.TrainFrom.Equal(second.TrainFrom) {
			t.Fatalf("stored version lost fields: %+v", got)
		}
		winCur, ok, err := s.PromotedModel(ctx, PredictionWinProbability)
		must(t, err)
		if !ok || winCur.ID != win.ID {
			t.Fatalf("promoting a conflict model touched the win model: %+v", winCur)
		}
		bad := ModelVersion{Kind: "churn", Model: []byte(`{}`), TriggeredBy: "cli"}
		wantCode(t, s.AddModelVersion(ctx, &bad, true), tandem.EINVALID)
		bad = ModelVersion{Kind: PredictionConflictRisk, Model: []byte(`not json`), TriggeredBy: "cli"}
		wantCode(t, s.AddModelVersion(ctx, &bad, true), tandem.EINVALID)
	})
}

func TestTrainingClaimIsWonOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		won := 0
		for range 3 {
			ok, err := s.ClaimTraining(ctx, PredictionConflictRisk, 42)
			must(t, err)
			if ok {
				won++
			}
		}
		other, err := s.ClaimTraining(ctx, PredictionWinProbability, 42)
		must(t, err)
		next, err := s.ClaimTraining(ctx, PredictionConflictRisk, 43)
		must(t, err)
		if won != 1 || !other || !next {
			t.Fatalf("claims won: same slot %d (want 1), other kind %v, next slot %v", won, other, next)
		}
	})
}

func TestPredictionScoresAndRoles(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		risk := addVersion(t, s, PredictionConflictRisk, 0.8, true)
		win := addVersion(t, s, PredictionWinProbability, 0.8, true)

		unscored, err := s.Unscored(ctx, PredictionEntityOpportunity, win.ID, 10)
		must(t, err)
		if !slices.Equal(unscored, []int64{f.o1.ID, f.o2.ID, f.o3.ID}) {
			t.Fatalf("unscored opportunities = %v", unscored)
		}
		scores := []PredictionScore{
			{EntityKind: PredictionEntityRegistration, EntityID: f.r1.ID, ModelID: risk.ID, Probability: 0.62, Reasons: []string{"tier = silver raises the odds"}},
			{EntityKind: PredictionEntityOpportunity, EntityID: f.o1.ID, ModelID: win.ID, Probability: 0.3},
		}
		n, err := s.SaveScores(ctx, scores)
		must(t, err)
		scores[0].Probability = 0.61
		again, err := s.SaveScores(ctx, scores)
		must(t, err)
		if n != 2 || again != 2 {
			t.Fatalf("saved %d then %d, want 2 then 2", n, again)
		}
		scores[0].Probability = 0.62
		_, err = s.SaveScores(ctx, scores[:1])
		must(t, err)
		unscored, err = s.Unscored(ctx, PredictionEntityOpportunity, win.ID, 10)
		must(t, err)
		if slices.Contains(unscored, f.o1.ID) {
			t.Fatalf("a scored opportunity is still unscored: %v", unscored)
		}
		_, err = s.SaveScores(ctx, []PredictionScore{{EntityKind: PredictionEntityOpportunity, EntityID: f.o2.ID, ModelID: win.ID, Probability: 1.5}})
		wantCode(t, err, tandem.EINVALID)

		got, err := s.LatestScores(ctx, admin, PredictionEntityRegistration, []int64{f.r1.ID, f.r2.ID})
		must(t, err)
		if sc, ok := got[f.r1.ID]; !ok || len(got) != 1 || sc.Probability != 0.62 || sc.ModelVersion != risk.Version ||
			sc.ModelKind != PredictionConflictRisk || !slices.Equal(sc.Reasons, []string{"tier = silver raises the odds"}) {
			t.Fatalf("registration scores = %+v", got)
		}
		// Partners see no prediction of any kind; AEs see win probability and no conflict risk.
		for _, c := range []struct {
			name   string
			actor  tandem.Actor
			entity string
			ok     bool
		}{
			{"partner risk", f.actor1, PredictionEntityRegistration, false},
			{"partner win", f.actor1, PredictionEntityOpportunity, false},
			{"ae risk", f.aeActor, PredictionEntityRegistration, false},
			{"ae win", f.aeActor, PredictionEntityOpportunity, true},
			{"revops risk", tandem.Actor{Role: tandem.RoleRevOps}, PredictionEntityRegistration, true},
		} {
			_, err := s.LatestScores(ctx, c.actor, c.entity, []int64{f.r1.ID, f.o1.ID})
			if (err == nil) != c.ok {
				t.Errorf("%s: err = %v, want allowed %v", c.name, err, c.ok)
			}
		}
		if _, err := s.ListModelVersions(ctx, f.actor1, ""); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("a partner listed model versions: %v", err)
		}
		if _, err := s.GetModelVersion(ctx, f.actor1, win.ID); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("a partner read a model version: %v", err)
		}
		if _, err := s.GetModelVersion(ctx, f.aeActor, risk.ID); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("an AE read the conflict-risk model: %v", err)
		}
		aeList, err := s.ListModelVersions(ctx, f.aeActor, "")
		must(t, err)
		if len(aeList) != 1 || aeList[0].Kind != PredictionWinProbability {
			t.Errorf("an AE lists %+v, want the win model only", aeList)
		}
	})
}

func TestReadPredictionHistory(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := seed(t, s)
		h, err := s.ReadPredictionHistory(context.Background())
		must(t, err)
		if len(h.Registrations) != 2 || len(h.Opportunities) != 3 || len(h.Partners) != 2 || len(h.Accounts) != 3 || len(h.Touches) != 2 {
			t.Fatalf("history sizes: %d registrations, %d opportunities, %d partners, %d accounts, %d touches",
				len(h.Registrations), len(h.Opportunities), len(h.Partners), len(h.Accounts), len(h.Touches))
		}
		r := h.Registrations[0]
		if r.ID != f.r1.ID || r.PartnerID != f.p1.ID || r.AccountID != f.a1.ID || r.EstimatedACV != int64(tandem.Major(100000)) || r.OpportunityID != f.o1.ID {
			t.Fatalf("first registration = %+v", r)
		}
		o := h.Opportunities[0]
		if o.Motion != string(tandem.MotionCoSell) || o.PartnerID != f.p1.ID || o.OwnerID != f.ae.ID || o.CreatedOn.IsZero() {
			t.Fatalf("first opportunity = %+v", o)
		}
	})
}
