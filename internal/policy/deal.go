package policy

import (
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// Deal is what the rules of engagement look at: the fields of an opportunity or a registration that a
// rule may test. Fields holds any other deal field (from a CRM export's extra columns, say) so that a
// policy can test it as fields["name"].
type Deal struct {
	ID                 string
	Account            string
	ACV                tandem.Money // in Currency's minor units
	Currency           string       // "" means the policy's currency
	Country            string       // ISO 3166-1 alpha-2
	Vertical           string
	ProductType        tandem.ProductType
	PartnerID          string
	PartnerTier        tandem.Tier               // "" when no partner
	RegistrationStatus tandem.RegistrationStatus // the deal's registration, "" when none
	CurrentMotion      tandem.Motion             // the motion it has now, "" when never routed
	Stage              tandem.Stage
	Fields             map[string]string
}

// Decision is what the policy decided for a deal and why.
type Decision struct {
	Motion          tandem.Motion `json:"motion"`
	PartnerAttached bool          `json:"partner_attached"`
	Rule            string        `json:"rule"`           // the id of the rule that matched first
	PolicyVersion   string        `json:"policy_version"` // the version of the policy that decided
	Explanation     string        `json:"explanation"`    // plain language, for partners and AEs
}

// DealOf is what the policy sees of an opportunity, given what the store knows about it (current
// motion, registration, partner tier). Account and PartnerID are left to the caller, which knows the
// names and ids its users read.
func DealOf(o *tandem.Opportunity, st tandem.RoutingState) Deal {
	return Deal{
		ID:                 o.ExternalID,
		ACV:                o.ACV,
		Currency:           o.Currency,
		Country:            o.Country,
		Vertical:           crmvalue.Code(o.Vertical), // rules test the code; the stored text may read "Financial Services"
		ProductType:        o.ProductType,
		PartnerTier:        st.PartnerTier,
		RegistrationStatus: st.RegistrationStatus,
		CurrentMotion:      st.Motion,
		Stage:              o.Stage,
	}
}

// Routing is the decision as it is kept on the opportunity, routed at at.
func (d Decision) Routing(at time.Time) tandem.Routing {
	return tandem.Routing{Motion: d.Motion, PartnerAttached: d.PartnerAttached, Rule: d.Rule,
		PolicyVersion: d.PolicyVersion, Explanation: d.Explanation, RoutedAt: at}
}
