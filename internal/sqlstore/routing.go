package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// routingStateColumns are the extra columns of a query over "opportunities o" that make up a
// RoutingState: the partner's tier and the strongest registration (approved, then submitted, then any).
const routingStateColumns = `COALESCE(p.tier, ''),
	COALESCE((SELECT r.status FROM registrations r WHERE r.opportunity_id = o.id
		ORDER BY CASE r.status WHEN 'approved' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END, r.id DESC LIMIT 1), '')`

// RoutingInputs calls fn for every opportunity actor may see, in id order, with what routing needs to
// know about it. It stops at fn's first error and returns it.
func (s *Store) RoutingInputs(ctx context.Context, actor tandem.Actor, fn func(tandem.Opportunity, tandem.RoutingState) error) error {
	var w where
	scopeOpportunities(&w, actor)
	rows, err := s.read.QueryContext(ctx, `SELECT `+opportunityColumns+`, `+routingStateColumns+`
		FROM opportunities o LEFT JOIN partners p ON p.id = o.partner_id`+w.sql()+` ORDER BY o.id`, w.args...)
	if err != nil {
		return fmt.Errorf("routing inputs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st tandem.RoutingState
		o, err := scanOpportunity(rows.Scan, &st.PartnerTier, &st.RegistrationStatus)
		if err != nil {
			return fmt.Errorf("routing inputs: %w", err)
		}
		st.OpportunityID, st.Motion = o.ID, o.Routing.Motion
		if err := fn(o, st); err != nil {
			return err
		}
	}
	return rows.Err()
}

// routingBatch is how many opportunities one ApplyRouting transaction updates.
const routingBatch = 5000

// ApplyRouting stores new routing for opportunities (by id) and returns how many changed. It writes in
// transactions of a few thousand rows and audits one summary entry per transaction, so that the log
// never claims a change that was not committed. Opportunities actor may
// not see are ENOTFOUND; routing identical to the stored one is skipped.
func (s *Store) ApplyRouting(ctx context.Context, actor tandem.Actor, updates map[int64]tandem.Routing) (int, error) {
	ids := slices.Sorted(maps.Keys(updates))
	changed := 0
	for start := 0; start < len(ids); start += routingBatch {
		batch := ids[start:min(start+routingBatch, len(ids))]
		err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			scope := ""
			if actor.IsPartner() {
				scope = fmt.Sprintf(" AND partner_id = %d", actor.PartnerID)
			}
			stmt, err := tx.PrepareContext(ctx, `UPDATE opportunities SET routing_motion = $1, routing_partner_attached = $2,
				routing_rule = $3, routing_policy_version = $4, routing_explanation = $5, routed_at = $6, updated_at = $7
				WHERE id = $8`+scope+` AND (routing_motion, routing_partner_attached, routing_rule, routing_policy_version,
				routing_explanation) `+s.distinct()+` ($1, $2, $3, $4, $5)`)
			if err != nil {
				return fmt.Errorf("apply routing: %w", err)
			}
			defer stmt.Close()
			n := 0
			byMotion := map[tandem.Motion]int{}
			for _, id := range batch {
				r := updates[id]
				if !r.Motion.Valid() {
					return tandem.FieldError("motion", "opportunity %d: %q is not a motion", id, r.Motion)
				}
				routedAt := r.RoutedAt
				if routedAt.IsZero() {
					routedAt = now
				}
				res, err := stmt.ExecContext(ctx, string(r.Motion), r.PartnerAttached, r.Rule, r.PolicyVersion,
					r.Explanation, routedAt.UnixMicro(), now.UnixMicro(), id)
				if err != nil {
					return fmt.Errorf("apply routing to opportunity %d: %w", id, err)
				}
				if k, _ := res.RowsAffected(); k == 1 {
					n++
					byMotion[r.Motion]++
					continue
				}
				// Nothing changed: either the routing is the same or the deal is not there for actor.
				var one int
				q := `SELECT 1 FROM opportunities WHERE id = $1` + scope
				if err := tx.QueryRowContext(ctx, q, id).Scan(&one); err != nil {
					return tandem.NotFound("opportunity", id)
				}
			}
			if n > 0 {
				if err := appendAuditTx(ctx, tx, now, actor, "opportunity.route", "opportunity", "",
					map[string]any{"changed": n, "considered": len(batch), "by_motion": byMotion}); err != nil {
					return err
				}
			}
			changed += n
			return nil
		})
		if err != nil {
			return changed, err
		}
	}
	return changed, nil
}
