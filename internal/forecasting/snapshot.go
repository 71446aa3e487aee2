package forecasting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/periodic"
)

// The weekly snapshot job. Every instance computes the same week — the forecast as of the end of the
// last Sunday before today, for the quarter holding that Sunday — and the store keeps one snapshot per
// quarter and day (a unique key), so however many instances run the job, each week is stored exactly
// once; the job only decides when to look. A restart loses nothing: a missed week is taken at the next
// look, as long as it is still the latest.

// DefaultSnapshotInterval is how often the job looks whether this week's snapshot is stored.
const DefaultSnapshotInterval = time.Hour

// SnapshotStore is what the job reads and writes (the SQL store).
type SnapshotStore interface {
	Store
	ForecastSnapshotTaken(ctx context.Context, quarter, asOf string) (bool, error)
	SaveForecastSnapshot(ctx context.Context, lines []tandem.ForecastSnapshot) (bool, error)
}

// SnapshotConfig is what a SnapshotJob needs; Store is required.
type SnapshotConfig struct {
	Store    SnapshotStore
	Interval time.Duration    // default DefaultSnapshotInterval
	Seed     uint64           // default forecast.DefaultSeed
	Now      func() time.Time // default time.Now
	Logger   *slog.Logger
}

// SnapshotJob takes the weekly forecast snapshots. Start it once; Stop waits for a run in progress
// (see periodic.Runner).
type SnapshotJob struct {
	*periodic.Runner
	cfg SnapshotConfig
}

// NewSnapshotJob returns a job that has not started.
func NewSnapshotJob(cfg SnapshotConfig) (*SnapshotJob, error) {
	if cfg.Store == nil {
		return nil, errors.New("forecast snapshot job: a store is required")
	}
	if cfg.Seed == 0 {
		cfg.Seed = forecast.DefaultSeed
	}
	j := &SnapshotJob{cfg: cfg}
	j.Runner = periodic.NewJob("forecast snapshot", periodic.Schedule{Interval: cfg.Interval, Now: cfg.Now, Logger: cfg.Logger},
		DefaultSnapshotInterval, j.storeDue, "forecast snapshot stored", func(asOf string) []any {
			return []any{slog.String("as_of", asOf)}
		})
	return j, nil
}

// SnapshotDay returns the day a snapshot taken at now is as of: the last Sunday before now's day.
func SnapshotDay(now time.Time) forecast.Day {
	today := forecast.DayOf(now)
	back := int(today.Time().Weekday()) // Sunday 0 … Saturday 6
	if back == 0 {
		back = 7
	}
	return today - forecast.Day(back)
}

// RunOnce stores the snapshot due at now unless it is stored, and reports whether this call stored it.
func (j *SnapshotJob) RunOnce(ctx context.Context, now time.Time) (bool, error) {
	asOf := SnapshotDay(now)
	q := forecast.QuarterOf(asOf)
	taken, err := j.cfg.Store.ForecastSnapshotTaken(ctx, q.String(), asOf.String())
	if err != nil || taken {
		return false, err
	}
	book, err := Load(ctx, j.cfg.Store, tandem.SystemActor)
	if err != nil {
		return false, err
	}
	f, err := book.Forecast(q, asOf, forecast.Options{Seed: j.cfg.Seed})
	if err != nil {
		return false, fmt.Errorf("forecast snapshot %s as of %s: %w", q, asOf, err)
	}
	lines := make([]tandem.ForecastSnapshot, len(f.Lines))
	for i, l := range f.Lines {
		lines[i] = tandem.ForecastSnapshot{Quarter: q.String(), AsOf: asOf.String(), Category: l.Category, WonToDate: l.WonToDate,
			Commit: l.Commit, BestCase: l.BestCase, Pipeline: l.Pipeline, P10: l.P10, P50: l.P50, P90: l.P90, Seed: f.Seed}
	}
	return j.cfg.Store.SaveForecastSnapshot(ctx, lines)
}

// storeDue runs RunOnce and returns the day of the snapshot it stored, "" when it stored none.
func (j *SnapshotJob) storeDue(ctx context.Context, now time.Time) (string, error) {
	stored, err := j.RunOnce(ctx, now)
	if err != nil || !stored {
		return "", err
	}
	return SnapshotDay(now).String(), nil
}
