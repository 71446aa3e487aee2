package demo

import (
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The programme's recent history. The import brings the company as it stands; the last few months of
// the deal-registration programme are then replayed through the store's own operations (Write's second
// phase), at the instants they happened: partners file registrations (the account matcher resolves the
// company, sending the doubtful ones to the review queue), the channel team decides them — some at
// once by the auto-approval rule, most within the approval SLA, a few late — conflict detection opens
// the overlaps, the escalation job climbs the ladder, and deciders at each level resolve them with a
// rationale. So the approval queue, the approval-time report, the conflict queue with its precedents,
// the escalation log, the quarterly review and the account-match queue all show a working programme.

// historyDays is how far back the replayed history starts.
const historyDays = 120

// History is what Write replays after the import.
type History struct {
	Filings []Filing
	// Outcomes are taken in turn by the conflicts as detection opens them (the i-th opened takes
	// Outcomes[i % len]): when to settle each, and how.
	Outcomes []ConflictOutcome
}

// Filing is one registration a partner files in the replayed history, and its decision.
type Filing struct {
	// Registration is what the partner typed: dataset ids for the partner; no account (the matcher
	// resolves it); the status and dates are stamped by the store.
	Registration tandem.Registration
	SubmittedBy  int64 // dataset id of the partner user filing it
	Account      int64 // dataset id of the account the partner means, whatever it typed
	SubmitAt     time.Time
	// Decision is approve or reject; "" leaves the registration waiting at the end of the history (as
	// does a DecideAt after Today).
	Decision tandem.RegistrationEvent
	Auto     bool // approved on submission by the auto-approval rule
	// Escalated, when set, is the outcome of the conflict this filing opens instead of the next of
	// History.Outcomes: the disputes planted to sit at a given escalation level on the demo's today.
	Escalated *ConflictOutcome
	DecideAt  time.Time // when a person decides
	DeciderID int64     // dataset id of the partner manager (or VP Channel) deciding
	Reason    string
}

// ConflictOutcome is how a conflict opened in the history is settled: After its opening (calendar
// time), by a decider of whatever level it has reached then; Never leaves it open.
type ConflictOutcome struct {
	After      time.Duration
	Never      bool
	Resolution tandem.Resolution
	ShareBP    int
	Rationale  string
}

var rejectReasons = []string{
	"the customer confirmed it is working with our direct team already",
	"no customer contact named; resubmit with the buyer's name and email",
	"duplicate of a registration filed last month",
	"the estimated ACV is below the programme's minimum for this product",
	"outside the partner's authorised territory",
}

var rationales = map[tandem.Resolution][]string{
	tandem.ResolvePartner: {
		"The partner registered first, sourced the opportunity and has run every meeting so far.",
		"Partner-sourced: the customer's RFP names the partner; our AE joined late.",
		"The registration predates our first touch by three weeks; the partner keeps it.",
	},
	tandem.ResolveDirect: {
		"Our AE has an active proposal with the economic buyer; the partner's registration came after.",
		"Named enterprise account under the direct model; the partner is offered the services work.",
		"The customer asked to buy direct on the existing master agreement.",
	},
	tandem.ResolveCoSell: {
		"Both sides bring something: the partner owns the relationship, we own the technical win. Co-sell.",
		"Co-sell: the partner implements, our AE leads the commercial close.",
	},
	tandem.ResolveSplit: {
		"The partner found the deal, our AE expanded it to the platform; split on the original scope.",
		"Joint effort from discovery on; credit split as the programme guide suggests for co-sourced deals.",
	},
}

var typedSuffixes = []string{" Europe", " Holdings", " Group", " International", " (EMEA)", " North America"}

// history plans the replayed months: about nine filings a business day, a fifth of them on accounts
// with an open direct deal and a fifth on accounts another partner has registered, so that detection
// finds overlaps; an eighth typed loosely enough for the matcher to ask a person.
func (g *generator) history() {
	ds := g.ds
	today := g.cfg.Today
	start := day(today.AddDate(0, 0, -historyDays))

	// What a filing can overlap: open direct deals, and other partners' live registrations.
	type claim struct {
		account int64
		pt      tandem.ProductType
	}
	busy := map[claim]bool{} // what a filing would overlap: an open deal or a live registration
	var direct []int         // indexes into ds.Opportunities
	for i, o := range ds.Opportunities {
		if !o.Stage.Closed() {
			busy[claim{o.AccountID, o.ProductType}] = true
			if o.PartnerID == 0 {
				direct = append(direct, i)
			}
		}
	}
	var claimed []int // indexes into ds.Registrations with an account
	for i, r := range ds.Registrations {
		if r.AccountID != 0 && (r.Status == tandem.RegistrationApproved || r.Status == tandem.RegistrationSubmitted) {
			claimed = append(claimed, i)
			busy[claim{r.AccountID, r.ProductType}] = true
		}
	}
	partnerUsers := map[int64]int64{} // partner → its first partner user
	for _, u := range ds.Users {
		if u.Role == tandem.RolePartnerUser && partnerUsers[u.PartnerID] == 0 {
			partnerUsers[u.PartnerID] = u.ID
		}
	}
	vpChannel := g.usersWithRole(tandem.RoleVPChannel)
	// The direct deals a partner runs into: advanced and recent ones weigh more (a deal in proposal or
	// negotiation is one the AE is visibly working, and its buyer is talking to the market).
	var directWeights []weighted[int]
	for _, i := range direct {
		o := ds.Opportunities[i]
		w := map[tandem.Stage]float64{tandem.StageNegotiation: 3, tandem.StageProposal: 2.5, tandem.StageQualified: 1.2}[o.Stage]
		if w == 0 {
			w = 0.5
		}
		if o.CreatedOn.After(today.AddDate(0, 0, -60)) {
			w *= 2
		}
		directWeights = append(directWeights, weighted[int]{i, w})
	}
	var directPick *picker[int]
	if len(directWeights) > 0 {
		directPick = newPicker(directWeights)
	}
	newBusiness := func() (*tandem.Account, tandem.ProductType) {
		var acc *tandem.Account
		var pt tandem.ProductType
		for tries := 0; tries < 8; tries++ {
			acc, pt = &ds.Accounts[g.rng.IntN(len(ds.Accounts))], oneOf(g.rng, tandem.ProductTypes)
			if !busy[claim{acc.ID, pt}] {
				break
			}
		}
		return acc, pt
	}
	pickPartner := func(acc *tandem.Account, other int64) int64 {
		pk := g.partnersByCountry[acc.Country]
		if pk == nil {
			pk = g.partnersAll
		}
		partner := pk.pick(g.rng)
		for tries := 0; (partner == other || partnerUsers[partner] == 0) && tries < 10; tries++ {
			partner = g.partnersAll.pick(g.rng)
		}
		if partner == other || partnerUsers[partner] == 0 {
			return 0
		}
		return partner
	}

	// About ten a day on the full company: enough filings for the conflict-risk model to learn from.
	perDay := max(1, g.cfg.Opportunities/7500)
	n := 0
	for d := start; d.Before(today.AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for range perDay + g.rng.IntN(3) {
			submit := d.Add(time.Duration(8*60+g.rng.IntN(9*60)) * time.Minute)
			if submit.After(today) {
				continue
			}
			var acc *tandem.Account
			var pt tandem.ProductType
			var other int64 // a partner that must not file it (it holds the overlapping registration)
			overDirect := false
			switch x := g.rng.Float64(); {
			case x < 0.2 && directPick != nil:
				o := ds.Opportunities[directPick.pick(g.rng)]
				acc, pt, overDirect = &ds.Accounts[o.AccountID-1], o.ProductType, true
			case x < 0.34 && len(claimed) > 0:
				r := ds.Registrations[oneOf(g.rng, claimed)]
				acc, pt, other = &ds.Accounts[r.AccountID-1], r.ProductType, r.PartnerID
			default: // new business: an account and product nobody is working yet
				acc, pt = newBusiness()
			}
			partner := pickPartner(acc, other)
			if partner != 0 && busy[claim{acc.ID, pt}] && !chance(g.rng, g.conflictPropensity(partner, acc)) {
				// Most partners check the CRM and their own pipeline before filing: this one files
				// new business instead.
				acc, pt = newBusiness()
				overDirect, other = false, 0
				partner = pickPartner(acc, 0)
			}
			if partner == 0 {
				continue
			}
			busy[claim{acc.ID, pt}] = true
			n++
			name, website := acc.Name, acc.Domain
			switch x := g.rng.Float64(); {
			case x < 0.15:
				name, website = shortName(acc.Name)+oneOf(g.rng, typedSuffixes), ""
			case x < 0.3:
				name = nearDuplicate(g.rng, acc.Name)
			}
			c := countryByCode(acc.Country)
			usd := g.acvUSD(pt, false, g.enterprise[acc.ID-1])
			if overDirect && chance(g.rng, 0.5) {
				// Sized just under the co-sell threshold, so the policy would leave it partner-led:
				// the filing a direct team disputes.
				usd = int64(between(g.rng, 2000, 2490)) * 100
			}
			f := Filing{
				Registration: tandem.Registration{ExternalID: fmt.Sprintf("REG-H%05d", n), PartnerID: partner,
					AccountName: name, Website: website, Country: acc.Country, ProductType: pt,
					EstimatedACV: tandem.Money(usd * usdRateBP[c.currency] / 10000 / 100 * 100 * tandem.MinorUnits), Currency: c.currency,
					ExpectedClose: submit.AddDate(0, 0, 45+g.rng.IntN(120)).Truncate(24 * time.Hour),
					ContactName:   oneOf(g.rng, firstNames) + " " + oneOf(g.rng, lastNames)},
				SubmittedBy: partnerUsers[partner],
				Account:     acc.ID,
				SubmitAt:    submit,
			}
			f.Registration.ContactEmail = slug(f.Registration.ContactName) + "@" + cmpOr(website, slug(shortName(acc.Name))+"."+c.tld)
			decider := ds.Partners[partner-1].ManagerID
			if decider == 0 {
				decider = oneOf(g.rng, vpChannel)
			}
			// How long the channel team takes, in calendar hours: most the same day, some the next, a
			// few past the two-business-day SLA.
			var wait time.Duration
			switch x := g.rng.Float64(); {
			case x < 0.15:
				f.Auto = true
			case x < 0.6:
				wait = time.Duration(30+g.rng.IntN(6*60)) * time.Minute
			case x < 0.88:
				wait = time.Duration(16+g.rng.IntN(30)) * time.Hour
			default:
				wait = time.Duration(6*24+g.rng.IntN(8*24)) * time.Hour
			}
			f.DecideAt, f.DeciderID, f.Decision = submit.Add(wait), decider, tandem.EventApprove
			if f.Auto {
				f.DecideAt = submit
			} else if chance(g.rng, 0.14) {
				f.Decision, f.Reason = tandem.EventReject, oneOf(g.rng, rejectReasons)
			}
			ds.History.Filings = append(ds.History.Filings, f)
		}
	}

	g.escalatedFilings(direct, pickPartner, &n)

	// Conflict outcomes: most settled by the AE and partner manager within days, some only after the
	// VPs or the CRO look at them, a few go all the way to the CEO; some stay open.
	resolutions := []weighted[tandem.Resolution]{{tandem.ResolvePartner, 45}, {tandem.ResolveDirect, 25},
		{tandem.ResolveCoSell, 18}, {tandem.ResolveSplit, 12}}
	rpick := newPicker(resolutions)
	for range 97 {
		o := ConflictOutcome{Resolution: rpick.pick(g.rng)}
		switch x := g.rng.Float64(); {
		case x < 0.72:
			o.After = time.Duration(4+g.rng.IntN(60)) * time.Hour // level 1
		case x < 0.86:
			o.After = time.Duration(4*24+g.rng.IntN(72)) * time.Hour // usually the VPs
		case x < 0.93:
			o.After = time.Duration(7*24+g.rng.IntN(48)) * time.Hour // usually the CRO
		case x < 0.99:
			o.After = time.Duration(10*24+g.rng.IntN(96)) * time.Hour // the CEO
		default:
			o.Never = true
		}
		o.Rationale = oneOf(g.rng, rationales[o.Resolution])
		if o.Resolution == tandem.ResolveSplit {
			o.ShareBP = 2500 + 500*g.rng.IntN(11)
		}
		ds.History.Outcomes = append(ds.History.Outcomes, o)
	}
}

// escalations are the disputes planted so that every level of the escalation ladder has work on the
// demo's first start: a direct deal of the size that level decides, registered by a partner that many
// business days before today and left unsettled, so the default SLAs (3, 2, 1 and 2 business days)
// have carried it up — the CEO's also past its own SLA.
var escalations = []struct {
	level          string
	businessDays   int // before the demo's today, filed at 10:00
	minUSD, maxUSD int64
}{
	{"VPs", 4, 150_000, 500_000}, {"VPs", 4, 150_000, 500_000},
	{"CRO", 6, 500_000, 1_000_000}, {"CRO", 6, 500_000, 1_000_000},
	{"CEO", 8, 1_000_001, 3_000_000}, {"CEO", 13, 1_000_001, 3_000_000},
}

// escalatedFilings adds the filings of escalations, each on an open direct deal of its size (the
// largest it can find below the size when none fits), left waiting and its conflict left open.
func (g *generator) escalatedFilings(direct []int, pickPartner func(*tandem.Account, int64) int64, n *int) {
	ds := g.ds
	used := map[int64]bool{}
	var deals []int
	for _, i := range direct {
		if slices.Contains(fieldSalesCountries, ds.Opportunities[i].Country) {
			deals = append(deals, i)
		}
	}
	usdOf := func(o *tandem.Opportunity) int64 {
		return int64(o.ACV) * 10000 / usdRateBP[o.Currency] / tandem.MinorUnits
	}
	for _, e := range escalations {
		best := -1
		for _, i := range deals {
			o := &ds.Opportunities[i]
			if used[o.AccountID] || o.ProductType != tandem.ProductCore {
				continue
			}
			if u := usdOf(o); u >= e.minUSD && u <= e.maxUSD {
				best = i
				break
			} else if u < e.minUSD && (best < 0 || u > usdOf(&ds.Opportunities[best])) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		o := &ds.Opportunities[best]
		acc := &ds.Accounts[o.AccountID-1]
		partner := pickPartner(acc, 0)
		if partner == 0 {
			continue
		}
		used[o.AccountID] = true
		submit := g.cfg.Today
		for k := 0; k < e.businessDays; {
			submit = submit.AddDate(0, 0, -1)
			if submit.Weekday() != time.Saturday && submit.Weekday() != time.Sunday {
				k++
			}
		}
		submit = at(submit, 10)
		*n++
		c := countryByCode(acc.Country)
		name := oneOf(g.rng, firstNames) + " " + oneOf(g.rng, lastNames)
		var partnerUser int64
		for _, u := range ds.Users {
			if u.Role == tandem.RolePartnerUser && u.PartnerID == partner {
				partnerUser = u.ID
				break
			}
		}
		ds.History.Filings = append(ds.History.Filings, Filing{
			Registration: tandem.Registration{ExternalID: fmt.Sprintf("REG-H%05d", *n), PartnerID: partner,
				AccountName: acc.Name, Website: acc.Domain, Country: acc.Country, ProductType: o.ProductType,
				EstimatedACV: estimate(g.rng, o.ACV), Currency: c.currency, ExpectedClose: o.CloseDate,
				ContactName: name, ContactEmail: slug(name) + "@" + acc.Domain},
			SubmittedBy: partnerUser, Account: acc.ID, SubmitAt: submit,
			Escalated: &ConflictOutcome{Never: true},
		})
	}
}

// poachPropensity is how readily a partner files on accounts that others already work (u uniform in
// [0,1)): low for most, high for a few; lower tiers, with less to lose, and partners on probation more.
func poachPropensity(u float64, tier tandem.Tier, standing tandem.Standing) float64 {
	p := 0.08 + 0.92*u*u*u
	p *= map[tandem.Tier]float64{tandem.TierPlatinum: 0.7, tandem.TierGold: 1, tandem.TierSilver: 1.15, tandem.TierRegistered: 1.3}[tier]
	if standing != tandem.StandingGood {
		p *= 1.6
	}
	return min(p, 1)
}

// conflictPropensity is the chance that partner files on acc although someone already works it: the
// partner's habit (poachPropensity), more in the vendor's field-sales markets, where its AEs prospect
// the same companies, and in the horizontal verticals they favour; less in the partner-led verticals.
func (g *generator) conflictPropensity(partner int64, acc *tandem.Account) float64 {
	p := g.partnerPoach[partner]
	if !slices.Contains(fieldSalesCountries, acc.Country) {
		p *= 0.6
	}
	switch acc.Vertical {
	case "technology", "manufacturing", "retail":
		p *= 1.3
	case "healthcare", "government", "financial_services":
		p *= 0.7
	}
	return min(p, 1)
}

// weekdaysBetween counts the Mondays to Fridays from the day after from up to and including to (the
// policy's holidays aside): roughly the business days an escalation SLA has used.
func weekdaysBetween(from, to time.Time) int {
	n := 0
	for d := day(from).AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return n
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// forDeal fits an outcome to the size of the deal in dispute (USD) and to its age at the demo's today:
// escalation is for the expensive disputes, so a conflict over a deal under $100,000 is settled by the
// AE and the partner manager, one under $500,000 by the VPs at the latest, one up to $1M by the CRO;
// only a larger one may reach the CEO or be left open to climb there. A conflict opened so recently
// that it has not outgrown its size's levels by today is left open unless drawn to settle within a
// day, so the queue has work in it. The resolution and its rationale stay as drawn.
func (o ConflictOutcome) forDeal(usd int64, opened, today time.Time) ConflictOutcome {
	limit, levelsDays := time.Duration(0), 0 // no limit
	switch {
	case usd < 100_000:
		limit, levelsDays = 64*time.Hour, 3 // within level 1's three business days
	case usd < 500_000:
		limit, levelsDays = 5*24*time.Hour, 5 // before the VPs' two business days run out
	case usd <= 1_000_000:
		limit, levelsDays = 6*24*time.Hour, 6 // before the CRO's one business day runs out
	}
	if limit == 0 {
		return o
	}
	if weekdaysBetween(opened, today) < levelsDays {
		if o.Never || o.After > 24*time.Hour {
			o.Never = true
		}
		return o
	}
	if o.Never {
		o.Never, o.After = false, limit
	}
	if o.After > limit {
		o.After = limit - o.After%(limit/2) // keep some spread below the limit
	}
	return o
}
