package comp

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Attribute derives the opportunity's one attribution category under the plan's attribution rules
// and says why, naming the registration, touch or motion that decided it and the plan setting. The
// rules are tried in order:
//
//  1. partner_sourced: (attribution.sourced_by_registration) a registration in one of
//     sourced_registration_statuses submitted strictly before the opportunity was created, or
//     (sourced_by_touch) a touch of kind "sourced";
//  2. partner_led: (led_motions) the motion is one of them and a partner is attached, or
//     (led_by_co_sell_touch) a touch of kind "co_sell";
//  3. partner_influenced: a touch of kind "influence" from influence_window_days before the
//     opportunity was created up to its close (no upper bound while it is open);
//  4. direct: none of these.
//
// Registrations and touches are considered in time order (then id), so the reason is deterministic.
func (p *Plan) Attribute(f AttributionFacts) (tandem.Attribution, string) {
	r := p.attribution
	regs := slices.Clone(f.Registrations)
	slices.SortFunc(regs, func(a, b RegistrationFact) int {
		if c := a.SubmittedAt.Compare(b.SubmittedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	touches := slices.Clone(f.Touches)
	slices.SortStableFunc(touches, func(a, b TouchFact) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.PartnerID, b.PartnerID)
	})
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	if r.SourcedByRegistration {
		for _, reg := range regs {
			if slices.Contains(r.SourcedStatuses, reg.Status) && !f.CreatedOn.IsZero() && !reg.SubmittedAt.IsZero() && reg.SubmittedAt.Before(f.CreatedOn) {
				return tandem.AttributionPartnerSourced, fmt.Sprintf(
					"partner %d originated the deal: its registration %d (%s) was submitted on %s, before the opportunity was created on %s (attribution.sourced_by_registration)",
					reg.PartnerID, reg.ID, reg.Status, day(reg.SubmittedAt), day(f.CreatedOn))
			}
		}
	}
	if r.SourcedByTouch {
		for _, t := range touches {
			if t.Kind == tandem.TouchSourced {
				return tandem.AttributionPartnerSourced, fmt.Sprintf(
					"partner %d originated the deal: a sourced touch on %s (attribution.sourced_by_touch)", t.PartnerID, day(t.OccurredAt))
			}
		}
	}
	if f.PartnerID != 0 && slices.Contains(r.LedMotions, f.Motion) {
		return tandem.AttributionPartnerLed, fmt.Sprintf(
			"the vendor sourced the deal and partner %d leads or co-sells it: motion %s with the partner attached (attribution.led_motions)", f.PartnerID, f.Motion)
	}
	if r.LedByCoSellTouch {
		for _, t := range touches {
			if t.Kind == tandem.TouchCoSell {
				return tandem.AttributionPartnerLed, fmt.Sprintf(
					"the vendor sourced the deal and partner %d co-sells it: a co-sell touch on %s (attribution.led_by_co_sell_touch)", t.PartnerID, day(t.OccurredAt))
			}
		}
	}
	from := f.CreatedOn.AddDate(0, 0, -r.InfluenceWindowDays)
	for _, t := range touches {
		if t.Kind != tandem.TouchInfluence {
			continue
		}
		if t.OccurredAt.Before(from) || (!f.ClosedOn.IsZero() && t.OccurredAt.After(f.ClosedOn)) {
			continue
		}
		return tandem.AttributionPartnerInfluenced, fmt.Sprintf(
			"the vendor leads and partner %d supported the deal: an influence touch on %s, within %d days before the opportunity was created or during it (attribution.influence_window_days)",
			t.PartnerID, day(t.OccurredAt), r.InfluenceWindowDays)
	}
	if f.PartnerID != 0 {
		return tandem.AttributionDirect, fmt.Sprintf(
			"partner %d is attached but did not source, lead or (within the window) influence the deal: direct", f.PartnerID)
	}
	return tandem.AttributionDirect, "no partner sourced, led or influenced the deal: direct"
}
