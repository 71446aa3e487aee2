package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Protected re-routes: past the protected stage (policy conflicts.protected_stage) a deal keeps its
// routing when the policy would change its motion. The caller (the API update, the import) stores the
// deal with its old routing and calls HoldReroute, which opens one protected_reroute conflict per deal
// recording what the policy proposed. Resolving that conflict sets the deal's motion from the decision
// with the rule tandem.EscalationRule; a deal routed so keeps its motion afterwards without a new
// conflict each time it is edited.

// HoldReroute opens the protected_reroute conflict of opportunity id, whose stored routing was kept
// although the policy proposed routing proposed, and returns the id of its open conflict (the one
// already open, when there is one) and whether it opened it. The opening log entry names the policy
// version, the rule and the two motions. It returns 0 when the stored routing was set by an escalation
// decision: that decision stands. EFORBIDDEN for partner users; ENOTFOUND when there is no such deal;
// EINVALID when proposed does not change the stored motion.
func (s *Store) HoldReroute(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, id int64,
	proposed tandem.Routing) (int64, bool, error) {
	if err := forbidPartner(actor, "change opportunities"); err != nil {
		return 0, false, err
	}
	if err := rules.Validate(); err != nil {
		return 0, false, err
	}
	var conflictID int64
	var opened bool
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		o, err := opportunityRecord.get(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if proposed.Motion == o.Routing.Motion {
			return tandem.FieldError("motion", "opportunity %d is %s already: nothing to hold", id, o.Routing.Motion)
		}
		if o.Routing.Rule == tandem.EscalationRule {
			return nil
		}
		var aeID int64
		if err := tx.QueryRowContext(ctx, `SELECT owner_id FROM accounts WHERE id = $1`, o.AccountID).Scan(idCol{&aeID}); err != nil {
			return fmt.Errorf("hold re-route of opportunity %d: account: %w", id, err)
		}
		// The deal's approved registration, if any: the partner's claim the re-route would touch.
		owns, err := conflictCandidates{q: tx, actor: actor, now: now}.ApprovedClaimsOf(ctx, id)
		if err != nil {
			return fmt.Errorf("hold re-route of opportunity %d: %w", id, err)
		}
		var own tandem.ConflictClaim
		if len(owns) > 0 {
			own = owns[0]
		}
		d := ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CauseProtectedReroute, AccountID: o.AccountID,
			ProductType: o.ProductType, OpportunityID: id, RegistrationID: own.ID, Rule: proposed.Rule},
			PartnerID: cmp.Or(o.PartnerID, own.PartnerID), AEID: cmp.Or(o.OwnerID, aeID), ACV: o.ACV, PartnerTier: own.Tier}
		key := tandem.ConflictPairKey("reroute", id, 0)
		note := fmt.Sprintf("%s: policy %s rule %s would move it from %s to %s (held at %s)", d.Cause,
			cmp.Or(proposed.PolicyVersion, "(unversioned)"), cmp.Or(proposed.Rule, "(none)"), o.Routing.Motion,
			proposed.Motion, o.Stage)
		if opened, err = s.openConflictNoteTx(ctx, tx, now, actor, rules, &d, key, note); err != nil {
			return err
		}
		if opened {
			conflictID = d.ID
			return nil
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM conflicts WHERE pair_key = $1 AND status = 'open'`, key).Scan(&conflictID)
		if errors.Is(err, sql.ErrNoRows) {
			return tandem.Errorf(tandem.ECONFLICT, "the re-route conflict of opportunity %d changed meanwhile; try again", id)
		}
		if err != nil {
			return fmt.Errorf("hold re-route of opportunity %d: open conflict: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return conflictID, opened, nil
}

// applyRerouteDecisionTx gives the deal of a just resolved protected_reroute conflict the motion decided
// (award_direct direct, award_partner partner-led, co_sell and split co-sell) with the rule
// tandem.EscalationRule and an explanation naming the conflict, the level and the rationale; the policy
// version stays. A deal closed meanwhile keeps its routing: the decision is on record in the conflict.
func applyRerouteDecisionTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, d *ConflictDetail) error {
	if d.Cause != tandem.CauseProtectedReroute || d.OpportunityID == 0 || d.Status != tandem.ConflictResolved {
		return nil
	}
	var stage tandem.Stage
	var from tandem.Motion
	var fromRule string
	err := tx.QueryRowContext(ctx, `SELECT stage, routing_motion, routing_rule FROM opportunities WHERE id = $1`,
		d.OpportunityID).Scan(&stage, &from, &fromRule)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the deal is gone; the decision stays on record
	}
	if err != nil {
		return fmt.Errorf("conflict %d: routing of opportunity %d: %w", d.ID, d.OpportunityID, err)
	}
	if stage.Closed() {
		return nil
	}
	to := d.Resolution.RerouteMotion()
	roles := make([]string, 0, 2)
	for _, r := range d.Level.Deciders() {
		roles = append(roles, string(r))
	}
	explanation := fmt.Sprintf("Decided by escalation: conflict %d was resolved %s at level %d (%s): %s", d.ID,
		d.Resolution, d.Level, strings.Join(roles, " and "), d.Rationale)
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET routing_motion = $1, routing_partner_attached = $2,
		routing_rule = $3, routing_explanation = $4, routed_at = $5, updated_at = $5 WHERE id = $6`,
		string(to), to != tandem.MotionDirect, tandem.EscalationRule, explanation, now.UnixMicro(), d.OpportunityID); err != nil {
		return fmt.Errorf("conflict %d: route opportunity %d: %w", d.ID, d.OpportunityID, err)
	}
	return appendAuditTx(ctx, tx, now, actor, "opportunity.route", "opportunity", idString(d.OpportunityID),
		map[string]any{"from": from, "to": to, "from_rule": fromRule, "rule": tandem.EscalationRule,
			"reason": explanation, "conflict_id": d.ID})
}
