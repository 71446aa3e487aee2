package enablement

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Segment thresholds by ACV (see the package doc).
var (
	enterpriseFrom = tandem.Major(100000)
	midMarketFrom  = tandem.Major(25000)
)

// SegmentOf is a deal's segment by its ACV.
func SegmentOf(acv tandem.Money) string {
	switch {
	case acv >= enterpriseFrom:
		return "enterprise"
	case acv >= midMarketFrom:
		return "mid_market"
	}
	return "smb"
}

// MotionOf is a deal's ledger motion (see the package doc).
func MotionOf(d sqlstore.PortfolioDeal) string {
	switch d.Motion {
	case tandem.MotionCoSell:
		return "co_sell"
	case tandem.MotionPartnerLed:
		if d.PartnerType == string(tandem.PartnerReseller) || d.PartnerType == "distributor" {
			return "resell"
		}
		return "partner_sourced"
	}
	return "direct"
}

// Window is an inclusive range of months.
type Window struct {
	From, To portfolio.Month
}

// ParseWindow reads "YYYY-MM" bounds; an empty bound is the last 24 months ending with now's month.
func ParseWindow(from, to string, now time.Time) (Window, error) {
	last := portfolio.Month(now.Year()*12 + int(now.Month()) - 1)
	w := Window{From: last - 23, To: last}
	var err error
	if to != "" {
		if w.To, err = portfolio.ParseMonth(to); err != nil {
			return w, tandem.FieldError("to", "%v", err)
		}
		if from == "" {
			w.From = w.To - 23
		}
	}
	if from != "" {
		if w.From, err = portfolio.ParseMonth(from); err != nil {
			return w, tandem.FieldError("from", "%v", err)
		}
	}
	if w.From > w.To {
		return w, tandem.FieldError("from", "%s is after %s", w.From, w.To)
	}
	if w.To-w.From > 120 {
		return w, tandem.FieldError("from", "at most ten years at once")
	}
	return w, nil
}

func monthOf(t time.Time) portfolio.Month {
	return portfolio.Month(t.Year()*12 + int(t.Month()) - 1)
}

func monthStart(m portfolio.Month) time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// Ledger is the window's spend lines and closed deals with their attributable margin: what returns,
// ROMI and the recommendation are computed from, and what their drill-downs show.
type Ledger struct {
	Window Window
	Spend  []sqlstore.SpendLine
	Deals  []DealReturn
	// Retention is the annual customer retention rate at the window's end (portfolio.Retention over
	// the won deals of the 24 months ending then); nil when it cannot be measured (no LTV then).
	Retention *big.Rat
}

// DealReturn is a closed deal with its ledger motion, segment and attributable gross margin.
type DealReturn struct {
	sqlstore.PortfolioDeal
	LedgerMotion string       `json:"ledger_motion"`
	Segment      string       `json:"segment"`
	GrossMargin  tandem.Money `json:"gross_margin" doc:"the comp engine's gross profit of the deal; 0 for lost deals"`
	Month        string       `json:"month"`
}

// CycleDays is the deal's sales cycle: whole days from creation to close (0 when it closed the day it
// was created, or when either date is missing).
func (d DealReturn) CycleDays() int {
	if d.CreatedOn.IsZero() || d.CloseDate.Before(d.CreatedOn) {
		return 0
	}
	return int(d.CloseDate.Sub(d.CreatedOn).Hours() / 24)
}

// ReadLedger reads the window's spend and closed deals, each won deal with its gross profit from the
// comp engine for the quarter it closed in.
func (s *Service) ReadLedger(ctx context.Context, actor tandem.Actor, w Window) (*Ledger, error) {
	spend, err := s.Store.AllSpend(ctx, actor, sqlstore.SpendFilter{FromMonth: w.From.String(), ToMonth: w.To.String()})
	if err != nil {
		return nil, err
	}
	h, err := s.openHistory(ctx, actor)
	if err != nil {
		return nil, err
	}
	deals, err := h.closedDeals(ctx, monthStart(w.From), monthStart(w.To+1))
	if err != nil {
		return nil, err
	}
	margins := map[int64]tandem.Money{}
	for q := w.From - w.From%3; q <= w.To; q += 3 {
		m, err := h.quarterMargins(ctx, fmt.Sprintf("%04d-Q%d", int(q)/12, int(q)%12/3+1))
		if err != nil {
			return nil, err
		}
		for id, gp := range m {
			margins[id] = gp
		}
	}
	l := &Ledger{Window: w, Spend: spend}
	// Retention looks at the two years ending with the window, whatever the window's length.
	back, err := h.closedDeals(ctx, monthStart(w.To-23), monthStart(w.To+1))
	if err != nil {
		return nil, err
	}
	var wins []portfolio.AccountWin
	for _, d := range back {
		if d.Won {
			wins = append(wins, portfolio.AccountWin{Account: d.AccountID, Month: monthOf(d.CloseDate)})
		}
	}
	if r, ok := portfolio.Retention(wins, w.To); ok {
		l.Retention = r
	}
	if len(deals) > 0 {
		l.Deals = make([]DealReturn, 0, len(deals))
	}
	for _, d := range deals {
		dr := DealReturn{PortfolioDeal: d, LedgerMotion: MotionOf(d), Segment: SegmentOf(d.ACV), Month: d.CloseDate.Format("2006-01")}
		if d.Won {
			dr.GrossMargin = margins[d.ID]
		}
		l.Deals = append(l.Deals, dr)
	}
	return l, nil
}

// Returns sums the ledger by period (month or quarter), motion and segment; segment "" sums every
// segment of the motion. Spend and deal line ids are the store ids ("s12", "d40") for drill-down.
func (l *Ledger) Returns(by portfolio.Granularity, bySegment bool) []portfolio.ReturnsRow {
	segment := func(s string) string { // "" sums every segment of the motion
		if bySegment {
			return s
		}
		return ""
	}
	spend := make([]portfolio.SpendLine, 0, len(l.Spend))
	for _, x := range l.Spend {
		m, _ := portfolio.ParseMonth(x.Month)
		spend = append(spend, portfolio.SpendLine{ID: "s" + strconv.FormatInt(x.ID, 10), Month: m, Motion: x.Motion, Segment: segment(x.Segment), Kind: x.Kind, Amount: x.Amount})
	}
	deals := make([]portfolio.DealLine, 0, len(l.Deals))
	for _, d := range l.Deals {
		m, _ := portfolio.ParseMonth(d.Month)
		deals = append(deals, portfolio.DealLine{ID: "d" + strconv.FormatInt(d.ID, 10), Month: m, Motion: d.LedgerMotion, Segment: segment(d.Segment),
			Won: d.Won, NewCustomer: d.FirstWin, GrossMargin: d.GrossMargin, CycleDays: d.CycleDays()})
	}
	return portfolio.ReturnsWithRetention(spend, deals, by, l.Retention)
}

// Totals sums the ledger by motion over the whole window (segment "").
func (l *Ledger) Totals() []portfolio.ReturnsRow {
	rows := l.Returns(portfolio.ByMonth, false)
	byMotion := map[string]*portfolio.ReturnsRow{}
	cycle := map[string]float64{} // summed cycle days of the won deals
	var order []string
	for _, r := range rows {
		t := byMotion[r.Motion]
		if t == nil {
			t = &portfolio.ReturnsRow{Period: l.Window.From.String() + "…" + l.Window.To.String(), Motion: r.Motion}
			byMotion[r.Motion] = t
			order = append(order, r.Motion)
		}
		t.Spend += r.Spend
		t.GrossMargin += r.GrossMargin
		t.Deals += r.Deals
		t.Wins += r.Wins
		t.NewCustomers += r.NewCustomers
		cycle[r.Motion] += r.CycleDays * float64(r.Wins)
		t.SpendLines = append(t.SpendLines, r.SpendLines...)
		t.DealLines = append(t.DealLines, r.DealLines...)
	}
	out := make([]portfolio.ReturnsRow, 0, len(order))
	for _, m := range order {
		t := byMotion[m]
		if romi, err := portfolio.ROMI(t.GrossMargin, t.Spend); err == nil {
			t.ROMI = romi
		}
		if cac, err := portfolio.CAC(t.Spend, int64(t.NewCustomers)); err == nil {
			t.CAC, t.CACKnown = cac, true
		}
		if t.Wins > 0 {
			t.CycleDays = cycle[m] / float64(t.Wins)
		}
		if ltv, err := portfolio.LTVOf(t.GrossMargin, int64(t.Wins), l.Retention); err == nil {
			t.LTV, t.LTVKnown = ltv, true
		}
		out = append(out, *t)
	}
	return out
}

// History is the ledger's monthly spend and attributable gross margin per motion, every month of the
// window for every motion that appears (a month without lines is zero spend and zero margin).
func (l *Ledger) History() (portfolio.History, error) {
	type key struct {
		m      portfolio.Month
		motion string
	}
	spend, margin := map[key]tandem.Money{}, map[key]tandem.Money{}
	motions := map[string]bool{}
	for _, x := range l.Spend {
		m, _ := portfolio.ParseMonth(x.Month)
		spend[key{m, x.Motion}] += x.Amount
		motions[x.Motion] = true
	}
	for _, d := range l.Deals {
		m, _ := portfolio.ParseMonth(d.Month)
		margin[key{m, d.LedgerMotion}] += d.GrossMargin
		motions[d.LedgerMotion] = true
	}
	var obs []portfolio.Observation
	for motion := range motions {
		for m := l.Window.From; m <= l.Window.To; m++ {
			k := key{m, motion}
			obs = append(obs, portfolio.Observation{Month: m, Motion: motion, Spend: spend[k], GrossMargin: margin[k]})
		}
	}
	return portfolio.NewHistory("ledger", obs)
}

// RecommendOptions are the limits of a recommendation; Budget 0 keeps last month's total.
type RecommendOptions struct {
	Budget   tandem.Money
	MaxCut   *big.Rat
	Minimums map[string]tandem.Money
	Seed     uint64
}

// Recommend fits the ledger's monthly history and recommends next month's split.
func (l *Ledger) Recommend(opt RecommendOptions) (portfolio.Recommendation, error) {
	h, err := l.History()
	if err != nil {
		return portfolio.Recommendation{}, err
	}
	if opt.Budget == 0 {
		last := h.LastMonth()
		for _, o := range h.Observations() {
			if o.Month == last {
				opt.Budget += o.Spend
			}
		}
	}
	models, err := portfolio.Fit(h, portfolio.FitOptions{Seed: opt.Seed})
	if err != nil {
		return portfolio.Recommendation{}, fmt.Errorf("fit the ledger's history: %w", err)
	}
	return portfolio.Recommend(models, portfolio.Limits{Budget: opt.Budget, MaxCut: opt.MaxCut, Minimums: opt.Minimums})
}
