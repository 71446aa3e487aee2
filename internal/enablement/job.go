package enablement

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tandem-revops/tandem/internal/periodic"
)

// DefaultExpiryInterval is how often the MDF expiry job looks for funds whose period is over.
const DefaultExpiryInterval = 10 * time.Minute

// ExpiryJob expires MDF in the background: every interval, the open requests of funds whose period is
// over move to expired and those funds are marked expired (Service.ExpireDue). Like the escalation job
// it keeps no state: due times are the funds' expiry dates in the database, each request moves in its
// fund's locked transaction and a fund is marked by a conditional update, so of several instances
// exactly one makes each move.
type ExpiryJob struct {
	svc    *Service
	now    func() time.Time
	logger *slog.Logger
	runner *periodic.Runner
}

// NewExpiryJob returns a job that has not started. interval defaults to DefaultExpiryInterval, now to
// time.Now, logger to a discarding one.
func NewExpiryJob(svc *Service, interval time.Duration, now func() time.Time, logger *slog.Logger) (*ExpiryJob, error) {
	if svc == nil || svc.Store == nil {
		return nil, errors.New("MDF expiry job: a service with a store is required")
	}
	if interval <= 0 {
		interval = DefaultExpiryInterval
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	j := &ExpiryJob{svc: svc, now: now, logger: logger}
	j.runner = periodic.New(interval, j.tick)
	return j, nil
}

// RunOnce expires what is due at now.
func (j *ExpiryJob) RunOnce(ctx context.Context, now time.Time) (ExpiryResult, error) {
	return j.svc.ExpireDue(ctx, now)
}

// Start runs the job every interval, the first time at once, until ctx ends or Stop is called.
func (j *ExpiryJob) Start(ctx context.Context) { j.runner.Start(ctx) }

// Stop ends the job and waits for a run in progress to finish.
func (j *ExpiryJob) Stop() { j.runner.Stop() }

func (j *ExpiryJob) tick(ctx context.Context) {
	res, err := j.RunOnce(ctx, j.now())
	switch {
	case err != nil && ctx.Err() == nil:
		j.logger.ErrorContext(ctx, "MDF expiry failed", slog.Any("err", err))
	case res.Requests+res.Funds > 0:
		j.logger.InfoContext(ctx, "MDF expired", slog.Int("requests", res.Requests), slog.Int("funds", res.Funds))
	}
}
