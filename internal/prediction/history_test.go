package prediction

import (
	"math/rand/v2"
	"time"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// synthetic builds a company whose conflicts follow a known rule: a registration of an account another
// partner registered before ends in a conflict with probability 0.8, any other with 0.1; deals are won
// with probability 0.7 with a gold partner and 0.2 otherwise. Everything else is noise.
func synthetic(seed uint64, registrations int) *sqlstore.PredictionHistory {
	rng := rand.New(rand.NewPCG(seed, 7))
	h := &sqlstore.PredictionHistory{}
	tiers := []string{"gold", "silver", "registered"}
	for p := int64(1); p <= 12; p++ {
		h.Partners = append(h.Partners, sqlstore.HistoryPartner{ID: p, Tier: tiers[p%3], Type: "reseller", Standing: "good"})
	}
	for a := int64(1); a <= 1000; a++ {
		h.Accounts = append(h.Accounts, sqlstore.HistoryAccount{ID: a, Vertical: []string{"retail", "software"}[a%2], Country: "US", OwnerID: 100 + a%5})
	}
	registeredBy := map[int64]int64{}
	for i := range registrations {
		id := int64(i + 1)
		at := epoch.Add(time.Duration(i) * 6 * time.Hour)
		account := 1 + rng.Int64N(1000)
		partner := 1 + rng.Int64N(12)
		other := registeredBy[account] != 0 && registeredBy[account] != partner
		registeredBy[account] = partner
		h.Registrations = append(h.Registrations, sqlstore.HistoryRegistration{ID: id, PartnerID: partner, AccountID: account,
			Country: "US", ProductType: "core", EstimatedACV: 100 * (10_000 + rng.Int64N(200_000)), Currency: "USD",
			Status: "approved", SubmittedAt: at, CreatedAt: at, MatchScore: rng.Float64(), MatchDecision: "match", MatchedAt: at})
		p := 0.1
		if other {
			p = 0.8
		}
		if rng.Float64() < p {
			h.Conflicts = append(h.Conflicts, sqlstore.HistoryConflict{ID: int64(len(h.Conflicts) + 1), Cause: "partner_overlap",
				AccountID: account, RegistrationID: id, OpenedAt: at.Add(time.Duration(rng.IntN(48)) * time.Hour)})
		}
		// One deal per registration, closed some weeks later.
		stage := "closed_lost"
		win := 0.2
		if tiers[partner%3] == "gold" {
			win = 0.7
		}
		if rng.Float64() < win {
			stage = "closed_won"
		}
		h.Opportunities = append(h.Opportunities, sqlstore.HistoryOpportunity{ID: id, AccountID: account, OwnerID: 100 + account%5,
			PartnerID: partner, Product: "core", ProductType: "core", ACV: 100 * (10_000 + rng.Int64N(200_000)), Currency: "USD",
			Stage: stage, ForecastCategory: "closed", Country: "US", Motion: "partner_led", CreatedOn: at,
			CloseDate: at.Add(time.Duration(20+rng.IntN(60)) * 24 * time.Hour), CreatedAt: at})
		h.Touches = append(h.Touches, sqlstore.HistoryTouch{OpportunityID: id, PartnerID: partner, Kind: "sourced", OccurredAt: at.Add(time.Hour)})
	}
	return h
}

// cut returns the history as it stood just before t: later records gone, deals closed later still
// open, matches made later not made.
func cut(h *sqlstore.PredictionHistory, t time.Time) *sqlstore.PredictionHistory {
	out := &sqlstore.PredictionHistory{Partners: h.Partners, Accounts: h.Accounts}
	for _, r := range h.Registrations {
		if r.SubmittedAt.Before(t) || r.SubmittedAt.Equal(t) {
			if r.MatchedAt.After(t) {
				r.MatchScore, r.MatchDecision, r.MatchedAt = 0, "", time.Time{}
			}
			out.Registrations = append(out.Registrations, r)
		}
	}
	for _, c := range h.Conflicts {
		if c.OpenedAt.Before(t) {
			out.Conflicts = append(out.Conflicts, c)
		}
	}
	for _, o := range h.Opportunities {
		if !opened(o).Before(t) && !opened(o).Equal(t) {
			continue
		}
		if !o.CloseDate.Before(t) {
			o.Stage, o.ForecastCategory = "proposal", "pipeline"
		}
		out.Opportunities = append(out.Opportunities, o)
	}
	for _, x := range h.Touches {
		if x.OccurredAt.Before(t) {
			out.Touches = append(out.Touches, x)
		}
	}
	return out
}
