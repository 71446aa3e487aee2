// Package regjobs owns the deal-registration background job: every interval it expires the approved
// registrations whose protection ran out and records the approval-SLA alerts that came due — an
// sla_warning once the policy's warning share of a waiting registration's approval SLA is used, an
// sla_breached once the SLA is over. The notification dispatcher turns those log entries into emails
// and webhooks.
//
// Like the escalation job, this one keeps no state. Due times live in the database and the store does
// each expiry and each alert at most once however many processes run the job, so a restart loses
// nothing and a second replica doubles nothing; the job only decides when to look.
package regjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/periodic"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// DefaultInterval is how often the job looks for due work.
const DefaultInterval = time.Minute

// Store does the job's work (the SQL store).
type Store interface {
	ExpireDue(ctx context.Context, now time.Time, rules tandem.RegistrationRules) (int, error)
	AlertDue(ctx context.Context, now time.Time, rules tandem.RegistrationRules, warnFraction float64) (sqlstore.AlertCounts, error)
}

// Rules are the registration rules in force and the share of the approval SLA after which a waiting
// registration is warned about (0 < WarnFraction < 1).
type Rules struct {
	Registration tandem.RegistrationRules
	WarnFraction float64
}

// Config is what a Job needs: the store and the rules in force (both required), and its schedule
// (Interval defaults to DefaultInterval).
type Config = periodic.Config[Store, Rules]

// Result is what one run did.
type Result struct {
	Expired  int
	Warnings int
	Breaches int
}

// Job is the registration job. Start it once; Stop waits for a run in progress to end (see
// periodic.Runner).
type Job struct {
	*periodic.Runner
	cfg Config
}

// New returns a job that has not started.
func New(cfg Config) (*Job, error) {
	if err := cfg.Check("registration job", "registration rules"); err != nil {
		return nil, err
	}
	j := &Job{cfg: cfg}
	j.Runner = periodic.NewJob("registration job", cfg.Schedule(),
		DefaultInterval, j.RunOnce, "registration job", func(res Result) []any {
			return []any{slog.Int("expired", res.Expired), slog.Int("sla_warnings", res.Warnings), slog.Int("sla_breaches", res.Breaches)}
		})
	return j, nil
}

// RunOnce expires the registrations due at now and records the alerts due at now. An expiry failure
// does not stop the alerts: both errors are returned, joined.
func (j *Job) RunOnce(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	rules, err := j.cfg.Rules(ctx)
	if err != nil {
		return res, fmt.Errorf("registration job: rules: %w", err)
	}
	var errs []error
	if res.Expired, err = j.cfg.Store.ExpireDue(ctx, now, rules.Registration); err != nil {
		errs = append(errs, fmt.Errorf("registration job: expire: %w", err))
	}
	counts, err := j.cfg.Store.AlertDue(ctx, now, rules.Registration, rules.WarnFraction)
	res.Warnings, res.Breaches = counts.Warnings, counts.Breaches
	if err != nil {
		errs = append(errs, fmt.Errorf("registration job: SLA alerts: %w", err))
	}
	return res, errors.Join(errs...)
}
