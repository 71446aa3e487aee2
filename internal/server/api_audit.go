package server

import (
	"context"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type auditListInput struct {
	Entity   string `query:"entity" maxLength:"200" doc:"opportunity, registration, policy_version, ..."`
	EntityID string `query:"entity_id" maxLength:"200"`
	Action   string `query:"action" maxLength:"200"`
	PageParams
}

func (s *Server) registerAuditAPI() {
	register(s.api, opGet("list-audit", "/audit", "Read the audit log", "Newest first."),
		func(ctx context.Context, in *auditListInput) (*listOutput[tandem.AuditEntry], error) {
			items, total, err := s.store.ListAudit(ctx, actorFrom(ctx), sqlstore.AuditFilter{
				Entity: in.Entity, EntityID: in.EntityID, Action: in.Action, Limit: in.Limit, Offset: in.Offset})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return newList(items, total, in.PageParams), nil
		})
}
