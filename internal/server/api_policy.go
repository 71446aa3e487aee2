package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// policyView is the active policy as the API and the policy page show it.
type policyView struct {
	Version  tandem.PolicyVersion `json:"version"`
	Guide    string               `json:"guide_html" doc:"the programme guide rendered from the policy, as HTML"`
	Findings []policy.Finding     `json:"findings" doc:"lint results"`
}

type draftInput struct {
	Name   string `json:"name,omitempty" maxLength:"200" doc:"default: the name in the YAML"`
	Source string `json:"source" minLength:"1" doc:"the policy YAML"`
}

type simulateInput struct {
	Source string `json:"source" minLength:"1" doc:"the draft policy YAML to try on the stored deals"`
}

type publishResult struct {
	Version  tandem.PolicyVersion `json:"version"`
	Rerouted int                  `json:"rerouted" doc:"open deals routed again with the new version"`
	Held     int                  `json:"held" doc:"open deals at or past the protected stage that kept their routing: the new version would change their motion, which only an escalation decides"`
}

func (s *Server) registerPolicyAPI() {
	register(s.api, opGet("get-policy", "/policy", "The policy in force",
		"The active published version with its source, the rendered programme guide and the lint findings."),
		answerFor(s, func(ctx context.Context, _ tandem.Actor, _ *struct{}) (*policyView, error) {
			return s.policyView(ctx)
		}))
	register(s.api, opGet("list-policy-versions", "/policy/versions", "List policy versions", "Newest first."),
		listFor(s, func(ctx context.Context, a tandem.Actor, _ *struct{}) ([]tandem.PolicyVersion, error) {
			return s.store.ListPolicyVersions(ctx, a)
		}))
	register(s.api, opGet("get-policy-version", "/policy/versions/{id}", "Get a policy version", ""),
		byID(s, s.store.GetPolicyVersion))
	register(s.api, created(op(http.MethodPost, "create-policy-draft", "/policy/versions", "Save a draft policy",
		"The YAML must parse; lint findings do not stop a draft.")),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body draftInput }) (*tandem.PolicyVersion, error) {
			return s.saveDraft(ctx, a, in.Body.Name, in.Body.Source)
		}))
	register(s.api, op(http.MethodPost, "simulate-policy", "/policy/simulate", "Simulate a draft on the stored deals",
		"Routes every stored deal with the active policy and with the draft and reports how many change motion, which, and why. Nothing is written."),
		answerFor(s, func(ctx context.Context, a tandem.Actor, in *struct{ Body simulateInput }) (*policy.SimulationResult, error) {
			return s.simulate(ctx, a, in.Body.Source)
		}))
	register(s.api, op(http.MethodPost, "publish-policy-version", "/policy/versions/{id}/publish", "Publish a draft",
		"The version goes into force at once and every open deal is routed again with it."),
		byID(s, s.publish))
}

// parsePolicy parses YAML from a client, turning parse problems into one EINVALID error listing them.
func parsePolicy(name, src string) (*policy.Policy, error) {
	p, err := policy.Parse(name, []byte(src))
	if err != nil {
		return nil, &tandem.Error{Code: tandem.EINVALID, Field: "source", Message: err.Error(), Err: err}
	}
	return p, nil
}

func (s *Server) policyView(ctx context.Context) (*policyView, error) {
	p, v, err := s.activePolicy(ctx)
	if err != nil {
		return nil, err
	}
	var guide bytes.Buffer
	if err := p.RenderHTML(&guide); err != nil {
		return nil, fmt.Errorf("render the policy guide: %w", err)
	}
	findings := p.Check()
	if findings == nil {
		findings = []policy.Finding{}
	}
	return &policyView{Version: *v, Guide: guide.String(), Findings: findings}, nil
}

func (s *Server) saveDraft(ctx context.Context, actor tandem.Actor, name, src string) (*tandem.PolicyVersion, error) {
	if name == "" {
		name = "policy"
	}
	p, err := parsePolicy(name, src)
	if err != nil {
		return nil, err
	}
	if n := p.Name(); n != "" && name == "policy" {
		name = n
	}
	v := &tandem.PolicyVersion{Name: name, Version: p.Version(), EffectiveFrom: p.EffectiveFrom(),
		Status: tandem.PolicyDraft, Source: src, CreatedBy: actor.UserID}
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = s.now().UTC()
	}
	if err := s.store.CreatePolicyVersion(ctx, actor, v); err != nil {
		return nil, err
	}
	return v, nil
}

// storedDeals returns every stored deal as the policy sees it, keyed by opportunity id.
func (s *Server) storedDeals(ctx context.Context, actor tandem.Actor, openOnly bool) ([]policy.Deal, []int64, error) {
	var deals []policy.Deal
	var ids []int64
	err := s.store.RoutingInputs(ctx, actor, func(o tandem.Opportunity, st tandem.RoutingState) error {
		if openOnly && o.Stage.Closed() {
			return nil
		}
		d := dealOf(&o, st)
		d.Account = o.Name
		deals = append(deals, d)
		ids = append(ids, o.ID)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read stored deals: %w", err)
	}
	return deals, ids, nil
}

func (s *Server) simulate(ctx context.Context, actor tandem.Actor, src string) (*policy.SimulationResult, error) {
	draft, err := parsePolicy("draft", src)
	if err != nil {
		return nil, err
	}
	active, _, err := s.activePolicy(ctx)
	if err != nil {
		return nil, err
	}
	deals, _, err := s.storedDeals(ctx, actor, false)
	if err != nil {
		return nil, err
	}
	res := policy.Simulate(active, draft, slices.Values(deals))
	return &res, nil
}

// publish puts version id in force and routes every open deal again with it, so each carries the new
// version. Deals that fail to route keep their old routing and are logged; deals at or past the new
// version's protected stage whose motion it would change keep theirs and are counted as held.
func (s *Server) publish(ctx context.Context, actor tandem.Actor, id int64) (*publishResult, error) {
	v, err := s.store.GetPolicyVersion(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if v.Status != tandem.PolicyDraft {
		return nil, tandem.Errorf(tandem.ECONFLICT, "policy version %d is %s, not a draft", id, v.Status)
	}
	p, err := parsePolicy(v.Name, v.Source)
	if err != nil {
		return nil, err
	}
	if err := s.store.PublishPolicyVersion(ctx, actor, id); err != nil {
		return nil, err
	}
	s.forgetPolicy()
	deals, ids, err := s.storedDeals(ctx, actor, true)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	updates := make(map[int64]tandem.Routing, len(deals))
	var failed []string
	held := 0
	protected := p.ConflictSettings()
	for i, d := range deals {
		dec, err := p.Route(d)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%d: %v", ids[i], err))
			continue
		}
		// A deal at or past the protected stage keeps its routing rather than change motion; a publish
		// opens no conflict per deal (a later edit of the deal does).
		if protected.HoldsReroute(d.CurrentMotion, d.Stage, dec.Motion, d.Stage) {
			held++
			continue
		}
		updates[ids[i]] = dec.Routing(now)
	}
	if len(failed) > 0 {
		s.log.WarnContext(ctx, "deals not re-routed on publish", "count", len(failed), "first", strings.Join(failed[:min(5, len(failed))], "; "))
	}
	n, err := s.store.ApplyRouting(ctx, actor, updates)
	if err != nil {
		return nil, fmt.Errorf("re-route open deals: %w", err)
	}
	if v, err = s.store.GetPolicyVersion(ctx, actor, id); err != nil {
		return nil, err
	}
	return &publishResult{Version: *v, Rerouted: n, Held: held}, nil
}
