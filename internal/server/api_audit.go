package server

import "github.com/tandem-revops/tandem/internal/sqlstore"

type auditListInput struct {
	Entity   string `query:"entity" maxLength:"200" doc:"opportunity, registration, policy_version, ..."`
	EntityID string `query:"entity_id" maxLength:"200"`
	Action   string `query:"action" maxLength:"200"`
	PageParams
}

func (in *auditListInput) filter() sqlstore.AuditFilter {
	return sqlstore.AuditFilter{Entity: in.Entity, EntityID: in.EntityID, Action: in.Action, Limit: in.Limit, Offset: in.Offset}
}

func (s *Server) registerAuditAPI() {
	register(s.api, opGet("list-audit", "/audit", "Read the audit log", "Newest first."),
		pageFor(s, s.store.ListAudit, (*auditListInput).filter))
}
