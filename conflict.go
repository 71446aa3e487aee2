package tandem

import (
	"slices"
	"strings"
	"time"
)

// Channel conflicts and their four-level escalation path:
//
//	level 1 AE + partner manager ──SLA runs out──▶ level 2 VP Sales + VP Channel ──▶ level 3 CRO ──▶ level 4 CEO
//
// Each level has a resolution SLA in business days (defaults 3, 2, 1 and 2). When it runs out the
// conflict moves up one level by itself; at level 4 there is nowhere left to go, so the conflict stays
// open and overdue until the CEO decides. A decider of the current level (or an admin) resolves it:
// award to the partner, award to direct, co-sell, or split with the partner's share in basis points.
// Every resolution needs a written rationale, because resolved conflicts are shown to later deciders
// as precedent and a decision without its reasons teaches nothing.

// Escalation log actions.
const (
	EscalationOpened    = "opened"
	EscalationEscalated = "escalated"
	EscalationResolved  = "resolved"
)

// OverlapUnderReview is all a partner user is told about a conflict on its registration: never with
// whom, never the other side's deal.
const OverlapUnderReview = "overlap under review"

// Valid reports whether l is one of the four levels.
func (l EscalationLevel) Valid() bool { return l >= LevelAEAndPartnerManager && l <= LevelCEO }

// Last reports whether l is the top of the path (the CEO), past which nothing escalates.
func (l EscalationLevel) Last() bool { return l == LevelCEO }

// MayResolve reports whether actor may resolve a conflict standing at level l: the level's deciders,
// and admins always. Partner users never may.
func (l EscalationLevel) MayResolve(actor Actor) bool {
	if actor.IsPartner() {
		return false
	}
	return actor.Can(l.Deciders()...)
}

// ConflictSettings are the programme's conflict rules.
type ConflictSettings struct {
	// LevelSLADays is the resolution SLA of levels 1 to 4, in business days of the business calendar.
	LevelSLADays [4]int
	// ProtectedStage is the stage from which a deal may no longer be re-routed without a conflict.
	ProtectedStage Stage
	// DiscountGuardrailBasisPoints is, per motion, the largest discount an AE may give a
	// partner-registered deal before it counts as undercutting the partner.
	DiscountGuardrailBasisPoints map[Motion]int
}

// DefaultConflictSettings returns the programme defaults: SLAs of 3, 2, 1 and 2 business days, deals
// protected from the proposal stage on, discount guardrails of 15 % partner-led, 20 % co-sell and
// 30 % direct.
func DefaultConflictSettings() ConflictSettings {
	return ConflictSettings{
		LevelSLADays:   [4]int{3, 2, 1, 2},
		ProtectedStage: StageProposal,
		DiscountGuardrailBasisPoints: map[Motion]int{
			MotionPartnerLed: 1500,
			MotionCoSell:     2000,
			MotionDirect:     3000,
		},
	}
}

// Validate reports the first setting out of range.
func (s ConflictSettings) Validate() error {
	for i, d := range s.LevelSLADays {
		if d < 1 {
			return FieldError("level_sla_days", "level %d needs at least 1 business day, not %d", i+1, d)
		}
	}
	if !s.ProtectedStage.Valid() || s.ProtectedStage.Closed() {
		return FieldError("protected_stage", "%q is not an open stage", s.ProtectedStage)
	}
	for _, m := range Motions {
		bp, ok := s.DiscountGuardrailBasisPoints[m]
		if !ok {
			return FieldError("discount_guardrails", "no guardrail for %s", m)
		}
		if bp < 0 || bp > 10000 {
			return FieldError("discount_guardrails", "%s guardrail %d is not between 0 and 10000 basis points", m, bp)
		}
	}
	return nil
}

// LevelSLA returns the business days a conflict may stay at level l; 0 for a level that does not exist.
func (s ConflictSettings) LevelSLA(l EscalationLevel) int {
	if !l.Valid() {
		return 0
	}
	return s.LevelSLADays[l-1]
}

// Guardrail returns the discount guardrail of motion m in basis points. A motion without one (a deal
// not yet routed) gets the strictest guardrail, since the partner's protection must not depend on
// routing having run.
func (s ConflictSettings) Guardrail(m Motion) int {
	if bp, ok := s.DiscountGuardrailBasisPoints[m]; ok {
		return bp
	}
	strictest := 10000
	for _, bp := range s.DiscountGuardrailBasisPoints {
		strictest = min(strictest, bp)
	}
	return strictest
}

// Protected reports whether a deal at stage st has reached the protected stage (closed deals have).
func (s ConflictSettings) Protected(st Stage) bool {
	at, from := slices.Index(Stages, st), slices.Index(Stages, s.ProtectedStage)
	return at >= 0 && from >= 0 && at >= from
}

// EscalationRule is the routing rule of a deal whose motion an escalation decision set (a resolved
// protected_reroute conflict), in place of the id of a policy rule.
const EscalationRule = "escalation"

// HoldsReroute reports whether a deal stored with motion from at stage fromStage must keep it although
// the policy now proposes motion to (the deal moving to stage toStage): it has a motion, the proposal
// differs, and the deal was or will be at or past the protected stage. Past that stage only an
// escalation decision changes a deal's motion.
func (s ConflictSettings) HoldsReroute(from Motion, fromStage Stage, to Motion, toStage Stage) bool {
	return from != "" && to != from && (s.Protected(fromStage) || s.Protected(toStage))
}

// RerouteMotion returns the motion a resolution of a protected_reroute conflict gives the deal: award
// to direct is direct, award to the partner is partner-led, co-sell and split are co-sell.
func (r Resolution) RerouteMotion() Motion {
	switch r {
	case ResolveDirect:
		return MotionDirect
	case ResolvePartner:
		return MotionPartnerLed
	default:
		return MotionCoSell
	}
}

// Escalate moves an open conflict up one level with a new deadline and returns the log entry that
// records it. ECONFLICT when the conflict is resolved or already at the CEO (it stays open and overdue
// there); on error c is unchanged.
func (c *Conflict) Escalate(at, dueAt time.Time) (EscalationEntry, error) {
	switch {
	case c.Status != ConflictOpen:
		return EscalationEntry{}, Errorf(ECONFLICT, "conflict %d is %s; only an open conflict escalates", c.ID, c.Status)
	case c.Level.Last():
		return EscalationEntry{}, Errorf(ECONFLICT, "conflict %d is already with the CEO; it stays there until decided", c.ID)
	case !c.Level.Valid():
		return EscalationEntry{}, FieldError("level", "%d is not a level between 1 and 4", c.Level)
	}
	from := c.Level
	c.Level++
	c.LevelDueAt = dueAt.UTC()
	return EscalationEntry{ConflictID: c.ID, At: at.UTC(), Level: c.Level, Action: EscalationEscalated,
		Note: "level " + levelName(from) + " SLA ran out; now with " + levelName(c.Level)}, nil
}

// Resolve decides an open conflict: res with, for a split, the partner's share in basis points
// (1–9999; the direct side has the rest), and a written rationale (always required). The partner's
// share of the other resolutions follows from them: all of it for award_partner, none for
// award_direct and co_sell (co-sell credit follows the co-sell rules, not a share). ECONFLICT when the
// conflict is already resolved; EINVALID for a bad resolution, share or missing rationale. On error c
// is unchanged.
func (c *Conflict) Resolve(res Resolution, partnerShareBP int, rationale string, by int64, at time.Time) (EscalationEntry, error) {
	rationale = strings.TrimSpace(rationale)
	switch {
	case c.Status == ConflictResolved:
		return EscalationEntry{}, Errorf(ECONFLICT, "conflict %d was resolved already (%s)", c.ID, c.Resolution)
	case c.Status != ConflictOpen:
		return EscalationEntry{}, Errorf(ECONFLICT, "conflict %d is %q, not open", c.ID, c.Status)
	case at.IsZero():
		return EscalationEntry{}, FieldError("at", "a resolution needs a time")
	}
	if errs := ResolutionErrors(res, partnerShareBP, rationale); len(errs) > 0 {
		return EscalationEntry{}, errs[0]
	}
	share := partnerShareBP
	switch res {
	case ResolvePartner:
		share = 10000
	case ResolveDirect, ResolveCoSell:
		share = 0
	}
	c.Status, c.Resolution, c.PartnerShareBasisPoints = ConflictResolved, res, share
	c.Rationale, c.ResolvedBy, c.ResolvedAt = rationale, by, at.UTC()
	return EscalationEntry{ConflictID: c.ID, At: c.ResolvedAt, Level: c.Level, Action: EscalationResolved,
		ActorID: by, Note: string(res) + ": " + rationale}, nil
}

// ResolutionErrors returns every problem of a resolution as a decider gave it — the resolution, the
// partner's share (1–9999 basis points for a split, none otherwise) and the rationale — each naming its
// field, so that a form shows them all at once. Resolve refuses the first.
func ResolutionErrors(res Resolution, partnerShareBP int, rationale string) []error {
	var errs []error
	if err := CheckOneOf("resolution", res, Resolutions); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(rationale) == "" {
		errs = append(errs, FieldError("rationale", "is required: later deciders read it as precedent"))
	}
	switch {
	case res == ResolveSplit && (partnerShareBP < 1 || partnerShareBP > 9999):
		errs = append(errs, FieldError("partner_share_basis_points",
			"a split gives each side part of the deal: between 1 and 9999, not %d", partnerShareBP))
	case res != ResolveSplit && res.Valid() && partnerShareBP != 0:
		errs = append(errs, FieldError("partner_share_basis_points", "only a split takes a share, not %s", res))
	}
	return errs
}

func levelName(l EscalationLevel) string {
	switch l {
	case LevelAEAndPartnerManager:
		return "1 (AE and partner manager)"
	case LevelVPs:
		return "2 (VP Sales and VP Channel)"
	case LevelCRO:
		return "3 (CRO)"
	case LevelCEO:
		return "4 (CEO)"
	}
	return "?"
}

// ACV bands segment conflicts for the pattern review and for precedent: the programme's size
// segmentation (partner-led under $250K, hybrid to $1M, direct above) with small deals split off.
const (
	BandSmall     = "under_50k"
	BandMid       = "50k_250k"
	BandLarge     = "250k_1m"
	BandStrategic = "over_1m"
)

// ACVBands lists the bands from smallest to largest.
var ACVBands = []string{BandSmall, BandMid, BandLarge, BandStrategic}

// ACVBandLabel returns a band as people read it: "under 50k", "50k–250k", "250k–1M", "over 1M" (the
// bounds are in the deal's own currency, so the label names none); an unknown band as it is.
func ACVBandLabel(band string) string {
	switch band {
	case BandSmall:
		return "under 50k"
	case BandMid:
		return "50k–250k"
	case BandLarge:
		return "250k–1M"
	case BandStrategic:
		return "over 1M"
	}
	return band
}

// ACVBand returns the band of an ACV in minor units (the currency is not converted).
func ACVBand(acv Money) string {
	switch {
	case acv < Major(50_000):
		return BandSmall
	case acv < Major(250_000):
		return BandMid
	case acv < Major(1_000_000):
		return BandLarge
	}
	return BandStrategic
}
