package demo

import (
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// PolicyRouter returns a Router that routes with p. It reuses one policy.Router, so it is not safe for
// concurrent use (Generate calls it from one goroutine).
func PolicyRouter(p *policy.Policy) Router {
	r := p.NewRouter()
	return func(d Deal) (tandem.Routing, error) {
		o := d.Opportunity
		pd := policy.DealOf(o, tandem.RoutingState{Motion: d.CurrentMotion,
			RegistrationStatus: d.RegistrationStatus, PartnerTier: d.PartnerTier})
		pd.Account, pd.PartnerID = d.AccountName, d.PartnerExternalID
		dec, err := r.Route(&pd)
		if err != nil {
			return tandem.Routing{}, err
		}
		return dec.Routing(time.Time{}), nil
	}
}
