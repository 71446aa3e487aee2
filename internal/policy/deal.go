package policy

import tandem "github.com/tandem-revops/tandem"

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
