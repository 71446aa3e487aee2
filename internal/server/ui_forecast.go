package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
	"github.com/tandem-revops/tandem/internal/forecasting"
)

// The CRO forecast page: the quarter by attribution category with its bands, the owners' commit
// against the statistical view, the week-over-week waterfall, and every number a link to the deals
// behind it (on the same page). /forecast.csv is the table as CSV.

// forecastNumbers are the table's linked columns, in order: each names the deals behind it.
var forecastNumbers = []string{"won_to_date", "commit", "best_case", "pipeline"}

type forecastCell struct {
	Amount tandem.Money
	Link   string
}

type forecastRow struct {
	Category      string
	Cells         []forecastCell // forecastNumbers order
	P10, P50, P90 tandem.Money
}

type forecastPageData struct {
	Currency            string // the plan currency every amount is in
	Quarter, AsOf, From string
	Seed                uint64
	Rows                []forecastRow
	Chart, Waterfall    string
	Movement            forecast.Movement // the total's
	Submission          *tandem.ForecastSubmission
	Review              *forecastReview
	CallLink, PDFLink   string
	BacktestLink        string
	// The drill-down: the deals behind one number, when one was chosen.
	DealsTitle string
	Deals      []forecasting.DealRef
	CSVLink    string
}

func forecastLink(q forecast.Quarter, asOf forecast.Day, category, number string) string {
	v := url.Values{"quarter": {q.String()}, "as_of": {asOf.String()}}
	if category != "" {
		v.Set("category", category)
		v.Set("number", number)
	}
	return "/forecast?" + v.Encode() + "#deals"
}

// major returns whole major units for a chart (display only; the tables show exact amounts).
func major(m tandem.Money) int64 { return int64(m / tandem.MinorUnits) }

func (s *Server) forecastPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, asOf, err := s.resolveForecast(forecastParams{Quarter: r.URL.Query().Get("quarter"), AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		return err
	}
	book, err := s.forecasts.Book(ctx, actorFrom(ctx))
	if err != nil {
		return err
	}
	// The week's movement is computed beside the forecast (the book keeps both): after a change
	// neither is kept yet, and the two cores halve the wait.
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = book.Movements(q, asOf-7, asOf) }) // its error, if any, comes again below
	f, err := book.Forecast(q, asOf, forecast.Options{})
	wg.Wait()
	if err != nil {
		return err
	}
	return s.renderForecast(w, r, book, f, http.StatusOK, submitForm{}, "")
}

// renderForecast renders the forecast page for f with the submission form as given and a flash.
func (s *Server) renderForecast(w http.ResponseWriter, r *http.Request, book *forecasting.Book, f *forecasting.Forecast, status int,
	form submitForm, flash string) error {
	d, err := s.forecastData(r.Context(), r, book, f, form)
	if err != nil {
		return err
	}
	s.render(w, r, status, "forecast", view{Title: "Forecast " + f.Quarter.String(), Nav: "forecast", Data: d, Flash: flash})
	return nil
}

// forecastData is everything the forecast page and the CRO call view show.
func (s *Server) forecastData(ctx context.Context, r *http.Request, book *forecasting.Book, f *forecasting.Forecast, form submitForm) (*forecastPageData, error) {
	q, asOf := f.Quarter, f.AsOf
	from := asOf - 7
	moves, err := book.Movements(q, from, asOf)
	if err != nil {
		return nil, err
	}
	d := forecastPageData{Currency: f.Currency, Quarter: q.String(), AsOf: asOf.String(), From: from.String(), Seed: f.Seed,
		Movement: moves[len(moves)-1]}
	qv := url.Values{"quarter": {q.String()}, "as_of": {asOf.String()}}.Encode()
	d.CSVLink, d.PDFLink, d.CallLink, d.BacktestLink = "/forecast.csv?"+qv, "/forecast.pdf?"+qv, "/forecast/call?"+qv, "/forecast/backtest"
	type bands struct {
		Labels []string `json:"labels"`
		P10    []int64  `json:"p10"`
		Band   []int64  `json:"band"`
		P50    []int64  `json:"p50"`
		Commit []int64  `json:"commit"`
		Won    []int64  `json:"won"`
		Links  []string `json:"links"`
		Kind   string   `json:"kind"`
	}
	chart := bands{Kind: "bands"}
	for _, l := range f.Lines {
		row := forecastRow{Category: l.Category, P10: l.P10, P50: l.P50, P90: l.P90}
		for i, amount := range []tandem.Money{l.WonToDate, l.Commit, l.BestCase, l.Pipeline} {
			row.Cells = append(row.Cells, forecastCell{Amount: amount, Link: forecastLink(q, asOf, l.Category, forecastNumbers[i])})
		}
		d.Rows = append(d.Rows, row)
		chart.Labels = append(chart.Labels, l.Category)
		chart.P10 = append(chart.P10, major(l.P10))
		chart.Band = append(chart.Band, major(l.P90)-major(l.P10))
		chart.P50 = append(chart.P50, major(l.P50))
		chart.Commit = append(chart.Commit, major(l.Commit))
		chart.Won = append(chart.Won, major(l.WonToDate))
		chart.Links = append(chart.Links, forecastLink(q, asOf, l.Category, "pipeline"))
	}
	b, err := json.Marshal(chart)
	if err != nil {
		return nil, fmt.Errorf("forecast chart: %w", err)
	}
	d.Chart = string(b)
	m := d.Movement
	steps := []struct {
		label string
		v     tandem.Money
	}{{"start", m.Start}, {"added", m.Added}, {"pulled in", m.PulledIn}, {"pushed out", -m.PushedOut}, {"won", -m.Won},
		{"lost", -m.Lost}, {"removed", -m.Removed}, {"amount changed", m.AmountChanged}, {"end", m.End}}
	type waterfall struct {
		Kind   string   `json:"kind"`
		Labels []string `json:"labels"`
		Base   []int64  `json:"base"`
		Values []int64  `json:"values"`
		Up     []bool   `json:"up"`
	}
	wf := waterfall{Kind: "waterfall"}
	var level tandem.Money
	for i, st := range steps {
		wf.Labels = append(wf.Labels, st.label)
		switch {
		case i == 0 || i == len(steps)-1:
			wf.Base, wf.Values, wf.Up = append(wf.Base, 0), append(wf.Values, major(st.v)), append(wf.Up, true)
			level = st.v
		case st.v >= 0:
			wf.Base, wf.Values, wf.Up = append(wf.Base, major(level)), append(wf.Values, major(st.v)), append(wf.Up, true)
			level += st.v
		default:
			level += st.v
			wf.Base, wf.Values, wf.Up = append(wf.Base, major(level)), append(wf.Values, major(-st.v)), append(wf.Up, false)
		}
	}
	if b, err = json.Marshal(wf); err != nil {
		return nil, fmt.Errorf("forecast waterfall: %w", err)
	}
	d.Waterfall = string(b)
	subs, err := s.store.ForecastSubmissions(ctx, actorFrom(ctx), q.String())
	if err != nil {
		return nil, err
	}
	for i := range subs {
		if subs[i].Level == tandem.SubmissionCompany && subs[i].Category == forecast.Total {
			d.Submission = &subs[i] // the latest company number is the CRO's commit
		}
	}
	if cat, num := r.URL.Query().Get("category"), r.URL.Query().Get("number"); cat != "" {
		if !validNumber(num) {
			return nil, tandem.FieldError("number", "%q is not one of won_to_date, commit, best_case, pipeline", num)
		}
		d.DealsTitle = fmt.Sprintf("%s · %s", cat, num)
		d.Deals = dealsBehind(f, cat, num)
	}
	if d.Review, err = s.review(ctx, book, f, form); err != nil {
		return nil, err
	}
	return &d, nil
}

func validNumber(n string) bool {
	for _, m := range forecastNumbers {
		if n == m {
			return true
		}
	}
	return false
}

// forecastCSV writes the forecast table: one line per category and the total, amounts in major units
// (exact decimals).
func (s *Server) forecastCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := s.forecastFor(ctx, forecastParams{Quarter: r.URL.Query().Get("quarter"), AsOf: r.URL.Query().Get("as_of")})
	if err != nil {
		return err
	}
	attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("forecast-%s-%s.csv", f.Quarter, f.AsOf))
	cw := csv.NewWriter(w)
	cw.Write([]string{"quarter", "as_of", "category", "won_to_date", "commit", "best_case", "pipeline", "p10", "p50", "p90", "seed"})
	for _, l := range f.Lines {
		cw.Write([]string{f.Quarter.String(), f.AsOf.String(), l.Category, l.WonToDate.String(), l.Commit.String(), l.BestCase.String(),
			l.Pipeline.String(), l.P10.String(), l.P50.String(), l.P90.String(), fmt.Sprint(f.Seed)})
	}
	cw.Flush()
	return cw.Error()
}

// Gap is the owners' commit less the statistical P50: how far the call is from the model.
func (r forecastRow) Gap() tandem.Money { return r.Cells[1].Amount - r.P50 }
