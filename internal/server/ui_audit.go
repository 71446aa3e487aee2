package server

import (
	"net/http"
	"net/url"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type auditData struct {
	Entity, Action     string
	Rows               []tandem.AuditEntry
	Total              int
	PrevLink, NextLink string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := sqlstore.AuditFilter{Entity: q.Get("entity"), Action: q.Get("action"), Limit: uiPageSize, Offset: queryInt(q, "offset")}
	items, total, err := s.store.ListAudit(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditData{Entity: f.Entity, Action: f.Action, Rows: items, Total: total}
	link := func(offset int) string {
		v := url.Values{"entity": {f.Entity}, "action": {f.Action}, "offset": {strconv.Itoa(offset)}}
		return "/audit?" + v.Encode()
	}
	if f.Offset > 0 {
		d.PrevLink = link(max(0, f.Offset-uiPageSize))
	}
	if f.Offset+len(items) < total {
		d.NextLink = link(f.Offset + uiPageSize)
	}
	s.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
}
