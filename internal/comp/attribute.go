package comp

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// RegistrationFact is what attribution reads of a deal registration linked to the opportunity.
type RegistrationFact struct {
	ID          int64                     `json:"id"`
	PartnerID   int64                     `json:"partner_id"`
	Status      tandem.RegistrationStatus `json:"status"`
	SubmittedAt time.Time                 `json:"submitted_at"`
	DecidedAt   time.Time                 `json:"decided_at,omitzero"`
}

// TouchFact is what attribution reads of a partner touch on the opportunity.
type TouchFact struct {
	PartnerID  int64            `json:"partner_id"`
	Kind       tandem.TouchKind `json:"kind"`
	OccurredAt time.Time        `json:"occurred_at"`
}

// AttributionFacts is everything attribution reads about one opportunity.
type AttributionFacts struct {
	OpportunityID int64     `json:"opportunity_id"`
	CreatedOn     time.Time `json:"created_on"` // when the vendor opportunity was created
	// ClosedOn bounds the influence window; zero for an open deal.
	ClosedOn      time.Time          `json:"closed_on,omitzero"`
	Motion        tandem.Motion      `json:"motion"`
	PartnerID     int64              `json:"partner_id,omitempty"` // the partner attached, 0 for none
	Registrations []RegistrationFact `json:"registrations,omitempty"`
	Touches       []TouchFact        `json:"touches,omitempty"`
}

// FactsOf gathers the attribution facts of an opportunity from its linked registrations and its
// touches (registrations and touches of other opportunities are ignored). A closed opportunity's
// close date ends the influence window.
func FactsOf(o *tandem.Opportunity, regs []tandem.Registration, touches []tandem.Touch) AttributionFacts {
	f := AttributionFacts{OpportunityID: o.ID, CreatedOn: o.CreatedOn, Motion: o.Routing.Motion, PartnerID: o.PartnerID}
	if o.Stage.Closed() {
		f.ClosedOn = o.CloseDate
	}
	for _, r := range regs {
		if r.OpportunityID != 0 && r.OpportunityID != o.ID {
			continue
		}
		f.Registrations = append(f.Registrations, RegistrationFact{ID: r.ID, PartnerID: r.PartnerID, Status: r.Status, SubmittedAt: r.SubmittedAt, DecidedAt: r.DecidedAt})
	}
	for _, t := range touches {
		if t.OpportunityID != 0 && t.OpportunityID != o.ID {
			continue
		}
		f.Touches = append(f.Touches, TouchFact{PartnerID: t.PartnerID, Kind: t.Kind, OccurredAt: t.OccurredAt})
	}
	return f
}

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
