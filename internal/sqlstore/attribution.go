package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Attribution: each opportunity's one category, derived by the compensation plan's rules from its
// registrations and touches and stored on the opportunity, so that AE credit and partner pay read the
// same record. A disputed attribution is a channel conflict (cause attribution) and goes up the
// escalation path like any other.

// attributionBatch is how many opportunities one recompute transaction derives.
const attributionBatch = 2000

// attributionFacts reads the facts the plan's attribution rules weigh for the opportunities "o" that w
// selects: the deal itself, the registrations on it (linked to it, or its partner's unlinked ones on
// its account and product type) and its partner touches. Three set-based queries, however many deals.
func (s *Store) attributionFacts(ctx context.Context, q querier, w where) ([]tandem.AttributionFacts, error) {
	type factRow struct {
		opp     tandem.Opportunity
		regs    []tandem.Registration
		touches []tandem.Touch
	}
	var list []*factRow
	byID := map[int64]*factRow{}
	err := eachRow(ctx, q, `SELECT o.id, o.created_on, o.close_date, o.stage, o.routing_motion, o.partner_id, o.attribution
		FROM opportunities o`+w.sql()+` ORDER BY o.id`, w.args, func(scan func(...any) error) error {
		r := &factRow{}
		o := &r.opp
		if err := scan(&o.ID, timeCol{&o.CreatedOn}, timeCol{&o.CloseDate}, &o.Stage, &o.Routing.Motion, idCol{&o.PartnerID},
			&o.Attribution); err != nil {
			return err
		}
		list = append(list, r)
		byID[o.ID] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attribution facts: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}

	const regCols = `o.id, r.id, r.partner_id, r.status, r.submitted_at, r.decided_at`
	err = eachRow(ctx, q, `SELECT `+regCols+` FROM opportunities o JOIN registrations r ON r.opportunity_id = o.id`+w.sql()+`
		UNION ALL
		SELECT `+regCols+` FROM opportunities o JOIN registrations r ON r.account_id = o.account_id
			AND r.partner_id = o.partner_id AND r.product_type = o.product_type AND r.opportunity_id IS NULL`+w.sql(), w.args,
		func(scan func(...any) error) error {
			var oppID int64
			var g tandem.Registration
			if err := scan(&oppID, &g.ID, &g.PartnerID, &g.Status, timeCol{&g.SubmittedAt}, timeCol{&g.DecidedAt}); err != nil {
				return err
			}
			if r := byID[oppID]; r != nil {
				r.regs = append(r.regs, g)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("attribution facts: registrations: %w", err)
	}

	err = eachRow(ctx, q, `SELECT o.id, t.id, t.partner_id, t.kind, t.occurred_at
		FROM opportunities o JOIN touches t ON t.opportunity_id = o.id`+w.sql()+` ORDER BY t.id`, w.args,
		func(scan func(...any) error) error {
			var t tandem.Touch
			if err := scan(&t.OpportunityID, &t.ID, &t.PartnerID, &t.Kind, timeCol{&t.OccurredAt}); err != nil {
				return err
			}
			if r := byID[t.OpportunityID]; r != nil {
				r.touches = append(r.touches, t)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("attribution facts: touches: %w", err)
	}
	out := make([]tandem.AttributionFacts, len(list))
	for i, r := range list {
		out[i] = tandem.AttributionFactsOf(&r.opp, r.regs, r.touches)
	}
	return out, nil
}

// AttributionRun is what a recompute did.
type AttributionRun = tandem.AttributionRun

// RecomputeAttribution derives the attribution of the opportunities ids (every opportunity when ids is
// empty) with attribute — the rules of plan version planVersion, which internal/compensation chose —
// and stores each one that changed, with an audit entry giving the old and new category and attribute's
// reason. An opportunity whose attribution a resolved dispute decided (see applyAttributionDecisionTx)
// keeps it: the rules never overrule the decision. Work goes in batches, each its own transaction that
// reads the facts, calls attribute and writes. Revops only.
func (s *Store) RecomputeAttribution(ctx context.Context, actor tandem.Actor, planVersion string,
	attribute func(tandem.AttributionFacts) (tandem.Attribution, string), ids []int64) (*AttributionRun, error) {
	if err := tandem.RequireCompAdmin(actor, "opportunity", "", "recompute attribution"); err != nil {
		return nil, err
	}
	run := &AttributionRun{PlanVersion: planVersion}
	batch := func(w where) error {
		return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			facts, err := s.attributionFacts(ctx, tx, w)
			if err != nil {
				return err
			}
			current := map[int64]tandem.Attribution{}
			decided := map[int64]bool{}
			err = eachRow(ctx, tx, `SELECT o.id, o.attribution, EXISTS (SELECT 1 FROM conflicts c
				WHERE c.opportunity_id = o.id AND c.cause = 'attribution' AND c.status = 'resolved')
				FROM opportunities o`+w.sql(), w.args, func(scan func(...any) error) error {
				var id int64
				var a tandem.Attribution
				var d bool
				if err := scan(&id, &a, boolCol{&d}); err != nil {
					return err
				}
				current[id], decided[id] = a, d
				return nil
			})
			if err != nil {
				return fmt.Errorf("recompute attribution: %w", err)
			}
			for _, f := range facts {
				run.Examined++
				if decided[f.OpportunityID] {
					run.Decided++
					continue
				}
				cat, reason := attribute(f)
				old := current[f.OpportunityID]
				if cat == old {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET attribution = $1, updated_at = $2 WHERE id = $3`,
					string(cat), now.UnixMicro(), f.OpportunityID); err != nil {
					return s.mapErr(fmt.Errorf("store attribution of opportunity %d: %w", f.OpportunityID, err), "opportunity")
				}
				run.Changed++
				if err := appendAuditTx(ctx, tx, now, actor, "opportunity.attribution", "opportunity", idString(f.OpportunityID),
					map[string]any{"from": old, "to": cat, "reason": reason, "plan_version": planVersion}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if len(ids) > 0 {
		for start := 0; start < len(ids); start += attributionBatch {
			chunk := ids[start:min(start+attributionBatch, len(ids))]
			var w where
			cond, arg := s.inInts("o.id", 1, chunk)
			w.conds, w.args = []string{cond}, []any{arg}
			if err := batch(w); err != nil {
				return nil, err
			}
		}
		return run, nil
	}
	last := int64(0)
	for {
		var first, end sql.NullInt64
		err := s.read.QueryRowContext(ctx, `SELECT min(id), max(id) FROM (SELECT id FROM opportunities WHERE id > $1
			ORDER BY id LIMIT $2) b`, last, attributionBatch).Scan(&first, &end)
		if err != nil {
			return nil, fmt.Errorf("recompute attribution: %w", err)
		}
		if !end.Valid {
			return run, nil
		}
		var w where
		w.add("o.id >= ?", first.Int64)
		w.add("o.id <= ?", end.Int64)
		if err := batch(w); err != nil {
			return nil, err
		}
		last = end.Int64
	}
}

// DisputeAttribution opens a channel conflict with cause attribution about opportunity id, which goes
// up the escalation path like any other; reason is logged with it. AEs may dispute their own deals,
// partner managers and revops any, partner users their own partner's (anyone else's is ENOTFOUND).
// EINVALID without a reason, EFORBIDDEN for other roles, ECONFLICT when the attribution of the deal is
// already under dispute.
func (s *Store) DisputeAttribution(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, id int64, reason string) (*tandem.Conflict, error) {
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *tandem.Conflict
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		o, err := opportunityRecord.get(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		switch {
		case actor.IsPartner(), actor.Can(tandem.RoleRevOps, tandem.RolePartnerManager):
		case actor.Role == tandem.RoleAE && o.OwnerID == actor.UserID:
		case actor.Role == tandem.RoleAE:
			return tandem.Errorf(tandem.EFORBIDDEN, "an AE may dispute the attribution of their own deals only")
		default:
			return tandem.Errorf(tandem.EFORBIDDEN, "disputes are raised by the deal's AE, its partner or a partner manager")
		}
		if reason == "" {
			return tandem.FieldError("reason", "is required: say why the attribution is wrong")
		}
		d := ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CauseAttribution, AccountID: o.AccountID,
			ProductType: o.ProductType, OpportunityID: o.ID, Rule: o.Routing.Rule},
			PartnerID: o.PartnerID, AEID: o.OwnerID, ACV: o.ACV}
		if o.PartnerID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT tier FROM partners WHERE id = $1`, o.PartnerID).Scan(&d.PartnerTier); err != nil {
				return fmt.Errorf("dispute attribution: %w", err)
			}
		}
		opened, err := s.openConflictTx(ctx, tx, now, actor, rules, &d, tandem.ConflictPairKey("attribution", o.ID, 0))
		if err != nil {
			return err
		}
		if !opened {
			return tandem.Errorf(tandem.ECONFLICT, "the attribution of opportunity %s is already under dispute", o.ExternalID)
		}
		entry := tandem.EscalationEntry{ConflictID: d.ID, At: now, Level: d.Level, Action: "comment", ActorID: actor.UserID,
			Note: fmt.Sprintf("attribution %q disputed: %s", o.Attribution, reason)}
		if err := appendEscalationTx(ctx, tx, &entry); err != nil {
			return err
		}
		if err := appendAuditTx(ctx, tx, now, actor, "opportunity.attribution.dispute", "opportunity", idString(o.ID),
			map[string]any{"conflict_id": d.ID, "attribution": o.Attribution, "reason": reason}); err != nil {
			return err
		}
		c := d.Conflict
		out = &c
		return nil
	})
	return out, err
}

// decidedAttribution is the attribution a resolution of an attribution dispute gives the deal. A split
// is partner-led; the split itself is read from the conflict when the period is calculated.
func decidedAttribution(r tandem.Resolution) tandem.Attribution {
	switch r {
	case tandem.ResolvePartner:
		return tandem.AttributionPartnerSourced
	case tandem.ResolveCoSell, tandem.ResolveSplit:
		return tandem.AttributionPartnerLed
	}
	return tandem.AttributionDirect
}

// applyAttributionDecisionTx makes the opportunity of d, a conflict just resolved, follow the decision
// when d disputed its attribution (award_partner: partner_sourced; award_direct: direct; co_sell and
// split: partner_led), with an audit entry; RecomputeAttribution leaves it so from then on. Other
// conflicts change nothing. A partner category for a deal without a partner is EINVALID (and the
// caller's transaction resolves nothing).
func applyAttributionDecisionTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, d *ConflictDetail) error {
	if d.Cause != tandem.CauseAttribution || d.OpportunityID == 0 || d.Status != tandem.ConflictResolved {
		return nil
	}
	to := decidedAttribution(d.Resolution)
	var from tandem.Attribution
	var partnerID int64
	if err := tx.QueryRowContext(ctx, `SELECT attribution, partner_id FROM opportunities WHERE id = $1`,
		d.OpportunityID).Scan(&from, idCol{&partnerID}); err != nil {
		return fmt.Errorf("conflict %d: attribution of opportunity %d: %w", d.ID, d.OpportunityID, err)
	}
	if to != tandem.AttributionDirect && partnerID == 0 {
		return tandem.FieldError("resolution", "opportunity %d has no partner, so the dispute about its attribution can only be decided %s, not %s",
			d.OpportunityID, tandem.ResolveDirect, d.Resolution)
	}
	if to == from {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET attribution = $1, updated_at = $2 WHERE id = $3`,
		string(to), now.UnixMicro(), d.OpportunityID); err != nil {
		return fmt.Errorf("conflict %d: store attribution of opportunity %d: %w", d.ID, d.OpportunityID, err)
	}
	return appendAuditTx(ctx, tx, now, actor, "opportunity.attribution", "opportunity", idString(d.OpportunityID),
		map[string]any{"from": from, "to": to, "reason": fmt.Sprintf("decided by conflict %d (%s)", d.ID, d.Resolution),
			"conflict_id": d.ID})
}
