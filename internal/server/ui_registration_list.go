package server

import (
	"net/http"
	"net/url"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The two registration lists, staff's /registrations and the portal's /portal/registrations, filter,
// page and export their rows alike; what each settles for itself is the status check, the sort it
// accepts and how the rows are shown.

// registrationPage is one page of a registration list with the partner names its rows show.
type registrationPage struct {
	items []tandem.Registration
	total int
	names map[int64]string // partner id → name
}

// readRegistrationPage reads the submitted-date, expiry-date and partner filters into f, then the page lp asks
// for. The store scopes a partner user to its own partner whatever partner_id asks for.
func (s *Server) readRegistrationPage(r *http.Request, lp listParams, f *sqlstore.RegistrationFilter) (registrationPage, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	if err := parseRegistrationWindowAndPartner(lp.Query, f); err != nil {
		return registrationPage{}, err
	}
	items, total, names, err := partnerListRows(s, r, lp, func(limit, offset int) ([]tandem.Registration, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.store.ListRegistrations(ctx, actor, *f)
	})
	if err != nil {
		return registrationPage{}, err
	}
	return registrationPage{items: items, total: total, names: names}, nil
}

func parseRegistrationWindowAndPartner(q url.Values, f *sqlstore.RegistrationFilter) error {
	// The expiry window is the one a partner home's "expiring soon" links to.
	err := dayParams(q, dayInto{"submitted_from", &f.SubmittedFrom}, dayInto{"submitted_to", &f.SubmittedTo},
		dayInto{"expires_from", &f.ExpiresFrom}, dayInto{"expires_to", &f.ExpiresTo})
	if err != nil {
		return err
	}
	if v := q.Get("partner_id"); v != "" {
		if f.PartnerID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return tandem.FieldError("partner_id", "%q is not a partner id", v)
		}
	}
	return nil
}

// writeCSV sends the page as a CSV download named name.
func (p registrationPage) writeCSV(w http.ResponseWriter, s *Server, name string) error {
	return writeRowsCSV(w, name, s.now(), []string{"id", "external_id", "account_name", "partner", "country",
		"product_type", "estimated_acv", "currency", "status", "submitted_at", "expires_at"}, p.items, p.total, func(reg tandem.Registration) []string {
		return []string{strconv.FormatInt(reg.ID, 10), reg.ExternalID, reg.AccountName, p.names[reg.PartnerID], reg.Country,
			string(reg.ProductType), reg.EstimatedACV.String(), reg.Currency, string(reg.Status),
			dateText(reg.SubmittedAt), dateText(reg.ExpiresAt)}
	})
}
