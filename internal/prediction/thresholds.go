package prediction

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// acvComparison finds "acv < 250000" (or 250_000, or 250000.50) in a rule's condition.
var acvComparison = regexp.MustCompile(`\bacv\s*(?:<=|>=|<|>|==|!=)\s*([0-9][0-9_]*(?:\.[0-9]+)?)`)

// PolicyThresholds returns the ACV amounts the policy decides on: every number a rule compares acv
// with, and the auto-approval limit, in the policy currency's minor units, ascending.
func PolicyThresholds(p *policy.Policy) Thresholds {
	th := Thresholds{Currency: p.Currency()}
	add := func(minor int64) {
		if minor > 0 && !slices.Contains(th.Amounts, minor) {
			th.Amounts = append(th.Amounts, minor)
		}
	}
	for _, r := range p.Rules() {
		for _, m := range acvComparison.FindAllStringSubmatch(r.When, -1) {
			// Rules compare whole amounts; cents, if written, are dropped (the threshold is a scale).
			whole, _, _ := strings.Cut(strings.ReplaceAll(m[1], "_", ""), ".")
			if n, err := strconv.ParseInt(whole, 10, 64); err == nil {
				add(int64(tandem.Major(n)))
			}
		}
	}
	add(int64(p.AutoApproveLimit()))
	slices.Sort(th.Amounts)
	return th
}

// PolicySource reads the published policy.
type PolicySource interface {
	ActivePolicyVersion(ctx context.Context) (*tandem.PolicyVersion, error)
}

// ActiveThresholds returns a Service.Thresholds that reads the thresholds of the policy in force.
func ActiveThresholds(src PolicySource) func(ctx context.Context) (Thresholds, error) {
	return func(ctx context.Context) (Thresholds, error) {
		v, err := src.ActivePolicyVersion(ctx)
		if tandem.ErrorCode(err) == tandem.ENOTFOUND {
			return Thresholds{}, nil // no policy yet: no thresholds
		}
		if err != nil {
			return Thresholds{}, fmt.Errorf("active policy: %w", err)
		}
		p, err := policy.Parse(v.Name, []byte(v.Source))
		if err != nil {
			return Thresholds{}, fmt.Errorf("active policy version %d: %w", v.ID, err)
		}
		return PolicyThresholds(p), nil
	}
}

// InForceThresholds returns a Service.Thresholds that reads the thresholds of the policy policyOf
// returns: the programme in force (programme.Loader), which parses each published version once,
// rather than ActiveThresholds' parse on every call. No policy published yet means no thresholds.
func InForceThresholds(policyOf func(ctx context.Context) (*policy.Policy, error)) func(ctx context.Context) (Thresholds, error) {
	return func(ctx context.Context) (Thresholds, error) {
		p, err := policyOf(ctx)
		if tandem.ErrorCode(err) == tandem.ENOTFOUND {
			return Thresholds{}, nil
		}
		if err != nil {
			return Thresholds{}, fmt.Errorf("policy in force: %w", err)
		}
		return PolicyThresholds(p), nil
	}
}
