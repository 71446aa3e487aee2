package prediction

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// memStore is the store's prediction contract in memory (sqlstore's own tests check the SQL).
type memStore struct {
	mu       sync.Mutex
	history  *sqlstore.PredictionHistory
	versions []sqlstore.ModelVersion
	claims   map[string]bool
	scores   map[string]sqlstore.PredictionScore
}

func newMemStore(h *sqlstore.PredictionHistory) *memStore {
	return &memStore{history: h, claims: map[string]bool{}, scores: map[string]sqlstore.PredictionScore{}}
}

func (m *memStore) ReadPredictionHistory(context.Context) (*sqlstore.PredictionHistory, error) {
	return m.history, nil
}

func (m *memStore) PromotedModel(_ context.Context, kind string) (sqlstore.ModelVersion, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.versions {
		if v.Kind == kind && v.State == sqlstore.ModelPromoted {
			return v, true, nil
		}
	}
	return sqlstore.ModelVersion{}, false, nil
}

func (m *memStore) AddModelVersion(_ context.Context, v *sqlstore.ModelVersion, promote bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v.ID, v.State = int64(len(m.versions)+1), sqlstore.ModelNotPromoted
	if promote {
		for i := range m.versions {
			if m.versions[i].Kind == v.Kind && m.versions[i].State == sqlstore.ModelPromoted {
				m.versions[i].State = sqlstore.ModelSuperseded
			}
		}
		v.State = sqlstore.ModelPromoted
	}
	m.versions = append(m.versions, *v)
	return nil
}

func (m *memStore) ClaimTraining(_ context.Context, kind string, slot int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := fmt.Sprint(kind, slot)
	if m.claims[k] {
		return false, nil
	}
	m.claims[k] = true
	return true, nil
}

func (m *memStore) Unscored(_ context.Context, entity string, modelID int64, limit int) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []int64
	if entity == sqlstore.PredictionEntityRegistration {
		for _, r := range m.history.Registrations {
			if (r.Status == "submitted" || r.Status == "approved") && !m.has(entity, r.ID, modelID) {
				ids = append(ids, r.ID)
			}
		}
	} else {
		for _, o := range m.history.Opportunities {
			if closed, _ := closedWon(o); !closed && !m.has(entity, o.ID, modelID) {
				ids = append(ids, o.ID)
			}
		}
	}
	return ids[:min(limit, len(ids))], nil
}

func (m *memStore) has(entity string, id, model int64) bool {
	_, ok := m.scores[fmt.Sprint(entity, id, model)]
	return ok
}

func (m *memStore) SaveScores(_ context.Context, scores []sqlstore.PredictionScore) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range scores {
		m.scores[fmt.Sprint(s.EntityKind, s.EntityID, s.ModelID)] = s
	}
	return len(scores), nil
}

// openHistory is the synthetic company with its last 40 registrations still waiting and their deals
// open: what the job scores.
func openHistory() *sqlstore.PredictionHistory {
	h := synthetic(21, 900)
	for i := range h.Registrations {
		h.Registrations[i].Status = "won"
	}
	for i := len(h.Registrations) - 40; i < len(h.Registrations); i++ {
		h.Registrations[i].Status = "submitted"
		h.Opportunities[i].Stage, h.Opportunities[i].ForecastCategory = "proposal", "pipeline"
	}
	return h
}

func TestJobTrainsOncePerSlotAndScores(t *testing.T) {
	ctx := context.Background()
	st := newMemStore(openHistory())
	now := epoch.AddDate(0, 9, 10).Add(3 * time.Hour)
	svc := NewService(st, func() time.Time { return now }, nil)
	a, err := NewJob(svc, time.Minute, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewJob(svc, time.Minute, 24*time.Hour)
	first, err := a.RunOnce(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.RunOnce(ctx, now.Add(time.Hour)) // the same day: the slot is taken
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Trained) != 2 || len(second.Trained) != 0 || len(st.versions) != 2 {
		t.Fatalf("trained %d then %d versions (store holds %d), want 2 then 0", len(first.Trained), len(second.Trained), len(st.versions))
	}
	if first.Scored[sqlstore.PredictionConflictRisk] != 40 || first.Scored[sqlstore.PredictionWinProbability] != 40 ||
		second.Scored[sqlstore.PredictionConflictRisk] != 0 {
		t.Fatalf("scored %v then %v, want 40 of each then none", first.Scored, second.Scored)
	}
	for _, sc := range st.scores {
		if sc.ModelID == 0 || sc.Probability <= 0 || sc.Probability >= 1 || len(sc.Reasons) == 0 {
			t.Fatalf("score without model, probability or reasons: %+v", sc)
		}
	}
	for _, v := range st.versions {
		var metrics struct{ Test struct{ AUC float64 } }
		if err := json.Unmarshal(v.Metrics, &metrics); err != nil || metrics.Test.AUC < 0.6 || v.TestFrom.Before(v.TrainTo) || v.TriggeredBy != "schedule" {
			t.Fatalf("version %s: metrics %s (%v), train to %v, test from %v", v.Kind, v.Metrics, err, v.TrainTo, v.TestFrom)
		}
	}
	// The next day trains again; the same history gives a version as good, which is promoted.
	third, err := a.RunOnce(ctx, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Trained) != 2 || !third.Trained[0].Promotion.Promote {
		t.Fatalf("next day: %+v", third.Trained)
	}
	var states []string
	for _, v := range st.versions {
		states = append(states, v.State)
	}
	if want := []string{"superseded", "superseded", "promoted", "promoted"}; !slices.Equal(states, want) {
		t.Fatalf("states %v, want %v", states, want)
	}
}

func TestWorseVersionIsNotPromoted(t *testing.T) {
	ctx := context.Background()
	st := newMemStore(openHistory())
	now := epoch.AddDate(0, 9, 10)
	svc := NewService(st, func() time.Time { return now }, nil)
	good, err := svc.Train(ctx, sqlstore.PredictionConflictRisk, "cli", 0)
	if err != nil || !good.Promotion.Promote {
		t.Fatalf("first version: %+v, %v", good, err)
	}
	// The same company with its outcomes scrambled learns nothing: worse, kept but not promoted.
	scrambled := openHistory()
	for i := range scrambled.Conflicts {
		scrambled.Conflicts[i].RegistrationID = 1 + (scrambled.Conflicts[i].RegistrationID*7919)%int64(len(scrambled.Registrations))
	}
	st.history = scrambled
	bad, err := svc.Train(ctx, sqlstore.PredictionConflictRisk, "user:ada@vendor.test", 5)
	if err != nil {
		t.Fatal(err)
	}
	if bad.Promotion.Promote || bad.Version.State != sqlstore.ModelNotPromoted || bad.Version.PromotionReason == "" {
		t.Fatalf("a worse version (AUC %.3f against %.3f) was promoted: %+v", bad.Metrics.Test.AUC, good.Metrics.Test.AUC, bad.Promotion)
	}
	cur, _, _ := st.PromotedModel(ctx, sqlstore.PredictionConflictRisk)
	if cur.ID != good.Version.ID {
		t.Fatalf("the version in force is %d, want the first, %d", cur.ID, good.Version.ID)
	}
}

func TestTooShortHistoryIsNoError(t *testing.T) {
	st := newMemStore(synthetic(1, 20))
	j, _ := NewJob(NewService(st, func() time.Time { return epoch.AddDate(1, 0, 0) }, nil), 0, 0)
	res, err := j.RunOnce(context.Background(), epoch.AddDate(1, 0, 0))
	if err != nil || len(res.Trained) != 0 || len(st.versions) != 0 {
		t.Fatalf("a 20-registration company: %+v, %v", res, err)
	}
}
