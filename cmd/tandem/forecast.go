package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const forecastSynopsis = `--history FILE.csv --as-of YYYY-MM-DD [--quarter YYYYQn] [flags]
       tandem forecast -db URL [--as-of YYYY-MM-DD] [--quarter YYYYQn] [flags]
       tandem forecast backtest --history FILE.csv [--weeks 1,4,8] [flags]
       tandem forecast backtest -db URL [--weeks 1,4,8] [flags]

Forecasts a quarter's won value per attribution category (direct, partner_sourced, partner_led,
partner_influenced) and in total, from a history export with the columns id, category, created_on,
closed_on, outcome (won, lost, open), amount (and optionally pipeline_amount, segment). Prints one JSON
object per line: category, quarter, as_of, won_to_date, p10, p50, p90 (major units). Only what was known
at the end of the as-of day is used. --map reads other layouts with an import mapping file or a built-in
mapping name (maven-forecast-history).

backtest replays the history: for every quarter from the file's fifth to its last complete one and each
week W it forecasts as of quarter start + 7·W days and prints quarter, week, category, p10, p50, p90 and
actual (the won value that closed in the quarter).

With -db the deals are the database's opportunities as they stood at the end of the as-of day (default:
today — the demo company's own today when the database holds the demo, as tandem demo serves it),
rebuilt from their recorded history, in the categories of their attribution; the lines are the same.`

// historyFlags are the flags that say where the history comes from: an export (--history) or the
// database (-db).
type historyFlags struct {
	file    *string
	mapFile *string
	seed    *uint64
	db      *string
}

func addHistoryFlags(fs interface {
	String(name, value, usage string) *string
	Uint64(name string, value uint64, usage string) *uint64
}) historyFlags {
	return historyFlags{
		file:    fs.String("history", "", "history export (CSV): id, category, created_on, closed_on, outcome, amount"),
		mapFile: fs.String("map", "", "column mapping: a YAML file or a built-in mapping name, as for tandem import"),
		seed:    fs.Uint64("seed", forecast.DefaultSeed, "Monte Carlo seed (stored with the results; same seed, same numbers)"),
		db:      fs.String("db", "", "forecast from this database's opportunities and their history instead of --history"),
	}
}

// fromDB reports whether the deals come from the database; both sources at once is a usage error.
func (h historyFlags) fromDB() (bool, error) {
	if *h.db != "" && (*h.file != "" || *h.mapFile != "") {
		return false, fmt.Errorf("%w: -db and --history/--map are two sources; give one", errUsage)
	}
	return *h.db != "", nil
}

// loadBook reads the database's opportunities and their history, as the system actor, and the
// database's today (databaseToday).
func (h historyFlags) loadBook(ctx context.Context, env *Env) (book *forecasting.Book, today forecast.Day, err error) {
	err = withStore(ctx, env, *h.db, func(st *sqlstore.Store) (err error) {
		if today, err = databaseToday(ctx, st, time.Now); err != nil {
			return err
		}
		book, err = forecasting.Load(ctx, st, tandem.SystemActor)
		return err
	})
	return book, today, err
}

// databaseToday is the day a forecast on the database takes as today: the demo company's own today
// when the database holds the demo — the day `tandem demo` serves it on (demoClock), so its forecast
// is of the quarter its deals live in whenever it is run — else the real date.
func databaseToday(ctx context.Context, st *sqlstore.Store, now func() time.Time) (forecast.Day, error) {
	m, err := demo.ReadMarker(ctx, st)
	switch {
	case err == nil:
		return forecast.DayOf(demoClock(demo.DefaultConfig(m.Seed).Today, now)()), nil
	case tandem.ErrorCode(err) == tandem.ENOTFOUND:
		return forecast.DayOf(now()), nil
	}
	return 0, err
}

// withWinProbabilities gives the book's open deals their latest stored win probabilities.
func (h historyFlags) withWinProbabilities(ctx context.Context, env *Env, book *forecasting.Book) (*forecasting.Book, error) {
	var scores map[int64]sqlstore.PredictionScore
	err := withStore(ctx, env, *h.db, func(st *sqlstore.Store) (err error) {
		scores, err = st.LatestScores(ctx, tandem.SystemActor, sqlstore.PredictionEntityOpportunity, book.IDs())
		return err
	})
	if err != nil {
		return nil, err
	}
	p := make(map[int64]float64, len(scores))
	for id, sc := range scores {
		p[id] = sc.Probability
	}
	return book.WithWinProbabilities(p), nil
}

// load reads and validates the history.
func (h historyFlags) load() (*forecast.History, error) {
	if *h.file == "" {
		return nil, fmt.Errorf("%w: --history FILE.csv is required", errUsage)
	}
	deals, err := readHistoryFile(*h.file, *h.mapFile)
	if err != nil {
		return nil, err
	}
	hist, err := forecast.NewHistory(deals)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", *h.file, err)
	}
	return hist, nil
}

// readHistoryFile reads the history export at path, in the tandem layout or through the mapping
// mapFile names (a YAML file or a built-in mapping name, as --map takes).
func readHistoryFile(path, mapFile string) ([]forecast.Deal, error) {
	m, err := loadMappingFlag(mapFile)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return forecast.ReadHistory(f, path, m)
}

// runForecast prints a quarter's forecast, or runs the backtest.
func runForecast(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "backtest" {
		return runForecastBacktest(ctx, env, args[1:])
	}
	fs := newFlagSet(env, "forecast", forecastSynopsis)
	src := addHistoryFlags(fs)
	asOfFlag := fs.String("as-of", "", "forecast as of the end of this day (YYYY-MM-DD; with -db the default is the database's today, the demo's own in the demo)")
	quarterFlag := fs.String("quarter", "", "quarter to forecast (YYYYQn; default: the one holding --as-of)")
	winWeight := fs.Float64("win-probability-weight", 0, "with -db: how much the open deals' stored win probabilities count against the "+
		"model's win share, 0 (default: not at all) to 1; see internal/forecast's package doc")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	useDB, err := src.fromDB()
	if err != nil {
		return err
	}
	if *asOfFlag == "" && !useDB {
		return fmt.Errorf("%w: --as-of YYYY-MM-DD is required", errUsage)
	}
	var asOf forecast.Day // 0 until known: with -db the default is the database's today
	if *asOfFlag != "" {
		if asOf, err = forecast.ParseDay(*asOfFlag); err != nil {
			return fmt.Errorf("%w: --as-of %q: %v", errUsage, *asOfFlag, err)
		}
	}
	var q forecast.Quarter
	if *quarterFlag != "" {
		if q, err = forecast.ParseQuarter(*quarterFlag); err != nil {
			return fmt.Errorf("%w: --quarter %q: %v", errUsage, *quarterFlag, err)
		}
	}
	if !(*winWeight >= 0 && *winWeight <= 1) || (*winWeight > 0 && !useDB) {
		return fmt.Errorf("%w: --win-probability-weight %v: a weight from 0 to 1, with -db", errUsage, *winWeight)
	}
	var res *forecast.Result
	if useDB {
		book, today, err := src.loadBook(ctx, env)
		if err != nil {
			return err
		}
		if *asOfFlag == "" {
			asOf = today
		}
		if *quarterFlag == "" {
			q = forecast.QuarterOf(asOf)
		}
		if *winWeight > 0 {
			if book, err = src.withWinProbabilities(ctx, env, book); err != nil {
				return err
			}
		}
		f, err := book.Forecast(q, asOf, forecast.Options{Seed: *src.seed, WinProbabilityWeight: *winWeight})
		if err != nil {
			return err
		}
		res = &forecast.Result{}
		for _, l := range f.Lines {
			res.Lines = append(res.Lines, l.Line)
		}
	} else {
		hist, err := src.load()
		if err != nil {
			return err
		}
		if *quarterFlag == "" {
			q = forecast.QuarterOf(asOf)
		}
		res = hist.Forecast(q, asOf, forecast.Options{Seed: *src.seed})
	}
	w := bufio.NewWriter(env.Stdout)
	for _, l := range res.Lines {
		writeForecastLine(w, l)
	}
	return w.Flush()
}

// writeForecastLine writes one line of the exact contract; amounts are exact decimals in major units.
func writeForecastLine(w io.Writer, l forecast.Line) {
	fmt.Fprintf(w, `{"category":%q,"quarter":%q,"as_of":%q,"won_to_date":%s,"p10":%s,"p50":%s,"p90":%s}`+"\n",
		l.Category, l.Quarter.String(), l.AsOf.String(), l.WonToDate, l.P10, l.P50, l.P90)
}

func runForecastBacktest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "forecast backtest", "--history FILE.csv | -db URL [--weeks 1,4,8] [flags]")
	src := addHistoryFlags(fs)
	weeksFlag := fs.String("weeks", "1,4,8", "weeks into the quarter to forecast from, comma-separated (0–13)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	weeks, err := parseWeeks(*weeksFlag)
	if err != nil {
		return err
	}
	useDB, err := src.fromDB()
	if err != nil {
		return err
	}
	var lines []forecast.BacktestLine
	var hist *forecast.History
	name := *src.file
	if useDB {
		name = "the database"
		book, today, err := src.loadBook(ctx, env)
		if err != nil {
			return err
		}
		if lines, hist, err = book.Backtest(today, weeks, forecast.Options{Seed: *src.seed}); err != nil {
			return err
		}
	} else {
		if hist, err = src.load(); err != nil {
			return err
		}
		if lines, err = hist.Backtest(weeks, forecast.Options{Seed: *src.seed}); err != nil {
			return err
		}
	}
	if len(lines) == 0 {
		first, last := hist.Span()
		return fmt.Errorf("%s: the history (%s to %s) has no complete quarter from its fifth on to replay", name, first, last)
	}
	w := bufio.NewWriter(env.Stdout)
	for _, l := range lines {
		fmt.Fprintf(w, `{"quarter":%q,"week":%d,"category":%q,"p10":%s,"p50":%s,"p90":%s,"actual":%s}`+"\n",
			l.Quarter.String(), l.Week, l.Category, l.P10, l.P50, l.P90, l.Actual)
	}
	return w.Flush()
}

func parseWeeks(s string) ([]int, error) {
	var weeks []int
	for _, part := range strings.Split(s, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || w < 0 || w > 13 {
			return nil, fmt.Errorf("%w: --weeks %q: %q is not a week from 0 to 13", errUsage, s, part)
		}
		weeks = append(weeks, w)
	}
	return weeks, nil
}
