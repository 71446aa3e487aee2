package demo

import (
	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// PolicyRouter returns a Router that routes with p. It reuses one policy.Router, so it is not safe for
// concurrent use (Generate calls it from one goroutine).
func PolicyRouter(p *policy.Policy) Router {
	r := p.NewRouter()
	return func(d Deal) (tandem.Routing, error) {
		o := d.Opportunity
		pd := policy.Deal{
			ID:                 o.ExternalID,
			Account:            d.AccountName,
			ACV:                o.ACV,
			Currency:           o.Currency,
			Country:            o.Country,
			Vertical:           o.Vertical,
			ProductType:        o.ProductType,
			PartnerTier:        d.PartnerTier,
			RegistrationStatus: d.RegistrationStatus,
			CurrentMotion:      d.CurrentMotion,
			Stage:              o.Stage,
			PartnerID:          d.PartnerExternalID,
		}
		dec, err := r.Route(&pd)
		if err != nil {
			return tandem.Routing{}, err
		}
		return tandem.Routing{
			Motion:          dec.Motion,
			PartnerAttached: dec.PartnerAttached,
			Rule:            dec.Rule,
			PolicyVersion:   dec.PolicyVersion,
			Explanation:     dec.Explanation,
		}, nil
	}
}
