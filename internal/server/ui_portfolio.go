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
	"github.com/tandem-revops/tandem/internal/csvio"
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
	mux.HandleFunc("GET /portfolio", s.signedIn(s.page(s.portfolioPage), compViewers.roles...))
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

func (s *Server) portfolioPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.portfolioData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "portfolio", view{Title: "Portfolio", Nav: "portfolio", Data: v})
	return nil
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
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="portfolio-returns.csv"`)
	cw := csvio.NewWriter(w)
	cw.Write([]string{"period", "motion", "segment", "spend", "gross_margin", "deals", "wins", "win_rate", "new_customers", "romi", "cac", "ltv", "cycle_days", "spend_lines", "deal_lines"})
	for _, x := range enablement.Lines(l.Returns(gran, true)) {
		cw.Write([]string{x.Period, x.Motion, x.Segment, x.Spend.String(), x.GrossMargin.String(), strconv.Itoa(x.Deals), strconv.Itoa(x.Wins),
			strconv.FormatFloat(x.WinRate, 'f', 4, 64), strconv.Itoa(x.NewCustomers), x.ROMI, x.CAC.String(), x.LTV.String(), strconv.FormatFloat(x.CycleDays, 'f', 1, 64),
			strings.Join(x.SpendLines, " "), strings.Join(x.DealLines, " ")})
	}
	return cw.Flush()
}

// mdfView is the MDF page: funds with totals and requests (a partner: its own; staff: all, with the queue).
type mdfView struct {
	Funds    []enablement.FundView
	Queue    []sqlstore.MDFRequest
	Requests []sqlstore.MDFRequest
	Partner  bool
	Approver bool
	CSRF     string
	Done     string
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
	sourced, err := s.enablement().MDFSourced(ctx, actor, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	v := mdfView{Funds: funds, Requests: reqs, Partner: actor.IsPartner(), Approver: !actor.IsPartner() && actor.Can(enablement.ChannelApprovers...),
		CSRF: csrfOf(r), Done: r.URL.Query().Get("done"), Sourced: map[int64]enablement.SourcedRequest{}, Form: form}
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
func (s *Server) mdfCSV(w http.ResponseWriter, r *http.Request) error {
	reqs, err := s.store.ListMDFRequests(r.Context(), actorFrom(r.Context()), sqlstore.MDFRequestFilter{})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mdf-requests.csv"`)
	cw := csvio.NewWriter(w)
	cw.Write([]string{"ref", "partner", "period", "activity", "motion", "state", "expected_pipeline", "requested", "approved", "claimed", "paid", "reject_reason", "leads"})
	for _, q := range reqs {
		cw.Write([]string{q.Ref, q.PartnerName, q.Period, q.Activity, q.Motion, q.State, q.ExpectedPipeline.String(), q.Requested.String(),
			q.Approved.String(), q.Claimed.String(), q.Paid.String(), q.RejectReason, strings.Join(q.Leads, " ")})
	}
	return cw.Flush()
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
	s.render(w, r, http.StatusOK, "certifications", view{Title: "Certifications", Nav: "certifications", Data: rep})
	return nil
}
