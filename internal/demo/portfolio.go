package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// portfolioMonths is how much enablement history the demo has: two years ending last month.
const portfolioMonths = 24

// demoCurricula are the demo's courses: partner sales and technical foundations covering every
// vertical and the core and add-on products, a services sales course, and the vendor's AE and SE tracks.
func demoCurricula() []sqlstore.Curriculum {
	var all []string
	for _, v := range verticals {
		all = append(all, v.v)
	}
	slices.Sort(all)
	return []sqlstore.Curriculum{
		{ID: "sales-foundation", Name: "Partner sales foundation", Role: "partner_sales", Verticals: all, Products: []string{"core", "addon"}},
		{ID: "tech-foundation", Name: "Partner technical foundation", Role: "partner_technical", Verticals: all, Products: []string{"core", "addon", "services"}},
		{ID: "services-sales", Name: "Selling services", Role: "partner_sales", Products: []string{"services"}},
		{ID: "ae-partnering", Name: "Co-selling with partners", Role: "ae"},
		{ID: "se-architect", Name: "Solution architect", Role: "se"},
	}
}

// motionSpend is each motion's typical monthly enablement spend (USD) and the kinds it goes to.
var motionSpend = []struct {
	motion string
	base   int64
	kinds  []string
}{
	{"partner_sourced", 38000, []string{"training", "certification", "content", "event"}},
	{"co_sell", 52000, []string{"content", "training", "event"}},
	{"resell", 21000, []string{"content", "certification"}},
	{"direct", 64000, []string{"event", "content", "training"}},
}

var demoSegments = []string{"enterprise", "mid_market", "smb"}

// writePortfolio gives the demo company its enablement portfolio: curricula and two years of partner
// certifications, two years of spend by motion, segment and kind (spend levels vary month to month so
// the response curves have something to fit), the paid SPIFFs of the closed compensation quarters,
// and MDF funds per half-year for the larger partners with requests in every state — the older ones
// paid or expired, the current ones waiting in the queue. Deterministic for a seed.
func writePortfolio(ctx context.Context, st *sqlstore.Store, seed uint64, today time.Time) error {
	actor := tandem.SystemActor
	r := rand.New(rand.NewPCG(seed, 0x5eed12))
	svc := &enablement.Service{Store: st}
	if err := st.SaveCurricula(ctx, actor, demoCurricula()); err != nil {
		return fmt.Errorf("demo: curricula: %w", err)
	}
	partners, _, err := st.ListPartners(ctx, actor, sqlstore.PartnerFilter{Sort: "id", Limit: sqlstore.MaxLimit})
	if err != nil {
		return fmt.Errorf("demo: partners: %w", err)
	}

	// Certifications: better partners certify more people; some certificates have expired.
	var certs []sqlstore.Certification
	for _, p := range partners {
		people := map[tandem.Tier]int{tandem.TierPlatinum: 6, tandem.TierGold: 4, tandem.TierSilver: 2, tandem.TierRegistered: 1}[p.Tier]
		if chance(r, 0.25) {
			people = 0 // not every partner certifies anyone: the gaps list has work in it
		}
		domain := slug(p.Name) + ".example"
		for i := range people {
			person := fmt.Sprintf("person%d@%s", i+1, domain)
			course := []string{"sales-foundation", "tech-foundation", "services-sales"}[i%3]
			earned := day(today.AddDate(0, 0, -between(r, 10, 2*365)))
			certs = append(certs, sqlstore.Certification{Person: person, PartnerID: p.ID, CurriculumID: course, CertifiedOn: earned,
				ExpiresOn: earned.AddDate(2, 0, 0)})
		}
	}
	if _, err := st.AddCertifications(ctx, actor, "demo", certs); err != nil {
		return fmt.Errorf("demo: certifications: %w", err)
	}

	// Spend: each motion's level drifts and jumps month to month; one line per motion, segment and kind.
	last := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	var lines []sqlstore.SpendLine
	for i := portfolioMonths - 1; i >= 0; i-- {
		month := last.AddDate(0, -i, 0).Format("2006-01")
		for _, ms := range motionSpend {
			level := float64(ms.base) * (0.6 + 0.8*r.Float64()) * (1 + 0.15*math.Sin(float64(i)/3))
			for si, seg := range demoSegments {
				share := []float64{0.5, 0.3, 0.2}[si]
				kind := ms.kinds[(i+si)%len(ms.kinds)]
				amount := tandem.Major(int64(level * share))
				lines = append(lines, sqlstore.SpendLine{Month: month, Motion: ms.motion, Segment: seg, Kind: kind, Amount: amount,
					Currency: "USD", Source: "demo", SourceRef: month + "/" + ms.motion + "/" + seg})
			}
		}
	}
	if _, err := st.AddSpendLines(ctx, actor, lines); err != nil {
		return fmt.Errorf("demo: spend: %w", err)
	}
	if _, err := svc.SyncSPIFFs(ctx, actor); err != nil {
		return fmt.Errorf("demo: SPIFFs: %w", err)
	}

	// MDF: the platinum and gold partners get a fund per half-year; moves happen at their own dates.
	defer st.SetClock(func() time.Time { return today })
	manager := tandem.Actor{Email: "channel@demo", Role: tandem.RolePartnerManager}
	halfStart := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	if today.Month() > 6 {
		halfStart = halfStart.AddDate(0, 6, 0)
	}
	activities := []string{"Joint webinar", "Regional roadshow", "Trade fair booth", "Lunch and learn", "Executive dinner", "Demand-gen campaign"}
	for _, p := range partners {
		if p.Tier != tandem.TierPlatinum && p.Tier != tandem.TierGold {
			continue
		}
		partnerActor := tandem.Actor{Email: "portal@" + slug(p.Name) + ".example", Role: tandem.RolePartnerUser, PartnerID: p.ID}
		for h := 3; h >= 0; h-- {
			opens := halfStart.AddDate(0, -6*h, 0)
			half := 1
			if opens.Month() > 6 {
				half = 2
			}
			budget := tandem.Major(int64(map[tandem.Tier]int{tandem.TierPlatinum: 60000, tandem.TierGold: 30000}[p.Tier]))
			f := sqlstore.MDFFund{PartnerID: p.ID, Period: fmt.Sprintf("%d-H%d", opens.Year(), half), Budget: budget, Currency: "USD",
				OpensOn: opens, ExpiresOn: opens.AddDate(0, 6, 0)}
			st.SetClock(func() time.Time { return opens })
			if err := st.CreateMDFFund(ctx, manager, &f); err != nil {
				return fmt.Errorf("demo: MDF fund: %w", err)
			}
			for k := range between(r, 1, 3) {
				if err := demoMDFRequest(ctx, st, svc, r, f, partnerActor, manager, activities[(k+h)%len(activities)], today); err != nil {
					return fmt.Errorf("demo: MDF %s %s: %w", p.Name, f.Period, err)
				}
			}
		}
	}
	st.SetClock(func() time.Time { return today })
	if _, err := svc.ExpireDue(ctx, today); err != nil {
		return fmt.Errorf("demo: expire MDF: %w", err)
	}
	return nil
}

// demoMDFRequest walks one request as far as its dates allow: moves are spaced a few weeks apart from
// a day in the fund's period, and stop at today. Some are rejected; the rest run to paid when time allows.
func demoMDFRequest(ctx context.Context, st *sqlstore.Store, svc *enablement.Service, r *rand.Rand, f sqlstore.MDFFund,
	partner, manager tandem.Actor, activity string, today time.Time) error {
	at := f.OpensOn.AddDate(0, 0, between(r, 3, 60)).Add(10 * time.Hour)
	if !at.Before(today) {
		return nil
	}
	amount := tandem.Major(int64(between(r, 20, 90)) * 100)
	motion := []string{"partner_sourced", "co_sell", "resell"}[r.IntN(3)]
	move := func(a tandem.Actor, m enablement.Move) (bool, error) {
		if !at.Before(today) {
			return false, nil
		}
		st.SetClock(func() time.Time { return at })
		_, err := svc.MoveMDF(ctx, a, f.ID, m)
		at = at.AddDate(0, 0, between(r, 7, 30))
		return err == nil, ignoreRefusal(err)
	}
	st.SetClock(func() time.Time { return at })
	ch, err := svc.MoveMDF(ctx, partner, f.ID, enablement.Move{Action: mdf.Request, Activity: activity, Motion: motion, Amount: amount,
		ExpectedPipeline: amount * tandem.Money(between(r, 8, 25))})
	if err != nil {
		return ignoreRefusal(err) // the fund may be spent
	}
	ref := ch.Request.Ref
	if f.ExpiresOn.After(today) && chance(r, 0.5) {
		return nil // the current half: it waits in the channel manager's queue
	}
	at = at.AddDate(0, 0, between(r, 2, 10))
	if chance(r, 0.15) {
		_, err := move(manager, enablement.Move{Action: mdf.Reject, Request: ref, Reason: "the activity does not reach the agreed segment"})
		return err
	}
	steps := []struct {
		actor tandem.Actor
		move  enablement.Move
	}{
		{manager, enablement.Move{Action: mdf.Approve, Request: ref}},
		{partner, enablement.Move{Action: mdf.CompleteActivity, Request: ref}},
		{partner, enablement.Move{Action: mdf.SubmitProof, Request: ref, Attendees: between(r, 12, 120), Files: []string{"attendees.csv"},
			Leads: []string{fmt.Sprintf("L-%s-1", strings.ToUpper(ref[len(ref)-4:])), fmt.Sprintf("L-%s-2", strings.ToUpper(ref[len(ref)-4:]))}}},
		{partner, enablement.Move{Action: mdf.Claim, Request: ref, Amount: amount * tandem.Money(between(r, 80, 100)) / 100}},
		{manager, enablement.Move{Action: mdf.Pay, Request: ref}},
	}
	if chance(r, 0.2) {
		steps = steps[:between(r, 1, 3)] // the partner never finishes: the request expires with its fund
	}
	for _, s := range steps {
		done, err := move(s.actor, s.move)
		if err != nil || !done {
			return err
		}
	}
	return nil
}

// ignoreRefusal drops a workflow refusal (a period that ended, funds spent): the demo simply stops
// that request there, as a partner would. Anything else is an error.
func ignoreRefusal(err error) error {
	switch tandem.ErrorCode(err) {
	case tandem.ECONFLICT, tandem.EINVALID:
		return nil
	}
	return err
}
