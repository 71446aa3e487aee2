package server

import (
	"context"
	"net/http"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type touchListInput struct {
	OpportunityID int64  `query:"opportunity_id"`
	PartnerID     int64  `query:"partner_id"`
	Sort          string `query:"sort" doc:"occurred_at or id; a leading - reverses"`
	PageParams
}

func (in *touchListInput) filter() sqlstore.TouchFilter {
	return sqlstore.TouchFilter{OpportunityID: in.OpportunityID, PartnerID: in.PartnerID, Sort: in.Sort,
		Limit: in.Limit, Offset: in.Offset}
}

type touchInput struct {
	ExternalID    string           `json:"external_id,omitempty"`
	PartnerID     int64            `json:"partner_id"`
	OpportunityID int64            `json:"opportunity_id"`
	Kind          tandem.TouchKind `json:"kind" enum:"sourced,co_sell,influence"`
	OccurredAt    time.Time        `json:"occurred_at,omitzero" doc:"default now"`
	Note          string           `json:"note,omitempty"`
}

func (s *Server) registerTouchAPI() {
	register(s.api, opGet("list-touches", "/touches", "List partner touches", ""),
		pageFor(s, s.store.ListTouches, (*touchListInput).filter))
	register(s.api, opGet("get-touch", "/touches/{id}", "Get a partner touch", ""), byID(s, s.store.GetTouch))
	register(s.api, created(op(http.MethodPost, "create-touch", "/touches", "Record a partner touch", "")),
		func(ctx context.Context, in *struct{ Body touchInput }) (*bodyOutput[tandem.Touch], error) {
			b := in.Body
			t := tandem.Touch{ExternalID: b.ExternalID, PartnerID: b.PartnerID, OpportunityID: b.OpportunityID,
				Kind: b.Kind, OccurredAt: b.OccurredAt, Note: b.Note}
			if t.OccurredAt.IsZero() {
				t.OccurredAt = s.now().UTC()
			}
			return storeValid(s, ctx, &t, s.store.CreateTouch)
		})
}
