package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecast/forecasttest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// forecastDB stores a constructed history as a CRM would have lived it: every deal imported open on
// the day it was created, and closed by a later import on the day it closed, so that the store's
// history holds each close. It returns the database and the same deals as an export, with the
// database's ids (the engine orders deals by id) and each deal's country as its segment.
func forecastDB(t *testing.T, seed uint64, days int) (db string, export []forecast.Deal) {
	t.Helper()
	ctx := context.Background()
	first, _ := forecast.ParseDay("2022-01-01")
	deals := forecasttest.Generate(forecasttest.Spec{Seed: seed, First: first, Days: days, Motions: forecasttest.Motions()})
	slices.SortFunc(deals, func(a, b forecast.Deal) int { return int(a.Created - b.Created) })
	db = filepath.Join(t.TempDir(), "forecast.db")
	st, err := sqlstore.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acct := tandem.Account{ExternalID: "A", Name: "Acme", Country: "US"}
	if err := st.CreateAccount(ctx, tandem.SystemActor, &acct); err != nil {
		t.Fatal(err)
	}
	countries := []string{"US", "DE"}
	type event struct {
		day  forecast.Day
		opps []tandem.Opportunity
	}
	byDay := map[forecast.Day]*event{}
	at := func(d forecast.Day) *event {
		if byDay[d] == nil {
			byDay[d] = &event{day: d}
		}
		return byDay[d]
	}
	for i, d := range deals {
		o := tandem.Opportunity{ExternalID: fmt.Sprintf("O%06d", i+1), Name: d.ID, AccountID: acct.ID, ProductType: tandem.ProductCore,
			ACV: d.Amount, Currency: "USD", Stage: tandem.StageQualified, ForecastCategory: tandem.ForecastPipeline,
			Country: countries[i%2], Attribution: tandem.Attribution(d.Category), CreatedOn: d.Created.Time()}
		if !d.AmountKnown {
			o.ACV = 0
		}
		at(d.Created).opps = append(at(d.Created).opps, o)
		if d.Outcome != forecast.Open {
			closed := o
			closed.Stage, closed.ForecastCategory, closed.CloseDate = tandem.StageClosedLost, tandem.ForecastClosed, d.Closed.Time()
			if d.Outcome == forecast.Won {
				closed.Stage = tandem.StageClosedWon
			}
			at(d.Closed).opps = append(at(d.Closed).opps, closed)
		}
		d.ID = strconv.Itoa(i + 1) // ids follow creation order, as the imports assign them
		d.Segment = o.Country
		export = append(export, d)
	}
	eventDays := make([]forecast.Day, 0, len(byDay))
	for d := range byDay {
		eventDays = append(eventDays, d)
	}
	slices.Sort(eventDays)
	for _, d := range eventDays {
		st.SetClock(func() time.Time { return d.Time().Add(12 * time.Hour) })
		tx, err := st.BeginImport(ctx, tandem.SystemActor)
		if err != nil {
			t.Fatal(err)
		}
		// A deal created and closed on one day is in the list twice: the import keeps the last (closed) copy.
		if _, err := tx.UpsertOpportunities(ctx, byDay[d].opps); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return db, export
}

// tandem forecast -db prints the same lines as tandem forecast --history on the export the CRM would
// have produced, on days in three quarters; -db and --history together are a usage error.
func TestForecastDatabaseEqualsExport(t *testing.T) {
	t.Parallel()
	db, deals := forecastDB(t, 5, 400)
	path := writeTemp(t, "h.csv", dealsCSV(t, deals))
	for _, asOf := range []string{"2022-08-15", "2022-12-31", "2023-01-20"} {
		_, fromFile := runTandemOut(t, "forecast", "--history", path, "--as-of", asOf)
		_, fromDB := runTandemOut(t, "forecast", "-db", db, "--as-of", asOf)
		if fromDB != fromFile {
			t.Errorf("as of %s:\n-db:\n%s--history:\n%s", asOf, fromDB, fromFile)
		}
	}
	code, _, errOut := runTandem(t, "", "forecast", "-db", db, "--history", path, "--as-of", "2022-08-15")
	if code != 2 || !bytes.Contains([]byte(errOut), []byte("two sources")) {
		t.Errorf("both sources: exit %d, %s", code, errOut)
	}
}

// tandem forecast backtest -db replays the database's history line for line as --history replays the
// export the CRM would have produced.
func TestForecastBacktestDatabaseEqualsExport(t *testing.T) {
	t.Parallel()
	db, deals := forecastDB(t, 7, 600)
	path := writeTemp(t, "h.csv", dealsCSV(t, deals))
	_, fromFile := runTandemOut(t, "forecast", "backtest", "--history", path, "--weeks", "2,6")
	_, fromDB := runTandemOut(t, "forecast", "backtest", "-db", db, "--weeks", "2,6")
	if fromDB != fromFile || fromDB == "" {
		t.Errorf("-db:\n%s--history:\n%s", fromDB, fromFile)
	}
	if n := bytes.Count([]byte(fromDB), []byte("\n")); n != 2*2*5 {
		t.Errorf("%d backtest lines, want 20 (two quarters, two weeks, five lines)", n)
	}
}

// --win-probability-weight: with no stored win probability the forecast is unchanged; a weight out of
// 0..1, or without -db, is a usage error.
func TestForecastWinProbabilityWeightFlag(t *testing.T) {
	t.Parallel()
	db, _ := forecastDB(t, 9, 300)
	_, plain := runTandemOut(t, "forecast", "-db", db, "--as-of", "2022-08-15")
	_, weighted := runTandemOut(t, "forecast", "-db", db, "--as-of", "2022-08-15", "--win-probability-weight", "0.5")
	if plain != weighted || plain == "" {
		t.Errorf("no scores, yet the weight changed the forecast:\n%s\n%s", plain, weighted)
	}
	for _, args := range [][]string{{"-db", db, "--win-probability-weight", "1.5"}, {"--history", "x.csv", "--as-of", "2022-08-15", "--win-probability-weight", "0.5"}} {
		if code, _, errOut := runTandem(t, "", append([]string{"forecast"}, args...)...); code != 2 || !bytes.Contains([]byte(errOut), []byte("win-probability-weight")) {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

// On the demo's database, tandem forecast -db without --as-of forecasts as of the demo's own today —
// the day tandem demo serves it on — not the real date, whenever it is run; on any other database the
// default is the real date.
func TestForecastDatabaseDefaultsToTheDemosToday(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := demoFile(t, smallDemo(4))
	today := forecast.DayOf(demo.DefaultConfig(4).Today)
	_, byDefault := runTandemOut(t, "forecast", "-db", db)
	_, named := runTandemOut(t, "forecast", "-db", db, "--as-of", today.String())
	if byDefault != named || !strings.Contains(byDefault, `"as_of":"`+today.String()+`"`) {
		t.Errorf("without --as-of:\n%swith --as-of %s:\n%s", byDefault, today, named)
	}

	later := func() time.Time { return time.Date(2031, 5, 6, 23, 0, 0, 0, time.UTC) }
	other, _ := forecastDB(t, 2, 30)
	for _, tc := range []struct {
		db   string
		want forecast.Day
	}{{db, today}, {other, forecast.DayOf(later())}} {
		st, err := sqlstore.Open(ctx, tc.db, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := databaseToday(ctx, st, later)
		st.Close()
		if err != nil || got != tc.want {
			t.Errorf("%s: today %s, %v; want %s", tc.db, got, err, tc.want)
		}
	}
}
