package server

import (
	"net/http"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

type partnerListInput struct {
	Query    string          `query:"q" maxLength:"200" doc:"name contains (case-insensitive)"`
	Tier     tandem.Tier     `query:"tier" enum:"platinum,gold,silver,registered"`
	Standing tandem.Standing `query:"standing" enum:"good,probation,suspended"`
	Sort     string          `query:"sort" maxLength:"200" doc:"name, tier, created_at, updated_at or id; a leading - reverses"`
	PageParams
}

func (in *partnerListInput) filter() sqlstore.PartnerFilter {
	return sqlstore.PartnerFilter{Query: in.Query, Tier: in.Tier, Standing: in.Standing, Sort: in.Sort,
		Limit: in.Limit, Offset: in.Offset}
}

type partnerInput struct {
	ExternalID     *string             `json:"external_id,omitempty" maxLength:"254"`
	Name           *string             `json:"name,omitempty" maxLength:"200"`
	Tier           *tandem.Tier        `json:"tier,omitempty" enum:"platinum,gold,silver,registered"`
	Type           *tandem.PartnerType `json:"type,omitempty" enum:"reseller,referral,co_sell"`
	Countries      []string            `json:"countries,omitempty" maxItems:"250"`
	Verticals      []string            `json:"verticals,omitempty" maxItems:"100"`
	Certifications []string            `json:"certifications,omitempty" maxItems:"100"`
	ManagerID      *int64              `json:"manager_id,omitempty"`
	Standing       *tandem.Standing    `json:"standing,omitempty" enum:"good,probation,suspended"`
}

func (in *partnerInput) apply(p *tandem.Partner) {
	set(&p.ExternalID, in.ExternalID)
	set(&p.Name, in.Name)
	set(&p.Tier, in.Tier)
	set(&p.Type, in.Type)
	set(&p.ManagerID, in.ManagerID)
	set(&p.Standing, in.Standing)
	if in.Countries != nil {
		p.Countries = in.Countries
	}
	if in.Verticals != nil {
		p.Verticals = in.Verticals
	}
	if in.Certifications != nil {
		p.Certifications = in.Certifications
	}
}

func (s *Server) registerPartnerAPI() {
	register(s.api, opGet("list-partners", "/partners", "List partners", ""),
		pageFor(s, s.store.ListPartners, (*partnerListInput).filter))
	register(s.api, opGet("get-partner", "/partners/{id}", "Get a partner", ""), byID(s, s.store.GetPartner))
	register(s.api, created(op(http.MethodPost, "create-partner", "/partners", "Create a partner",
		"Tier defaults to registered, type to reseller, standing to good.")),
		createFor[partnerInput](s, tandem.Partner{Tier: tandem.TierRegistered, Type: tandem.PartnerReseller, Standing: tandem.StandingGood},
			s.store.CreatePartner))
	register(s.api, op(http.MethodPatch, "update-partner", "/partners/{id}", "Update a partner", "Fields left out keep their value."),
		patchFor[partnerInput](s, s.store.GetPartner, s.store.UpdatePartner))
}
