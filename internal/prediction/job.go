package prediction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-revops/tandem/internal/periodic"
)

// Default schedule: look for unscored records every minute (a registration is scored within a minute
// of its submit), train once a day.
const (
	DefaultInterval   = time.Minute
	DefaultTrainEvery = 24 * time.Hour
)

// Job trains each model kind once per TrainEvery and scores the open records on every run. Like the
// escalation job it keeps no state: a training is claimed in the database for its slot (the TrainEvery
// period it falls in), so of several instances exactly one trains each slot, and scores are one row
// per record and model version, so a second instance doubles nothing. Start and Stop are
// periodic.Runner's.
type Job struct {
	*periodic.Runner
	svc        *Service
	trainEvery time.Duration
}

// JobResult is what one run did.
type JobResult struct {
	Trained []*Trained
	Scored  map[string]int
}

// NewJob returns a job that has not started. interval and trainEvery default to DefaultInterval and
// DefaultTrainEvery.
func NewJob(svc *Service, interval, trainEvery time.Duration) (*Job, error) {
	if svc == nil || svc.Store == nil {
		return nil, errors.New("prediction job: a service with a store is required")
	}
	if trainEvery <= 0 {
		trainEvery = DefaultTrainEvery
	}
	j := &Job{svc: svc, trainEvery: trainEvery}
	j.Runner = periodic.NewJob("prediction job", periodic.Schedule{Interval: interval, Now: svc.Now, Logger: svc.Logger},
		DefaultInterval, j.runScoring, "prediction job scored",
		func(n scored) []any {
			return []any{slog.Int("registrations", n.registrations), slog.Int("opportunities", n.opportunities)}
		})
	return j, nil
}

// RunOnce trains each kind whose slot at now nobody has claimed yet, then scores what is unscored. A
// history too short to train is not an error (a new company has none); every other failure is
// returned, joined, and does not stop the other kinds.
func (j *Job) RunOnce(ctx context.Context, now time.Time) (JobResult, error) {
	res := JobResult{Scored: map[string]int{}}
	slot := now.UTC().Truncate(j.trainEvery).Unix()
	var errs []error
	for _, kind := range Kinds {
		won, err := j.svc.Store.ClaimTraining(ctx, kind, slot)
		if err != nil {
			errs = append(errs, fmt.Errorf("prediction job: %w", err))
			continue
		}
		if !won {
			continue
		}
		t, err := j.svc.Train(ctx, kind, "schedule", 0)
		switch {
		case errors.Is(err, ErrTooFewExamples):
			j.svc.Logger.InfoContext(ctx, "prediction model not trained", slog.String("kind", kind), slog.Any("why", err))
		case err != nil:
			errs = append(errs, fmt.Errorf("prediction job: %w", err))
		default:
			res.Trained = append(res.Trained, t)
		}
	}
	for _, kind := range Kinds {
		n, err := j.svc.Score(ctx, kind)
		res.Scored[kind] = n
		if err != nil {
			errs = append(errs, fmt.Errorf("prediction job: %w", err))
		}
	}
	return res, errors.Join(errs...)
}

// scored is how many records of each kind a scheduled run scored: what the job logs.
type scored struct{ registrations, opportunities int }

// runScoring is one scheduled run: RunOnce, reduced to what it scored.
func (j *Job) runScoring(ctx context.Context, now time.Time) (scored, error) {
	res, err := j.RunOnce(ctx, now)
	return scored{registrations: res.Scored[Kinds[0]], opportunities: res.Scored[Kinds[1]]}, err
}
