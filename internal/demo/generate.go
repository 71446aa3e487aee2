// Package demo owns the synthetic company behind `tandem demo`: a B2B software vendor ("Helio
// Software") with its sales organisation, partner programme, customers and eight quarters of deals,
// generated deterministically from a seed, routed by the built-in rules of engagement, and written to a
// store in one import transaction.
//
// Generate is pure: the same Config gives byte-identical data (math/rand/v2 PCG, a fixed "today", no
// clock, no map iteration). Write puts a Dataset into a store.
package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Today is the demo's fixed "now": every generated date is relative to it, so a seed always gives the
// same company whatever the day it is generated.
var Today = time.Date(2026, time.November, 15, 0, 0, 0, 0, time.UTC)

// Password is the password of every demo sign-in. The demo is a local sandbox of synthetic data.
const Password = "tandem-demo-2026"

// Config says what to generate. The zero value of a count means its default.
type Config struct {
	Seed          uint64
	Today         time.Time // default Today
	Accounts      int       // default 20,000
	Partners      int       // default 150 (tiers 10/30/50/60 scale with it)
	Opportunities int       // default 60,000
	Quarters      int       // default 8, the current one included
}

// DefaultConfig returns the full-size demo for seed.
func DefaultConfig(seed uint64) Config {
	return Config{Seed: seed, Today: Today, Accounts: 20000, Partners: 150, Opportunities: 60000, Quarters: 8}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig(c.Seed)
	if c.Today.IsZero() {
		c.Today = d.Today
	}
	c.Accounts = cmp.Or(c.Accounts, d.Accounts)
	c.Partners = cmp.Or(c.Partners, d.Partners)
	c.Opportunities = cmp.Or(c.Opportunities, d.Opportunities)
	c.Quarters = cmp.Or(c.Quarters, d.Quarters)
	return c
}

// Dataset is a generated company. Every reference between its records (an account's owner, an
// opportunity's partner, a user's manager…) is a dataset id: the record's position in its slice plus
// one. Write translates them into the store's ids.
type Dataset struct {
	Config        Config
	Territories   []tandem.Territory
	Products      []tandem.Product
	Users         []tandem.User
	Partners      []tandem.Partner
	Accounts      []tandem.Account
	Opportunities []tandem.Opportunity
	Registrations []tandem.Registration
	Touches       []tandem.Touch
	// SignIns are the users a newcomer signs in as; each has Password.
	SignIns []SignIn
	// History is the programme's last months, replayed through the store after the import.
	History History
}

// SignIn is one demo sign-in: what the person is, and as whom to sign in.
type SignIn struct {
	Label   string // "Admin", "AE", "Partner user (Cedarpoint Consulting, platinum)"…
	UserID  int64  // dataset id
	Email   string
	Partner string // the partner's name, for partner users
}

// Router routes one opportunity; it is the built-in policy in production and a stub in some tests.
type Router func(d Deal) (tandem.Routing, error)

// Deal is what the generator asks the router about: the opportunity as it is and what the policy needs
// besides (the partner's tier, the registration's status, the motion it had before).
type Deal struct {
	Opportunity        *tandem.Opportunity
	AccountName        string
	PartnerExternalID  string // "" when no partner
	PartnerTier        tandem.Tier
	RegistrationStatus tandem.RegistrationStatus
	CurrentMotion      tandem.Motion
}

// generator holds the state of one Generate call.
type generator struct {
	cfg   Config
	rng   *rand.Rand
	route Router
	ds    *Dataset

	quarterStarts []time.Time // oldest first; the last is the current quarter
	emails        map[string]bool
	// by territory name: the AEs (dataset ids) who sell there
	aesByTerritory map[string][]int64
	territoryID    map[string]int64
	// partners covering each country, with their weights
	partnersByCountry map[string]*picker[int64]
	partnersAll       *picker[int64]
	accountStem       []string          // the distinctive part of each account's name, for registrations
	enterprise        []bool            // by account index: a large company, which buys more often and bigger
	ownerTurns        map[ownerTurn]int // how many accounts of each book were dealt out, for the next owner
	// the accounts (indexes into ds.Accounts) of each segment, for the deal draw
	enterpriseAccounts, commercialAccounts []int
	// The hidden drivers of the outcomes (see winLogit and conflictPropensity), by dataset id: how
	// much better than average an AE and a partner close (log-odds), and how readily a partner files on
	// accounts others already work.
	aeSkill, partnerSkill map[int64]float64
	partnerPoach          map[int64]float64
}

// ownerTurn is one book of accounts dealt to a territory's AEs in turn.
type ownerTurn struct {
	territory  string
	enterprise bool
}

// Generate builds the company described by cfg, routing every opportunity with route. It returns an
// error only when route does.
func Generate(cfg Config, route Router) (*Dataset, error) {
	cfg = cfg.withDefaults()
	g := &generator{
		cfg:               cfg,
		rng:               rand.New(rand.NewPCG(cfg.Seed, 0x74616e64656d6f)), // "tandemo"
		route:             route,
		ds:                &Dataset{Config: cfg},
		emails:            map[string]bool{},
		aesByTerritory:    map[string][]int64{},
		territoryID:       map[string]int64{},
		partnersByCountry: map[string]*picker[int64]{},
		ownerTurns:        map[ownerTurn]int{},
		aeSkill:           map[int64]float64{},
		partnerSkill:      map[int64]float64{},
		partnerPoach:      map[int64]float64{},
	}
	cur := quarterStart(cfg.Today)
	for i := cfg.Quarters - 1; i >= 0; i-- {
		g.quarterStarts = append(g.quarterStarts, cur.AddDate(0, -3*i, 0))
	}
	g.territoriesAndProducts()
	g.vendorUsers()
	g.partners()
	g.accounts()
	if err := g.opportunities(); err != nil {
		return nil, err
	}
	g.loneRegistrations()
	g.history()
	return g.ds, nil
}

func quarterStart(t time.Time) time.Time {
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// ---- small random helpers ----

type weighted[T any] struct {
	v T
	w float64
}

// picker draws from weighted values in O(log n).
type picker[T any] struct {
	vals []T
	cum  []float64
}

func newPicker[T any](ws []weighted[T]) *picker[T] {
	p := &picker[T]{}
	total := 0.0
	for _, w := range ws {
		total += w.w
		p.vals = append(p.vals, w.v)
		p.cum = append(p.cum, total)
	}
	return p
}

func (p *picker[T]) pick(r *rand.Rand) T {
	x := r.Float64() * p.cum[len(p.cum)-1]
	i, _ := slices.BinarySearch(p.cum, x)
	return p.vals[min(i, len(p.vals)-1)]
}

func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// at returns the day of t at hour h (UTC), for timestamps that look like office hours.
func at(t time.Time, h int) time.Time { return day(t).Add(time.Duration(h) * time.Hour) }

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'ä':
			b.WriteString("ae")
		case r == 'ö':
			b.WriteString("oe")
		case r == 'ü':
			b.WriteString("ue")
		case r == 'é', r == 'è':
			b.WriteRune('e')
		case r == 'á':
			b.WriteRune('a')
		case r == 'í':
			b.WriteRune('i')
		case r == 'ó':
			b.WriteRune('o')
		case r == 'ñ':
			b.WriteRune('n')
		}
	}
	return b.String()
}

// ---- territories, products, vendor users ----

func (g *generator) territoriesAndProducts() {
	for i, t := range territories {
		var cs []string
		if strings.HasPrefix(t.name, "NA ") {
			cs = append(cs, "US")
		}
		for _, c := range countries {
			if c.territory == t.name {
				cs = append(cs, c.code)
			}
		}
		id := int64(i + 1)
		g.ds.Territories = append(g.ds.Territories, tandem.Territory{ID: id, Name: t.name, Countries: cs})
		g.territoryID[t.name] = id
	}
	for i, p := range products {
		g.ds.Products = append(g.ds.Products, tandem.Product{
			ID: int64(i + 1), ExternalID: fmt.Sprintf("PRD-%02d", i+1), Name: p.name,
			Type: tandem.ProductType(p.kind), COGSBasisPoints: p.cogs,
		})
	}
}

const vendorDomain = "helio.example"

// addUser appends a user and returns its dataset id. email "" means first.last@domain.
func (g *generator) addUser(u tandem.User, domain string) int64 {
	if u.Name == "" {
		u.Name = oneOf(g.rng, firstNames) + " " + oneOf(g.rng, lastNames)
	}
	if u.Email == "" {
		parts := strings.Fields(u.Name)
		for i, p := range parts {
			parts[i] = slug(p)
		}
		local := strings.Join(parts, ".")
		email := local + "@" + domain
		for n := 2; g.emails[email]; n++ {
			email = fmt.Sprintf("%s%d@%s", local, n, domain)
		}
		u.Email = email
	}
	g.emails[u.Email] = true
	u.ID = int64(len(g.ds.Users) + 1)
	u.ExternalID = fmt.Sprintf("USR-%05d", u.ID)
	created := at(g.cfg.Today.AddDate(0, 0, -between(g.rng, 120, 1500)), 9)
	u.CreatedAt, u.UpdatedAt = created, created
	g.ds.Users = append(g.ds.Users, u)
	return u.ID
}

func (g *generator) signIn(label string, id int64, partner string) {
	g.ds.SignIns = append(g.ds.SignIns, SignIn{Label: label, UserID: id, Email: g.ds.Users[id-1].Email, Partner: partner})
}

func (g *generator) vendorUsers() {
	admin := g.addUser(tandem.User{Email: "admin@" + vendorDomain, Role: tandem.RoleAdmin}, vendorDomain)
	ceo := g.addUser(tandem.User{Email: "ceo@" + vendorDomain, Role: tandem.RoleCEO}, vendorDomain)
	cro := g.addUser(tandem.User{Email: "cro@" + vendorDomain, Role: tandem.RoleCRO, ManagerID: ceo}, vendorDomain)
	revops := g.addUser(tandem.User{Email: "revops@" + vendorDomain, Role: tandem.RoleRevOps, ManagerID: cro}, vendorDomain)
	g.addUser(tandem.User{Role: tandem.RoleRevOps, ManagerID: cro}, vendorDomain)
	vpChannel := g.addUser(tandem.User{Email: "vp.channel@" + vendorDomain, Role: tandem.RoleVPChannel, ManagerID: cro}, vendorDomain)

	vpByRegion := map[string]int64{}
	for i, region := range salesRegions {
		u := tandem.User{Role: tandem.RoleVPSales, ManagerID: cro}
		if i == 0 {
			u.Email = "vp.sales@" + vendorDomain
		}
		vpByRegion[region] = g.addUser(u, vendorDomain)
	}
	// Partner managers: three for the Americas, three for EMEA, two for APAC (see partnerManagerFor);
	// the first is the demo sign-in.
	for i := range 8 {
		u := tandem.User{Role: tandem.RolePartnerManager, ManagerID: vpChannel}
		if i == 0 {
			u.Email = "pm@" + vendorDomain
		}
		g.addUser(u, vendorDomain)
	}
	var firstAE int64
	for _, t := range territories {
		for range t.aes {
			u := tandem.User{Role: tandem.RoleAE, ManagerID: vpByRegion[t.region], TerritoryID: g.territoryID[t.name]}
			if firstAE == 0 {
				u.Email = "ae@" + vendorDomain
			}
			id := g.addUser(u, vendorDomain)
			g.aeSkill[id] = 0.4 * g.rng.NormFloat64()
			if firstAE == 0 {
				firstAE = id
			}
			g.aesByTerritory[t.name] = append(g.aesByTerritory[t.name], id)
		}
	}
	g.signIn("Admin", admin, "")
	g.signIn("RevOps", revops, "")
	g.signIn("AE (NA East)", firstAE, "")
	g.signIn("Partner manager", g.usersWithRole(tandem.RolePartnerManager)[0], "")
	g.signIn("VP Sales (Americas)", vpByRegion["Americas"], "")
	g.signIn("VP Channel", vpChannel, "")
	g.signIn("CRO", cro, "")
	g.signIn("CEO", ceo, "")
}

func (g *generator) usersWithRole(r tandem.Role) []int64 {
	var ids []int64
	for _, u := range g.ds.Users {
		if u.Role == r {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

// ---- partners ----

// partnerHomeWeight favours, beyond the vendor's big markets, the regions where it sells mostly
// through partners.
func partnerHomeWeight(c country) float64 {
	switch c.territory {
	case "APAC", "LATAM", "EMEA South", "EMEA North":
		return c.weight*2 + 1
	}
	return c.weight
}

func (g *generator) partners() {
	n := g.cfg.Partners
	tiers := []struct {
		tier  tandem.Tier
		count int
		deals float64 // relative share of partner deals
		certs [2]int
	}{
		{tandem.TierPlatinum, n * 10 / 150, 10, [2]int{3, 5}},
		{tandem.TierGold, n * 30 / 150, 4, [2]int{2, 4}},
		{tandem.TierSilver, n * 50 / 150, 1.6, [2]int{1, 2}},
	}
	tiers = append(tiers, struct {
		tier  tandem.Tier
		count int
		deals float64
		certs [2]int
	}{tandem.TierRegistered, n - tiers[0].count - tiers[1].count - tiers[2].count, 0.5, [2]int{0, 1}})

	var home []weighted[country]
	for _, c := range countries {
		home = append(home, weighted[country]{c, partnerHomeWeight(c)})
	}
	homes := newPicker(home)
	var vws []weighted[string]
	vws = append(vws, verticals...)
	vpick := newPicker(vws)
	managers := g.usersWithRole(tandem.RolePartnerManager)
	names := map[string]bool{}
	perCountry := map[string][]weighted[int64]{}
	var all []weighted[int64]

	for _, t := range tiers {
		for range t.count {
			id := int64(len(g.ds.Partners) + 1)
			hc := homes.pick(g.rng)
			var name string
			for name == "" || names[name] {
				if chance(g.rng, 0.35) {
					name = oneOf(g.rng, companySurnames) + " " + oneOf(g.rng, partnerWords)
				} else {
					name = oneOf(g.rng, companyStemHeads) + oneOf(g.rng, companyStemTails) + " " + oneOf(g.rng, partnerWords)
				}
			}
			names[name] = true
			cs := []string{hc.code}
			for range between(g.rng, 0, 3) { // neighbours in the same territory
				c := oneOf(g.rng, countries)
				if c.territory == hc.territory && !slices.Contains(cs, c.code) {
					cs = append(cs, c.code)
				}
			}
			if t.tier == tandem.TierPlatinum && hc.code != "US" && chance(g.rng, 0.5) {
				cs = append(cs, "US") // global systems integrators
			}
			var vs []string
			for range between(g.rng, 1, 3) {
				if v := vpick.pick(g.rng); !slices.Contains(vs, v) {
					vs = append(vs, v)
				}
			}
			var certs []string
			for _, i := range g.rng.Perm(len(certifications))[:between(g.rng, t.certs[0], t.certs[1])] {
				certs = append(certs, certifications[i])
			}
			slices.Sort(certs)
			typ := g.partnerType(t.tier)
			standing := tandem.StandingGood
			switch {
			case t.tier != tandem.TierPlatinum && chance(g.rng, 0.05):
				standing = tandem.StandingProbation
			case t.tier == tandem.TierRegistered && chance(g.rng, 0.02):
				standing = tandem.StandingSuspended
			}
			created := at(g.cfg.Today.AddDate(0, 0, -between(g.rng, 200, 3000)), 10)
			g.ds.Partners = append(g.ds.Partners, tandem.Partner{
				ID: id, ExternalID: fmt.Sprintf("PRT-%04d", id), Name: name, Tier: t.tier, Type: typ,
				Countries: cs, Verticals: vs, Certifications: certs,
				ManagerID: g.partnerManagerFor(managers, hc.territory), Standing: standing,
				CreatedAt: created, UpdatedAt: created,
			})
			g.partnerSkill[id] = 0.45 * g.rng.NormFloat64()
			g.partnerPoach[id] = poachPropensity(g.rng.Float64(), t.tier, standing)
			w := t.deals * (0.6 + 0.8*g.rng.Float64())
			if standing == tandem.StandingSuspended {
				w *= 0.1
			}
			for _, c := range cs {
				perCountry[c] = append(perCountry[c], weighted[int64]{id, w})
			}
			all = append(all, weighted[int64]{id, w})
		}
	}
	for _, c := range countries {
		if ws := perCountry[c.code]; len(ws) > 0 {
			g.partnersByCountry[c.code] = newPicker(ws)
		}
	}
	g.partnersAll = newPicker(all)
	g.partnerUsers()
}

func (g *generator) partnerType(t tandem.Tier) tandem.PartnerType {
	x := g.rng.Float64()
	switch t {
	case tandem.TierPlatinum, tandem.TierGold:
		if x < 0.55 {
			return tandem.PartnerReseller
		} else if x < 0.85 {
			return tandem.PartnerCoSell
		}
		return tandem.PartnerReferral
	default:
		if x < 0.45 {
			return tandem.PartnerReferral
		} else if x < 0.85 {
			return tandem.PartnerReseller
		}
		return tandem.PartnerCoSell
	}
}

// partnerManagerFor gives a partner a manager of its region: the first three partner managers cover
// the Americas, the next three EMEA and the last two APAC (see vendorUsers).
func (g *generator) partnerManagerFor(managers []int64, territory string) int64 {
	var pool []int64
	switch territory {
	case "NA East", "NA West", "LATAM", "":
		pool = managers[:3]
	case "APAC":
		pool = managers[6:]
	default:
		pool = managers[3:6]
	}
	return oneOf(g.rng, pool)
}

func (g *generator) partnerUsers() {
	var demoPartners []int64 // the first platinum and the first gold partner managed by the demo PM
	pm := g.usersWithRole(tandem.RolePartnerManager)[0]
	for _, p := range g.ds.Partners {
		if p.ManagerID == pm && p.Standing == tandem.StandingGood &&
			(p.Tier == tandem.TierPlatinum && len(demoPartners) == 0 || p.Tier == tandem.TierGold && len(demoPartners) == 1) {
			demoPartners = append(demoPartners, p.ID)
		}
	}
	for len(demoPartners) < 2 { // a small config may have no such partner: take any other
		for _, p := range g.ds.Partners {
			if !slices.Contains(demoPartners, p.ID) {
				demoPartners = append(demoPartners, p.ID)
				break
			}
		}
	}
	for _, p := range g.ds.Partners {
		domain := slug(p.Name) + ".example"
		for i := range between(g.rng, 2, 4) {
			id := g.addUser(tandem.User{Role: tandem.RolePartnerUser, PartnerID: p.ID}, domain)
			if i == 0 && slices.Contains(demoPartners, p.ID) {
				g.signIn(fmt.Sprintf("Partner user (%s, %s)", p.Name, p.Tier), id, p.Name)
			}
		}
	}
}

// ---- accounts ----

func (g *generator) accounts() {
	var cws []weighted[country]
	for _, c := range countries {
		cws = append(cws, weighted[country]{c, c.weight})
	}
	cpick := newPicker(cws)
	vpick := newPicker(verticals)
	names := map[string]bool{}
	domains := map[string]bool{}
	n := g.cfg.Accounts
	g.accountStem = make([]string, 0, n)
	for len(g.ds.Accounts) < n {
		id := int64(len(g.ds.Accounts) + 1)
		c := cpick.pick(g.rng)
		v := vpick.pick(g.rng)
		var stem, name, noun string
		var parent int64
		var dupOf *tandem.Account
		switch x := g.rng.Float64(); {
		case x < 0.03 && id > 100:
			// a near-duplicate spelling of an earlier account (the CRM's own duplicates)
			orig := g.ds.Accounts[g.rng.IntN(len(g.ds.Accounts))]
			dupOf = &orig
			stem = g.accountStem[orig.ID-1]
			name = nearDuplicate(g.rng, orig.Name)
			c = countryByCode(orig.Country)
			v = orig.Vertical
		case x < 0.08 && id > 100:
			// a subsidiary of an earlier account, in another country
			p := g.ds.Accounts[g.rng.IntN(len(g.ds.Accounts))]
			if p.ParentID != 0 {
				p = g.ds.Accounts[p.ParentID-1]
			}
			stem = g.accountStem[p.ID-1]
			v = p.Vertical
			name = stem + " " + oneOf(g.rng, verticalNouns[v]) + " " + c.name + " " + oneOf(g.rng, c.suffixes)
			parent = p.ID
		default:
			stem = g.companyStem()
			noun = oneOf(g.rng, verticalNouns[v])
			name = stem + " " + noun
			if chance(g.rng, 0.8) {
				sep := " "
				if chance(g.rng, 0.1) && c.code == "US" {
					sep = ", "
				}
				name += sep + oneOf(g.rng, c.suffixes)
			}
		}
		if names[name] {
			continue
		}
		var domain string
		if dupOf != nil {
			domain = dupOf.Domain // CRM duplicates usually share the website
		} else {
			base := slug(stem)
			if noun != "" && chance(g.rng, 0.5) {
				base += slug(noun)
			}
			domain = base + "." + c.tld
			for i := 2; domains[domain]; i++ {
				domain = fmt.Sprintf("%s%d.%s", base, i, c.tld)
			}
		}
		names[name] = true
		domains[domain] = true
		enterprise := chance(g.rng, enterpriseChance(c.code, v))
		if dupOf != nil {
			enterprise = g.enterprise[dupOf.ID-1] // the same company, spelt another way
		}
		terr := c.territory
		if c.code == "US" {
			terr = oneOf(g.rng, []string{"NA East", "NA West"})
		}
		created := at(g.cfg.Today.AddDate(0, 0, -between(g.rng, 30, 2400)), 11)
		// Accounts are dealt to the territory's AEs in turn, enterprise and commercial separately, as a
		// sales manager balances books: the deal draw favours some accounts heavily, and random owners
		// left a few AEs with several times the bookings of the rest.
		aes := g.aesByTerritory[terr]
		book := ownerTurn{terr, enterprise}
		owner := aes[g.ownerTurns[book]%len(aes)]
		g.ownerTurns[book]++
		g.ds.Accounts = append(g.ds.Accounts, tandem.Account{
			ID: id, ExternalID: fmt.Sprintf("ACC-%06d", id), Name: name, Domain: domain, Country: c.code,
			Vertical: v, ParentID: parent, OwnerID: owner,
			TerritoryID: g.territoryID[terr], CreatedAt: created,
			UpdatedAt: created.AddDate(0, 0, between(g.rng, 0, int(g.cfg.Today.Sub(created).Hours()/24))),
		})
		g.accountStem = append(g.accountStem, stem)
		g.enterprise = append(g.enterprise, enterprise)
		if enterprise {
			g.enterpriseAccounts = append(g.enterpriseAccounts, int(id-1))
		} else {
			g.commercialAccounts = append(g.commercialAccounts, int(id-1))
		}
	}
}

// fieldSalesCountries are the markets where the vendor employs its own field sellers (the built-in
// policy's direct_presence), and specialistVerticals those where buyers pick a partner for its
// vertical expertise. Large companies in the first, outside the second, are the vendor's named
// accounts: the deals its AEs sell themselves or with a partner.
var (
	fieldSalesCountries = []string{"US", "CA", "GB", "DE", "FR"}
	specialistVerticals = []string{"healthcare", "government", "financial_services"}
)

// enterpriseChance is the chance that a company in country and vertical is large enough to be an
// enterprise account: likeliest in the vendor's field-sales markets, whose big companies are why it
// has sellers there.
func enterpriseChance(country, vertical string) float64 {
	switch {
	case !slices.Contains(fieldSalesCountries, country):
		return 0.04
	case slices.Contains(specialistVerticals, vertical):
		return 0.1
	}
	return 0.45
}

func (g *generator) companyStem() string {
	switch x := g.rng.Float64(); {
	case x < 0.55:
		return oneOf(g.rng, companyStemHeads) + oneOf(g.rng, companyStemTails)
	case x < 0.75:
		return oneOf(g.rng, companyStemHeads) + " " + oneOf(g.rng, companyStemHeads) + oneOf(g.rng, companyStemTails)
	case x < 0.9:
		return oneOf(g.rng, companySurnames)
	default:
		return oneOf(g.rng, companySurnames) + " & " + oneOf(g.rng, companySurnames)
	}
}

func countryByCode(code string) country {
	for _, c := range countries {
		if c.code == code {
			return c
		}
	}
	return countries[0]
}

// nearDuplicate respells a company name the way people and CRMs do: another legal suffix, a dropped
// suffix, "&" for "and", a typo, different case.
func nearDuplicate(r *rand.Rand, name string) string {
	switch r.IntN(6) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		for _, s := range []string{" Inc.", ", Inc.", " LLC", " GmbH", " Ltd", " S.A.", " Corp.", " Corporation", " plc", " B.V.", " AG", " K.K."} {
			if strings.HasSuffix(name, s) {
				return strings.TrimSuffix(name, s)
			}
		}
		return name + " Inc"
	case 2:
		if strings.Contains(name, "&") {
			return strings.Replace(name, "&", "and", 1)
		}
		return strings.Replace(name, " ", "-", 1)
	case 3:
		rs := []rune(name)
		if i := 1 + r.IntN(max(1, len(rs)-3)); i+1 < len(rs) {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
		return string(rs)
	case 4:
		return strings.Replace(strings.Replace(name, "Inc.", "Incorporated", 1), "Ltd", "Limited", 1) + " "
	default:
		return strings.ReplaceAll(name, ".", "")
	}
}

// ---- opportunities, touches, registrations ----

// partnerShare is the chance that a deal in a territory has a partner: high where the vendor has few
// or no sellers, lower in its home markets.
var partnerShare = map[string]float64{
	"NA East": 0.29, "NA West": 0.29, "UK&I": 0.34, "DACH": 0.36, "EMEA North": 0.5, "EMEA South": 0.5,
	"APAC": 0.62, "LATAM": 0.7,
}

// Exchange rates used to price deals in local currency: units of the currency per US dollar, in basis
// points. Fixed, so the data is deterministic.
// They agree with the built-in policy's fx table to within rounding.
var usdRateBP = map[string]int64{"USD": 10000, "EUR": 9259, "GBP": 7874, "CAD": 13699}

func (g *generator) opportunities() error {
	n := g.cfg.Opportunities
	q := len(g.quarterStarts)
	// Volume grows ~6 % a quarter, the current one included, so that its forecast follows the trend.
	// On top, as in a real CRM, open pipeline reaches into the next two quarters (indexes q and q+1),
	// most of it in the next quarter. Their draws weigh more than the pipeline they leave, since the
	// deals drawn there that would be created after today are left out (with cycles of some 40–150
	// days, that is most of the next quarter's and nearly all of the one after).
	var qws []weighted[int]
	for i := range q {
		qws = append(qws, weighted[int]{i, math.Pow(1.06, float64(i))})
	}
	current := math.Pow(1.06, float64(q-1))
	qws = append(qws, weighted[int]{q, 0.5 * current}, weighted[int]{q + 1, 0.3 * current})
	qpick := newPicker(qws)
	// Enterprise accounts mostly buy the platform itself; smaller companies add add-ons and services.
	var pws, enterprisePws []weighted[int]
	for i, p := range products {
		pws = append(pws, weighted[int]{i, p.share})
		w := p.share
		if p.kind != string(tandem.ProductCore) {
			w *= enterpriseExtrasWeight
		}
		enterprisePws = append(enterprisePws, weighted[int]{i, w})
	}
	ppick, enterprisePpick := newPicker(pws), newPicker(enterprisePws)
	enterprisePool, commercialPool := g.enterpriseAccounts, g.commercialAccounts
	if len(enterprisePool) == 0 || len(commercialPool) == 0 { // a tiny config: one pool for all
		enterprisePool = append(slices.Clone(enterprisePool), commercialPool...)
		commercialPool = enterprisePool
	}
	today := g.cfg.Today
	g.ds.Opportunities = make([]tandem.Opportunity, 0, n)

	for len(g.ds.Opportunities) < n {
		id := int64(len(g.ds.Opportunities) + 1)
		// Enterprise accounts bring a large share of the deals, and within each segment big customers
		// buy again and again: skew the account draw.
		pool, prods := commercialPool, ppick
		if chance(g.rng, enterpriseDealShare) {
			pool, prods = enterprisePool, enterprisePpick
		}
		acc := &g.ds.Accounts[pool[int(float64(len(pool))*math.Pow(g.rng.Float64(), 1.7))]]
		enterprise := g.enterprise[acc.ID-1]
		terr := g.ds.Territories[acc.TerritoryID-1].Name
		prod := products[prods.pick(g.rng)]
		ptype := tandem.ProductType(prod.kind)

		qi := qpick.pick(g.rng)
		qs := g.quarterStarts[min(qi, q-1)].AddDate(0, 3*max(qi-(q-1), 0), 0) // a next quarter's start past the last
		qe := qs.AddDate(0, 3, 0)
		closeDate := qs.AddDate(0, 0, g.rng.IntN(int(qe.Sub(qs).Hours()/24)))
		// Quarter-end rush: on top of a uniform spread, 15 % of deals close in the last two weeks, so
		// some 40 % of a quarter's deals have closed by its middle (a third did with a 33 % rush).
		if chance(g.rng, 0.15) {
			closeDate = qe.AddDate(0, 0, -1-g.rng.IntN(14))
		}

		usd := g.acvUSD(ptype, acc.ParentID != 0, enterprise)
		strategic := enterprise && ptype == tandem.ProductCore && slices.Contains(fieldSalesCountries, acc.Country) &&
			!slices.Contains(specialistVerticals, acc.Vertical) && chance(g.rng, strategicShare)
		if strategic {
			usd = g.strategicACV()
		}
		cycle := 30 + int(float64(60+g.rng.IntN(120))*math.Log10(float64(usd)/1e6+1.5))
		created := closeDate.AddDate(0, 0, -cycle)
		if created.After(today.AddDate(0, 0, -1)) {
			// A deal that will be created after today is not in the CRM yet: the forecast's "deals not
			// yet created" covers it, as it covers the same deals in the past quarters.
			continue
		}
		currency := countryByCode(acc.Country).currency
		acv := tandem.Money(usd * usdRateBP[currency] / 10000 / 100 * 100 * tandem.MinorUnits)

		o := tandem.Opportunity{
			ID: id, ExternalID: fmt.Sprintf("OPP-%07d", id), AccountID: acc.ID, OwnerID: acc.OwnerID,
			Product: prod.name, ProductType: ptype, ACV: acv, Currency: currency,
			Country: acc.Country, Vertical: acc.Vertical, CreatedOn: created, CloseDate: closeDate,
			DiscountBasisPoints: g.discount(ptype, usd),
		}
		o.Name = fmt.Sprintf("%s - %s %s", shortName(acc.Name), prod.name, oneOf(g.rng, []string{"New", "Expansion", "Renewal Uplift", "Pilot", "Rollout", "Upgrade"}))

		// The partner, chosen among those covering the account's country, stronger tiers more often.
		var partner *tandem.Partner
		share := partnerShare[terr] + serviceBoost(ptype) + enterpriseBoost(enterprise)
		if strategic {
			share = strategicPartnerShare // the vendor's AEs run these; a systems integrator often joins
		}
		if chance(g.rng, share) {
			pk := g.partnersByCountry[acc.Country]
			if pk == nil {
				pk = g.partnersAll
			}
			partner = &g.ds.Partners[pk.pick(g.rng)-1]
			o.PartnerID = partner.ID
		}

		win := g.winChance(winDrivers{usd: usd, product: ptype, partner: partner, owner: o.OwnerID,
			discountBP: o.DiscountBasisPoints, country: acc.Country, vertical: acc.Vertical})
		open := !closeDate.Before(today)
		switch {
		case !open && chance(g.rng, win):
			o.Stage, o.ForecastCategory = tandem.StageClosedWon, tandem.ForecastClosed
		case !open:
			o.Stage, o.ForecastCategory = tandem.StageClosedLost, tandem.ForecastOmitted
		default:
			o.Stage, o.ForecastCategory = g.openStage(int(closeDate.Sub(today).Hours() / 24))
		}
		o.CreatedAt = at(created, 9)
		if o.Stage.Closed() {
			o.UpdatedAt = at(closeDate, 17)
		} else {
			o.UpdatedAt = at(today.AddDate(0, 0, -g.rng.IntN(min(21, cycle)+1)), 15)
			if o.UpdatedAt.Before(o.CreatedAt) {
				o.UpdatedAt = o.CreatedAt
			}
		}

		var reg *tandem.Registration
		var firstTouch tandem.TouchKind
		if partner != nil {
			firstTouch = g.touches(&o, partner)
			if (firstTouch == tandem.TouchSourced || firstTouch == tandem.TouchCoSell) && chance(g.rng, 0.75) {
				reg = g.registration(&o, acc, partner)
			}
		}
		if err := g.routeAndAttribute(&o, acc, partner, reg, firstTouch); err != nil {
			return err
		}
		if reg != nil && reg.Status != tandem.RegistrationRejected && !o.Stage.Closed() && chance(g.rng, 0.06) {
			g.competingRegistration(&o, acc, partner)
		}
		g.ds.Opportunities = append(g.ds.Opportunities, o)
	}
	return nil
}

// Strategic deals: a share of the enterprise platform deals in the vendor's field-sales markets
// (outside the partner-led verticals) are large programmes, sized $250k to $3M, that the default
// policy co-sells or sells direct; most are run by the vendor's AEs, a partner joins some.
const (
	strategicShare        = 0.15
	strategicPartnerShare = 0.3
)

// strategicACV draws a strategic deal's ACV in whole dollars: log-normal around $600k, within $250k
// and $3M.
func (g *generator) strategicACV() int64 {
	v := math.Exp(math.Log(600_000) + 0.55*g.rng.NormFloat64())
	return int64(min(max(v, 250_000), 3_000_000)/100) * 100
}

// winDrivers are what decides whether a deal is won (see winLogit).
type winDrivers struct {
	usd        int64
	product    tandem.ProductType
	partner    *tandem.Partner
	owner      int64
	discountBP int
	country    string
	vertical   string
}

// winChance is the chance that a deal with d is won: the logistic of winLogit.
func (g *generator) winChance(d winDrivers) float64 {
	return 1 / (1 + math.Exp(-g.winLogit(d)))
}

// winLogit is the log-odds of a deal being won, from drivers a sales leader would name (documented
// so the win-probability model's reasons can be checked against them):
//   - size: every tenfold of ACV above $20k lowers the odds (more stakeholders, longer procurement);
//   - motion: a deal the policy co-sells (platform, $250k–$1M, field-sales market, not a partner-led
//     vertical) has two teams on it and wins more often;
//   - partner: a platinum or gold partner, and each certification it holds, raise the odds; a
//     registered-tier partner or one on probation lowers them; no partner at all is slightly worse;
//   - discount: a moderate discount (5–15 %) helps close, a deep one (above 20 %) signals a deal being
//     bought back from a competitor and loses more often; none at all is a slightly harder sale;
//   - product: add-ons and services are sold to existing customers and close more often;
//   - who sells it: each AE and each partner has a record of its own (aeSkill, partnerSkill).
func (g *generator) winLogit(d winDrivers) float64 {
	x := -0.95 - 0.6*math.Log10(float64(max(d.usd, 20_000))/20_000)
	if d.usd >= 250_000 && d.usd <= 1_000_000 && d.product == tandem.ProductCore &&
		slices.Contains(fieldSalesCountries, d.country) && !slices.Contains(specialistVerticals, d.vertical) {
		x += 0.6
	}
	switch d.product {
	case tandem.ProductAddon:
		x += 0.5
	case tandem.ProductServices:
		x += 0.3
	}
	switch pct := d.discountBP / 100; {
	case d.discountBP == 0:
		x -= 0.15
	case pct >= 5 && pct <= 15:
		x += 0.4
	case pct > 20:
		x -= 0.7
	}
	x += g.aeSkill[d.owner]
	if p := d.partner; p != nil {
		x += map[tandem.Tier]float64{tandem.TierPlatinum: 0.8, tandem.TierGold: 0.45, tandem.TierSilver: 0.05,
			tandem.TierRegistered: -0.5}[p.Tier]
		x += 0.1*float64(len(p.Certifications)) + g.partnerSkill[p.ID]
		if p.Standing != tandem.StandingGood {
			x -= 0.7
		}
	} else {
		x -= 0.15
	}
	return x
}

// serviceBoost: add-ons and services are sold with partners more often (the services-bundle economics).
func serviceBoost(t tandem.ProductType) float64 {
	switch t {
	case tandem.ProductAddon:
		return 0.08
	case tandem.ProductServices:
		return 0.15
	}
	return 0
}

// enterpriseDealShare is the share of deals that enterprise accounts bring; enterpriseExtrasWeight
// scales down add-ons and services among their purchases. With the built-in policy they give a
// mid-market mix; with the strategic deals (strategicShare) about 87.6 % partner-led, 11.2 % co-sold and
// 1.2 % direct deals by count.
const (
	enterpriseDealShare    = 0.45
	enterpriseExtrasWeight = 0.25
)

// enterpriseBoost: a large company's project usually brings a systems integrator along.
func enterpriseBoost(enterprise bool) float64 {
	if enterprise {
		return 0.12
	}
	return 0
}

// Median annual contract values in USD of a commercial account's deals, and how much larger (in log
// terms) an enterprise account's are. They make a mid-market vendor: an AE closes about $0.6–1.5M a
// quarter, and deals above $1M — the direct motion — are rare (see TestDemoCompanyIsPlausible).
const (
	acvCommercialPlatform = 22000
	acvCommercialAddon    = 11000
	acvCommercialServices = 10000
	enterpriseACVLog      = 2.0 // × about 7.4
)

// acvUSD draws an annual contract value in whole dollars. A commercial account's platform deal is
// log-normal around $22k, most between $5k and $95k; an enterprise account's around $160k, most
// between $40k and $650k; both capped at $3M. Services and add-ons are smaller, subsidiaries of
// groups larger.
func (g *generator) acvUSD(t tandem.ProductType, subsidiary, enterprise bool) int64 {
	mu, sigma := math.Log(acvCommercialPlatform), 0.9
	switch t {
	case tandem.ProductAddon:
		mu = math.Log(acvCommercialAddon)
	case tandem.ProductServices:
		mu, sigma = math.Log(acvCommercialServices), 0.8
	}
	if enterprise {
		mu, sigma = mu+enterpriseACVLog, 0.85
	}
	if subsidiary {
		mu += 0.3
	}
	v := math.Exp(mu + sigma*g.rng.NormFloat64())
	v = min(max(v, 5000), 3_000_000)
	return int64(v/100) * 100
}

func (g *generator) discount(t tandem.ProductType, usd int64) int {
	hi := map[tandem.ProductType]int{tandem.ProductCore: 2500, tandem.ProductAddon: 1800, tandem.ProductServices: 800}[t]
	if usd > 500000 {
		hi += 1000
	}
	if chance(g.rng, 0.2) {
		return 0
	}
	return g.rng.IntN(hi/50+1) * 50
}

// openStage gives an open deal a stage and forecast category that fit how far away its close is.
func (g *generator) openStage(daysToClose int) (tandem.Stage, tandem.ForecastCategory) {
	x := g.rng.Float64()
	switch {
	case daysToClose < 14 && x < 0.55, daysToClose < 30 && x < 0.3:
		if chance(g.rng, 0.7) {
			return tandem.StageNegotiation, tandem.ForecastCommit
		}
		return tandem.StageNegotiation, tandem.ForecastBestCase
	case x < 0.55:
		if chance(g.rng, 0.55) {
			return tandem.StageProposal, tandem.ForecastBestCase
		}
		return tandem.StageProposal, tandem.ForecastPipeline
	case x < 0.85:
		return tandem.StageQualified, tandem.ForecastPipeline
	default:
		if chance(g.rng, 0.3) {
			return tandem.StageProspecting, tandem.ForecastOmitted
		}
		return tandem.StageProspecting, tandem.ForecastPipeline
	}
}

// shortName drops the legal suffix for opportunity names.
func shortName(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = f[:len(f)-1]
	}
	return strings.TrimSuffix(strings.Join(f, " "), ",")
}

// touches records the partner's contributions and returns the kind of the first one.
func (g *generator) touches(o *tandem.Opportunity, p *tandem.Partner) tandem.TouchKind {
	var kinds []weighted[tandem.TouchKind]
	switch p.Type {
	case tandem.PartnerReferral:
		kinds = []weighted[tandem.TouchKind]{{tandem.TouchSourced, 6}, {tandem.TouchInfluence, 4}}
	case tandem.PartnerReseller:
		kinds = []weighted[tandem.TouchKind]{{tandem.TouchSourced, 5}, {tandem.TouchCoSell, 3}, {tandem.TouchInfluence, 2}}
	default:
		kinds = []weighted[tandem.TouchKind]{{tandem.TouchSourced, 2}, {tandem.TouchCoSell, 5}, {tandem.TouchInfluence, 3}}
	}
	first := newPicker(kinds).pick(g.rng)
	span := max(1, int(o.CloseDate.Sub(o.CreatedOn).Hours()/24))
	last := o.CloseDate
	if last.After(g.cfg.Today) {
		last = g.cfg.Today
	}
	for i := range between(g.rng, 1, 3) {
		k := first
		if i > 0 {
			k = oneOf(g.rng, []tandem.TouchKind{tandem.TouchCoSell, tandem.TouchInfluence})
		}
		when := o.CreatedOn.AddDate(0, 0, i*g.rng.IntN(span)/3)
		if when.After(last) {
			when = last
		}
		id := int64(len(g.ds.Touches) + 1)
		g.ds.Touches = append(g.ds.Touches, tandem.Touch{
			ID: id, ExternalID: fmt.Sprintf("TCH-%07d", id), PartnerID: p.ID, OpportunityID: o.ID, Kind: k,
			OccurredAt: at(when, 10+g.rng.IntN(7)), Note: oneOf(g.rng, touchNotes[string(k)]),
		})
	}
	return first
}

// registration files the partner's registration of o, with a status that fits the deal's stage.
func (g *generator) registration(o *tandem.Opportunity, acc *tandem.Account, p *tandem.Partner) *tandem.Registration {
	id := int64(len(g.ds.Registrations) + 1)
	submitted := at(o.CreatedOn.AddDate(0, 0, g.rng.IntN(10)), 14)
	if submitted.After(g.cfg.Today) {
		// A deal this new was registered over the last few days, not all at one instant (spread by id,
		// without a draw, so the rest of the company stays as it was).
		submitted = at(g.cfg.Today.AddDate(0, 0, -1-int(id%6)), 8+int(id%9))
	}
	r := tandem.Registration{
		ID: id, ExternalID: fmt.Sprintf("REG-%06d", id), PartnerID: p.ID, AccountID: acc.ID,
		AccountName: acc.Name, Website: "www." + acc.Domain, Country: acc.Country,
		ProductType: o.ProductType, EstimatedACV: estimate(g.rng, o.ACV), Currency: o.Currency,
		ExpectedClose: o.CloseDate, SubmittedAt: submitted, OpportunityID: o.ID, CreatedAt: submitted,
	}
	if chance(g.rng, 0.3) {
		r.AccountName = nearDuplicate(g.rng, acc.Name) // partners type names their own way
	}
	r.ContactName = oneOf(g.rng, firstNames) + " " + oneOf(g.rng, lastNames)
	r.ContactEmail = strings.ToLower(strings.Fields(r.ContactName)[0]) + "@" + acc.Domain
	decide := func(s tandem.RegistrationStatus) {
		r.Status = s
		r.DecidedAt = submitted.Add(time.Duration(4+g.rng.IntN(90)) * time.Hour)
		r.DecidedBy = p.ManagerID
		r.ExpiresAt = at(r.DecidedAt.AddDate(0, 0, 90), 23)
	}
	switch x := g.rng.Float64(); {
	case o.Stage == tandem.StageClosedWon:
		decide(tandem.RegistrationWon)
	case o.Stage == tandem.StageClosedLost && x < 0.8:
		decide(tandem.RegistrationLost)
	case o.Stage == tandem.StageClosedLost:
		decide(tandem.RegistrationExpired)
	case x < 0.6:
		decide(tandem.RegistrationApproved)
		if r.ExpiresAt.Before(g.cfg.Today) { // a long cycle: extended once or twice
			r.Extensions = 1
			r.ExpiresAt = r.ExpiresAt.AddDate(0, 0, 90)
			if r.ExpiresAt.Before(g.cfg.Today) {
				r.Extensions = 2
				r.ExpiresAt = at(g.cfg.Today.AddDate(0, 0, 30+g.rng.IntN(60)), 23)
			}
		}
	case x < 0.85 && submitted.After(g.cfg.Today.AddDate(0, 0, -20)):
		// Still waiting: a channel team decides most filings within its two-day SLA, so the queue holds
		// the last few days' filings and only a few overdue ones.
		if submitted.After(g.cfg.Today.AddDate(0, 0, -4)) || chance(g.rng, 0.04) {
			r.Status = tandem.RegistrationSubmitted
		} else {
			decide(tandem.RegistrationApproved)
		}
	case x < 0.95:
		decide(tandem.RegistrationRejected)
		r.ExpiresAt = time.Time{}
		r.RejectionReason = oneOf(g.rng, rejectionReasons)
	default:
		decide(tandem.RegistrationExpired)
		r.ExpiresAt = at(g.cfg.Today.AddDate(0, 0, -1-g.rng.IntN(30)), 23)
	}
	r.UpdatedAt = r.CreatedAt
	if !r.DecidedAt.IsZero() {
		r.UpdatedAt = r.DecidedAt
	}
	g.ds.Registrations = append(g.ds.Registrations, r)
	return &g.ds.Registrations[len(g.ds.Registrations)-1]
}

// estimate is a partner's guess at the deal size when registering: within ±40 % of what it became.
func estimate(r *rand.Rand, acv tandem.Money) tandem.Money {
	f := 0.6 + 0.8*r.Float64()
	return tandem.Money(int64(float64(acv)*f/100/tandem.MinorUnits) * 100 * tandem.MinorUnits)
}

// competingRegistration files a second partner's registration for the same account and product: the
// partner-overlap conflicts the conflict desk will find.
func (g *generator) competingRegistration(o *tandem.Opportunity, acc *tandem.Account, first *tandem.Partner) {
	pk := g.partnersByCountry[acc.Country]
	if pk == nil {
		pk = g.partnersAll
	}
	var p *tandem.Partner
	for range 5 {
		if c := &g.ds.Partners[pk.pick(g.rng)-1]; c.ID != first.ID {
			p = c
			break
		}
	}
	if p == nil {
		return
	}
	id := int64(len(g.ds.Registrations) + 1)
	submitted := at(g.cfg.Today.AddDate(0, 0, -g.rng.IntN(7)), 10)
	r := tandem.Registration{
		ID: id, ExternalID: fmt.Sprintf("REG-%06d", id), PartnerID: p.ID,
		AccountName: nearDuplicate(g.rng, acc.Name), Website: acc.Domain, Country: acc.Country,
		ProductType: o.ProductType, EstimatedACV: estimate(g.rng, o.ACV), Currency: o.Currency,
		ExpectedClose: o.CloseDate, Status: tandem.RegistrationSubmitted, SubmittedAt: submitted,
		CreatedAt: submitted, UpdatedAt: submitted,
	}
	if chance(g.rng, 0.5) {
		r.AccountID = acc.ID // already matched; the other half waits for matching
	}
	g.ds.Registrations = append(g.ds.Registrations, r)
}

// loneRegistrations are registrations of companies that are not yet accounts (new logos), waiting for
// review: matching work for RevOps.
func (g *generator) loneRegistrations() {
	n := max(1, g.cfg.Opportunities/200)
	var cws []weighted[country]
	for _, c := range countries {
		cws = append(cws, weighted[country]{c, partnerHomeWeight(c)})
	}
	cpick := newPicker(cws)
	for range n {
		c := cpick.pick(g.rng)
		v := oneOf(g.rng, verticals).v
		pk := g.partnersByCountry[c.code]
		if pk == nil {
			pk = g.partnersAll
		}
		p := g.ds.Partners[pk.pick(g.rng)-1]
		stem := g.companyStem()
		name := stem + " " + oneOf(g.rng, verticalNouns[v])
		id := int64(len(g.ds.Registrations) + 1)
		// Filed in the last working week and never later than the demo's "now" (10:00 on Today).
		submitted := at(g.cfg.Today.AddDate(0, 0, -1-g.rng.IntN(6)), 9+g.rng.IntN(8))
		usd := g.acvUSD(tandem.ProductCore, false, false)
		g.ds.Registrations = append(g.ds.Registrations, tandem.Registration{
			ID: id, ExternalID: fmt.Sprintf("REG-%06d", id), PartnerID: p.ID, AccountName: name,
			Website: slug(stem) + "." + c.tld, Country: c.code, ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Money(usd * usdRateBP[c.currency] / 10000 / 100 * 100 * tandem.MinorUnits), Currency: c.currency,
			ExpectedClose: g.cfg.Today.AddDate(0, 0, 30+g.rng.IntN(120)),
			ContactName:   oneOf(g.rng, firstNames) + " " + oneOf(g.rng, lastNames),
			Status:        tandem.RegistrationSubmitted, SubmittedAt: submitted, CreatedAt: submitted, UpdatedAt: submitted,
		})
	}
}

// routeAndAttribute routes o as the policy would have when it was registered and again now (so a deal
// that grew past a size threshold keeps the motion it had: stickiness), and sets its attribution.
func (g *generator) routeAndAttribute(o *tandem.Opportunity, acc *tandem.Account, p *tandem.Partner, reg *tandem.Registration, first tandem.TouchKind) error {
	d := Deal{Opportunity: o, AccountName: acc.Name}
	if p != nil {
		d.PartnerTier, d.PartnerExternalID = p.Tier, p.ExternalID
	}
	routedAt := at(o.CreatedOn, 9)
	if reg != nil {
		d.RegistrationStatus = reg.Status
		// At registration time the deal was the partner's estimate.
		early := *o
		early.ACV = reg.EstimatedACV
		early.Stage = tandem.StageQualified
		ed := d
		ed.Opportunity = &early
		ed.RegistrationStatus = tandem.RegistrationApproved
		if reg.Status == tandem.RegistrationSubmitted || reg.Status == tandem.RegistrationRejected {
			ed.RegistrationStatus = tandem.RegistrationSubmitted
		}
		r, err := g.route(ed)
		if err != nil {
			return fmt.Errorf("route %s at registration: %w", o.ExternalID, err)
		}
		d.CurrentMotion = r.Motion
		routedAt = at(reg.SubmittedAt, 15)
	}
	r, err := g.route(d)
	if err != nil {
		return fmt.Errorf("route %s: %w", o.ExternalID, err)
	}
	r.RoutedAt = routedAt
	o.Routing = r
	switch {
	case p == nil:
		o.Attribution = tandem.AttributionDirect
	case r.Motion == tandem.MotionPartnerLed:
		o.Attribution = tandem.AttributionPartnerLed
	case first == tandem.TouchSourced:
		o.Attribution = tandem.AttributionPartnerSourced
	default:
		o.Attribution = tandem.AttributionPartnerInfluenced
	}
	return nil
}
