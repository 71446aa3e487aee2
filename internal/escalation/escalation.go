// Package escalation owns the conflict-escalation timer: a background job that, every interval, moves
// each unresolved channel conflict whose level's resolution SLA has run out up to the next level.
//
// The job keeps no state of its own. Due times live in the database and the store makes each move
// exactly once however many processes run the job, so a restart loses no timer and a second replica
// doubles none; the job only decides when to look.
package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/periodic"
)

// DefaultInterval is how often the job looks for due conflicts.
const DefaultInterval = time.Minute

// Escalator moves due conflicts up a level (the store).
type Escalator interface {
	EscalateDue(ctx context.Context, now time.Time, rules tandem.ConflictRules) (int, error)
}

// Config is what a Job needs. Store and Rules are required.
type Config struct {
	Store Escalator
	// Rules returns the conflict rules in force (they follow the published policy, so they are asked
	// for on every run).
	Rules func(ctx context.Context) (tandem.ConflictRules, error)
	// Interval is how often the job runs (default DefaultInterval).
	Interval time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Job is the escalation timer. Start it once; Stop waits for a run in progress to end.
type Job struct {
	cfg    Config
	runner *periodic.Runner
}

// New returns a job that has not started.
func New(cfg Config) (*Job, error) {
	if cfg.Store == nil || cfg.Rules == nil {
		return nil, errors.New("escalation job: a store and the conflict rules are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	j := &Job{cfg: cfg}
	j.runner = periodic.New(cfg.Interval, j.tick)
	return j, nil
}

// RunOnce escalates every conflict due at now and returns how many moves it made.
func (j *Job) RunOnce(ctx context.Context, now time.Time) (int, error) {
	rules, err := j.cfg.Rules(ctx)
	if err != nil {
		return 0, fmt.Errorf("escalation: conflict rules: %w", err)
	}
	n, err := j.cfg.Store.EscalateDue(ctx, now, rules)
	if err != nil {
		return n, fmt.Errorf("escalation: %w", err)
	}
	return n, nil
}

// Start runs the job every interval, the first time at once, until ctx ends or Stop is called. A failed
// run is logged and tried again at the next tick. Starting a started job does nothing.
func (j *Job) Start(ctx context.Context) { j.runner.Start(ctx) }

// Stop ends the job and waits for a run in progress to finish. It is safe to call on a job never
// started, and more than once.
func (j *Job) Stop() { j.runner.Stop() }

// tick is one scheduled run: escalate what is due now and log what happened.
func (j *Job) tick(ctx context.Context) {
	n, err := j.RunOnce(ctx, j.cfg.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		j.cfg.Logger.ErrorContext(ctx, "conflict escalation failed", slog.Any("err", err))
	case n > 0:
		j.cfg.Logger.InfoContext(ctx, "conflicts escalated", slog.Int("moves", n))
	}
}
