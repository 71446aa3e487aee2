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
	Link    string // its page: the portal's for a partner user, the staff page otherwise
}

type registrationsData struct {
	Rows     []registrationRow
	Total    string // with thousands separators
	Status   string // the ?status= filter, or empty for all
	Query    string // the ?q= filter: the company typed contains
	Partner  string // the ?partner_id= filter
	Sort     string
	Statuses []string
	Partners []partnerOption
	Pager    pager
}

func (s *Server) registrationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	lp := parseList(r)
	q := lp.Query
	f := sqlstore.RegistrationFilter{Status: tandem.RegistrationStatus(q.Get("status")), Query: q.Get("q"), Sort: lp.Sort}
	if f.Sort == "" {
		f.Sort = "-submitted_at"
	}
	if f.Status != "" && !f.Status.Valid() {
		return tandem.Errorf(tandem.EINVALID, "status: %q is not a registration status", f.Status)
	}
	page, err := s.readRegistrationPage(r, lp, &f)
	if err != nil {
		return err
	}
	items, total, names := page.items, page.total, page.names
	if lp.CSV {
		return page.writeCSV(w, s, "registrations")
	}
	d := registrationsData{Total: count(total), Status: string(f.Status), Query: f.Query, Partner: q.Get("partner_id"),
		Sort: lp.Sort, Pager: lp.Pager(total, len(items))}
	for _, st := range tandem.RegistrationStatuses {
		d.Statuses = append(d.Statuses, string(st))
	}
	for id, name := range names {
		d.Partners = append(d.Partners, partnerOption{ID: id, Name: name, Selected: f.PartnerID == id})
	}
	sortPartnerOptions(d.Partners)
	for _, reg := range items {
		link := fmt.Sprintf("/registrations/%d", reg.ID)
		if actor.IsPartner() {
			link = "/portal" + link
		}
		d.Rows = append(d.Rows, registrationRow{Registration: reg, Partner: names[reg.PartnerID], Link: link})
	}
	s.render(w, r, http.StatusOK, "registrations", view{Title: "Registrations", Nav: "registrations", Data: d})
	return nil
}
