package sqlstore

import (
	"context"
	"fmt"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// SearchResults is what a global search found: the first few records of each kind and how many of that
// kind match in all. People are searched for vendor staff only.
type SearchResults struct {
	Query              string                `json:"query"`
	Accounts           []tandem.Account      `json:"accounts"`
	AccountsTotal      int                   `json:"accounts_total"`
	Opportunities      []tandem.Opportunity  `json:"opportunities"`
	OpportunitiesTotal int                   `json:"opportunities_total"`
	Registrations      []tandem.Registration `json:"registrations"`
	RegistrationsTotal int                   `json:"registrations_total"`
	Partners           []tandem.Partner      `json:"partners"`
	PartnersTotal      int                   `json:"partners_total"`
	People             []tandem.User         `json:"people"`
	PeopleTotal        int                   `json:"people_total"`
}

// MinSearchLength is the shortest search string: one letter would match most of the company.
const MinSearchLength = 2

// Search looks q up across accounts (name, domain), opportunities (name, account), registrations
// (company typed), partners (name) and, for staff, people (name, email), returning up to limit of each.
// Each kind is read through its own list query, so a partner user's search is scoped in SQL exactly as
// its lists are: its own partner, its deals and registrations and their accounts. EINVALID when q is
// shorter than MinSearchLength or too long.
func (s *Store) Search(ctx context.Context, actor tandem.Actor, q string, limit int) (*SearchResults, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) < MinSearchLength {
		return nil, tandem.Errorf(tandem.EINVALID, "q: type at least %d characters to search", MinSearchLength)
	}
	if err := tandem.CheckLine("q", q, tandem.MaxQueryLength); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxLimit {
		limit = 10
	}
	res := &SearchResults{Query: q}
	var err error
	if res.Accounts, res.AccountsTotal, err = s.ListAccounts(ctx, actor, AccountFilter{Query: q, Limit: limit}); err != nil {
		return nil, fmt.Errorf("search accounts: %w", err)
	}
	if res.Opportunities, res.OpportunitiesTotal, err = s.searchOpportunities(ctx, actor, q, limit); err != nil {
		return nil, fmt.Errorf("search opportunities: %w", err)
	}
	if res.Registrations, res.RegistrationsTotal, err = s.ListRegistrations(ctx, actor,
		RegistrationFilter{Query: q, Limit: limit}); err != nil {
		return nil, fmt.Errorf("search registrations: %w", err)
	}
	if res.Partners, res.PartnersTotal, err = s.ListPartners(ctx, actor, PartnerFilter{Query: q, Limit: limit}); err != nil {
		return nil, fmt.Errorf("search partners: %w", err)
	}
	if !actor.IsPartner() {
		if res.People, res.PeopleTotal, err = s.ListUsers(ctx, actor, UserFilter{Query: q, Limit: limit}); err != nil {
			return nil, fmt.Errorf("search people: %w", err)
		}
	}
	// Empty kinds are empty lists, not null, for API clients.
	res.Accounts, res.Opportunities = orEmpty(res.Accounts), orEmpty(res.Opportunities)
	res.Registrations, res.Partners, res.People = orEmpty(res.Registrations), orEmpty(res.Partners), orEmpty(res.People)
	return res, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// searchOpportunities is ListOpportunities for a search, largest first: the list's own FROM and WHERE
// (so a partner user is scoped as in its list), with the count taken in the same pass over the deals
// (count(*) OVER ()) instead of a second one: each pass tests every deal's name, 60,000 on the demo.
func (s *Store) searchOpportunities(ctx context.Context, actor tandem.Actor, q string, limit int) ([]tandem.Opportunity, int, error) {
	from, w, order, err := opportunityQuery(actor, OpportunityFilter{Query: q, Sort: "-acv"})
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+opportunityColumns+`, count(*) OVER () FROM `+from+w.sql()+order+
		fmt.Sprintf(" LIMIT %d", limit), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search opportunities: %w", err)
	}
	defer rows.Close()
	var out []tandem.Opportunity
	total := 0
	for rows.Next() {
		o, err := scanOpportunity(rows.Scan, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("search opportunities: %w", err)
		}
		out = append(out, o)
	}
	return out, total, rows.Err()
}
