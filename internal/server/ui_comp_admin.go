package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The RevOps compensation pages: the plan (document, versions, draft → check → publish), what-if,
// payout reconciliation, gross profit and the periods (closing one freezes it).

// maxPlanUpload bounds an uploaded plan file; plans are a few kilobytes.
const maxPlanUpload = 1 << 20

// htmx reports whether r came from htmx (it wants a fragment, and a 200 to swap it in).
func htmx(r *http.Request) bool { return r.Header.Get("HX-Request") != "" }

// formStatus is the status of a handled form error: 200 for htmx, which ignores 4xx responses by
// default, else status.
func formStatus(r *http.Request, status int) int {
	if htmx(r) {
		return http.StatusOK
	}
	return status
}

// planSource reads a plan from the form: the uploaded file when one was chosen, else the text area.
func planSource(r *http.Request) (string, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxPlanUpload); err != nil {
			return "", tandem.FieldError("file", "the upload could not be read: %v", err)
		}
		if file, header, err := r.FormFile("file"); err == nil {
			defer file.Close()
			b, err := io.ReadAll(io.LimitReader(file, maxPlanUpload+1))
			if err != nil {
				return "", tandem.FieldError("file", "%s could not be read: %v", header.Filename, err)
			}
			if len(b) > maxPlanUpload {
				return "", tandem.FieldError("file", "%s is larger than %d bytes", header.Filename, maxPlanUpload)
			}
			if len(b) > 0 {
				return string(b), nil
			}
		}
	}
	return r.PostFormValue("source"), nil
}

// bodyOf keeps what is inside <body> of a document rendered by html/template elsewhere.
func bodyOf(html string) template.HTML {
	if i := strings.Index(html, "<body"); i >= 0 {
		if j := strings.IndexByte(html[i:], '>'); j >= 0 {
			html = html[i+j+1:]
		}
	}
	if i := strings.LastIndex(html, "</body>"); i >= 0 {
		html = html[:i]
	}
	return template.HTML(html) // #nosec: produced by html/template in package comp
}

type compPlanData struct {
	compFrame
	Plan     *compPlanView
	Document template.HTML
	Versions []sqlstore.CompPlanVersion
	Draft    string
	Check    *compCheckView
}

// compCheckView is the result of checking a draft: why it does not parse, or its lint findings.
type compCheckView struct {
	OK       bool
	Problems []compProblem
	Findings []compFinding
	Error    string
}

func (s *Server) compPlanPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCompPlan(w, r, http.StatusOK, "", "", false, nil)
}

func (s *Server) renderCompPlan(w http.ResponseWriter, r *http.Request, status int, draft, flash string, flashOK bool, check *compCheckView) error {
	ctx := r.Context()
	f, err := s.compFrame(r, "plan", "/comp/plan")
	if err != nil {
		return err
	}
	v, err := s.compPlanView(ctx, s.now().UTC())
	if err != nil {
		return err
	}
	versions, err := s.store.ListCompPlanVersions(ctx, actorFrom(ctx))
	if err != nil {
		return err
	}
	if draft == "" {
		draft = v.Source
	}
	s.render(w, r, status, "comp_plan", view{Title: "Compensation plan", Nav: "comp", Flash: flash, FlashOK: flashOK,
		Data: compPlanData{compFrame: f, Plan: v, Document: bodyOf(v.DocumentHTML), Versions: versions, Draft: draft, Check: check}})
	return nil
}

// checkPlan parses and lints src the way the API's check does.
func checkPlan(src string) *compCheckView {
	out := &compCheckView{}
	if strings.TrimSpace(src) == "" {
		out.Error = "The draft is empty."
		return out
	}
	p, err := comp.Parse("draft.yaml", []byte(src))
	var perr *comp.Error
	if errors.As(err, &perr) {
		for _, pr := range perr.Problems {
			out.Problems = append(out.Problems, compProblem(pr))
		}
		return out
	}
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Findings = compFindings(comp.Check(p))
	out.OK = !slices.ContainsFunc(out.Findings, func(f compFinding) bool { return f.Severity == string(comp.SeverityError) })
	return out
}

// compPlanCheck answers the check button: the findings fragment for htmx, else the page with them.
func (s *Server) compPlanCheck(w http.ResponseWriter, r *http.Request) error {
	src, err := planSource(r)
	if err != nil {
		_, msg := s.uiError(r.Context(), err)
		return s.renderCheck(w, r, src, &compCheckView{Error: msg})
	}
	return s.renderCheck(w, r, src, checkPlan(src))
}

func (s *Server) renderCheck(w http.ResponseWriter, r *http.Request, src string, c *compCheckView) error {
	if htmx(r) {
		s.render(w, r, http.StatusOK, "comp_plan_check", view{Data: c})
		return nil
	}
	return s.renderCompPlan(w, r, http.StatusOK, src, "", false, c)
}

// compPlanSave stores the draft from the form as a draft version (it must parse).
func (s *Server) compPlanSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	src, err := planSource(r)
	if err == nil {
		var v *sqlstore.CompPlanVersion
		if v, err = compensation.CreateCompPlanDraft(ctx, s.store, actorFrom(ctx), src); err == nil {
			return s.renderCompPlan(w, r, http.StatusOK, src, fmt.Sprintf("Saved draft %s (version #%d, effective %s). Publish it from the versions list.",
				v.Version, v.ID, v.EffectiveFrom.Format("2006-01-02")), true, checkPlan(src))
		}
	}
	status, msg := s.uiError(ctx, err)
	return s.renderCompPlan(w, r, status, src, "Not saved: "+msg, false, checkPlan(src))
}

// compPlanPublish publishes a draft version.
func (s *Server) compPlanPublish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "comp plan version")
	if err == nil {
		var v *sqlstore.CompPlanVersion
		if v, err = compensation.PublishCompPlanVersion(ctx, s.store, actorFrom(ctx), id); err == nil {
			return s.renderCompPlan(w, r, http.StatusOK, "", fmt.Sprintf("Published version %s; it is in force from %s.",
				v.Version, v.EffectiveFrom.Format("2006-01-02")), true, nil)
		}
	}
	status, msg := s.uiError(ctx, err)
	return s.renderCompPlan(w, r, status, "", "Not published: "+msg, false, nil)
}

type compWhatIfData struct {
	compFrame
	Draft    string
	From, To string
	Result   *whatIfView
	Errors   formErrors // the plan's, from's and to's problems, all at once next to their fields
}

// whatIfView is a what-if run laid out: totals base/draft/change, a chart, one row per person.
type whatIfView struct {
	Error   string
	Report  *compensation.WhatIfReport
	Totals  []whatIfTotal
	Chart   string
	People  []whatIfPerson
	Periods string
	Bases   string
}

type whatIfTotal struct {
	Label               string
	Base, Draft, Change amount
	Percent             string
}

type whatIfPerson struct {
	Kind, Name, Link    string
	Base, Draft, Change amount
}

// lastYear is the four quarters before the current one: a what-if's default range.
func lastYear(now comp.Period) (from, to string) {
	first := comp.QuarterOf(now.Start.AddDate(-1, 0, 0))
	last := comp.QuarterOf(now.Start.AddDate(0, -3, 0))
	return first.ID, last.ID
}

func (s *Server) compWhatIfPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.compFrame(r, "whatif", "/comp/whatif")
	if err != nil {
		return err
	}
	v, err := s.compPlanView(r.Context(), s.now().UTC())
	if err != nil {
		return err
	}
	d := compWhatIfData{compFrame: f, Draft: v.Source}
	d.From, d.To = lastYear(comp.QuarterOf(s.now()))
	s.render(w, r, http.StatusOK, "comp_whatif", view{Title: "What-if", Nav: "comp", Data: d})
	return nil
}

// check records every problem of the plan, from and to in d.Errors rather than stopping at the first.
// An error naming no field is returned for the page to show whole.
func (d *compWhatIfData) check() error {
	var rest []error
	if _, err := compensation.ParseCompPlan("draft.yaml", d.Draft); err != nil {
		var te *tandem.Error
		if errors.As(err, &te) && te.Field != "" && te.Field != "source" {
			d.Errors.add("source", te.Field+": "+te.Message) // a plan's field is the draft text's problem
		} else if errors.As(err, &te) {
			d.Errors.add("source", te.Message)
		} else {
			d.Errors.add("source", err.Error())
		}
	}
	first, errFrom := tandem.ParseQuarter(d.From)
	if errFrom != nil {
		rest = append(rest, tandem.FieldError("from", "%q is not a quarter like 2025Q1", d.From))
	}
	last, errTo := tandem.ParseQuarter(d.To)
	if errTo != nil {
		rest = append(rest, tandem.FieldError("to", "%q is not a quarter like 2025Q4", d.To))
	}
	if errFrom == nil && errTo == nil && last.Start.Before(first.Start) {
		rest = append(rest, tandem.FieldError("to", "%s is before %s", last.ID, first.ID))
	}
	return errors.Join(d.Errors.addErr(nil, rest...)...)
}

// compWhatIfRun pays the chosen quarters' deals under the draft and shows the change.
func (s *Server) compWhatIfRun(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.compFrame(r, "whatif", "/comp/whatif")
	if err != nil {
		return err
	}
	src, err := planSource(r)
	d := compWhatIfData{compFrame: f, Draft: src, From: r.PostFormValue("from"), To: r.PostFormValue("to"), Errors: newFormErrors()}
	if err == nil {
		err = d.check()
	}
	if len(d.Errors) > 0 {
		d.Result = &whatIfView{Error: "The what-if did not run: fix the fields marked above."}
		status := http.StatusUnprocessableEntity
		if htmx(r) { // the whole page body is swapped, so each message lands next to its field
			w.Header().Set("HX-Retarget", "main")
			w.Header().Set("HX-Reswap", "outerHTML")
			w.Header().Set("HX-Reselect", "main")
			status = http.StatusOK // htmx swaps only a 2xx answer
		}
		s.render(w, r, status, "comp_whatif", view{Title: "What-if", Nav: "comp", Data: d})
		return nil
	}
	var res *whatIfView
	if err == nil {
		var rep *compensation.WhatIfReport
		if rep, err = compensation.WhatIf(ctx, s.store, actorFrom(ctx), src, d.From, d.To); err == nil {
			res, err = f.whatIfView(rep)
		}
	}
	if err != nil {
		_, msg := s.uiError(ctx, err)
		res = &whatIfView{Error: msg}
	}
	d.Result = res
	if htmx(r) {
		s.render(w, r, http.StatusOK, "comp_whatif_result", view{Data: res})
		return nil
	}
	s.render(w, r, http.StatusOK, "comp_whatif", view{Title: "What-if", Nav: "comp", Data: d})
	return nil
}

// sharedAxisChart is a bar chart whose series share one axis (app.js: one_axis).
type sharedAxisChart struct {
	barChart
	OneAxis  bool   `json:"one_axis"`
	AxisName string `json:"axis_name"`
}

// wholeUnits rounds m half-to-even to whole currency units: plenty for a bar's height.
func wholeUnits(m tandem.Money) int64 {
	return tandem.RoundHalfEven(big.NewRat(int64(m), tandem.MinorUnits)).Int64()
}

// changePercent is change relative to base, to one decimal, half-to-even ("" when base is 0).
func changePercent(change, base tandem.Money) string {
	if base == 0 {
		return ""
	}
	tenths := tandem.RoundHalfEven(big.NewRat(int64(change)*1000, int64(base))).Int64()
	sign := ""
	if tenths < 0 {
		sign, tenths = "-", -tenths
	} else if tenths > 0 {
		sign = "+"
	}
	return fmt.Sprintf("%s%d.%d%%", sign, tenths/10, tenths%10)
}

func (f compFrame) whatIfView(rep *compensation.WhatIfReport) (*whatIfView, error) {
	labels := make([]string, len(rep.Periods))
	for i, p := range rep.Periods {
		labels[i] = comp.PeriodLabel(p)
	}
	v := &whatIfView{Report: rep, Periods: strings.Join(labels, ", "), Bases: strings.Join(slices.Compact(slices.Clone(rep.BasePlanVersions)), ", ")}
	rows := []struct {
		label string
		get   func(comp.CostTotals) tandem.Money
	}{
		{"Commission", func(t comp.CostTotals) tandem.Money { return t.Commission }},
		{"SPIFFs", func(t comp.CostTotals) tandem.Money { return t.SPIFF }},
		{"AE pay", func(t comp.CostTotals) tandem.Money { return t.AEPay }},
		{"Partner margin", func(t comp.CostTotals) tandem.Money { return t.PartnerMargin }},
		{"Cost of sale", func(t comp.CostTotals) tandem.Money { return t.CostOfSale }},
	}
	chart := sharedAxisChart{barChart: barChart{Currency: f.Currency, Series: []chartSeries{{Name: "Current plan", Money: true},
		{Name: "Draft", Money: true}}}, OneAxis: true, AxisName: f.Currency}
	for _, row := range rows {
		base, draft, change := row.get(rep.Base), row.get(rep.Draft), row.get(rep.Change)
		v.Totals = append(v.Totals, whatIfTotal{Label: row.label, Base: f.money(base), Draft: f.money(draft),
			Change: f.money(change), Percent: changePercent(change, base)})
		if row.label == "AE pay" || row.label == "Cost of sale" {
			continue // sums of the bars already drawn
		}
		chart.Labels = append(chart.Labels, row.label)
		chart.Links = append(chart.Links, "#whatif-people")
		chart.Colors = append(chart.Colors, "#1f5fbf")
		chart.Series[0].Values = append(chart.Series[0].Values, wholeUnits(base))
		chart.Series[0].Display = append(chart.Series[0].Display, base.Format(f.Currency))
		chart.Series[1].Values = append(chart.Series[1].Values, wholeUnits(draft))
		chart.Series[1].Display = append(chart.Series[1].Display, draft.Format(f.Currency))
	}
	b, err := json.Marshal(chart)
	if err != nil {
		return nil, fmt.Errorf("what-if chart: %w", err)
	}
	v.Chart = string(b)
	first := ""
	if len(rep.Periods) > 0 {
		first = rep.Periods[0]
	}
	for _, list := range [][]comp.PayeeChange{rep.AEs, rep.Partners} {
		for _, pc := range list {
			p := whatIfPerson{Base: f.money(pc.Base), Draft: f.money(pc.Draft), Change: f.money(pc.Change)}
			p.Kind, p.Name, p.Link = payeeShown(pc.PayeeKind, pc.PayeeID, pc.Name, first)
			v.People = append(v.People, p)
		}
	}
	return v, nil
}

// payeeShown is how the admin pages show a payee: its kind ("AE" or "Partner"), its name (#id when it
// has none) and the link to its statement for the period.
func payeeShown(kind comp.PayeeKind, id int64, name, period string) (kindLabel, shownName, link string) {
	kindLabel = "AE"
	if kind == comp.PayeePartner {
		kindLabel = "Partner"
	}
	if name == "" {
		name = fmt.Sprintf("#%d", id)
	}
	path, q := statementPage(kind, id, period)
	return kindLabel, name, path + "?" + q.Encode()
}

// statementPage is the page of a payee's statement for the period and its query.
func statementPage(kind comp.PayeeKind, id int64, period string) (string, url.Values) {
	if kind == comp.PayeePartner {
		return "/comp/partner", url.Values{"period": {period}, "partner": {strconv.FormatInt(id, 10)}}
	}
	return "/comp", url.Values{"period": {period}, "ae": {strconv.FormatInt(id, 10)}}
}

// statementLinesLink links to the lines of a payee's statement for the period, of one kind ("" for all).
func statementLinesLink(kind comp.PayeeKind, id int64, period string) func(lineKind string) string {
	return func(lineKind string) string {
		path, q := statementPage(kind, id, period)
		if lineKind != "" {
			q.Set("kind", lineKind)
		}
		return path + "?" + q.Encode() + "#lines"
	}
}

type compReconData struct {
	compFrame
	Recon    *compensation.Reconciliation
	Expected amount
	Paid     amount
	Diff     amount
	Rows     []reconRow
	Matched  []reconRow
	Imported *sqlstore.PayoutImport
	ImportOK string
	Problems []string
}

type reconRow struct {
	Kind, Name, Link, Status, References string
	Expected, Paid, Diff                 amount
}

func (s *Server) compReconPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRecon(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderRecon(w http.ResponseWriter, r *http.Request, status int, imp *sqlstore.PayoutImport, problems []string) error {
	ctx := r.Context()
	f, err := s.compFrame(r, "recon", "/comp/reconciliation")
	if err != nil {
		return err
	}
	rec, err := s.comp.Reconcile(ctx, s.store, actorFrom(ctx), f.Period.ID)
	if err != nil {
		return err
	}
	d := compReconData{compFrame: f, Recon: rec, Expected: f.money(rec.Expected), Paid: f.money(rec.Paid),
		Diff: f.money(rec.Difference), Imported: imp, Problems: problems}
	if imp != nil {
		noun := "payouts"
		if imp.Rows == 1 {
			noun = "payout"
		}
		d.ImportOK = fmt.Sprintf("Imported %d %s from %s, %s in all.", imp.Rows, noun, imp.FileName, imp.Total.Format(f.Currency))
	}
	row := func(l compensation.ReconLine) reconRow {
		rr := reconRow{Status: l.Status, References: strings.Join(l.References, ", "),
			Expected: f.money(l.Expected), Paid: f.money(l.Paid), Diff: f.money(l.Difference)}
		rr.Kind, rr.Name, rr.Link = payeeShown(l.PayeeKind, l.PayeeID, l.Name, f.Period.ID)
		return rr
	}
	for _, l := range rec.Differences {
		d.Rows = append(d.Rows, row(l))
	}
	for _, l := range rec.MatchedPayees {
		d.Matched = append(d.Matched, row(l))
	}
	s.render(w, r, status, "comp_recon", view{Title: "Reconciliation", Nav: "comp", Data: d})
	return nil
}

// compReconUpload imports a payouts file (every row or none) and shows the period's reconciliation.
func (s *Server) compReconUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.renderRecon(w, r, formStatus(r, http.StatusBadRequest), nil, []string{"The upload could not be read: " + err.Error()})
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return s.renderRecon(w, r, formStatus(r, http.StatusUnprocessableEntity), nil, []string{"Choose a payouts CSV file to upload."})
	}
	defer file.Close()
	imp, err := compensation.ImportPayouts(ctx, s.store, actorFrom(ctx), header.Filename, file)
	if err != nil {
		status, msg := s.uiError(ctx, err)
		return s.renderRecon(w, r, formStatus(r, status), nil, strings.Split(strings.TrimSpace(msg), "\n"))
	}
	return s.renderRecon(w, r, http.StatusOK, imp, nil)
}

type compProfitData struct {
	compFrame
	By, Group, Key, KeyName string
	Tabs2                   []compTab
	Rows                    []profitRow
	Total                   profitRow
	Chart                   string
	ClearLink               string
	// Capped is the number of deals when there are more than the page lists; APILink lists them all.
	Capped  int
	APILink string
}

type profitRow struct {
	Name, Link, Motion, Rep, Partner            string
	Deals                                       int
	ACV, Discount, Margin, SPIFF, MDF, COGS, GP amount
	GPPercent                                   string
}

var profitGroupings = [][2]string{{"deal", "Deals"}, {"rep", "By rep"}, {"territory", "By territory"}, {"partner", "By partner"}, {"motion", "By motion"}}

// profitDealRows caps the deal table: a quarter can hold hundreds of thousands of deals, which no page
// should render; the API lists them all.
const profitDealRows = 500

// topByGrossProfit returns the n deals of deals with the highest gross profit, highest first (ties
// by opportunity id), or deals unchanged when it holds no more than n.
func topByGrossProfit(deals []comp.DealProfit, n int) []comp.DealProfit {
	if len(deals) <= n {
		return deals
	}
	top := slices.Clone(deals)
	slices.SortFunc(top, func(a, b comp.DealProfit) int {
		return cmp.Or(cmp.Compare(b.GrossProfit, a.GrossProfit), cmp.Compare(a.OpportunityID, b.OpportunityID))
	})
	return top[:n]
}

func (f compFrame) profitRow(name string, r comp.ProfitRollup) profitRow {
	return profitRow{Name: name, Deals: r.Deals, ACV: f.money(r.ACV), Discount: f.money(r.Discount), Margin: f.money(r.PartnerMargin),
		SPIFF: f.money(r.SPIFF), MDF: f.money(r.MDF), COGS: f.money(r.COGS), GP: f.money(r.GrossProfit),
		GPPercent: strings.TrimPrefix(changePercent(r.GrossProfit, r.ACV-r.Discount), "+")}
}

// matchesGroup reports whether deal d belongs to the rollup row key of grouping group.
func matchesGroup(d comp.DealProfit, group, key string) bool {
	id := func(n int64) bool { return strconv.FormatInt(n, 10) == key }
	switch group {
	case "rep":
		return id(d.OwnerID)
	case "territory":
		return id(d.TerritoryID)
	case "partner":
		return id(d.PartnerID)
	case "motion":
		return string(d.Motion) == key
	}
	return true
}

func (s *Server) compProfitPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f, err := s.compFrame(r, "profit", "/comp/profit")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := compProfitData{compFrame: f, By: q.Get("by"), Group: q.Get("group"), Key: q.Get("key")}
	// By rep unless asked: the deal table of a whole quarter is the long view, reached from a rollup
	// row or the Deals tab.
	if !slices.ContainsFunc(profitGroupings, func(g [2]string) bool { return g[0] == d.By }) {
		d.By = "rep"
	}
	if d.By != "deal" || !slices.ContainsFunc(profitGroupings[1:], func(g [2]string) bool { return g[0] == d.Group }) {
		d.Group, d.Key = "", ""
	}
	d.Hidden["by"] = d.By
	if d.Group != "" {
		d.Hidden["group"], d.Hidden["key"] = d.Group, d.Key
	}
	link := func(v url.Values) string {
		v.Set("period", f.Period.ID)
		return "/comp/profit?" + v.Encode()
	}
	for _, g := range profitGroupings {
		d.Tabs2 = append(d.Tabs2, compTab{ID: g[0], Label: g[1], Href: link(url.Values{"by": {g[0]}}), On: g[0] == d.By})
	}
	d.ClearLink = link(url.Values{"by": {"deal"}})
	rep, err := s.comp.GrossProfit(ctx, s.store, actor, f.Period.ID, d.By)
	if err != nil {
		return err
	}
	chart := barChart{Currency: f.Currency, Series: []chartSeries{{Name: "Gross profit (" + f.Currency + ")", Money: true}}}
	bar := func(label, href string, gp tandem.Money) {
		chart.Labels = append(chart.Labels, label)
		chart.Links = append(chart.Links, href)
		color := "#1e7a3c"
		if gp < 0 {
			color = "#b3261e"
		}
		chart.Colors = append(chart.Colors, color)
		chart.Series[0].Values = append(chart.Series[0].Values, wholeUnits(gp))
		chart.Series[0].Display = append(chart.Series[0].Display, gp.Format(f.Currency))
	}
	if d.By == "deal" {
		reps, err := s.store.CompPayees(ctx, actor, comp.PayeeAE)
		if err != nil {
			return err
		}
		repNames := map[int64]string{}
		for _, p := range reps {
			repNames[p.ID] = p.Name
		}
		partners, err := s.partnerNames(r, actor)
		if err != nil {
			return err
		}
		// The total covers every deal of the selection; the table only the top profitDealRows.
		var sum comp.ProfitRollup
		deals := rep.Deals
		if d.Group != "" {
			deals = nil
			for _, dp := range rep.Deals {
				if matchesGroup(dp, d.Group, d.Key) {
					deals = append(deals, dp)
				}
			}
		}
		for _, dp := range deals {
			if err := sum.Add(dp); err != nil {
				return err
			}
		}
		if len(deals) > profitDealRows {
			d.Capped = len(deals)
			d.APILink = "/api/v1/comp/periods/" + url.PathEscape(f.Period.ID) + "/gross-profit?by=deal"
			deals = topByGrossProfit(deals, profitDealRows)
		}
		for _, dp := range deals {
			var one comp.ProfitRollup
			_ = one.Add(dp) // one deal added to zero cannot leave the range
			row := f.profitRow(dp.ExternalID, one)
			row.Link = "/opportunities/" + strconv.FormatInt(dp.OpportunityID, 10)
			row.Motion, row.Rep, row.Partner = string(dp.Motion), repNames[dp.OwnerID], partners[dp.PartnerID]
			d.Rows = append(d.Rows, row)
			if len(chart.Labels) < 40 { // a bar per deal reads only for a few dozen deals
				bar(dp.ExternalID, row.Link, dp.GrossProfit)
			}
		}
		d.Total = f.profitRow("Total", sum)
		if d.Group != "" {
			id, _ := strconv.ParseInt(d.Key, 10, 64)
			d.KeyName = cmp.Or(map[string]string{"rep": repNames[id], "partner": partners[id]}[d.Group], d.Key)
			if id == 0 && d.Group != "motion" {
				d.KeyName = "none"
			}
			if id != 0 && d.Group == "territory" {
				t, err := s.store.GetTerritory(ctx, actor, id)
				switch {
				case err == nil:
					d.KeyName = t.Name
				case tandem.ErrorCode(err) != tandem.ENOTFOUND: // a deleted territory keeps its id as its name
					return err
				}
			}
		}
	} else {
		for _, gr := range rep.Rows {
			row := f.profitRow(gr.Name, gr.ProfitRollup)
			row.Link = link(url.Values{"by": {"deal"}, "group": {d.By}, "key": {gr.Key}})
			d.Rows = append(d.Rows, row)
			bar(gr.Name, row.Link, gr.GrossProfit)
		}
		d.Total = f.profitRow("Total", rep.Total)
	}
	b, err := json.Marshal(chart)
	if err != nil {
		return fmt.Errorf("gross profit chart: %w", err)
	}
	d.Chart = string(b)
	s.render(w, r, http.StatusOK, "comp_profit", view{Title: "Gross profit", Nav: "comp", Data: d})
	return nil
}

type compPeriodsData struct {
	compFrame
	Rows []periodRow
}

type periodRow struct {
	sqlstore.CompPeriod
	Closable bool // ended, open and next in line
	Short    string
}

func (s *Server) compPeriodsPage(w http.ResponseWriter, r *http.Request) error {
	flash := ""
	if id := r.URL.Query().Get("closed"); id != "" {
		if _, err := comp.ParsePeriod(id); err == nil {
			flash = "Closed " + id + ": its statements are frozen."
		}
	}
	return s.renderPeriods(w, r, http.StatusOK, flash, flash != "")
}

func (s *Server) renderPeriods(w http.ResponseWriter, r *http.Request, status int, flash string, ok bool) error {
	f, err := s.compFrame(r, "periods", "/comp/periods")
	if err != nil {
		return err
	}
	d := compPeriodsData{compFrame: f}
	// Periods close in order: the oldest open period that has ended and follows the latest closed one.
	next := ""
	for i := len(f.Periods) - 1; i >= 0; i-- {
		p := f.Periods[i]
		if p.Status == sqlstore.PeriodClosed {
			next = ""
			continue
		}
		if next == "" && !s.now().Before(p.End) {
			next = p.ID
		}
	}
	for _, p := range f.Periods {
		row := periodRow{CompPeriod: p, Closable: p.ID == next}
		if len(p.ResultSHA256) >= 12 {
			row.Short = p.ResultSHA256[:12]
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, status, "comp_periods", view{Title: "Compensation periods", Nav: "comp", Flash: flash, FlashOK: ok, Data: d})
	return nil
}

type compCloseData struct {
	compFrame
	Target *sqlstore.CompPeriod
}

// compCloseConfirm asks before closing: a closed period never changes.
func (s *Server) compCloseConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.compFrame(r, "periods", "/comp/periods")
	if err != nil {
		return err
	}
	p, err := s.store.GetCompPeriod(ctx, actorFrom(ctx), strings.ToUpper(r.PathValue("period")))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "comp_close", view{Title: "Close " + p.ID, Nav: "comp", Data: compCloseData{compFrame: f, Target: p}})
	return nil
}

func (s *Server) compCloseSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := compensation.ClosePeriod(ctx, s.store, actorFrom(ctx), strings.ToUpper(r.PathValue("period")))
	if err != nil {
		status, msg := s.uiError(ctx, err)
		return s.renderPeriods(w, r, status, "Not closed: "+msg, false)
	}
	http.Redirect(w, r, "/comp/periods?closed="+url.QueryEscape(p.ID), http.StatusSeeOther)
	return nil
}
