package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The compensation pages. Statements are read through the store, which decides who sees which (AEs
// their own, managers their team's, partner users their partner's, revops and executives everyone);
// the pages only choose what to ask for and lay it out as sortable tables whose every number leads to
// the deals behind it. Money is formatted here, exactly, from integer minor units.

// compGuard wraps a compensation page: anyone signed in outside roles gets 404 — the page does not
// exist for them — except the roles that see the RevOps pages, who get 403 for what only revops may do.
func (s *Server) compGuard(h http.HandlerFunc, roles ...tandem.Role) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		if !a.Can(roles...) {
			if a.Can(compViewers.roles...) {
				s.fail(w, r, tandem.Errorf(tandem.EFORBIDDEN, "only revops may do this"))
				return
			}
			s.fail(w, r, tandem.Errorf(tandem.ENOTFOUND, "page not found"))
			return
		}
		h(w, r)
	})
}

func (s *Server) registerCompUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /comp", s.signedIn(s.page(s.compAEPage), staff.roles...))
	mux.HandleFunc("GET /comp/partner", s.compGuard(s.page(s.compPartnerPage), compPartnerViewers.roles...))
	mux.HandleFunc("GET /comp/plan", s.compGuard(s.page(s.compPlanPage), compViewers.roles...))
	mux.HandleFunc("POST /comp/plan/check", s.compGuard(s.page(s.compPlanCheck), compViewers.roles...))
	mux.HandleFunc("POST /comp/plan/drafts", s.compGuard(s.page(s.compPlanSave), ops.roles...))
	mux.HandleFunc("POST /comp/plan/versions/{id}/publish", s.compGuard(s.page(s.compPlanPublish), ops.roles...))
	mux.HandleFunc("GET /comp/whatif", s.compGuard(s.page(s.compWhatIfPage), compViewers.roles...))
	mux.HandleFunc("POST /comp/whatif", s.compGuard(s.page(s.compWhatIfRun), compViewers.roles...))
	mux.HandleFunc("GET /comp/reconciliation", s.compGuard(s.page(s.compReconPage), compViewers.roles...))
	mux.HandleFunc("POST /comp/reconciliation", s.compGuard(s.page(s.compReconUpload), ops.roles...))
	mux.HandleFunc("GET /comp/profit", s.compGuard(s.page(s.compProfitPage), compViewers.roles...))
	mux.HandleFunc("GET /comp/periods", s.compGuard(s.page(s.compPeriodsPage), compViewers.roles...))
	mux.HandleFunc("GET /comp/periods/{period}/close", s.compGuard(s.page(s.compCloseConfirm), ops.roles...))
	mux.HandleFunc("POST /comp/periods/{period}/close", s.compGuard(s.page(s.compCloseSubmit), ops.roles...))
}

// compTab is one entry of the compensation pages' own navigation.
type compTab struct {
	ID, Label, Href string
	On              bool
}

// compTabs lists the compensation pages actor may open, marking on.
func compTabs(a tandem.Actor, on string) []compTab {
	var tabs []compTab
	add := func(id, label, href string) {
		tabs = append(tabs, compTab{ID: id, Label: label, Href: href, On: id == on})
	}
	if !a.IsPartner() {
		label := "My compensation"
		if a.Can(compViewers.roles...) {
			label = "AE statements"
		}
		add("ae", label, "/comp")
	}
	if a.Can(compPartnerViewers.roles...) {
		label := "Partner margins"
		if a.IsPartner() {
			label = "Margins and payouts"
		}
		add("partner", label, "/comp/partner")
	}
	if a.Can(compViewers.roles...) {
		add("plan", "Plan", "/comp/plan")
		add("whatif", "What-if", "/comp/whatif")
		add("recon", "Reconciliation", "/comp/reconciliation")
		add("profit", "Gross profit", "/comp/profit")
		add("periods", "Periods", "/comp/periods")
	}
	return tabs
}

// compFrame is what every compensation page shows around its content: the tabs and the period picker.
type compFrame struct {
	Tabs     []compTab
	Action   string // where the period picker submits
	Periods  []sqlstore.CompPeriod
	Period   sqlstore.CompPeriod
	Currency string
	// Hidden are the query parameters the period picker keeps (say, the AE picked).
	Hidden map[string]string
}

// compFrame reads the periods and the one the request asks for (default: the current quarter).
func (s *Server) compFrame(r *http.Request, tab, action string) (compFrame, error) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f := compFrame{Tabs: compTabs(actor, tab), Action: action, Hidden: map[string]string{}}
	periods, err := s.store.ListCompPeriods(ctx, actor)
	if err != nil {
		return f, err
	}
	id := r.URL.Query().Get("period")
	if r.Method == http.MethodPost && r.PostFormValue("period") != "" {
		id = r.PostFormValue("period")
	}
	if id == "" {
		id = comp.QuarterOf(s.now()).ID
	}
	p, err := s.store.GetCompPeriod(ctx, actor, strings.ToUpper(id))
	if err != nil {
		return f, err
	}
	f.Period = *p
	if !slices.ContainsFunc(periods, func(cp sqlstore.CompPeriod) bool { return cp.ID == p.ID }) {
		periods = append(periods, *p)
		slices.SortFunc(periods, func(a, b sqlstore.CompPeriod) int { return b.Start.Compare(a.Start) })
	}
	f.Periods = periods
	plan, _, err := compensation.CompPlanAt(ctx, s.store, p.Start)
	if err != nil {
		return f, err
	}
	f.Currency = plan.Currency()
	return f, nil
}

// amount is a money cell: the text shown and the minor units the table sorts by.
type amount struct {
	Text  string
	Value int64
}

func (f compFrame) money(m tandem.Money) amount {
	return amount{Text: m.Format(f.Currency), Value: int64(m)}
}

// rateText writes basis points as a percentage: 800 → "8%", 1250 → "12.5%".
func rateText(bp int) string {
	if bp == 0 {
		return ""
	}
	s := strconv.Itoa(bp / 100)
	if bp < 0 && bp > -100 {
		s = "-0"
	}
	if frac := abs(bp) % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s + "%"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// statementLine is one line of a statement as the tables show it.
type statementLine struct {
	OpportunityID                  int64
	Deal, AdjustsPeriod            string
	Kind, Attribution              string
	Basis, Amount, Credit          amount
	Rate                           string
	RateBP                         int
	Rule, PlanVersion, Explanation string
	Forfeit, Adjustment            bool
}

func (f compFrame) lines(st *comp.Statement, kind string) []statementLine {
	out := []statementLine{}
	for _, l := range st.Lines {
		if kind != "" && lineGroup(l.Kind) != kind {
			continue
		}
		out = append(out, statementLine{OpportunityID: l.OpportunityID, Deal: l.DealExternal, AdjustsPeriod: l.AdjustsPeriod,
			Kind: string(l.Kind), Attribution: string(l.Attribution), Basis: f.money(l.Basis), Amount: f.money(l.Amount),
			Credit: f.money(l.QuotaCredit), Rate: rateText(l.RateBasisPoints), RateBP: l.RateBasisPoints, Rule: l.Rule,
			PlanVersion: l.PlanVersion, Explanation: l.Explanation, Forfeit: l.Kind == comp.LineForfeit,
			Adjustment: l.AdjustsPeriod != ""})
	}
	return out
}

// lineGroup is the total a line counts in: adjustments and clawbacks count together.
func lineGroup(k comp.LineKind) string {
	if k == comp.LineClawback {
		return string(comp.LineAdjustment)
	}
	return string(k)
}

// total is one box of the totals strip: a kind of line, its sum, how many lines, and the lines behind it.
type total struct {
	Kind, Label string
	Amount      amount
	Lines       int
	Link        string
}

// totals sums st's lines per group in the order given; link gives the filtered view of a group.
func (f compFrame) totals(st *comp.Statement, groups [][2]string, link func(kind string) string) []total {
	out := make([]total, len(groups))
	sums := make([]tandem.Money, len(groups))
	for i, g := range groups {
		out[i] = total{Kind: g[0], Label: g[1], Link: link(g[0])}
	}
	for _, l := range st.Lines {
		i := slices.IndexFunc(groups, func(g [2]string) bool { return g[0] == lineGroup(l.Kind) })
		if i < 0 {
			continue
		}
		sums[i] += l.Amount
		out[i].Lines++
	}
	for i := range out {
		out[i].Amount = f.money(sums[i])
	}
	return out
}

// payoutView is the payouts recorded for a statement next to what it says is owed.
type payoutView struct {
	Rows                 []payoutRowView
	Paid, Expected, Diff amount
	Status               string
}

type payoutRowView struct {
	Reference  string
	Amount     amount
	ImportedAt time.Time
}

func (s *Server) payouts(r *http.Request, f compFrame, kind comp.PayeeKind, id int64, expected tandem.Money) (*payoutView, error) {
	ps, err := s.store.CompPayouts(r.Context(), actorFrom(r.Context()), f.Period.ID, kind, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, nil
	}
	v := &payoutView{}
	var paid tandem.Money
	for _, p := range ps {
		v.Rows = append(v.Rows, payoutRowView{Reference: p.Reference, Amount: f.money(p.Amount), ImportedAt: p.ImportedAt})
		paid += p.Amount
	}
	v.Paid, v.Expected, v.Diff = f.money(paid), f.money(expected), f.money(paid-expected)
	v.Status = payoutStatus(paid, expected, "matched")
	return v, nil
}

// payoutStatus compares what was paid with what was owed: "underpaid", "overpaid", or matched when
// they are equal.
func payoutStatus(paid, owed tandem.Money, matched string) string {
	switch {
	case paid == owed:
		return matched
	case paid < owed:
		return "underpaid"
	default:
		return "overpaid"
	}
}

// pickPayee chooses the payee a page shows: the one asked for (which must be visible, else 404), else
// the caller itself when it is one, else the first.
func pickPayee(payees []sqlstore.CompPayee, asked string, self int64) (sqlstore.CompPayee, error) {
	if asked != "" {
		id, err := strconv.ParseInt(asked, 10, 64)
		i := slices.IndexFunc(payees, func(p sqlstore.CompPayee) bool { return p.ID == id })
		if err != nil || i < 0 {
			return sqlstore.CompPayee{}, tandem.NotFound("statement of", asked)
		}
		return payees[i], nil
	}
	if i := slices.IndexFunc(payees, func(p sqlstore.CompPayee) bool { return p.ID == self }); i >= 0 {
		return payees[i], nil
	}
	if len(payees) == 0 {
		return sqlstore.CompPayee{}, nil
	}
	return payees[0], nil
}

// payeeFrame reads what a statement page starts from: the frame of its tab (compFrame) and the payees
// of kind the actor may see.
func (s *Server) payeeFrame(r *http.Request, kind comp.PayeeKind, tab, action string) (compFrame, []sqlstore.CompPayee, error) {
	f, err := s.compFrame(r, tab, action)
	if err != nil {
		return f, nil, err
	}
	payees, err := s.store.CompPayees(r.Context(), actorFrom(r.Context()), kind)
	return f, payees, err
}

// statementOf reads a payee's statement; a visible payee without one gets an empty statement.
func (s *Server) statementOf(r *http.Request, f compFrame, p sqlstore.CompPayee) (*comp.Statement, error) {
	st, err := compensation.PayeeStatement(r.Context(), s.store, actorFrom(r.Context()), f.Period.ID, p.Kind, p.ID)
	if tandem.ErrorCode(err) == tandem.ENOTFOUND {
		return &comp.Statement{Period: f.Period.ID, PayeeKind: p.Kind, PayeeID: p.ID, Name: p.Name, Lines: []comp.Line{}}, nil
	}
	return st, err
}

// exportLink is the API's export of a statement.
func exportLink(period string, kind comp.PayeeKind, id int64, format string) string {
	return fmt.Sprintf("%s/comp/periods/%s/statements/%s/%d/export?format=%s", APIPrefix, period, kind, id, format)
}

// meter is the attainment bar: credit against quota on a scale up to Max basis points of quota, with
// the accelerator bands behind it and a mark at each threshold. Positions are whole percent of the
// bar's width.
type meter struct {
	Fill  int
	Over  bool // past the first threshold
	Bands []meterBand
	Marks []meterMark
}

type meterBand struct {
	Left, Width int
	Rate        string
}

type meterMark struct {
	Pos   int
	Label string
}

func newMeter(attainmentBP int, rules comp.AERules) meter {
	maxBP := 20000
	for _, a := range rules.Accelerators {
		maxBP = max(maxBP, a.AboveBasisPoints+5000)
	}
	maxBP = max(maxBP, (attainmentBP/5000+1)*5000)
	pos := func(bp int) int { return min(100, bp*100/maxBP) }
	m := meter{Fill: pos(attainmentBP)}
	from, rate := 0, rules.BaseRateBasisPoints
	for _, a := range rules.Accelerators {
		m.Bands = append(m.Bands, meterBand{Left: pos(from), Width: pos(a.AboveBasisPoints) - pos(from), Rate: rateText(rate)})
		m.Marks = append(m.Marks, meterMark{Pos: pos(a.AboveBasisPoints), Label: rateText(a.AboveBasisPoints) + " → " + rateText(a.RateBasisPoints)})
		from, rate = a.AboveBasisPoints, a.RateBasisPoints
		m.Over = m.Over || attainmentBP > a.AboveBasisPoints
	}
	m.Bands = append(m.Bands, meterBand{Left: pos(from), Width: 100 - pos(from), Rate: rateText(rate)})
	if len(rules.Accelerators) == 0 || rules.Accelerators[0].AboveBasisPoints != 10000 {
		m.Marks = append(m.Marks, meterMark{Pos: pos(10000), Label: "quota"})
	}
	return m
}

// compStatementView is what the AE and the partner statement pages share: the payee picker, and the
// picked payee's statement with its totals, its lines (filtered to one kind), downloads and payouts.
type compStatementView struct {
	Payees     []sqlstore.CompPayee
	ShowPicker bool
	Payee      sqlstore.CompPayee
	Statement  *comp.Statement
	Totals     []total
	Total      amount
	Kind       string // the line kind the table is filtered to
	AllLink    string
	Lines      []statementLine
	CSV, PDF   string
	Payouts    *payoutView
}

// showStatement fills d with st, the statement of d.Payee (of kind) in f's period, its totals in groups
// and the lines of the kind the request asks for (one of groups; else every line).
func (s *Server) showStatement(r *http.Request, f compFrame, d *compStatementView, kind comp.PayeeKind, groups [][2]string, st *comp.Statement) error {
	d.Statement, d.Total = st, f.money(st.Total)
	link := statementLinesLink(kind, d.Payee.ID, f.Period.ID)
	d.Totals = f.totals(st, groups, link)
	d.AllLink = link("")
	if k := r.URL.Query().Get("kind"); slices.ContainsFunc(groups, func(g [2]string) bool { return g[0] == k }) {
		d.Kind = k
	}
	d.Lines = f.lines(st, d.Kind)
	d.CSV, d.PDF = exportLink(f.Period.ID, kind, d.Payee.ID, "csv"), exportLink(f.Period.ID, kind, d.Payee.ID, "pdf")
	var err error
	d.Payouts, err = s.payouts(r, f, kind, d.Payee.ID, st.Total)
	return err
}

type compAEData struct {
	compFrame
	compStatementView
	Self       bool
	Quota      amount
	Credit     amount
	Attainment string
	Meter      meter
	Thresholds []string // "above 100% → 12%"
}

// aeGroups are the AE statement's totals, in order.
var aeGroups = [][2]string{{"commission", "Commission"}, {"accelerator", "Accelerator"}, {"spiff", "SPIFFs"},
	{"adjustment", "Adjustments and clawbacks"}, {"forfeit", "Forfeited"}}

func (s *Server) compAEPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f, payees, err := s.payeeFrame(r, comp.PayeeAE, "ae", "/comp")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	payee, err := pickPayee(payees, q.Get("ae"), actor.UserID)
	if err != nil {
		return err
	}
	d := compAEData{compFrame: f, Self: payee.ID == actor.UserID, compStatementView: compStatementView{Payees: payees, Payee: payee,
		ShowPicker: len(payees) > 1 || (len(payees) == 1 && payees[0].ID != actor.UserID)}}
	title := "My compensation"
	if payee.ID == 0 {
		s.render(w, r, http.StatusOK, "comp_ae", view{Title: title, Nav: "comp", Data: d})
		return nil
	}
	d.Hidden["ae"] = strconv.FormatInt(payee.ID, 10)
	st, err := s.statementOf(r, f, payee)
	if err != nil {
		return err
	}
	if !d.Self {
		title = "Compensation of " + payee.Name
	}
	plan, _, err := compensation.CompPlanAt(ctx, s.store, f.Period.Start)
	if err != nil {
		return err
	}
	rules := plan.AE()
	quota := st.Quota
	if quota == 0 {
		quota = rules.Quota
	}
	for _, a := range rules.Accelerators {
		d.Thresholds = append(d.Thresholds, fmt.Sprintf("above %s → %s", rateText(a.AboveBasisPoints), rateText(a.RateBasisPoints)))
	}
	d.Meter = newMeter(st.AttainmentBasisPoints, rules)
	d.Attainment = fmt.Sprintf("%d.%02d%%", st.AttainmentBasisPoints/100, st.AttainmentBasisPoints%100)
	d.Quota, d.Credit = f.money(quota), f.money(st.Credit)
	if err := s.showStatement(r, f, &d.compStatementView, comp.PayeeAE, aeGroups, st); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "comp_ae", view{Title: title, Nav: "comp", Data: d})
	return nil
}

// partnerDeal is one deal's margin on a partner statement: the tier margin and the registration bonus
// side by side, and any adjustment of it.
type partnerDeal struct {
	OpportunityID            int64
	Deal, AdjustsPeriod      string
	Attribution              string
	Basis                    amount
	MarginRule, MarginRate   string
	Margin                   amount
	BonusRate                string
	Bonus, Adjustment, Total amount
	Explanations             []string
}

type compPartnerData struct {
	compFrame
	compStatementView
	Partner *tandem.Partner
	Deals   []partnerDeal
}

var partnerGroups = [][2]string{{"partner_margin", "Tier margin"}, {"registration_bonus", "Registration bonus"},
	{"adjustment", "Adjustments and clawbacks"}}

func (s *Server) compPartnerPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f, payees, err := s.payeeFrame(r, comp.PayeePartner, "partner", "/comp/partner")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	asked := q.Get("partner")
	var busiest *comp.Statement // already calculated: the page need not calculate it again
	if asked == "" && !actor.IsPartner() {
		if busiest = s.busiestPartner(r, f); busiest != nil {
			asked = strconv.FormatInt(busiest.PayeeID, 10)
		}
	}
	payee, err := pickPayee(payees, asked, actor.PartnerID)
	if err != nil {
		return err
	}
	title := "Margins and payouts"
	d := compPartnerData{compFrame: f, compStatementView: compStatementView{Payees: payees, Payee: payee, ShowPicker: !actor.IsPartner()}}
	if payee.ID == 0 {
		s.render(w, r, http.StatusOK, "comp_partner", view{Title: title, Nav: "comp", Data: d})
		return nil
	}
	d.Hidden["partner"] = strconv.FormatInt(payee.ID, 10)
	if d.Partner, err = s.store.GetPartner(ctx, actor, payee.ID); err != nil {
		return err
	}
	st := busiest
	if st == nil {
		if st, err = s.statementOf(r, f, payee); err != nil {
			return err
		}
	}
	if err := s.showStatement(r, f, &d.compStatementView, comp.PayeePartner, partnerGroups, st); err != nil {
		return err
	}
	d.Deals = f.partnerDeals(st)
	s.render(w, r, http.StatusOK, "comp_partner", view{Title: title, Nav: "comp", Data: d})
	return nil
}

// busiestPartner is the statement of the partner paid most in the frame's period, the page staff land
// on when they ask for none — the first by name may have sold nothing. nil when no partner earned
// anything (or the period could not be calculated: the page then opens on the first partner).
func (s *Server) busiestPartner(r *http.Request, f compFrame) *comp.Statement {
	res, err := compensation.ListCompStatements(r.Context(), s.store, actorFrom(r.Context()), f.Period.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "partner page: busiest partner", slog.Any("err", err))
		return nil
	}
	var best *comp.Statement
	for i := range res.Partners {
		if st := &res.Partners[i]; len(st.Lines) > 0 && (best == nil || st.Total > best.Total) {
			best = st
		}
	}
	return best
}

// partnerDeals folds a partner statement's lines into one row per deal (and per period adjusted), in
// the order the statement lists them; the rows' totals add up to the statement's.
func (f compFrame) partnerDeals(st *comp.Statement) []partnerDeal {
	type key struct {
		opp    int64
		adjust string
	}
	index := map[key]int{}
	var rows []partnerDeal
	sums := map[key]*[4]tandem.Money{} // margin, bonus, adjustment, total
	for _, l := range st.Lines {
		k := key{l.OpportunityID, l.AdjustsPeriod}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, partnerDeal{OpportunityID: l.OpportunityID, Deal: l.DealExternal, AdjustsPeriod: l.AdjustsPeriod,
				Attribution: string(l.Attribution)})
			sums[k] = &[4]tandem.Money{}
		}
		row, sum := &rows[i], sums[k]
		switch l.Kind {
		case comp.LinePartnerMargin:
			row.Basis = f.money(l.Basis)
			row.MarginRule = strings.ReplaceAll(strings.TrimPrefix(l.Rule, "partner.margins."), ".", " · ")
			row.MarginRate = rateText(l.RateBasisPoints)
			sum[0] += l.Amount
		case comp.LineRegistrationBonus:
			row.BonusRate = rateText(l.RateBasisPoints)
			sum[1] += l.Amount
		default:
			sum[2] += l.Amount
		}
		sum[3] += l.Amount
		if l.Explanation != "" {
			row.Explanations = append(row.Explanations, l.Explanation)
		}
	}
	for k, i := range index {
		sum := sums[k]
		rows[i].Margin, rows[i].Bonus, rows[i].Adjustment, rows[i].Total = f.money(sum[0]), f.money(sum[1]), f.money(sum[2]), f.money(sum[3])
	}
	return rows
}
