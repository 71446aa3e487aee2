package sqlstore

// Small queries the HTTP server needs, written by the server's author in a file of their own. They use
// the same SQL in both dialects.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// Ping checks that the database answers, for the server's health check.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect, err)
	}
	if s.write != s.read {
		if err := s.write.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s writer: %w", s.dialect, err)
		}
	}
	return nil
}

// OpportunityRoutingState returns what routing needs to know about the stored opportunity id: its
// current motion, its partner's tier and its strongest registration's status (approved beats
// submitted beats anything else). ENOTFOUND when there is none or actor may not see it.
func (s *Store) OpportunityRoutingState(ctx context.Context, actor tandem.Actor, id int64) (tandem.RoutingState, error) {
	var w where
	w.add("o.id = ?", id)
	w.ownedBy(actor, "o.partner_id")
	q := `SELECT o.id, o.routing_motion, COALESCE(p.tier, ''),
		COALESCE((SELECT r.status FROM registrations r WHERE r.opportunity_id = o.id
			ORDER BY CASE r.status WHEN 'approved' THEN 0 WHEN 'submitted' THEN 1 ELSE 2 END, r.id DESC LIMIT 1), '')
		FROM opportunities o LEFT JOIN partners p ON p.id = o.partner_id` + w.sql()
	var st tandem.RoutingState
	err := s.read.QueryRowContext(ctx, q, w.args...).Scan(&st.OpportunityID, &st.Motion, &st.PartnerTier, &st.RegistrationStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return st, tandem.NotFound("opportunity", id)
	}
	if err != nil {
		return st, fmt.Errorf("routing state of opportunity %d: %w", id, err)
	}
	return st, nil
}

// PipelineTotal is the number and total ACV (in minor units, summed across currencies as stored) of the
// opportunities with one motion ("" for never routed) at one stage.
type PipelineTotal struct {
	Motion tandem.Motion `json:"motion"`
	Stage  tandem.Stage  `json:"stage"`
	Count  int           `json:"count"`
	ACV    tandem.Money  `json:"acv"`
}

// PipelineTotals counts the opportunities actor may see by motion and stage. Pairs with no deals are
// left out.
func (s *Store) PipelineTotals(ctx context.Context, actor tandem.Actor) ([]PipelineTotal, error) {
	var w where
	w.ownedBy(actor, "o.partner_id")
	return queryAll(ctx, s.read, "pipeline totals", `SELECT o.routing_motion, o.stage, count(*), COALESCE(sum(o.acv), 0)
		FROM opportunities o`+w.sql()+` GROUP BY o.routing_motion, o.stage ORDER BY o.routing_motion, o.stage`, w.args,
		func(scan func(...any) error) (PipelineTotal, error) {
			var t PipelineTotal
			err := scan(&t.Motion, &t.Stage, &t.Count, &t.ACV)
			return t, err
		})
}

// PipelineCell is the number and total ACV (minor units of Currency) of the opportunities with one
// motion ("" for never routed), stage, forecast category and currency. Amounts of different currencies
// are never added together here; the caller converts each cell at the policy's exact rate.
type PipelineCell struct {
	Motion   tandem.Motion           `json:"motion"`
	Stage    tandem.Stage            `json:"stage"`
	Forecast tandem.ForecastCategory `json:"forecast_category"`
	Currency string                  `json:"currency"`
	Count    int                     `json:"count"`
	ACV      tandem.Money            `json:"acv"`
}

// PipelineCells counts and sums the opportunities actor may see by motion, stage, forecast category
// and currency (a partner user sees its own partner's). Combinations with no deals are left out.
func (s *Store) PipelineCells(ctx context.Context, actor tandem.Actor) ([]PipelineCell, error) {
	var w where
	scopeOpportunities(&w, actor)
	return s.pipelineCells(ctx, w)
}

// OwnerPipelineCells is PipelineCells of the deals ownerID owns (an AE's own pipeline on its home).
func (s *Store) OwnerPipelineCells(ctx context.Context, actor tandem.Actor, ownerID int64) ([]PipelineCell, error) {
	var w where
	scopeOpportunities(&w, actor)
	w.add("o.owner_id = ?", ownerID)
	return s.pipelineCells(ctx, w)
}

func (s *Store) pipelineCells(ctx context.Context, w where) ([]PipelineCell, error) {
	return queryAll(ctx, s.read, "pipeline cells", `SELECT o.routing_motion, o.stage, o.forecast_category, o.currency,
		count(*), COALESCE(sum(o.acv), 0) FROM opportunities o`+w.sql()+`
		GROUP BY o.routing_motion, o.stage, o.forecast_category, o.currency
		ORDER BY o.routing_motion, o.stage, o.forecast_category, o.currency`, w.args,
		func(scan func(...any) error) (PipelineCell, error) {
			var c PipelineCell
			err := scan(&c.Motion, &c.Stage, &c.Forecast, &c.Currency, &c.Count, &c.ACV)
			return c, err
		})
}
