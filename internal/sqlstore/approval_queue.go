package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// ApprovalQueueFilter selects and pages the approval queue. Zero fields match anything.
type ApprovalQueueFilter struct {
	PartnerID   int64
	Query       string // the account name contains it, any case
	ProductType tandem.ProductType
	SLAStatus   tandem.SLAStatus // on_track, at_risk or breached at the store's clock
	// ByRisk orders riskiest first (unscored last, equal risks in submission order) rather than soonest
	// deadline first, and fills each item's Risk. Not for roles that may not see conflict risk.
	ByRisk        bool
	Limit, Offset int // Limit 0 is DefaultLimit; at most MaxLimit
}

// ListApprovalQueue returns a page of the registrations waiting for a decision that match f, and how
// many match. The deadline is the one stamped at submission, or, for registrations stored without one
// (imported, say), computed from sla; a registration is at risk once warnAt of its SLA is used (0 means
// tandem.SLAAtRiskFraction). The SLA status depends on the clock, so the queue's rows are read whole
// and the status filter and the page are applied here: the queue holds only the undecided ones.
// EFORBIDDEN for partner users (the queue is the channel team's) and, with ByRisk, for roles that may
// not see conflict risk; EINVALID for a negative limit or offset or an unknown SLA status.
func (s *Store) ListApprovalQueue(ctx context.Context, actor tandem.Actor, sla tandem.SLA, warnAt float64, f ApprovalQueueFilter) ([]ApprovalQueueItem, int, error) {
	if err := forbidPartner(actor, "see the approval queue"); err != nil {
		return nil, 0, err
	}
	if f.ByRisk && !canReadPrediction(actor, PredictionConflictRisk) {
		return nil, 0, tandem.Errorf(tandem.EFORBIDDEN, "conflict risk is not shown to the %s role, so the queue cannot be sorted by it", actor.Role)
	}
	switch {
	case f.Limit < 0:
		return nil, 0, tandem.FieldError("limit", "cannot be negative")
	case f.Offset < 0:
		return nil, 0, tandem.FieldError("offset", "cannot be negative")
	case f.Limit == 0:
		f.Limit = DefaultLimit
	case f.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	switch f.SLAStatus {
	case "", tandem.SLAOnTrack, tandem.SLAAtRisk, tandem.SLABreached:
	default:
		return nil, 0, tandem.FieldError("sla_status", "%q is not on_track, at_risk or breached", f.SLAStatus)
	}
	items, err := s.approvalQueue(ctx, sla, warnAt, f)
	if err != nil {
		return nil, 0, err
	}
	total := len(items)
	from := min(f.Offset, total)
	return items[from:min(from+f.Limit, total)], total, nil
}

// ApprovalQueueSLACounts returns how many registrations of the queue that match f stand at each SLA
// status at the store's clock (f's SLA status, sort and page are ignored). Errors as ListApprovalQueue's.
func (s *Store) ApprovalQueueSLACounts(ctx context.Context, actor tandem.Actor, sla tandem.SLA, warnAt float64, f ApprovalQueueFilter) (map[tandem.SLAStatus]int, error) {
	if err := forbidPartner(actor, "see the approval queue"); err != nil {
		return nil, err
	}
	f.SLAStatus, f.ByRisk = "", false
	items, err := s.approvalQueue(ctx, sla, warnAt, f)
	if err != nil {
		return nil, err
	}
	counts := map[tandem.SLAStatus]int{}
	for _, it := range items {
		counts[it.SLAStatus]++
	}
	return counts, nil
}

// approvalQueue reads the whole queue matching f (its page aside), in f's order.
func (s *Store) approvalQueue(ctx context.Context, sla tandem.SLA, warnAt float64, f ApprovalQueueFilter) ([]ApprovalQueueItem, error) {
	if err := tandem.CheckLine("q", f.Query, tandem.MaxQueryLength); err != nil {
		return nil, err
	}
	if sla.Calendar == nil {
		return nil, tandem.Errorf(tandem.EINVALID, "the approval queue needs a business calendar")
	}
	if warnAt <= 0 || warnAt > 1 {
		warnAt = tandem.SLAAtRiskFraction
	}
	var w where
	w.add("r.status = 'submitted'")
	addEq(&w, "r.partner_id", f.PartnerID)
	addEq(&w, "r.product_type", string(f.ProductType))
	if f.Query != "" {
		w.add(s.dialect.containsFold("r.account_name"), likePattern(f.Query))
	}
	// Under one calendar the deadline grows with the submission time, so by deadline the rows come in
	// nearly the right order; the sort below settles deadlines stamped under an older calendar.
	q := `SELECT ` + registrationColumns + `, r.sla_due_at, NULL FROM registrations r` + w.sql() + ` ORDER BY r.submitted_at, r.id`
	if f.ByRisk {
		q = `SELECT ` + registrationColumns + `, r.sla_due_at, risk.probability FROM registrations r
			LEFT JOIN (` + latestRegistrationRisk + `) risk ON risk.entity_id = r.id` + w.sql() + `
			ORDER BY CASE WHEN risk.probability IS NULL THEN 1 ELSE 0 END, risk.probability DESC, r.submitted_at, r.id`
	}
	now := s.clock()
	var items []ApprovalQueueItem
	err := eachRow(ctx, s.read, q, w.args, func(scan func(...any) error) error {
		var due time.Time
		var risk sql.NullFloat64
		r, err := scanRegistration(func(dest ...any) error { return scan(append(dest, timeCol{&due}, &risk)...) })
		if err != nil {
			return err
		}
		item := queueItem(r, due, sla, warnAt, now)
		if f.SLAStatus != "" && item.SLAStatus != f.SLAStatus {
			return nil
		}
		if risk.Valid {
			item.Risk = &risk.Float64
		}
		items = append(items, item)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("approval queue: %w", err)
	}
	if !f.ByRisk {
		// Stable: equal deadlines stay in submission order, first come first served.
		slices.SortStableFunc(items, func(a, b ApprovalQueueItem) int { return a.DueAt.Compare(b.DueAt) })
	}
	return items, nil
}
