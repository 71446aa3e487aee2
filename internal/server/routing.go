package server

import (
	"context"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// activePolicy returns the active published policy and its stored version, from the programme in force.
func (s *Server) activePolicy(ctx context.Context) (*policy.Policy, *tandem.PolicyVersion, error) {
	in, err := s.programme.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	return in.Policy, in.Version, nil
}

// forgetPolicy makes the next routing call re-read the active version (after a publish here).
func (s *Server) forgetPolicy() { s.programme.Forget() }

// EnsurePolicy stores the built-in default policy as the published version when the store has none,
// audited as the system. Serve calls it at start.
func (s *Server) EnsurePolicy(ctx context.Context) error { return s.programme.Ensure(ctx) }

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
