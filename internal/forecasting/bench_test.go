package forecasting

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// benchCompany is a company with `open` deals open on 2026-02-15 (closing this quarter or later) and
// `closed` deals won or lost over the two years before, each with a forecast category change and, for
// the closed ones, the close recorded in the history.
func benchCompany(open, closed int) ([]tandem.Opportunity, []tandem.OpportunityChange) {
	rng := rand.New(rand.NewPCG(42, 42))
	asOf := day("2026-02-15")
	attrs := tandem.Attributions
	opps := make([]tandem.Opportunity, 0, open+closed)
	var changes []tandem.OpportunityChange
	for i := range open + closed {
		created := asOf - forecast.Day(rng.IntN(700))
		o := tandem.Opportunity{ID: int64(i + 1), ExternalID: fmt.Sprintf("B%07d", i+1), Name: "deal", ProductType: tandem.ProductCore,
			ACV: tandem.Major(int64(5000 + rng.IntN(100000))), Currency: "USD", Stage: tandem.StageProposal,
			ForecastCategory: []tandem.ForecastCategory{tandem.ForecastCommit, tandem.ForecastBestCase, tandem.ForecastPipeline}[rng.IntN(3)],
			Attribution:      attrs[rng.IntN(len(attrs))], CreatedOn: created.Time(), CreatedAt: created.Time(), Country: []string{"US", "DE", "FR"}[rng.IntN(3)]}
		if i < open {
			created = asOf - forecast.Day(rng.IntN(150))
			o.CreatedOn, o.CreatedAt = created.Time(), created.Time()
			o.CloseDate = (asOf + forecast.Day(1+rng.IntN(120))).Time()
		} else {
			closeOn := min(created+forecast.Day(10+rng.IntN(200)), asOf)
			o.CloseDate = closeOn.Time()
			o.Stage = tandem.StageClosedLost
			if rng.IntN(3) == 0 {
				o.Stage = tandem.StageClosedWon
			}
			changes = append(changes, tandem.OpportunityChange{ID: int64(len(changes) + 1), OpportunityID: o.ID, Field: tandem.HistoryStage,
				Old: "proposal", New: string(o.Stage), ChangedAt: closeOn.Time().Add(10 * time.Hour)})
			o.ForecastCategory = tandem.ForecastClosed
		}
		changes = append(changes, tandem.OpportunityChange{ID: int64(len(changes) + 1), OpportunityID: o.ID, Field: tandem.HistoryACV,
			Old: strconv.FormatInt(int64(o.ACV)/2, 10), New: strconv.FormatInt(int64(o.ACV), 10), ChangedAt: (created + 3).Time()})
		o.UpdatedAt = asOf.Time()
		opps = append(opps, o)
	}
	return opps, changes
}

// BenchmarkBookForecast200k: the forecast behind the page and the API — deals as of the day, the
// engine, the roll-up and the deals behind the numbers — for 200,000 open deals and 300,000 closed.
func BenchmarkBookForecast200k(b *testing.B) {
	opps, changes := benchCompany(200_000, 300_000)
	q, _ := forecast.ParseQuarter("2026Q1")
	b.ResetTimer()
	cpu := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op") }()
	for b.Loop() {
		f, err := NewBook(opps, changes).Forecast(q, day("2026-02-15"), forecast.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Deals) == 0 {
			b.Fatal("no deals")
		}
	}
}

// cpuTime is the process's CPU time so far (user and system): the benchmarks report it per operation
// beside the wall time, which a machine shared with other work inflates. It includes the garbage
// collector and SQLite (in process), not the PostgreSQL server.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopWithCPU runs op b.N times from a reset timer and reports the process's CPU per operation beside
// the wall time.
func loopWithCPU(b *testing.B, op func()) {
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// benchStore is a store at url (a file path for SQLite) holding benchCompany(200,000, 300,000).
func benchStore(b *testing.B, url string) *sqlstore.Store {
	b.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// The store's clock runs forward from the morning of the forecast's day: the import, then the
	// changes the benchmarks make, in order, as they would happen.
	tick := day("2026-02-15").Time().Add(6 * time.Hour)
	st.SetClock(func() time.Time { tick = tick.Add(time.Minute); return tick })
	acct := tandem.Account{ExternalID: "A", Name: "Acme", Country: "US"}
	if err := st.CreateAccount(ctx, tandem.SystemActor, &acct); err != nil {
		b.Fatal(err)
	}
	opps, changes := benchCompany(200_000, 300_000)
	tx, err := st.BeginImport(ctx, tandem.SystemActor)
	if err != nil {
		b.Fatal(err)
	}
	for i := range opps {
		opps[i].ID, opps[i].AccountID = 0, acct.ID
	}
	for start := 0; start < len(opps); start += 10_000 {
		if _, err := tx.UpsertOpportunities(ctx, opps[start:min(start+10_000, len(opps))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := st.ImportOpportunityHistory(ctx, tandem.SystemActor, changes); err != nil {
		b.Fatal(err)
	}
	return st
}

// benchURLs are the engines the store benchmarks run on: SQLite, and PostgreSQL when
// TANDEM_TEST_POSTGRES is set.
func benchURLs(b *testing.B) map[string]string {
	urls := map[string]string{"sqlite": filepath.Join(b.TempDir(), "bench.db")}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		urls["postgres"] = pgtest.SchemaURL(b, pg)
	}
	return urls
}

// BenchmarkStoreForecast200k: the same from the database (SQLite, and PostgreSQL when
// TANDEM_TEST_POSTGRES is set): reading the opportunities and their history (Load) and forecasting —
// the page's cost before the cache. Reports CPU per operation beside the wall time (the machine is
// shared; PostgreSQL's own CPU is not in it).
func BenchmarkStoreForecast200k(b *testing.B) {
	ctx := context.Background()
	for name, url := range benchURLs(b) {
		b.Run(name, func(b *testing.B) {
			st := benchStore(b, url)
			q, _ := forecast.ParseQuarter("2026Q1")
			loopWithCPU(b, func() {
				book, err := Load(ctx, st, tandem.SystemActor)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := book.Forecast(q, day("2026-02-15"), forecast.Options{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkForecastChangedSince800k: a warm cache's question to the store when a page is asked for —
// what changed since the mark — on 500,000 deals and 800,000 history records with nothing changed:
// the rows changed since (none) and whether a record committed late below the mark's highest id.
func BenchmarkForecastChangedSince800k(b *testing.B) {
	ctx := context.Background()
	for name, url := range benchURLs(b) {
		b.Run(name, func(b *testing.B) {
			st := benchStore(b, url)
			mark, err := st.ForecastMark(ctx)
			if err != nil {
				b.Fatal(err)
			}
			loopWithCPU(b, func() {
				ch, err := st.ForecastChangedSince(ctx, tandem.SystemActor, mark.LastUpdate+1, mark.LastChange)
				if err != nil {
					b.Fatal(err)
				}
				if ch.Earlier != mark.Changes || len(ch.IDs) != 0 {
					b.Fatalf("%d records at or below the mark (want %d), %d changed deals (want none)", ch.Earlier, mark.Changes, len(ch.IDs))
				}
			})
		})
	}
}

// pageWork is what the forecast page computes: the book, the forecast and the week's movement, the
// deals behind the quarter's numbers a week ago (the review's moved deals) and the accuracy tables —
// the owners' commit of each of the last eight quarters as of its fourth week against what was won, by
// owner, by category — as internal/server's forecast and review pages do.
func pageWork(b *testing.B, cache *Cache) *Forecast {
	ctx := context.Background()
	q, asOf := forecast.Quarter{Year: 2026, Q: 1}, day("2026-02-15")
	book, err := cache.Book(ctx, tandem.SystemActor)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup // as the page does: the movement beside the forecast
	var merr error
	wg.Go(func() { _, merr = book.Movements(q, asOf-7, asOf) })
	f, err := book.Forecast(q, asOf, forecast.Options{})
	wg.Wait()
	if err != nil || merr != nil {
		b.Fatal(err, merr)
	}
	if _, err := book.QuarterDeals(q, asOf-7); err != nil {
		b.Fatal(err)
	}
	var quarters []forecast.Quarter
	for pq := q.Prev(); len(quarters) < 8; pq = pq.Prev() {
		quarters = append(quarters, pq)
	}
	slices.Reverse(quarters)
	for _, group := range []func(DealRef) string{
		func(r DealRef) string { return strconv.FormatInt(r.OwnerID, 10) },
		func(r DealRef) string { return r.Category },
	} {
		if _, err := book.CommitAccuracy(quarters, 4, asOf, group); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// BenchmarkCachedPage200k: the forecast page's work for 200,000 open deals from a warm cache with
// nothing changed: the store's mark and the kept forecast.
func BenchmarkCachedPage200k(b *testing.B) {
	for name, url := range benchURLs(b) {
		b.Run(name, func(b *testing.B) {
			cache := NewCache(benchStore(b, url), 0)
			pageWork(b, cache)
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				pageWork(b, cache)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCachedPageOneChange200k: one deal's amount changes through the store, then the page's work
// — the time until the change shows in the roll-up: the mark, the changed rows, the new book, and the
// forecast, movement, moved deals and accuracy tables brought up to date from the changed deal
// (incremental.go). Reports CPU per operation beside the wall time (the machine is shared).
func BenchmarkCachedPageOneChange200k(b *testing.B) {
	ctx := context.Background()
	for name, url := range benchURLs(b) {
		b.Run(name, func(b *testing.B) {
			st := benchStore(b, url)
			// The changes come at noon of the forecast's day, a minute apart (so the forecast as of that
			// day holds them), well after the import's last Overlap.
			tick := day("2026-02-15").Time().Add(12 * time.Hour)
			st.SetClock(func() time.Time { tick = tick.Add(time.Minute); return tick })
			cache := NewCache(st, 0)
			f := pageWork(b, cache)
			o, err := st.GetOpportunity(ctx, tandem.SystemActor, f.Deals[0].ID)
			if err != nil {
				b.Fatal(err)
			}
			// The first refresh after the import re-reads the rows the import wrote in its last
			// Overlap; from the next on, only the changed deal.
			o.ACV += tandem.Major(1)
			if err := st.UpdateOpportunity(ctx, tandem.SystemActor, o); err != nil {
				b.Fatal(err)
			}
			pageWork(b, cache)
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				b.StopTimer()
				o.ACV += tandem.Major(1)
				if err := st.UpdateOpportunity(ctx, tandem.SystemActor, o); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				got := pageWork(b, cache)
				if got.Deals[0].ACV != o.ACV {
					b.Fatalf("the roll-up shows %v, want %v", got.Deals[0].ACV, o.ACV)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
