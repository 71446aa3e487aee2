package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The global search: one box in the header ("/" focuses it), a results page grouped by kind and an API
// operation. The store reads each kind through its list query, so partner isolation is the lists'.

type searchInput struct {
	Query string `query:"q" minLength:"2" maxLength:"200" doc:"what to look for: part of a name, a domain or an email (case-insensitive)"`
	Limit int    `query:"limit" minimum:"1" maximum:"100" default:"10" doc:"how many records of each kind to return"`
}

func (s *Server) registerSearchAPI() {
	register(s.api, opGet("search", "/search", "Search accounts, opportunities, registrations, partners and people",
		"Returns the first records of each kind whose name (account and opportunity names, a registration's company, "+
			"a partner's name, a person's name or email) contains q, and how many of each kind match. A partner user "+
			"finds only its own partner, deals and registrations and their accounts, and no people."),
		func(ctx context.Context, in *searchInput) (*bodyOutput[sqlstore.SearchResults], error) {
			res, err := s.store.Search(ctx, actorFrom(ctx), in.Query, in.Limit)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return ok(*res), nil
		})
}

// searchHit is one line of the results page.
type searchHit struct {
	Label, Detail, Link string
}

// searchGroup is one kind of record on the results page.
type searchGroup struct {
	ID, Title string
	Total     int
	TotalText string
	More      string // the full list of this kind, filtered by the query ("" when there is none)
	Hits      []searchHit
}

type searchData struct {
	Query  string
	Error  string
	Groups []searchGroup
	Found  int
}

// searchPerKind is how many records of each kind the results page shows.
const searchPerKind = 10

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	d := searchData{Query: r.URL.Query().Get("q")}
	res, err := s.store.Search(ctx, actor, d.Query, searchPerKind)
	if tandem.ErrorCode(err) == tandem.EINVALID {
		d.Error = tandem.ErrorMessage(err)
		s.render(w, r, http.StatusOK, "search", view{Title: "Search", Data: d})
		return nil
	}
	if err != nil {
		return err
	}
	q := url.QueryEscape(res.Query)
	names, err := s.partnerNames(r, actor)
	if err != nil {
		return err
	}
	group := func(id, title string, total int, more string) *searchGroup {
		d.Groups = append(d.Groups, searchGroup{ID: id, Title: title, Total: total, TotalText: count(total), More: more})
		d.Found += total
		return &d.Groups[len(d.Groups)-1]
	}
	g := group("search-opportunities", "Opportunities", res.OpportunitiesTotal, "/opportunities?q="+q)
	for _, o := range res.Opportunities {
		g.Hits = append(g.Hits, searchHit{Label: o.Name, Detail: joinNonEmpty(names[o.PartnerID], o.ACV.Format(o.Currency), human(string(o.Stage))),
			Link: fmt.Sprintf("/opportunities/%d", o.ID)})
	}
	regList, regPage := "/registrations?q="+q, "/registrations/%d"
	if actor.IsPartner() {
		regList, regPage = "/portal/registrations?q="+q, "/portal/registrations/%d"
	}
	g = group("search-registrations", "Registrations", res.RegistrationsTotal, regList)
	for _, reg := range res.Registrations {
		g.Hits = append(g.Hits, searchHit{Label: reg.AccountName, Detail: joinNonEmpty(names[reg.PartnerID],
			reg.EstimatedACV.Format(reg.Currency), human(string(reg.Status))), Link: fmt.Sprintf(regPage, reg.ID)})
	}
	g = group("search-accounts", "Accounts", res.AccountsTotal, "")
	for _, a := range res.Accounts {
		// An account's page is its deals: the opportunity list searched by its name.
		g.Hits = append(g.Hits, searchHit{Label: a.Name, Detail: joinNonEmpty(a.Domain, a.Country, human(string(a.Vertical))),
			Link: "/opportunities?q=" + url.QueryEscape(a.Name)})
	}
	g = group("search-partners", "Partners", res.PartnersTotal, "")
	for _, p := range res.Partners {
		g.Hits = append(g.Hits, searchHit{Label: p.Name, Detail: joinNonEmpty(human(string(p.Tier)), human(string(p.Type)), human(string(p.Standing))),
			Link: fmt.Sprintf("/opportunities?partner_id=%d", p.ID)})
	}
	if !actor.IsPartner() {
		g = group("search-people", "People", res.PeopleTotal, "")
		for _, u := range res.People {
			g.Hits = append(g.Hits, searchHit{Label: u.Name, Detail: joinNonEmpty(u.Email, u.Role.Label())})
		}
	}
	s.render(w, r, http.StatusOK, "search", view{Title: "Search: " + res.Query, Data: d})
	return nil
}

// joinNonEmpty joins the non-empty parts with " · ".
func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += p
	}
	return out
}
