package prediction

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Two instances of the job on one database (two stores on the same SQLite file, run at once): each
// model kind is trained once for the slot, and every open deal ends up with exactly one score from the
// promoted version.
func TestTwoInstancesTrainOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "demo.db")
	hasher := auth.NewHasher(auth.WithParams(auth.CheapParams))
	if _, err := demo.Ensure(t.Context(), path, demo.Config{Seed: 5, Accounts: 1500, Opportunities: 4000}, false, hasher.Hash, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	var stores []*sqlstore.Store
	for range 2 {
		st, err := sqlstore.Open(t.Context(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	results := make([]JobResult, 2)
	var wg sync.WaitGroup
	for i, st := range stores {
		svc := NewService(st, func() time.Time { return now }, nil)
		job, err := NewJob(svc, time.Minute, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			// The small company may be too short for a conflict model (an error naming it); the win
			// model always trains.
			results[i], _ = job.RunOnce(context.Background(), now)
		})
	}
	wg.Wait()
	versions, err := stores[0].ListModelVersions(t.Context(), tandem.SystemActor, sqlstore.PredictionWinProbability)
	if err != nil {
		t.Fatal(err)
	}
	trained := 0
	for _, r := range results {
		for _, tr := range r.Trained {
			if tr.Version.Kind == sqlstore.PredictionWinProbability {
				trained++
			}
		}
	}
	if len(versions) != 1 || trained != 1 || versions[0].State != sqlstore.ModelPromoted {
		t.Fatalf("win model: %d versions stored, %d trainings reported, want 1 promoted", len(versions), trained)
	}
	left, err := stores[1].Unscored(t.Context(), sqlstore.PredictionEntityOpportunity, versions[0].ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 || results[0].Scored[sqlstore.PredictionWinProbability]+results[1].Scored[sqlstore.PredictionWinProbability] == 0 {
		t.Fatalf("after both runs %d open deals are unscored; scored %v and %v", len(left), results[0].Scored, results[1].Scored)
	}
}
