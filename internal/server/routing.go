package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// policyCache holds the parsed active policy. It asks the store for the active version at most once per
// ttl and parses a version only when its id changed, so routing costs one small query every ttl at most.
type policyCache struct {
	ttl time.Duration

	mu        sync.Mutex
	checkedAt time.Time
	version   *tandem.PolicyVersion
	parsed    *policy.Policy
}

// activePolicy returns the active published policy and its stored version.
func (s *Server) activePolicy(ctx context.Context) (*policy.Policy, *tandem.PolicyVersion, error) {
	c := s.policy
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.now()
	if c.parsed != nil && now.Sub(c.checkedAt) < c.ttl {
		return c.parsed, c.version, nil
	}
	v, err := s.store.ActivePolicyVersion(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("active policy: %w", err)
	}
	if c.version == nil || c.version.ID != v.ID {
		p, err := policy.Parse(v.Name, []byte(v.Source))
		if err != nil {
			return nil, nil, fmt.Errorf("active policy version %d: %w", v.ID, err)
		}
		c.parsed, c.version = p, v
		s.log.InfoContext(ctx, "policy in force", slog.Int64("id", v.ID), slog.String("version", p.Version()))
	}
	c.checkedAt = now
	return c.parsed, c.version, nil
}

// forgetPolicy makes the next routing call re-read the active version (after a publish here).
func (s *Server) forgetPolicy() {
	s.policy.mu.Lock()
	s.policy.checkedAt = time.Time{}
	s.policy.mu.Unlock()
}

// EnsurePolicy stores the built-in default policy as the published version when the store has none,
// audited as the system. Serve calls it at start.
func (s *Server) EnsurePolicy(ctx context.Context) error {
	_, err := s.store.ActivePolicyVersion(ctx)
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
		v.EffectiveFrom = s.now().UTC()
	}
	if err := s.store.CreatePolicyVersion(ctx, tandem.SystemActor, v); err != nil {
		return fmt.Errorf("store the built-in policy: %w", err)
	}
	if err := s.store.PublishPolicyVersion(ctx, tandem.SystemActor, v.ID); err != nil {
		return fmt.Errorf("publish the built-in policy: %w", err)
	}
	s.log.InfoContext(ctx, "stored the built-in policy as the published version", slog.String("version", p.Version()))
	return nil
}

// dealOf is what the policy sees of an opportunity.
func dealOf(o *tandem.Opportunity, st tandem.RoutingState) policy.Deal {
	d := policy.DealOf(o, st)
	if o.PartnerID != 0 {
		d.PartnerID = fmt.Sprint(o.PartnerID)
	}
	return d
}

// route decides o's motion with the active policy and stores the decision in o.Routing. For a stored
// opportunity (o.ID != 0) it takes the current motion and registration from the store; the partner's
// tier always comes from o.PartnerID, which the caller may just have changed.
func (s *Server) route(ctx context.Context, actor tandem.Actor, o *tandem.Opportunity) error {
	p, _, err := s.activePolicy(ctx)
	if err != nil {
		return err
	}
	var st tandem.RoutingState
	if o.ID != 0 {
		if st, err = s.store.OpportunityRoutingState(ctx, actor, o.ID); err != nil {
			return err
		}
	}
	st.PartnerTier = ""
	if o.PartnerID != 0 {
		partner, err := s.store.GetPartner(ctx, actor, o.PartnerID)
		if err != nil {
			if tandem.ErrorCode(err) == tandem.ENOTFOUND {
				return tandem.FieldError("partner_id", "partner %d not found", o.PartnerID)
			}
			return err
		}
		st.PartnerTier = partner.Tier
	}
	d, err := p.Route(dealOf(o, st))
	if err != nil {
		return fmt.Errorf("route opportunity %q: %w", o.Name, err)
	}
	o.Routing = d.Routing(s.now().UTC())
	s.metrics.routed.WithLabelValues(string(d.Motion)).Inc()
	return nil
}
