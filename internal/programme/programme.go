// Package programme owns the programme in force: the published policy version and everything derived
// from it — routing (the parsed policy), the registration rules, the conflict rules and the business
// calendar they count in. A Loader reads the active version from the store, builds all of it once per
// published version and shares it with every caller: the HTTP server, the background jobs, the CLI and
// the demo ask it alike instead of each parsing the policy and building its own calendar.
package programme

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
	"github.com/tandem-revops/tandem/internal/policy"
)

// InForce is one policy version and what follows from it. It is immutable: a new published version
// gives a new InForce.
type InForce struct {
	Version  *tandem.PolicyVersion // nil for a policy that was never stored (the built-in default)
	Policy   *policy.Policy
	Calendar *calendar.Calendar
	// Registration is the lifecycle settings and the approval SLA. The policy has no
	// extension-activity window, so the domain default applies.
	Registration tandem.RegistrationRules
	// Conflicts is the conflict settings (the programme defaults for what the policy leaves out) on
	// the same calendar.
	Conflicts tandem.ConflictRules
	// WarnFraction is the share of the approval SLA after which a waiting registration is warned about.
	WarnFraction float64
	// RiskBands grade a conflict-risk score high, medium or low (the policy's
	// predictions.conflict_risk over policy.DefaultRiskBands).
	RiskBands policy.RiskBands
}

// Derive builds the programme of p: its calendar once, and the rules on it.
func Derive(p *policy.Policy) (*InForce, error) {
	set := p.Settings()
	rules, cal, err := rulesOf(set)
	if err != nil {
		return nil, err
	}
	return &InForce{
		Policy:       p,
		Calendar:     cal,
		Registration: rules,
		Conflicts:    tandem.ConflictRules{Settings: p.ConflictSettings(), Calendar: cal},
		WarnFraction: set.Alerts.WarnFraction(),
		RiskBands:    p.RiskBands(),
	}, nil
}

// rulesOf builds the business calendar of the policy's registration settings and the lifecycle rules
// on it.
func rulesOf(set policy.Registration) (tandem.RegistrationRules, *calendar.Calendar, error) {
	bh := set.BusinessHours
	cal, err := calendar.New(calendar.Config{Timezone: bh.Timezone, Start: bh.Start, End: bh.End, Days: bh.Days,
		Holidays: bh.Holidays})
	if err != nil {
		return tandem.RegistrationRules{}, nil, fmt.Errorf("policy registration settings: %w", err)
	}
	return tandem.RegistrationRules{
		Lifecycle: tandem.LifecycleSettings{ProtectionDays: set.ProtectionDays, Extensions: set.Extensions,
			ExtensionDays: set.ExtensionDays, ActivityDays: tandem.DefaultActivityDays},
		ApprovalSLA: tandem.SLA{Calendar: cal, Budget: time.Duration(set.ApprovalSLABusinessHours) * time.Hour},
	}, cal, nil
}

// Store is where the policy versions live.
type Store interface {
	ActivePolicyVersion(ctx context.Context) (*tandem.PolicyVersion, error)
	CreatePolicyVersion(ctx context.Context, actor tandem.Actor, v *tandem.PolicyVersion) error
	PublishPolicyVersion(ctx context.Context, actor tandem.Actor, id int64) error
}

// Config is what a Loader needs; Store is required.
type Config struct {
	Store Store
	// TTL is how long the version in force is trusted before the store is asked again (default 2s), so
	// a publish by another process is seen within it.
	TTL    time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Counts says how much work the Loader did: each is the number of times since it was made.
type Counts struct {
	Lookups        int64 // Current was asked
	VersionReads   int64 // the store was asked for the active version
	Loads          int64 // a version was parsed and its programme derived
	CalendarBuilds int64 // a business calendar was built (once per load)
}

// Loader holds the programme in force. It asks the store for the active version at most once per TTL
// and derives a version only when its id changed. Safe for concurrent use.
type Loader struct {
	cfg Config

	mu        sync.Mutex
	checkedAt time.Time
	current   *InForce

	lookups, reads, loads, calendars atomic.Int64
}

// NewLoader returns a Loader over cfg.Store.
func NewLoader(cfg Config) *Loader {
	if cfg.TTL == 0 {
		cfg.TTL = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{cfg: cfg}
}

// Current returns the programme in force.
func (l *Loader) Current(ctx context.Context) (*InForce, error) {
	l.lookups.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.cfg.Now()
	if l.current != nil && now.Sub(l.checkedAt) < l.cfg.TTL {
		return l.current, nil
	}
	l.reads.Add(1)
	v, err := l.cfg.Store.ActivePolicyVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("active policy: %w", err)
	}
	if l.current == nil || l.current.Version.ID != v.ID {
		in, err := l.load(v)
		if err != nil {
			return nil, err
		}
		l.current = in
		l.cfg.Logger.InfoContext(ctx, "policy in force", slog.Int64("id", v.ID), slog.String("version", in.Policy.Version()))
	}
	l.checkedAt = now
	return l.current, nil
}

func (l *Loader) load(v *tandem.PolicyVersion) (*InForce, error) {
	l.loads.Add(1)
	p, err := policy.Parse(v.Name, []byte(v.Source))
	if err != nil {
		return nil, fmt.Errorf("active policy version %d: %w", v.ID, err)
	}
	l.calendars.Add(1)
	in, err := Derive(p)
	if err != nil {
		return nil, err
	}
	in.Version = v
	return in, nil
}

// Forget makes the next Current re-read the active version (after a publish in this process).
func (l *Loader) Forget() {
	l.mu.Lock()
	l.checkedAt = time.Time{}
	l.mu.Unlock()
}

// Counts returns the work done so far.
func (l *Loader) Counts() Counts {
	return Counts{Lookups: l.lookups.Load(), VersionReads: l.reads.Load(), Loads: l.loads.Load(),
		CalendarBuilds: l.calendars.Load()}
}

// ConflictRules returns the conflict rules in force; the escalation job asks on every run.
func (l *Loader) ConflictRules(ctx context.Context) (tandem.ConflictRules, error) {
	in, err := l.Current(ctx)
	if err != nil {
		return tandem.ConflictRules{}, err
	}
	return in.Conflicts, nil
}

// Ensure stores the built-in default policy as the published version when the store has none,
// audited as the system. Serve calls it at start.
func (l *Loader) Ensure(ctx context.Context) error {
	_, err := l.cfg.Store.ActivePolicyVersion(ctx)
	if err == nil {
		return nil
	}
	if tandem.ErrorCode(err) != tandem.ENOTFOUND {
		return fmt.Errorf("active policy: %w", err)
	}
	src := policy.DefaultSource()
	p, err := policy.Parse("default", src)
	if err != nil {
		return fmt.Errorf("built-in policy: %w", err)
	}
	v := &tandem.PolicyVersion{Name: p.Name(), Version: p.Version(), Source: string(src), Status: tandem.PolicyDraft,
		EffectiveFrom: p.EffectiveFrom()}
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = l.cfg.Now().UTC()
	}
	if err := l.cfg.Store.CreatePolicyVersion(ctx, tandem.SystemActor, v); err != nil {
		return fmt.Errorf("store the built-in policy: %w", err)
	}
	if err := l.cfg.Store.PublishPolicyVersion(ctx, tandem.SystemActor, v.ID); err != nil {
		return fmt.Errorf("publish the built-in policy: %w", err)
	}
	l.cfg.Logger.InfoContext(ctx, "stored the built-in policy as the published version", slog.String("version", p.Version()))
	return nil
}

// Published returns the programme of the published policy, or of the built-in one when none is
// published: what a one-shot command (tandem import) runs under.
func Published(ctx context.Context, store interface {
	ActivePolicyVersion(ctx context.Context) (*tandem.PolicyVersion, error)
}) (*InForce, error) {
	v, err := store.ActivePolicyVersion(ctx)
	if tandem.ErrorCode(err) == tandem.ENOTFOUND {
		return Derive(policy.Default())
	}
	if err != nil {
		return nil, err
	}
	p, err := policy.Parse(v.Name+" "+v.Version, []byte(v.Source))
	if err != nil {
		return nil, fmt.Errorf("published policy: %w", err)
	}
	in, err := Derive(p)
	if err != nil {
		return nil, err
	}
	in.Version = v
	return in, nil
}
