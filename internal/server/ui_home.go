package server

import (
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The home page per role. Above the pipeline every role shares (dashboard.html), each person sees what
// they work on: an AE its own open deals by motion, its open conflicts and its attainment this quarter;
// a partner manager the approval queue and its partners' pipeline; a partner user its pipeline, its
// registrations about to expire and its margins and payouts; the VPs, the CRO and the CEO trends by
// month; RevOps and admins the jobs they run. Every number links to the records behind it.

// roleHome is the signed-in role's part of the home page: its heading and one of the other fields.
type roleHome struct {
	Title   string
	AE      *aeHome
	Manager *managerHome
	Partner *partnerHome
	Exec    *execHome
	Jobs    []jobLink
}

// countLink is a number and the list of the records it counts.
type countLink struct {
	Label, Text, Link string
	Count             int
}

func newCountLink(label string, n int, link string) countLink {
	return countLink{Label: label, Count: n, Text: count(n), Link: link}
}

func (s *Server) roleHome(r *http.Request, pol *policy.Policy) (roleHome, error) {
	actor := actorFrom(r.Context())
	var h roleHome
	var err error
	switch actor.Role {
	case tandem.RoleAE:
		h.Title = "My pipeline, conflicts and attainment"
		h.AE, err = s.aeHome(r, pol)
	case tandem.RolePartnerManager:
		h.Title = "My approval queue and partners"
		h.Manager, err = s.managerHome(r, pol)
	case tandem.RolePartnerUser:
		h.Title = "Our registrations, payouts and pipeline"
		h.Partner, err = s.partnerHome(r)
	case tandem.RoleVPSales, tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO:
		h.Title = "Bookings, partner-sourced pipeline and conflicts by month"
		h.Exec, err = s.execHome(r, pol)
	case tandem.RoleRevOps, tandem.RoleAdmin:
		h.Title = "Jobs and pipeline"
		h.Jobs, err = s.jobLinks(r)
	}
	return h, err
}

// aeHome is an AE's own work: its open deals, its open conflicts and its attainment.
type aeHome struct {
	Open       table // open deals the AE owns, by motion and forecast category
	Conflicts  []countLink
	AllOpen    countLink // every open conflict of the AE's
	Attainment attainmentView
}

// attainmentView is an AE's quota credit this quarter as its statement (/comp) works it out.
type attainmentView struct {
	Period, Label   string
	Quota, Credit   amount
	Attainment      string
	Meter           meter
	Deals           countLink // the deals credited: the statement's lines
	Link, LinesLink string
}

func (s *Server) aeHome(r *http.Request, pol *policy.Policy) (*aeHome, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	cells, err := s.store.OwnerPipelineCells(ctx, actor, actor.UserID)
	if err != nil {
		return nil, err
	}
	owner := url.Values{"owner_id": {strconv.FormatInt(actor.UserID, 10)}}
	h := &aeHome{Open: newTable(forecastColumns(), func(m tandem.Motion, fc string) string {
		return listLinkWith(owner, m, openStage, tandem.ForecastCategory(fc))
	})}
	for _, c := range cells {
		if !c.Stage.Closed() {
			acv, _ := inPolicyCurrency(pol, c.ACV, c.Currency) // no rate: counted, ACV left out as on the pipeline below
			h.Open.add(c.Motion, string(c.Forecast), c.Count, acv)
		}
	}
	h.Open.format(pol.Currency())

	levelsOpen, err := s.store.OpenConflictLevels(ctx, actor, actor.UserID)
	if err != nil {
		return nil, err
	}
	conflictLink := func(level tandem.EscalationLevel) string {
		q := url.Values{"status": {string(tandem.ConflictOpen)}, "ae_id": {strconv.FormatInt(actor.UserID, 10)}}
		if level != 0 {
			q.Set("level", strconv.Itoa(int(level)))
		}
		return "/conflicts?" + q.Encode()
	}
	total := 0
	for _, l := range levels {
		n := 0
		for _, c := range levelsOpen {
			if c.Level == l {
				n = c.Count
			}
		}
		total += n
		h.Conflicts = append(h.Conflicts, newCountLink(levelLabels[l], n, conflictLink(l)))
	}
	h.AllOpen = newCountLink("open conflicts, all levels", total, conflictLink(0))

	if h.Attainment, err = s.attainment(r, actor); err != nil {
		return nil, err
	}
	return h, nil
}

// attainment reads the AE's statement of this quarter through the compensation page's own steps
// (compFrame, statementOf, newMeter), so the home and /comp can never disagree.
func (s *Server) attainment(r *http.Request, actor tandem.Actor) (attainmentView, error) {
	f, err := s.compFrame(r, "ae", "/comp")
	if err != nil {
		return attainmentView{}, err
	}
	st, err := s.statementOf(r, f, sqlstore.CompPayee{Kind: comp.PayeeAE, ID: actor.UserID})
	if err != nil {
		return attainmentView{}, err
	}
	plan, _, err := compensation.CompPlanAt(r.Context(), s.store, f.Period.Start)
	if err != nil {
		return attainmentView{}, err
	}
	rules := plan.AE()
	quota := st.Quota
	if quota == 0 { // no statement yet: the plan's quota, as the statement page shows it
		quota = rules.Quota
	}
	period := url.Values{"period": {f.Period.ID}}
	v := attainmentView{Period: f.Period.ID, Label: comp.PeriodLabel(f.Period.ID), Quota: f.money(quota), Credit: f.money(st.Credit),
		Attainment: fmt.Sprintf("%d.%02d%%", st.AttainmentBasisPoints/100, st.AttainmentBasisPoints%100),
		Meter:      newMeter(st.AttainmentBasisPoints, rules), Link: "/comp?" + period.Encode(), LinesLink: "/comp?" + period.Encode() + "#lines"}
	deals := map[int64]bool{}
	for _, l := range st.Lines {
		if l.OpportunityID != 0 {
			deals[l.OpportunityID] = true
		}
	}
	v.Deals = newCountLink("deals on the statement", len(deals), v.LinesLink)
	return v, nil
}

// managerHome is a partner manager's work: the approval queue and the partners it looks after.
type managerHome struct {
	Queue    countLink // every registration waiting for approval
	Mine     int       // of which from this manager's partners
	MineText string
	Partners []managedPartnerRow
}

type managedPartnerRow struct {
	ID      int64
	Name    string
	Open    tally     // open deals → the partner's open deals
	Waiting countLink // registrations waiting → the partner's submitted registrations
}

func (s *Server) managerHome(r *http.Request, pol *policy.Policy) (*managerHome, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	_, queued, err := s.store.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{Status: tandem.RegistrationSubmitted, Limit: 1})
	if err != nil {
		return nil, err
	}
	h := &managerHome{Queue: newCountLink("waiting for approval", queued, "/approvals")}
	partners, err := s.store.ManagedPartners(ctx, actor, actor.UserID)
	if err != nil {
		return nil, err
	}
	for _, p := range partners {
		id := strconv.FormatInt(p.ID, 10)
		row := managedPartnerRow{ID: p.ID, Name: p.Name,
			Open: tally{Link: "/opportunities?" + url.Values{"partner_id": {id}, "stage": {openStage}, "sort": {"-acv"}}.Encode()},
			Waiting: newCountLink("waiting", p.Submitted,
				"/registrations?"+url.Values{"partner_id": {id}, "status": {string(tandem.RegistrationSubmitted)}}.Encode())}
		for _, c := range p.Open {
			acv, _ := inPolicyCurrency(pol, c.Amount, c.Currency)
			row.Open.add(c.Count, acv)
		}
		row.Open.text(pol.Currency())
		h.Mine += p.Submitted
		h.Partners = append(h.Partners, row)
	}
	h.MineText = count(h.Mine)
	return h, nil
}

// expiringWindow is how far ahead a partner's home looks for registrations about to expire.
const expiringWindow = 30 * 24 * time.Hour

// partnerHome is a partner user's own: registrations about to expire and its margins and payouts (its
// pipeline is the table under it, already its own).
type partnerHome struct {
	Expiring     countLink
	ExpiringRows []expiringRow
	WindowDays   int
	Payouts      []payoutPeriod
	Currency     string
}

type expiringRow struct {
	ID      int64
	Account string
	ACV     string
	Left    countdown
}

// payoutPeriod is one quarter of a partner's margins: what its statement owes and what was paid.
type payoutPeriod struct {
	Period, Label string
	Owed, Paid    amount
	Payouts       int // payments recorded
	Status        string
	Link          string
}

func (s *Server) partnerHome(r *http.Request) (*partnerHome, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	now := s.now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	until := today.Add(expiringWindow + 24*time.Hour) // whole days: the list's date filter counts the same
	f := sqlstore.RegistrationFilter{Status: tandem.RegistrationApproved, ExpiresFrom: today, ExpiresTo: until, Sort: "expires_at", Limit: 5}
	regs, total, err := s.store.ListRegistrations(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	h := &partnerHome{WindowDays: int(expiringWindow / (24 * time.Hour)),
		Expiring: newCountLink("expiring", total, "/portal/registrations?"+url.Values{"status": {string(tandem.RegistrationApproved)},
			"expires_from": {day(today)}, "expires_to": {day(until)}, "sort": {"expires_at"}}.Encode())}
	for _, reg := range regs {
		h.ExpiringRows = append(h.ExpiringRows, expiringRow{ID: reg.ID, Account: reg.AccountName,
			ACV: reg.EstimatedACV.Format(reg.Currency), Left: newCountdown(now, reg.ExpiresAt)})
	}
	current := comp.QuarterOf(now)
	for _, q := range []tandem.CompQuarter{current, comp.QuarterOf(current.Start.AddDate(0, -3, 0))} {
		p, err := s.partnerPayouts(r, actor, q)
		if err != nil {
			return nil, err
		}
		h.Payouts = append(h.Payouts, p)
	}
	return h, nil
}

// partnerPayouts is the partner's statement of quarter q (empty when there is none) and the payments
// recorded against it, in the plan's currency.
func (s *Server) partnerPayouts(r *http.Request, actor tandem.Actor, q tandem.CompQuarter) (payoutPeriod, error) {
	ctx := r.Context()
	plan, _, err := compensation.CompPlanAt(ctx, s.store, q.Start)
	if err != nil {
		return payoutPeriod{}, err
	}
	f := compFrame{Currency: plan.Currency()}
	p := payoutPeriod{Period: q.ID, Label: comp.PeriodLabel(q.ID), Link: "/comp/partner?" + url.Values{"period": {q.ID}}.Encode()}
	var owed tandem.Money
	st, err := compensation.PayeeStatement(ctx, s.store, actor, q.ID, comp.PayeePartner, actor.PartnerID)
	switch {
	case err == nil:
		owed = st.Total
	case tandem.ErrorCode(err) != tandem.ENOTFOUND:
		return p, err
	}
	ps, err := s.store.CompPayouts(ctx, actor, q.ID, comp.PayeePartner, actor.PartnerID)
	if err != nil && tandem.ErrorCode(err) != tandem.ENOTFOUND {
		return p, err
	}
	var paid tandem.Money
	for _, x := range ps {
		paid += x.Amount
	}
	p.Owed, p.Paid, p.Payouts = f.money(owed), f.money(paid), len(ps)
	p.Status = "not paid yet"
	if len(ps) > 0 {
		p.Status = payoutStatus(paid, owed, "paid in full")
	}
	return p, nil
}

// execHome is the leaders' trends: bookings, the partner-sourced share of new pipeline and conflicts,
// by month, as charts and as a table whose every number links to its records.
type execHome struct {
	Currency                                   string
	From, To                                   string
	BookingsChart, SourcedChart, ConflictChart string // the charts' JSON
	BookingsTotal, ConflictTotal               int
	// New deals, those with an attribution (charted) and those a partner sourced.
	CreatedTotal, AttributedTotal, SourcedTotal int
	Months                                      []execMonth
}

// execMonth is one month of the leaders' table.
type execMonth struct {
	Label               string
	NewPipeline, Booked tally
	Sourced             tally  // new pipeline a partner sourced
	Share, ShareTitle   string // Sourced's share of NewPipeline's ACV
	Conflicts           countLink
}

// attributionColors and causeColors give the trend charts' series their colours.
var (
	attributionColors = map[tandem.Attribution]string{
		tandem.AttributionDirect: "#1f5fbf", tandem.AttributionPartnerSourced: "#2e7d32",
		tandem.AttributionPartnerLed: "#6a9f3a", tandem.AttributionPartnerInfluenced: "#b26a00",
	}
	causeColors = map[tandem.ConflictCause]string{
		tandem.CausePartnerOverlap: "#b3261e", tandem.CauseDirectOverlap: "#8f5500",
		tandem.CauseProtectedReroute: "#5f6b7a", tandem.CauseCannibalisation: "#6b3fa0",
		tandem.CauseAttribution: "#1f5fbf",
	}
)

func (s *Server) execHome(r *http.Request, pol *policy.Policy) (*execHome, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	bounds := trendBounds(s.now())
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	cur := pol.Currency()
	h := &execHome{Currency: cur, From: bounds[0].Format("Jan 2006"), To: bounds[len(bounds)-2].Format("Jan 2006")}
	months := len(bounds) - 1
	h.Months = make([]execMonth, months)
	for i := range h.Months {
		from, to := day(bounds[i]), day(bounds[i+1])
		m := &h.Months[i]
		m.Label = bounds[i].Format("Jan 2006")
		m.NewPipeline.Link = "/opportunities?" + url.Values{"created_from": {from}, "created_to": {to}, "sort": {"-acv"}}.Encode()
		m.Sourced.Link = "/opportunities?" + url.Values{"attribution": {string(tandem.AttributionPartnerSourced)},
			"created_from": {from}, "created_to": {to}, "sort": {"-acv"}}.Encode()
		m.Booked.Link = "/opportunities?" + url.Values{"stage": {string(tandem.StageClosedWon)}, "closed_from": {from}, "closed_to": {to},
			"sort": {"-acv"}}.Encode()
	}
	// Whole units of the policy currency are plenty for a bar; the table shows exact amounts.
	units := func(c sqlstore.TrendCell) int64 {
		acv, _ := inPolicyCurrency(pol, c.Amount, c.Currency)
		return tandem.RoundHalfEven(big.NewRat(int64(acv), tandem.MinorUnits)).Int64()
	}
	inMonth := func(c sqlstore.TrendCell) bool { return c.Period >= 0 && c.Period < months }

	booked, err := s.store.BookingsTrend(ctx, actor, bounds)
	if err != nil {
		return nil, err
	}
	h.BookingsChart, _, err = buildStack(bounds, booked, tandem.Motions, motionColors, units, func(k string, from, to time.Time) string {
		return "/opportunities?" + url.Values{"stage": {string(tandem.StageClosedWon)}, "motion": {k}, "closed_from": {day(from)},
			"closed_to": {day(to)}, "sort": {"-acv"}}.Encode()
	})
	if err != nil {
		return nil, err
	}
	for _, c := range booked {
		if inMonth(c) {
			acv, _ := inPolicyCurrency(pol, c.Amount, c.Currency)
			h.Months[c.Period].Booked.add(c.Count, acv)
			h.BookingsTotal += c.Count
		}
	}

	created, err := s.store.AttributionTrend(ctx, actor, bounds)
	if err != nil {
		return nil, err
	}
	h.SourcedChart, h.AttributedTotal, err = buildStack(bounds, created, tandem.Attributions, attributionColors, units, func(k string, from, to time.Time) string {
		return "/opportunities?" + url.Values{"attribution": {k}, "created_from": {day(from)}, "created_to": {day(to)}, "sort": {"-acv"}}.Encode()
	})
	if err != nil {
		return nil, err
	}
	for _, c := range created {
		if !inMonth(c) {
			continue
		}
		acv, _ := inPolicyCurrency(pol, c.Amount, c.Currency)
		h.Months[c.Period].NewPipeline.add(c.Count, acv)
		h.CreatedTotal += c.Count
		if c.Kind == string(tandem.AttributionPartnerSourced) {
			h.Months[c.Period].Sourced.add(c.Count, acv)
			h.SourcedTotal += c.Count
		}
	}

	opened, err := s.store.ConflictTrend(ctx, actor, bounds)
	if err != nil {
		return nil, err
	}
	conflictLink := func(cause string, from, to time.Time) string {
		q := url.Values{"from": {day(from)}, "to": {day(to)}, "sort": {"-opened_at"}}
		if cause != "" {
			q.Set("cause", cause)
		}
		return "/conflicts?" + q.Encode()
	}
	h.ConflictChart, h.ConflictTotal, err = buildStack(bounds, opened, tandem.ConflictCauses, causeColors, trendCount, conflictLink)
	if err != nil {
		return nil, err
	}
	perMonth := make([]int, months)
	for _, c := range opened {
		if inMonth(c) {
			perMonth[c.Period] += c.Count
		}
	}
	for i := range h.Months {
		m := &h.Months[i]
		m.Conflicts = newCountLink("conflicts opened", perMonth[i], conflictLink("", bounds[i], bounds[i+1]))
		m.NewPipeline.text(cur)
		m.Sourced.text(cur)
		m.Booked.text(cur)
		m.Share, m.ShareTitle = share(m.Sourced, m.NewPipeline)
	}
	return h, nil
}

// share is part's ACV as a percentage of whole's, to one decimal rounded half to even, and a title
// saying what it divides; "–" when whole has no ACV.
func share(part, whole tally) (string, string) {
	if whole.ACV <= 0 || part.sum.Overflowed() || whole.sum.Overflowed() {
		return "–", "no new pipeline ACV this month"
	}
	// In big integers: ACV × 1000 may pass int64.
	permille := new(big.Int).Mul(big.NewInt(int64(part.ACV)), big.NewInt(1000))
	tenths := tandem.RoundHalfEven(new(big.Rat).SetFrac(permille, big.NewInt(int64(whole.ACV)))).Int64()
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10), part.ACVExact + " of " + whole.ACVExact
}

// jobLink is one of the jobs RevOps and admins run from the home: where, and what waits there.
type jobLink struct {
	Label, Href, Note string
}

// jobs are the jobs a home offers, each to the roles its page admits (the permission table's groups).
var jobs = []struct {
	label, href string
	who         access
}{
	{"Import data", "/import", ops},
	{"Policy in force and simulation", "/policy", staff},
	{"Approval queue", "/approvals", deciders},
	{"Account matches to review", "/account-matches?status=review", staff},
	{"Compensation periods", "/comp/periods", compViewers},
	{"Users and API tokens", "/users", admins},
	{"Webhooks", "/webhooks", ops},
	{"Audit log", "/audit", staff},
}

func (s *Server) jobLinks(r *http.Request) ([]jobLink, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	var out []jobLink
	for _, j := range jobs {
		if !j.who.allows(actor.Role) {
			continue
		}
		l := jobLink{Label: j.label, Href: j.href}
		switch j.href {
		case "/import":
			last, _, err := s.store.ListImportJobs(ctx, actor, sqlstore.ImportJobFilter{Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(last) > 0 {
				l.Note = fmt.Sprintf("last: %s (%s), %s", last[0].FileName, last[0].Status, dateText(last[0].StartedAt))
			}
		case "/approvals":
			_, n, err := s.store.ListRegistrations(ctx, actor, sqlstore.RegistrationFilter{Status: tandem.RegistrationSubmitted, Limit: 1})
			if err != nil {
				return nil, err
			}
			l.Note = count(n) + " waiting"
		case "/account-matches?status=review":
			l.Note = count(s.matchReviewCount(r, actor)) + " waiting"
		case "/policy":
			_, v, err := s.activePolicy(ctx)
			if err != nil {
				return nil, err
			}
			if v != nil {
				l.Note = "in force: " + v.Name + " " + v.Version
			}
		}
		out = append(out, l)
	}
	return out, nil
}
