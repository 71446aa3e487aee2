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
	var err error
	if f.SubmittedFrom, err = dayParam(q, "submitted_from"); err != nil {
		return err
	}
	if f.SubmittedTo, err = dayParam(q, "submitted_to"); err != nil {
		return err
	}
	if v := q.Get("partner_id"); v != "" {
		if _, err := fmt.Sscan(v, &f.PartnerID); err != nil {
			return tandem.Errorf(tandem.EINVALID, "partner_id: %q is not a partner id", v)
		}
	}
	items, total, err := listRows(lp, func(limit, offset int) ([]tandem.Registration, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListRegistrations(ctx, actor, f)
	})
	if err != nil {
		return err
	}
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	if lp.CSV {
		rows := make([][]string, 0, len(items))
		for _, reg := range items {
			rows = append(rows, []string{fmt.Sprint(reg.ID), reg.ExternalID, reg.AccountName, names[reg.PartnerID], reg.Country,
				string(reg.ProductType), reg.EstimatedACV.String(), reg.Currency, string(reg.Status),
				dateText(reg.SubmittedAt), dateText(reg.ExpiresAt)})
		}
		return writeListCSV(w, "registrations", s.now(), []string{"id", "external_id", "account_name", "partner", "country",
			"product_type", "estimated_acv", "currency", "status", "submitted_at", "expires_at"}, rows, total)
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
