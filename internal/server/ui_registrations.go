package server

import (
	"net/http"
	"net/url"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type registrationRow struct {
	tandem.Registration
	Partner string
}

type registrationsData struct {
	Rows               []registrationRow
	Total              string // with thousands separators
	Status             string // the ?status= filter, or empty for all
	Statuses           []string
	PrevLink, NextLink string
}

func (s *Server) registrationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	offset := queryInt(r.URL.Query(), "offset")
	status := r.URL.Query().Get("status")
	items, total, err := s.store.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{
		Status: tandem.RegistrationStatus(status), Sort: "-submitted_at", Limit: uiPageSize, Offset: offset})
	if err != nil {
		return err
	}
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	d := registrationsData{Total: count(total), Status: status}
	for _, st := range tandem.RegistrationStatuses {
		d.Statuses = append(d.Statuses, string(st))
	}
	for _, reg := range items {
		d.Rows = append(d.Rows, registrationRow{Registration: reg, Partner: names[reg.PartnerID]})
	}
	if offset > 0 {
		d.PrevLink = registrationsLink(status, max(0, offset-uiPageSize))
	}
	if offset+len(items) < total {
		d.NextLink = registrationsLink(status, offset+uiPageSize)
	}
	s.render(w, r, http.StatusOK, "registrations", view{Title: "Registrations", Nav: "registrations", Data: d})
	return nil
}

// registrationsLink is the list's address at offset, keeping its status filter.
func registrationsLink(status string, offset int) string {
	v := url.Values{"offset": {strconv.Itoa(offset)}}
	if status != "" {
		v.Set("status", status)
	}
	return "/registrations?" + v.Encode()
}
