package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/portfolio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The enablement portfolio's pages: the portfolio (returns and ROMI by motion and segment, spend
// against return, the recommendation), MDF (a partner's funds, requests and claims; the staff's
// approval queue and budgets) and certifications (coverage, gaps, the comparison). Handlers return
// their error; s.page shows it.

func (s *Server) registerPortfolioUI(mux *http.ServeMux) {
	mux.HandleFunc("GET /portfolio", s.signedIn(s.page(dataPage(s, "portfolio", "Portfolio", "portfolio", s.portfolioData)), compViewers.roles...))
	mux.HandleFunc("GET /portfolio/returns.csv", s.signedIn(s.page(s.portfolioCSV), compViewers.roles...))
	mux.HandleFunc("GET /portfolio/report.pdf", s.signedIn(s.page(s.portfolioPDF), compViewers.roles...))
	mux.HandleFunc("GET /mdf", s.signedIn(s.page(s.mdfPage)))
	mux.HandleFunc("POST /mdf/funds/{id}/moves", s.signedIn(s.page(s.mdfMoveSubmit), holders.roles...))
	mux.HandleFunc("GET /mdf/requests.csv", s.signedIn(s.page(s.mdfCSV)))
	mux.HandleFunc("GET /certifications", s.signedIn(s.page(s.certificationsPage)))
	s.registerPortfolioSpendUI(mux)
}

// portfolioView is the portfolio page.
type portfolioView struct {
	From, To    string
	By          string
	Currency    string
	Totals      []enablement.ReturnsLine
	Rows        []enablement.ReturnsLine
	Chart       string
	Rec         *enablement.RecommendationView
	RecError    string
	CSVLink     string
	APILink     string
	PDFLink     string
	SpendLines  int
	DealsClosed int
	// Retention is the measured annual retention as a percentage ("" when not measurable).
	Retention string
	// Sourced is the MDF-sourced pipeline and wins by motion, for requests made in the window.
	Sourced []enablement.SourcedMotion
}

// portfolioPDF is the portfolio page as a PDF: ROMI by motion and by period and segment, the
// MDF-sourced pipeline and the recommendation.
func (s *Server) portfolioPDF(w http.ResponseWriter, r *http.Request) error {
	v, err := s.portfolioData(r)
	if err != nil {
		return err
	}
	return sendPDF(w, fmt.Sprintf("portfolio-%s-%s.pdf", v.From, v.To), func(out io.Writer) error {
		if err := writePortfolioPDF(out, v); err != nil {
			return fmt.Errorf("portfolio PDF: %w", err)
		}
		return nil
	})
}

// portfolioData is what the portfolio page and its PDF show, for the request's window and filters.
func (s *Server) portfolioData(r *http.Request) (portfolioView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	l, err := s.readLedger(ctx, q.Get("from"), q.Get("to"))
	if err != nil {
		return portfolioView{}, err
	}
	by, gran := "quarter", portfolio.ByQuarter
	if q.Get("by") == "month" {
		by, gran = "month", portfolio.ByMonth
	}
	v := portfolioView{From: l.Window.From.String(), To: l.Window.To.String(), By: by, Currency: "USD",
		Totals: enablement.Lines(l.Totals()), Rows: enablement.Lines(l.Returns(gran, true)),
		SpendLines: len(l.Spend), DealsClosed: len(l.Deals)}
	sourced, err := s.enablement().MDFSourced(ctx, actorFrom(ctx), l.Window.From.Start(), (l.Window.To + 1).Start())
	if err != nil {
		return portfolioView{}, err
	}
	v.Sourced = sourced.Motions
	if l.Retention != nil {
		v.Retention = new(big.Rat).Mul(l.Retention, big.NewRat(100, 1)).FloatString(1) + " %"
	}
	if motion := q.Get("motion"); motion != "" { // a chart bar's link: that motion's rows
		v.Rows = slices.DeleteFunc(v.Rows, func(x enablement.ReturnsLine) bool { return x.Motion != motion })
	}
	qs := url.Values{"from": {v.From}, "to": {v.To}, "by": {by}}.Encode()
	v.CSVLink, v.APILink = "/portfolio/returns.csv?"+qs, APIPrefix+"/portfolio/returns?segments=true&"+qs
	v.PDFLink = "/portfolio/report.pdf?" + qs
	if v.Chart, err = spendReturnChart(v.Totals, v.Currency); err != nil {
		return portfolioView{}, err
	}
	if rec, err := l.Recommend(enablement.RecommendOptions{Seed: 1}); err != nil {
		v.RecError = err.Error()
	} else {
		view := enablement.View(rec)
		v.Rec = &view
	}
	return v, nil
}

// spendReturnChart draws spend against attributable gross margin per motion, in whole units.
func spendReturnChart(totals []enablement.ReturnsLine, currency string) (string, error) {
	c := sharedAxisChart{barChart: barChart{Currency: currency, Series: []chartSeries{{Name: "Spend", Money: true},
		{Name: "Attributable gross margin", Money: true}}}, OneAxis: true, AxisName: currency}
	colors := map[string]string{"partner_sourced": "#2e7d32", "co_sell": "#b26a00", "resell": "#6a1b9a", "direct": "#1f5fbf"}
	for _, t := range totals {
		c.Labels = append(c.Labels, strings.ReplaceAll(t.Motion, "_", " "))
		c.Links = append(c.Links, "/portfolio?motion="+t.Motion+"#portfolio-rows")
		c.Colors = append(c.Colors, cmp.Or(colors[t.Motion], "#8a94a3"))
		for i, m := range []tandem.Money{t.Spend, t.GrossMargin} {
			c.Series[i].Values = append(c.Series[i].Values, wholeUnits(m))
			c.Series[i].Display = append(c.Series[i].Display, m.Format(currency))
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("spend chart: %w", err)
	}
	return string(b), nil
}

// portfolioCSV exports the returns table (money as plain decimal numbers).
func (s *Server) portfolioCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	l, err := s.readLedger(r.Context(), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	gran := portfolio.ByQuarter
	if q.Get("by") == "month" {
		gran = portfolio.ByMonth
	}
	return writeCSVDownload(w, "portfolio-returns.csv", []string{"period", "motion", "segment", "spend", "gross_margin", "deals", "wins", "win_rate", "new_customers", "romi", "cac", "ltv", "cycle_days", "spend_lines", "deal_lines"},
		enablement.Lines(l.Returns(gran, true)), func(x enablement.ReturnsLine) []string {
			return []string{x.Period, x.Motion, x.Segment, x.Spend.String(), x.GrossMargin.String(), strconv.Itoa(x.Deals), strconv.Itoa(x.Wins),
				strconv.FormatFloat(x.WinRate, 'f', 4, 64), strconv.Itoa(x.NewCustomers), x.ROMI, x.CAC.String(), x.LTV.String(), strconv.FormatFloat(x.CycleDays, 'f', 1, 64),
				strings.Join(x.SpendLines, " "), strings.Join(x.DealLines, " ")}
		})
}

// mdfView is the MDF page: funds with totals and requests (a partner: its own; staff: all, with the queue).
type mdfView struct {
	Funds    []enablement.FundView
	Queue    []sqlstore.MDFRequest
	Requests []sqlstore.MDFRequest // the page of the requests list, as filtered
	// The requests list's filters (state, and the partner for staff), its total and pager.
	State, PartnerID string
	States           []mdf.State
	Partners         []partnerOption
	RequestsTotal    string
	RequestsPager    pager
	RequestsCSV      string
	Partner          bool
	Approver         bool
	CSRF             string
	Done             string
	// Sourced is each request's MDF-sourced pipeline (the opportunities its leads became), by request id.
	Sourced map[int64]enablement.SourcedRequest
	Form    mdfRequestForm // a refused request, shown again with every problem next to its field
}

// mdfRequestForm is a partner's funds request as typed.
type mdfRequestForm struct {
	FundID                             int64
	Activity, Amount, ExpectedPipeline string
	Motion                             string
	Errors                             formErrors
}

func (s *Server) mdfPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMDF(w, r, http.StatusOK, mdfRequestForm{})
}

func (s *Server) renderMDF(w http.ResponseWriter, r *http.Request, status int, form mdfRequestForm) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	funds, err := s.enablement().Funds(ctx, actor)
	if err != nil {
		return err
	}
	reqs, err := s.store.ListMDFRequests(ctx, actor, sqlstore.MDFRequestFilter{})
	if err != nil {
		return err
	}
	lp := parseList(r)
	lp.Path = "/mdf" // also rendered after a refused request POST
	lp.Filters.Del("done")
	shown, total, err := s.mdfRequestsList(r, lp)
	if err != nil {
		return err
	}
	if lp.CSV {
		return writeMDFRequestsCSV(w, s.now(), shown, total)
	}
	sourced, err := s.enablement().MDFSourced(ctx, actor, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	v := mdfView{Funds: funds, Requests: shown, State: lp.Query.Get("state"), PartnerID: lp.Query.Get("partner_id"), States: mdf.States,
		RequestsTotal: count(total), RequestsPager: lp.Pager(total, len(shown)), Partner: actor.IsPartner(), Approver: !actor.IsPartner() && actor.Can(enablement.ChannelApprovers...),
		CSRF: csrfOf(r), Done: r.URL.Query().Get("done"), Sourced: map[int64]enablement.SourcedRequest{}, Form: form}
	v.RequestsCSV = v.RequestsPager.CSV
	if !actor.IsPartner() {
		names, err := s.partnerNames(r, actor)
		if err != nil {
			return err
		}
		for id, name := range names {
			v.Partners = append(v.Partners, partnerOption{ID: id, Name: name, Selected: v.PartnerID == strconv.FormatInt(id, 10)})
		}
		sortPartnerOptions(v.Partners)
	}
	for _, sr := range sourced.Requests {
		v.Sourced[sr.RequestID] = sr
	}
	for _, q := range reqs {
		if q.State == string(mdf.Requested) || q.State == string(mdf.Claimed) {
			v.Queue = append(v.Queue, q)
		}
	}
	s.render(w, r, status, "mdf", view{Title: "MDF", Nav: "mdf", Data: v})
	return nil
}

// mdfMoveSubmit makes one move from the page's forms and returns to the page.
func (s *Server) mdfMoveSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "MDF fund")
	if err != nil {
		return err
	}
	m := enablement.Move{Action: mdf.ActionKind(r.PostFormValue("action")), Request: r.PostFormValue("request"),
		Activity: strings.TrimSpace(r.PostFormValue("activity")), Motion: r.PostFormValue("motion"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if m.Action == mdf.Request {
		return s.mdfRequestSubmit(w, r, id, m)
	}
	for field, dst := range map[string]*tandem.Money{"amount": &m.Amount, "expected_pipeline": &m.ExpectedPipeline} {
		if v := strings.TrimSpace(r.PostFormValue(field)); v != "" {
			amount, _, err := tandem.ParseMoney(v)
			if err != nil {
				return tandem.FieldError(field, "%q is not an amount", v)
			}
			*dst = amount
		}
	}
	if v := strings.TrimSpace(r.PostFormValue("attendees")); v != "" {
		if m.Attendees, err = strconv.Atoi(v); err != nil {
			return tandem.FieldError("attendees", "%q is not a number", v)
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"files", &m.Files}, {"leads", &m.Leads}} {
		for _, x := range strings.FieldsFunc(r.PostFormValue(f.name), func(r rune) bool { return r == ',' || r == '\n' }) {
			if x = strings.TrimSpace(x); x != "" {
				*f.dst = append(*f.dst, x)
			}
		}
	}
	if _, err := s.enablement().MoveMDF(r.Context(), actorFrom(r.Context()), id, m); err != nil {
		return err
	}
	http.Redirect(w, r, "/mdf?done="+url.QueryEscape(string(m.Action)), http.StatusSeeOther)
	return nil
}

// mdfRequestSubmit asks for funds, showing every problem of the activity, amount and expected pipeline
// at once next to its field rather than one per submit.
func (s *Server) mdfRequestSubmit(w http.ResponseWriter, r *http.Request, fundID int64, m enablement.Move) error {
	form := mdfRequestForm{FundID: fundID, Activity: m.Activity, Amount: strings.TrimSpace(r.PostFormValue("amount")),
		ExpectedPipeline: strings.TrimSpace(r.PostFormValue("expected_pipeline")), Motion: m.Motion, Errors: newFormErrors()}
	if m.Activity == "" {
		form.Errors.add("activity", "say what the funds are for")
	}
	for _, f := range []struct {
		name, value string
		dst         *tandem.Money
		required    bool
	}{{"amount", form.Amount, &m.Amount, true}, {"expected_pipeline", form.ExpectedPipeline, &m.ExpectedPipeline, false}} {
		if f.value == "" {
			if f.required {
				form.Errors.add(f.name, "enter an amount, like 5000")
			}
			continue
		}
		amount, _, err := tandem.ParseMoney(f.value)
		if err != nil {
			form.Errors.add(f.name, fmt.Sprintf("%q is not an amount", f.value))
			continue
		}
		if err := tandem.CheckAmount(f.name, amount); err != nil {
			form.Errors.addErr(nil, err)
			continue
		}
		*f.dst = amount
	}
	if len(form.Errors) == 0 {
		_, err := s.enablement().MoveMDF(r.Context(), actorFrom(r.Context()), fundID, m)
		if err == nil {
			http.Redirect(w, r, "/mdf?done="+url.QueryEscape(string(m.Action)), http.StatusSeeOther)
			return nil
		}
		if rest := form.Errors.addErr(nil, err); len(rest) > 0 {
			return err // not about a field: the error page says what went wrong
		}
	}
	return s.renderMDF(w, r, http.StatusUnprocessableEntity, form)
}

// mdfCSV exports the requests the caller sees.
// mdfCSV is the requests list's CSV (the filters of /mdf apply), at its older address.
func (s *Server) mdfCSV(w http.ResponseWriter, r *http.Request) error {
	lp := parseList(r)
	lp.CSV = true
	reqs, total, err := s.mdfRequestsList(r, lp)
	if err != nil {
		return err
	}
	return writeMDFRequestsCSV(w, s.now(), reqs, total)
}

// mdfRequestsList reads the MDF requests list's filters (state; partner, which the store overrides for
// a partner user) and returns the page lp asks for, or every request for a CSV, with how many match.
// The store reads a partner's or the programme's requests whole (a few hundred on the demo company),
// so the page is cut here.
func (s *Server) mdfRequestsList(r *http.Request, lp listParams) ([]sqlstore.MDFRequest, int, error) {
	var f sqlstore.MDFRequestFilter
	if st := lp.Query.Get("state"); st != "" {
		if !slices.Contains(mdf.States, mdf.State(st)) {
			return nil, 0, tandem.FieldError("state", "%q is not an MDF request state", st)
		}
		f.States = []string{st}
	}
	if v := lp.Query.Get("partner_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, 0, tandem.FieldError("partner_id", "%q is not a partner id", v)
		}
		f.PartnerID = id
	}
	reqs, err := s.store.ListMDFRequests(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		return nil, 0, err
	}
	total := len(reqs)
	if lp.CSV {
		return reqs[:min(total, listCSVMax)], total, nil
	}
	from := min(lp.Offset(), total)
	return reqs[from:min(from+lp.Size, total)], total, nil
}

// writeMDFRequestsCSV writes MDF requests as the requests list shows them.
func writeMDFRequestsCSV(w http.ResponseWriter, now time.Time, reqs []sqlstore.MDFRequest, total int) error {
	return writeRowsCSV(w, "mdf-requests", now, []string{"ref", "partner", "period", "activity", "motion", "state", "expected_pipeline",
		"requested", "approved", "claimed", "paid", "reject_reason", "leads"}, reqs, total, func(q sqlstore.MDFRequest) []string {
		return []string{q.Ref, q.PartnerName, q.Period, q.Activity, q.Motion, q.State, q.ExpectedPipeline.String(), q.Requested.String(),
			q.Approved.String(), q.Claimed.String(), q.Paid.String(), q.RejectReason, strings.Join(q.Leads, " ")}
	})
}

func (s *Server) certificationsPage(w http.ResponseWriter, r *http.Request) error {
	at := s.now().UTC()
	if v := r.URL.Query().Get("at"); v != "" {
		var err error
		if at, err = time.Parse(time.DateOnly, v); err != nil {
			return tandem.FieldError("at", "%q is not a date like 2026-07-01", v)
		}
	}
	rep, err := s.enablement().Certifications(r.Context(), actorFrom(r.Context()), at)
	if err != nil {
		return err
	}
	lp := parseList(r)
	v := certificationsView{CertificationReport: rep, Kind: lp.Query.Get("kind"), Uncovered: lp.Query.Get("uncovered") != "",
		PartnerID: lp.Query.Get("partner_id"), Kinds: []string{"vertical", "product"}}
	if v.Kind != "" && !slices.Contains(v.Kinds, v.Kind) {
		return tandem.FieldError("kind", "%q is not vertical or product", v.Kind)
	}
	// The report is the actor's (a partner user's holds its own partner only), so the filters only narrow it.
	var rows []coverageRow
	for _, p := range rep.Partners {
		if !actorFrom(r.Context()).IsPartner() {
			v.PartnerOptions = append(v.PartnerOptions, partnerOption{ID: p.PartnerID, Name: p.Partner, Selected: v.PartnerID == strconv.FormatInt(p.PartnerID, 10)})
		}
		if v.PartnerID != "" && v.PartnerID != strconv.FormatInt(p.PartnerID, 10) {
			continue
		}
		for _, c := range p.Cells {
			if (v.Kind == "" || c.Kind == v.Kind) && (!v.Uncovered || len(c.People) == 0) {
				rows = append(rows, coverageRow{Partner: p.Partner, Kind: c.Kind, Name: c.Name, Role: string(c.Role), People: c.People})
			}
		}
	}
	sortPartnerOptions(v.PartnerOptions)
	if lp.CSV {
		return writeRowsCSV(w, "certification-coverage", s.now(), []string{"partner", "kind", "name", "role", "certified_people", "people"},
			rows[:min(len(rows), listCSVMax)], len(rows), func(row coverageRow) []string {
				return []string{row.Partner, row.Kind, row.Name, row.Role, strconv.Itoa(len(row.People)), strings.Join(row.People, " ")}
			})
	}
	from := min(lp.Offset(), len(rows))
	v.Coverage = rows[from:min(from+lp.Size, len(rows))]
	v.CoverageTotal, v.Pager = count(len(rows)), lp.Pager(len(rows), len(v.Coverage))
	s.render(w, r, http.StatusOK, "certifications", view{Title: "Certifications", Nav: "certifications", Data: v})
	return nil
}

// certificationsView is the certifications page: the report, and a page of its coverage table under
// the table's filters (partner, kind, cells no one is certified for).
type certificationsView struct {
	*enablement.CertificationReport
	Coverage        []coverageRow
	CoverageTotal   string
	Kind, PartnerID string
	Uncovered       bool
	Kinds           []string
	PartnerOptions  []partnerOption // the partner filter's choices (staff only)
	Pager           pager
}

// coverageRow is one cell of a partner's coverage matrix.
type coverageRow struct {
	Partner, Kind, Name, Role string
	People                    []string
}
