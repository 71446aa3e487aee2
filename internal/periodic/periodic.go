// Package periodic owns the start/stop life of Tandem's background jobs (conflict escalation, the
// registration job, the notification dispatcher, MDF expiry, predictions, the forecast snapshot, the
// account matcher's checks): one function run at once and then every interval,
// until its context ends or Stop is called. The jobs keep their due times in the database, so this
// package only decides when to look; it holds no state between runs.
package periodic

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Runner runs a function every interval on its own goroutine. The zero value is not usable: build one
// with New. It is safe for concurrent use.
type Runner struct {
	interval time.Duration
	run      func(ctx context.Context)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a runner that has not started. run is called with the runner's context, which ends when
// Stop is called or the context given to Start ends; it should log its own failures.
func New(interval time.Duration, run func(ctx context.Context)) *Runner {
	return &Runner{interval: interval, run: run}
}

// Start calls run at once and then every interval until ctx ends or Stop is called. Starting a started
// runner does nothing.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	go r.loop(ctx, r.done)
}

func (r *Runner) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(r.interval)
	defer tick.Stop()
	for {
		r.run(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Stop ends the runner and waits for a run in progress to finish. It is safe to call on a runner never
// started, and more than once; a stopped runner can be started again.
func (r *Runner) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Schedule is how a job runs: every Interval (default given to NewJob), at the time Now reads (default
// time.Now), logging to Logger (default: nowhere).
type Schedule struct {
	Interval time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Config is what a job that works by the rules in force needs: the store that does its work and the
// rules, asked for on every run because they follow the published policy; its schedule fields are
// those of Schedule. Store and Rules are required.
type Config[S, R any] struct {
	Store S
	// Rules returns the rules in force.
	Rules func(ctx context.Context) (R, error)
	// Interval is how often the job runs (default: the job's own).
	Interval time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Check returns an error saying "<job>: a store and the <rules> are required" when the config lacks
// either.
func (c Config[S, R]) Check(job, rules string) error {
	if any(c.Store) == nil || c.Rules == nil {
		return fmt.Errorf("%s: a store and the %s are required", job, rules)
	}
	return nil
}

// Schedule returns how the configured job runs.
func (c Config[S, R]) Schedule() Schedule {
	return Schedule{Interval: c.Interval, Now: c.Now, Logger: c.Logger}
}

// NewJob returns a runner, not started, for a job that works at an instant and says what it did: each
// run calls run with the schedule's clock, logs a failure (unless the job is being stopped) as
// "<name> failed", and a result other than R's zero value as done with the attributes attrs gives.
func NewJob[R comparable](name string, s Schedule, defaultInterval time.Duration,
	run func(ctx context.Context, now time.Time) (R, error), done string, attrs func(R) []any) *Runner {
	if s.Interval <= 0 {
		s.Interval = defaultInterval
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return New(s.Interval, func(ctx context.Context) {
		var zero R
		res, err := run(ctx, s.Now())
		if err != nil && ctx.Err() == nil {
			s.Logger.ErrorContext(ctx, name+" failed", slog.Any("err", err))
		}
		if res != zero {
			s.Logger.InfoContext(ctx, done, attrs(res)...)
		}
	})
}
