package forecasting

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
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

// BenchmarkStoreForecast200k: the same from a SQLite database: reading the opportunities and their
// history (Load) and forecasting.
func BenchmarkStoreForecast200k(b *testing.B) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
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
	q, _ := forecast.ParseQuarter("2026Q1")
	b.ResetTimer()
	for b.Loop() {
		book, err := Load(ctx, st, tandem.SystemActor)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := book.Forecast(q, day("2026-02-15"), forecast.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
