package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// latestRegistrationRisk is each registration's newest conflict-risk score (by scored_at, then id, as
// LatestScores reads them), one row per registration.
const latestRegistrationRisk = `SELECT ps.entity_id, ps.probability FROM prediction_scores ps
	WHERE ps.entity_kind = 'registration' AND NOT EXISTS (SELECT 1 FROM prediction_scores newer
		WHERE newer.entity_kind = 'registration' AND newer.entity_id = ps.entity_id
		AND (newer.scored_at > ps.scored_at OR (newer.scored_at = ps.scored_at AND newer.id > ps.id)))`

// ApprovalQueueByRisk is ApprovalQueue ordered by conflict risk across the whole queue: riskiest first,
// unscored last, equal risks in submission order; the page (limit as ApprovalQueue's, offset rows
// skipped) and the total come from the same query, so the order holds across pages. Each item carries
// its risk. Partner users and AEs, who may not see conflict risk, get EFORBIDDEN.
func (s *Store) ApprovalQueueByRisk(ctx context.Context, actor tandem.Actor, sla tandem.SLA, warnAt float64, limit, offset int) ([]ApprovalQueueItem, int, error) {
	if err := forbidPartner(actor, "see the approval queue"); err != nil {
		return nil, 0, err
	}
	if !canReadPrediction(actor, PredictionConflictRisk) {
		return nil, 0, tandem.Errorf(tandem.EFORBIDDEN, "conflict risk is not shown to the %s role, so the queue cannot be sorted by it", actor.Role)
	}
	switch {
	case limit < 0:
		return nil, 0, tandem.FieldError("limit", "cannot be negative")
	case offset < 0:
		return nil, 0, tandem.FieldError("offset", "cannot be negative")
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if sla.Calendar == nil {
		return nil, 0, tandem.Errorf(tandem.EINVALID, "the approval queue needs a business calendar")
	}
	if warnAt <= 0 || warnAt > 1 {
		warnAt = tandem.SLAAtRiskFraction
	}
	now := s.clock()
	rows, err := s.read.QueryContext(ctx, `SELECT `+registrationColumns+`, r.sla_due_at, risk.probability,
		COUNT(*) OVER () FROM registrations r LEFT JOIN (`+latestRegistrationRisk+`) risk ON risk.entity_id = r.id
		WHERE r.status = 'submitted'
		ORDER BY CASE WHEN risk.probability IS NULL THEN 1 ELSE 0 END, risk.probability DESC, r.submitted_at, r.id
		LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("approval queue by risk: %w", err)
	}
	defer rows.Close()
	var items []ApprovalQueueItem
	total := 0
	for rows.Next() {
		var due time.Time
		var risk sql.NullFloat64
		r, err := scanRegistration(func(dest ...any) error {
			return rows.Scan(append(dest, timeCol{&due}, &risk, &total)...)
		})
		if err != nil {
			return nil, 0, fmt.Errorf("approval queue by risk: %w", err)
		}
		item := queueItem(r, due, sla, warnAt, now)
		if risk.Valid {
			item.Risk = &risk.Float64
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("approval queue by risk: %w", err)
	}
	if len(items) == 0 && offset > 0 {
		// Past the last page: the window count came with no row, so count alone.
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations WHERE status = 'submitted'`).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("approval queue by risk: %w", err)
		}
	}
	return items, total, nil
}
