package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// tally is one dashboard number: deals and their ACV in the policy currency, and the filtered
// opportunity list behind them ("" when the list cannot be filtered that way).
type tally struct {
	Count int
	ACV   tandem.Money
	Link  string
	// Shown: the count with thousands separators, the ACV as a dashboard shows it ("$12.4M") and
	// exactly.
	CountText, ACVShort, ACVExact string

	sum tandem.MoneySum // ACV as a checked sum: past the money range the tally says so, never wraps
}

func (t *tally) add(n int, acv tandem.Money) {
	t.Count += n
	t.sum.Add(acv)
	t.ACV, _ = t.sum.Total("ACV") // 0 once overflowed; text shows why
}

func (t *tally) text(currency string) {
	t.CountText, t.ACVShort, t.ACVExact = count(t.Count), shortMoney(t.ACV, currency), t.ACV.Format(currency)
	if t.sum.Overflowed() {
		t.ACVShort, t.ACVExact = "past the money range", "ACV total past the money range"
	}
}

// tableRow is one motion's line of a dashboard table, or the totals line (Motion "", Label "Total").
type tableRow struct {
	Motion tandem.Motion
	Label  string
	Cells  []tally
	Total  tally
}

// table is a dashboard table: motions down, Columns across, with a totals row and column.
type table struct {
	Columns []string // the column keys: stages or forecast categories
	Rows    []tableRow
	Totals  tableRow
}

type dashboardData struct {
	Currency string
	ByStage  table // every deal, by motion and stage
	Open     table // open deals, by motion and forecast category
	Chart    string
	// Unconverted counts the deals whose currency the policy has no rate for: they are counted, but
	// their ACV is left out of the sums.
	Unconverted           int
	UnconvertedCurrencies string
	Trends                trendsData // by month: new pipeline and registrations (ui_trends.go)
	Home                  roleHome   // the signed-in role's own numbers (ui_home.go)
}

// openForecasts are the forecast categories an open deal can be in, most certain first.
var openForecasts = []tandem.ForecastCategory{tandem.ForecastCommit, tandem.ForecastBestCase, tandem.ForecastPipeline, tandem.ForecastOmitted}

// forecastColumns are the open-pipeline table's columns: the open forecast categories.
func forecastColumns() []string {
	var out []string
	for _, fc := range openForecasts {
		out = append(out, string(fc))
	}
	return out
}

// listLink is the opportunity list filtered by motion and stage ("" for any; "open" for any open
// stage) and forecast category, biggest deals first.
func listLink(m tandem.Motion, stage string, fc tandem.ForecastCategory) string {
	return listLinkWith(nil, m, stage, fc)
}

// listLinkWith is listLink narrowed further by extra (an AE's home: owner_id).
func listLinkWith(extra url.Values, m tandem.Motion, stage string, fc tandem.ForecastCategory) string {
	q := url.Values{}
	for k, v := range extra {
		q[k] = v
	}
	if m != "" {
		q.Set("motion", string(m))
	}
	if stage != "" {
		q.Set("stage", stage)
	}
	if fc != "" {
		q.Set("forecast_category", string(fc))
	}
	q.Set("sort", "-acv")
	return "/opportunities?" + q.Encode()
}

// newTable lays out a table with a row for each motion; link gives the list behind a cell (column ""
// for a row's total).
func newTable(columns []string, link func(m tandem.Motion, column string) string) table {
	row := func(m tandem.Motion, label string) tableRow {
		r := tableRow{Motion: m, Label: label, Cells: make([]tally, len(columns))}
		for i, c := range columns {
			r.Cells[i].Link = link(m, c)
		}
		r.Total.Link = link(m, "")
		return r
	}
	t := table{Columns: columns, Totals: row("", "Total")}
	for _, m := range tandem.Motions {
		t.Rows = append(t.Rows, row(m, string(m)))
	}
	return t
}

// add counts a cell of deals of motion m in column c (one of t.Columns).
func (t *table) add(m tandem.Motion, c string, n int, acv tandem.Money) {
	i := slices.Index(t.Columns, c)
	if i < 0 {
		return
	}
	r := slices.IndexFunc(t.Rows, func(r tableRow) bool { return r.Motion == m })
	if r < 0 { // never routed: a row of its own, whose deals the list cannot single out
		t.Rows = append(t.Rows, tableRow{Motion: m, Label: "not routed", Cells: make([]tally, len(t.Columns))})
		r = len(t.Rows) - 1
	}
	t.Rows[r].Cells[i].add(n, acv)
	t.Rows[r].Total.add(n, acv)
	t.Totals.Cells[i].add(n, acv)
	t.Totals.Total.add(n, acv)
}

// format fills in the text of every tally.
func (t *table) format(currency string) {
	f := func(r *tableRow) {
		for i := range r.Cells {
			r.Cells[i].text(currency)
		}
		r.Total.text(currency)
	}
	for i := range t.Rows {
		f(&t.Rows[i])
	}
	f(&t.Totals)
}

// inPolicyCurrency converts an amount of currency into the policy currency at the policy's exact
// rate, rounding half-to-even once; ok is false when the policy has no rate for currency.
func inPolicyCurrency(p *policy.Policy, m tandem.Money, currency string) (tandem.Money, bool) {
	rate, ok := p.FXRate(currency)
	if !ok {
		return 0, false
	}
	return m.MulRate(rate), true
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cells, err := s.store.PipelineCells(ctx, actorFrom(ctx))
	if err != nil {
		return err
	}
	pol, _, err := s.activePolicy(ctx)
	if err != nil {
		return err
	}
	d := dashboardData{Currency: pol.Currency()}
	var stages, forecasts []string
	for _, st := range tandem.Stages {
		stages = append(stages, string(st))
	}
	forecasts = forecastColumns()
	d.ByStage = newTable(stages, func(m tandem.Motion, stage string) string { return listLink(m, stage, "") })
	d.Open = newTable(forecasts, func(m tandem.Motion, fc string) string {
		return listLink(m, "open", tandem.ForecastCategory(fc))
	})
	var unconverted []string
	for _, c := range cells {
		acv, ok := inPolicyCurrency(pol, c.ACV, c.Currency)
		if !ok {
			d.Unconverted += c.Count
			if !slices.Contains(unconverted, c.Currency) {
				unconverted = append(unconverted, c.Currency)
			}
		}
		d.ByStage.add(c.Motion, string(c.Stage), c.Count, acv)
		if !c.Stage.Closed() {
			d.Open.add(c.Motion, string(c.Forecast), c.Count, acv)
		}
	}
	slices.Sort(unconverted)
	d.UnconvertedCurrencies = strings.Join(unconverted, ", ")
	d.ByStage.format(d.Currency)
	d.Open.format(d.Currency)
	chart, err := motionChart(d.ByStage, d.Currency)
	if err != nil {
		return err
	}
	d.Chart = chart
	if d.Trends, err = s.homeTrends(r, actorFrom(ctx)); err != nil {
		return err
	}
	if d.Home, err = s.roleHome(r, pol); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "Home", Nav: "home", Data: d})
	return nil
}

// chartSeries is one series of a bar chart: a value per bar and the text its tooltip shows.
type chartSeries struct {
	Name    string   `json:"name"`
	Values  []int64  `json:"values"`
	Display []string `json:"display"`
	Axis    int      `json:"axis"` // 0: the left axis; 1: the right one
	Money   bool     `json:"money,omitempty"`
}

// barChart is what app.js draws: bars per label, each bar linking to a filtered list.
type barChart struct {
	Labels   []string      `json:"labels"`
	Links    []string      `json:"links"`
	Colors   []string      `json:"colors"`
	Currency string        `json:"currency"`
	Series   []chartSeries `json:"series"`
}

var motionColors = map[tandem.Motion]string{tandem.MotionPartnerLed: "#2e7d32", tandem.MotionCoSell: "#b26a00", tandem.MotionDirect: "#1f5fbf"}

// motionChart draws deals and ACV by motion, from the totals column of t.
func motionChart(t table, currency string) (string, error) {
	c := barChart{Currency: currency, Series: []chartSeries{{Name: "Deals"}, {Name: "ACV (" + currency + ")", Axis: 1, Money: true}}}
	for _, row := range t.Rows {
		c.Labels = append(c.Labels, strings.ReplaceAll(row.Label, "_", " "))
		c.Links = append(c.Links, row.Total.Link)
		c.Colors = append(c.Colors, cmp.Or(motionColors[row.Motion], "#8a94a3"))
		c.Series[0].Values = append(c.Series[0].Values, int64(row.Total.Count))
		c.Series[0].Display = append(c.Series[0].Display, count(row.Total.Count))
		// Whole units are plenty for a bar's height; the tooltip shows the exact amount.
		c.Series[1].Values = append(c.Series[1].Values, tandem.RoundHalfEven(big.NewRat(int64(row.Total.ACV), tandem.MinorUnits)).Int64())
		c.Series[1].Display = append(c.Series[1].Display, row.Total.ACVExact)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("motion chart: %w", err)
	}
	return string(b), nil
}

// count formats n with thousands separators: 15786 → "15,786".
func count(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shortMoney formats m for a crowded table: "$12.4M", "€950.5k", "$812". It rounds half-to-even to one
// decimal of the unit shown, in integer arithmetic.
func shortMoney(m tandem.Money, currency string) string {
	units := []struct {
		suffix string
		major  int64
	}{{"B", 1_000_000_000}, {"M", 1_000_000}, {"k", 1_000}}
	abs := int64(m)
	if abs < 0 {
		abs = -abs
	}
	num := ""
	for _, u := range units {
		if abs >= u.major*tandem.MinorUnits {
			tenths := tandem.RoundHalfEven(big.NewRat(abs, u.major*tandem.MinorUnits/10)).Int64()
			num = fmt.Sprintf("%d.%d%s", tenths/10, tenths%10, u.suffix)
			num = strings.Replace(num, ".0"+u.suffix, u.suffix, 1)
			break
		}
	}
	if num == "" {
		num = fmt.Sprint(tandem.RoundHalfEven(big.NewRat(abs, tandem.MinorUnits)).Int64())
	}
	// Borrow the currency's symbol and its place from the full format of zero.
	s := strings.Replace(tandem.Money(0).Format(currency), "0.00", num, 1)
	if m < 0 {
		s = "-" + s
	}
	return s
}
