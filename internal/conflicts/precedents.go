// Package conflicts owns the channel-conflict workflows that are not storage: detection — which
// registrations and deals overlap when one is filed or changes, and which conflict each pair opens —
// and the precedent search — which resolved conflicts are most like a new one. The store
// (internal/sqlstore) keeps the records, finds the candidates through its indexes and runs the
// transactions; escalation's timer is internal/escalation.
package conflicts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Store is what the precedent search reads (the SQL store).
type Store interface {
	GetConflictDetail(ctx context.Context, actor tandem.Actor, id int64) (*tandem.ConflictDetail, error)
	ResolvedConflicts(ctx context.Context, actor tandem.Actor, exceptID int64, limit int) ([]tandem.ConflictDetail, error)
}

// Precedent is a resolved conflict like a new one, with how alike they are.
type Precedent struct {
	ConflictID              int64                  `json:"conflict_id"`
	Cause                   tandem.ConflictCause   `json:"cause"`
	Rule                    string                 `json:"rule,omitempty"`
	ProductType             tandem.ProductType     `json:"product_type,omitempty"`
	Segment                 string                 `json:"segment"`
	PartnerTier             tandem.Tier            `json:"partner_tier,omitempty"`
	Level                   tandem.EscalationLevel `json:"level" doc:"the level it was resolved at"`
	Resolution              tandem.Resolution      `json:"resolution"`
	PartnerShareBasisPoints int                    `json:"partner_share_basis_points"`
	Rationale               string                 `json:"rationale"`
	ResolvedAt              time.Time              `json:"resolved_at"`
	// Similarity is between 0 and 1: cause 0.4, rule 0.2, product type 0.15, ACV band 0.15 (less per band
	// apart) and partner tier 0.1.
	Similarity float64 `json:"similarity"`
}

// precedentWindow is how many of the latest resolved conflicts the precedent search weighs.
const precedentWindow = 5000

// Precedents returns up to limit (default 5, at most 50) resolved conflicts most like conflict id, most
// similar first, newer first among equals. ENOTFOUND when there is no such conflict or actor is a
// partner user.
func Precedents(ctx context.Context, st Store, actor tandem.Actor, id int64, limit int) ([]Precedent, error) {
	switch {
	case limit < 0:
		return nil, tandem.FieldError("limit", "cannot be negative")
	case limit == 0:
		limit = 5
	case limit > 50:
		limit = 50
	}
	c, err := st.GetConflictDetail(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	resolved, err := st.ResolvedConflicts(ctx, actor, id, precedentWindow)
	if err != nil {
		return nil, fmt.Errorf("precedents of conflict %d: %w", id, err)
	}
	out := []Precedent{}
	for i := range resolved {
		p := &resolved[i]
		out = append(out, Precedent{ConflictID: p.ID, Cause: p.Cause, Rule: p.Rule, ProductType: p.ProductType,
			Segment: p.Segment, PartnerTier: p.PartnerTier, Level: p.Level, Resolution: p.Resolution,
			PartnerShareBasisPoints: p.PartnerShareBasisPoints, Rationale: p.Rationale, ResolvedAt: p.ResolvedAt,
			Similarity: similarity(c, p)})
	}
	slices.SortStableFunc(out, func(a, b Precedent) int { return cmp.Compare(b.Similarity, a.Similarity) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// similarity scores how alike two conflicts are, from 0 to 1.
func similarity(a, b *tandem.ConflictDetail) float64 {
	score := 0.0
	if a.Cause == b.Cause {
		score += 0.4
	}
	if a.Rule != "" && a.Rule == b.Rule {
		score += 0.2
	}
	if a.ProductType != "" && a.ProductType == b.ProductType {
		score += 0.15
	}
	apart := slices.Index(tandem.ACVBands, a.Segment) - slices.Index(tandem.ACVBands, b.Segment)
	score += 0.15 * (1 - float64(max(apart, -apart))/float64(len(tandem.ACVBands)-1))
	if a.PartnerTier != "" && a.PartnerTier == b.PartnerTier {
		score += 0.1
	}
	return float64(int(score*1000+0.5)) / 1000 // three decimals, so ties compare equal
}
