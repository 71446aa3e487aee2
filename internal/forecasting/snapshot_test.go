package forecasting

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func TestSnapshotDay(t *testing.T) {
	for now, want := range map[string]string{
		"2026-03-02": "2026-03-01", // Monday → the day before
		"2026-03-01": "2026-02-22", // Sunday → the Sunday before: that day is not over
		"2026-03-07": "2026-03-01", // Saturday
	} {
		if got := SnapshotDay(at(now)).String(); got != want {
			t.Errorf("SnapshotDay(%s) = %s, want %s", now, got, want)
		}
	}
}

// seedStore writes a few deals through the store, one of them won in the quarter.
func seedStore(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	acct := tandem.Account{ExternalID: "A", Name: "Acme", Country: "US"}
	if err := st.CreateAccount(ctx, tandem.SystemActor, &acct); err != nil {
		t.Fatal(err)
	}
	for i, fc := range []tandem.ForecastCategory{tandem.ForecastCommit, tandem.ForecastBestCase, tandem.ForecastPipeline} {
		o := tandem.Opportunity{Name: "deal", AccountID: acct.ID, ProductType: tandem.ProductCore, ACV: tandem.Major(int64(1000 * (i + 1))),
			Currency: "USD", Stage: tandem.StageProposal, ForecastCategory: fc, Attribution: tandem.AttributionDirect,
			CreatedOn: at("2026-01-10"), CloseDate: at("2026-03-20")}
		if err := st.CreateOpportunity(ctx, tandem.SystemActor, &o); err != nil {
			t.Fatal(err)
		}
	}
}

// One instance: the week is stored at the first run and not again; the lines hold the roll-up.
func TestSnapshotJobOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seedStore(t, st)
	now := at("2026-03-04")
	job, err := NewSnapshotJob(SnapshotConfig{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	first, err := job.RunOnce(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := job.RunOnce(ctx, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !first || second {
		t.Errorf("runs stored %v, %v; want true, false", first, second)
	}
	lines, err := st.ForecastSnapshots(ctx, tandem.SystemActor, "2026Q1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 5 || lines[0].AsOf != "2026-03-01" || lines[0].Commit != tandem.Major(1000) ||
		lines[0].Pipeline != tandem.Major(6000) || lines[4].Category != "total" {
		t.Errorf("snapshot %+v", lines)
	}
}

// Two instances on one PostgreSQL database (two store handles), running the job at the same moment
// for several weeks: each week is stored exactly once.
func TestSnapshotJobOnceAcrossInstances(t *testing.T) {
	pg := os.Getenv("TANDEM_TEST_POSTGRES")
	if pg == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	url := pgtest.SchemaURL(t, pg)
	var stores []*sqlstore.Store
	for range 2 {
		st, err := sqlstore.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores = append(stores, st)
	}
	seedStore(t, stores[0])
	stored := 0
	for week := range 6 {
		now := at("2026-01-07").AddDate(0, 0, 7*week)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, st := range stores {
			job, err := NewSnapshotJob(SnapshotConfig{Store: st})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				ok, err := job.RunOnce(ctx, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					stored++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	lines, err := stores[1].ForecastSnapshots(ctx, tandem.SystemActor, "2026Q1")
	if err != nil {
		t.Fatal(err)
	}
	if stored != 6 || len(lines) != 30 {
		t.Errorf("%d runs stored a week and %d lines are stored; want 6 and 30", stored, len(lines))
	}
}
