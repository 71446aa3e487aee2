package server

import (
	"fmt"
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type registrationRow struct {
	tandem.Registration
	Partner string
}

type registrationsData struct {
	Rows               []registrationRow
	Total              int
	PrevLink, NextLink string
}

func (s *Server) registrationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	offset := queryInt(r.URL.Query(), "offset")
	items, total, err := s.store.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{Sort: "-submitted_at", Limit: uiPageSize, Offset: offset})
	if err != nil {
		return err
	}
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	d := registrationsData{Total: total}
	for _, reg := range items {
		d.Rows = append(d.Rows, registrationRow{Registration: reg, Partner: names[reg.PartnerID]})
	}
	if offset > 0 {
		d.PrevLink = fmt.Sprintf("/registrations?offset=%d", max(0, offset-uiPageSize))
	}
	if offset+len(items) < total {
		d.NextLink = fmt.Sprintf("/registrations?offset=%d", offset+uiPageSize)
	}
	s.render(w, r, http.StatusOK, "registrations", view{Title: "Registrations", Nav: "registrations", Data: d})
	return nil
}
