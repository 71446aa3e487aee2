package escalation

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
	"github.com/tandem-revops/tandem/internal/periodic/periodictest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func testRules(t testing.TB) tandem.ConflictRules {
	t.Helper()
	cal, err := calendar.New(calendar.Config{Timezone: "UTC", Start: "09:00", End: "17:00",
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	if err != nil {
		t.Fatal(err)
	}
	return tandem.ConflictRules{Settings: tandem.DefaultConflictSettings(), Calendar: cal}
}

// TestRunOnce drives the job with an injected time against a real store.
func TestRunOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "tandem.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	due := time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)
	c := tandem.Conflict{Cause: tandem.CausePartnerOverlap, LevelDueAt: due}
	if err := st.CreateConflict(ctx, tandem.SystemActor, &c); err != nil {
		t.Fatal(err)
	}
	rules := testRules(t)
	job, err := New(Config{Store: st, Rules: func(context.Context) (tandem.ConflictRules, error) { return rules, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var moves []int
	for _, now := range []time.Time{due.Add(-time.Second), due, due.Add(time.Minute)} {
		n, err := job.RunOnce(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		moves = append(moves, n)
	}
	if diff := cmp.Diff([]int{0, 1, 0}, moves); diff != "" {
		t.Errorf("moves per run (-want +got):\n%s", diff)
	}
	got, err := st.GetConflict(ctx, tandem.SystemActor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Level != tandem.LevelVPs {
		t.Errorf("level %d, want 2", got.Level)
	}
}

// countingStore counts the runs that asked it to escalate.
type countingStore struct{ periodictest.Calls }

func (c *countingStore) EscalateDue(context.Context, time.Time, tandem.ConflictRules) (int, error) {
	c.Add()
	return 0, nil
}

// TestStartStop runs the timer in a synctest bubble.
func TestStartStop(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	periodictest.StartStop(t, New, Config{Store: store, Interval: time.Minute, Rules: periodictest.FailFirst(testRules(t))}, store.Count)
}

func TestNewNeedsStoreAndRules(t *testing.T) {
	t.Parallel()
	periodictest.NewNeedsStoreAndRules(t, New, Config{Store: &countingStore{}})
}
