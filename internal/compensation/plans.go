package compensation

import (
	"context"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
)

// Compensation plan versions go draft → published → superseded, like policy versions, and are
// effective-dated: the plan in force on a day is the published or superseded version with the latest
// effective date on or before it (the later published among equals). Superseding a version does not end
// its effect on the periods it was in force for. When no version is in force on a day, the built-in
// default plan (comp.Default) applies. Drafts are internal: partner users see published versions only.

// ParseCompPlan parses a plan source from a client into an EINVALID error on field "source" naming
// file, line, column and reason.
func ParseCompPlan(name, src string) (*comp.Plan, error) {
	if strings.TrimSpace(src) == "" {
		return nil, tandem.FieldError("source", "is required")
	}
	p, err := comp.Parse(name, []byte(src))
	if err != nil {
		return nil, &tandem.Error{Code: tandem.EINVALID, Field: "source", Message: err.Error(), Err: err}
	}
	return p, nil
}

// CreateCompPlanDraft parses src and stores it as a draft; the name, version and effective date come
// from the plan. EINVALID when it does not parse, ECONFLICT when the name and version exist, EFORBIDDEN
// for anyone but revops.
func CreateCompPlanDraft(ctx context.Context, st Store, actor tandem.Actor, src string) (*tandem.CompPlanVersion, error) {
	if err := tandem.RequireCompAdmin(actor, "comp plan version", "new", "write compensation plans"); err != nil {
		return nil, err
	}
	plan, err := ParseCompPlan("plan.yaml", src)
	if err != nil {
		return nil, err
	}
	v := &tandem.CompPlanVersion{Name: plan.Name(), Version: plan.Version(), EffectiveFrom: plan.EffectiveFrom(),
		Status: tandem.PolicyDraft, Source: src}
	if v.Name == "" {
		v.Name = "comp"
	}
	if v.Version == "" {
		return nil, tandem.FieldError("source", "the plan has no version")
	}
	if err := st.InsertCompPlanDraft(ctx, actor, v); err != nil {
		return nil, err
	}
	return v, nil
}

// PublishCompPlanVersion publishes a draft and supersedes the version published before it. The draft
// must parse and have no error findings (EINVALID), checked inside the publishing transaction;
// publishing anything but a draft is ECONFLICT and changes nothing.
func PublishCompPlanVersion(ctx context.Context, st Store, actor tandem.Actor, id int64) (*tandem.CompPlanVersion, error) {
	if err := tandem.RequireCompAdmin(actor, "comp plan version", id, "publish compensation plans"); err != nil {
		return nil, err
	}
	return st.PublishCompPlanVersion(ctx, actor, id, func(p *tandem.CompPlanVersion) error {
		plan, err := ParseCompPlan(p.Name, p.Source)
		if err != nil {
			return err
		}
		for _, f := range comp.Check(plan) {
			if f.Severity == comp.SeverityError {
				return tandem.FieldError("source", "the plan has errors; fix them before publishing: line %d: %s", f.Line, f.Message)
			}
		}
		return nil
	})
}

// CompPlanAt returns the plan in force at t and its stored version; the version is nil when no
// published version is in force then and the built-in default plan applies.
func CompPlanAt(ctx context.Context, st Store, t time.Time) (*comp.Plan, *tandem.CompPlanVersion, error) {
	v, err := st.CompPlanVersionAt(ctx, t)
	if tandem.ErrorCode(err) == tandem.ENOTFOUND {
		return comp.Default(), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	plan, err := comp.Parse(v.Name, []byte(v.Source))
	if err != nil {
		return nil, nil, fmt.Errorf("comp plan %s version %s no longer parses: %w", v.Name, v.Version, err)
	}
	return plan, v, nil
}

// RecomputeAttribution derives the attribution of the opportunities ids (every opportunity when ids is
// empty) with plan's rules (the plan in force now when plan is nil) and stores each one that changed,
// with an audit entry giving the old and new category and the reason. An opportunity whose attribution
// a resolved dispute decided keeps it: the rules never overrule the decision. Work goes in batches,
// each its own transaction. Revops only.
func RecomputeAttribution(ctx context.Context, st Store, actor tandem.Actor, plan *comp.Plan, ids []int64) (*tandem.AttributionRun, error) {
	if err := tandem.RequireCompAdmin(actor, "opportunity", "", "recompute attribution"); err != nil {
		return nil, err
	}
	if plan == nil {
		var err error
		if plan, _, err = CompPlanAt(ctx, st, st.Now()); err != nil {
			return nil, err
		}
	}
	return st.RecomputeAttribution(ctx, actor, plan.Version(), plan.Attribute, ids)
}
