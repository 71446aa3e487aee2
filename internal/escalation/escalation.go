// Package escalation owns the conflict-escalation timer: a background job that, every interval, moves
// each unresolved channel conflict whose level's resolution SLA has run out up to the next level.
//
// The job keeps no state of its own. Due times live in the database and the store makes each move
// exactly once however many processes run the job, so a restart loses no timer and a second replica
// doubles none; the job only decides when to look.
package escalation

import (
	"context"
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

// Config is what a Job needs: the store and the conflict rules in force (both required), and its
// schedule (Interval defaults to DefaultInterval).
type Config = periodic.Config[Escalator, tandem.ConflictRules]

// Job is the escalation timer. Start it once; Stop waits for a run in progress to end (see
// periodic.Runner).
type Job struct {
	*periodic.Runner
	cfg Config
}

// New returns a job that has not started.
func New(cfg Config) (*Job, error) {
	if err := cfg.Check("escalation job", "conflict rules"); err != nil {
		return nil, err
	}
	j := &Job{cfg: cfg}
	j.Runner = periodic.NewJob("conflict escalation", cfg.Schedule(),
		DefaultInterval, j.RunOnce, "conflicts escalated", func(n int) []any { return []any{slog.Int("moves", n)} })
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
