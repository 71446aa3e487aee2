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
// exactly one makes each move. Start and Stop are periodic.Runner's.
type ExpiryJob struct {
	*periodic.Runner
	svc *Service
}

// NewExpiryJob returns a job that has not started. interval defaults to DefaultExpiryInterval, now to
// time.Now, logger to a discarding one.
func NewExpiryJob(svc *Service, interval time.Duration, now func() time.Time, logger *slog.Logger) (*ExpiryJob, error) {
	if svc == nil || svc.Store == nil {
		return nil, errors.New("MDF expiry job: a service with a store is required")
	}
	j := &ExpiryJob{svc: svc}
	j.Runner = periodic.NewJob("MDF expiry", periodic.Schedule{Interval: interval, Now: now, Logger: logger},
		DefaultExpiryInterval, j.RunOnce, "MDF expired",
		func(r ExpiryResult) []any { return []any{slog.Int("requests", r.Requests), slog.Int("funds", r.Funds)} })
	return j, nil
}

// RunOnce expires what is due at now.
func (j *ExpiryJob) RunOnce(ctx context.Context, now time.Time) (ExpiryResult, error) {
	return j.svc.ExpireDue(ctx, now)
}
