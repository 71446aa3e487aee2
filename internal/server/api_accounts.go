package server

import (
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type accountListInput struct {
	Query    string `query:"q" maxLength:"200" doc:"name or domain contains (case-insensitive)"`
	Country  string `query:"country" maxLength:"200" doc:"ISO 3166 two-letter code"`
	Vertical string `query:"vertical" maxLength:"200"`
	Sort     string `query:"sort" maxLength:"200" doc:"name, country, created_at, updated_at or id; a leading - reverses"`
	PageParams
}

func (in *accountListInput) filter() sqlstore.AccountFilter {
	return sqlstore.AccountFilter{Query: in.Query, Country: in.Country, Vertical: in.Vertical, Sort: in.Sort,
		Limit: in.Limit, Offset: in.Offset}
}

// accountInput is an account as a client writes it: every field optional on update.
type accountInput struct {
	ExternalID  *string `json:"external_id,omitempty" maxLength:"254" doc:"the CRM's id; generated when absent"`
	Name        *string `json:"name,omitempty" maxLength:"200"`
	Domain      *string `json:"domain,omitempty" maxLength:"254" doc:"website; reduced to its host"`
	Country     *string `json:"country,omitempty" maxLength:"254"`
	Vertical    *string `json:"vertical,omitempty" maxLength:"254"`
	ParentID    *int64  `json:"parent_id,omitempty"`
	OwnerID     *int64  `json:"owner_id,omitempty"`
	TerritoryID *int64  `json:"territory_id,omitempty"`
}

func (in *accountInput) apply(a *tandem.Account) {
	set(&a.ExternalID, in.ExternalID)
	set(&a.Name, in.Name)
	set(&a.Domain, in.Domain)
	set(&a.Country, in.Country)
	set(&a.Vertical, in.Vertical)
	set(&a.ParentID, in.ParentID)
	set(&a.OwnerID, in.OwnerID)
	set(&a.TerritoryID, in.TerritoryID)
	a.Domain = tandem.NormalizeDomain(a.Domain)
}

// set copies *from into to when from is given: the PATCH rule.
func set[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}

func (s *Server) registerAccountAPI() {
	register(s.api, opGet("list-accounts", "/accounts", "List accounts", ""),
		pageFor(s, s.store.ListAccounts, (*accountListInput).filter))
	register(s.api, opGet("get-account", "/accounts/{id}", "Get an account", ""), byID(s, s.store.GetAccount))
	register(s.api, created(op(http.MethodPost, "create-account", "/accounts", "Create an account", "")),
		createFor[accountInput](s, tandem.Account{}, s.store.CreateAccount))
	register(s.api, op(http.MethodPatch, "update-account", "/accounts/{id}", "Update an account", "Fields left out keep their value."),
		patchFor[accountInput](s, s.store.GetAccount, s.store.UpdateAccount))
}
