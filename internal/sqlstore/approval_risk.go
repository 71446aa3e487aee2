package sqlstore

import (
	"context"

	tandem "github.com/tandem-revops/tandem"
)

// latestRegistrationRisk is each registration's newest conflict-risk score (by scored_at, then id, as
// LatestScores reads them), one row per registration.
const latestRegistrationRisk = `SELECT ps.entity_id, ps.probability FROM prediction_scores ps
	WHERE ps.entity_kind = 'registration' AND NOT EXISTS (SELECT 1 FROM prediction_scores newer
		WHERE newer.entity_kind = 'registration' AND newer.entity_id = ps.entity_id
		AND (newer.scored_at > ps.scored_at OR (newer.scored_at = ps.scored_at AND newer.id > ps.id)))`

// ApprovalQueueByRisk is ApprovalQueue ordered by conflict risk across the whole queue: riskiest first,
// unscored last, equal risks in submission order, limit rows from offset on (ListApprovalQueue with
// ByRisk). Each item carries its risk. Partner users and AEs, who may not see conflict risk, get
// EFORBIDDEN.
func (s *Store) ApprovalQueueByRisk(ctx context.Context, actor tandem.Actor, sla tandem.SLA, warnAt float64, limit, offset int) ([]ApprovalQueueItem, int, error) {
	return s.ListApprovalQueue(ctx, actor, sla, warnAt, ApprovalQueueFilter{ByRisk: true, Limit: limit, Offset: offset})
}
