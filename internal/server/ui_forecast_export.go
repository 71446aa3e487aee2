package server

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/forecast"
)

// The forecast's exports: the forecast as a PDF (as compensation statements are written, see
// api_comp_pdf.go), and the backtest of the database's history as a page, Markdown and CSV.

// forecastPDF writes the quarter's forecast: the table by category with the roll-up and the band, the
// week's movement, the deals at risk and the submissions.
func (s *Server) forecastPDF(w http.ResponseWriter, r *http.Request) error {
	d, _, err := s.requestedForecast(r)
	if err != nil {
		return err
	}
	return sendPDF(w, fmt.Sprintf("forecast-%s-%s.pdf", d.Quarter, d.AsOf), func(out io.Writer) error { return writeForecastPDF(out, d) })
}

// writeForecastPDF lays the forecast out on A4 landscape pages. Content is not compressed (tests read
// it) and the creation date is the as-of day, so the same forecast always gives the same bytes.
func writeForecastPDF(w io.Writer, d *forecastPageData) error {
	day, err := forecast.ParseDay(d.AsOf)
	if err != nil {
		return fmt.Errorf("forecast pdf: %w", err)
	}
	pdf, tr := newReportPDF(fmt.Sprintf("Forecast %s as of %s", d.Quarter, d.AsOf), day.Time())
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Amounts in %s. Commit, best case and pipeline are cumulative; bands are P10-P90 of simulated quarters, seed %d.",
		d.Currency, d.Seed)), "", 1, "L", false, 0, "")
	pdf.Ln(2)
	money := func(m tandem.Money) string { return m.Format(d.Currency) }
	table := func(heading string, heads []string, widths []float64, rows [][]string) {
		if pdf.GetY() > 170 {
			pdf.AddPage()
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 7, tr(heading), "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetFillColor(230, 230, 230)
		for i, h := range heads {
			align := "R"
			if i == 0 {
				align = "L"
			}
			pdf.CellFormat(widths[i], 6, tr(h), "B", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 8)
		for _, row := range rows {
			if pdf.GetY() > 185 {
				pdf.AddPage()
			}
			for i, c := range row {
				align := "R"
				if i == 0 || widths[i] > 60 {
					align = "L"
				}
				pdf.CellFormat(widths[i], 5, tr(c), "", 0, align, false, 0, "")
			}
			pdf.Ln(-1)
		}
		pdf.Ln(3)
	}
	var rows [][]string
	for _, row := range d.Rows {
		line := []string{humanize(row.Category)}
		for _, c := range row.Cells {
			line = append(line, money(c.Amount))
		}
		rows = append(rows, append(line, money(row.P10), money(row.P50), money(row.P90)))
	}
	table("By category", []string{"Category", "Won to date", "Commit", "Best case", "Pipeline", "P10", "P50", "P90"},
		[]float64{45, 33, 33, 33, 33, 33, 33, 33}, rows)
	m := d.Movement
	table(fmt.Sprintf("Week over week: the quarter's open pipeline from %s to %s", d.From, d.AsOf), []string{"Step", "Amount", "Deals"},
		[]float64{60, 40, 20}, [][]string{
			{"Start", money(m.Start), ""}, {"Added", money(m.Added), strconv.Itoa(m.AddedDeals)},
			{"Pulled in", money(m.PulledIn), strconv.Itoa(m.PulledInDeals)}, {"Pushed out", money(m.PushedOut), strconv.Itoa(m.PushedOutDeals)},
			{"Won", money(m.Won), strconv.Itoa(m.WonDeals)}, {"Lost", money(m.Lost), strconv.Itoa(m.LostDeals)},
			{"Removed", money(m.Removed), strconv.Itoa(m.RemovedDeals)}, {"Amount changed", money(m.AmountChanged), strconv.Itoa(m.ChangedDeals)},
			{"End", money(m.End), ""}})
	if rv := d.Review; rv != nil {
		rows = nil
		for _, r := range rv.Risk {
			win := ""
			if r.HasWin {
				win = r.WinPercent()
			}
			rows = append(rows, []string{r.Deal.ExternalID, money(r.Deal.ACV), humanize(string(r.Deal.Forecast)), win, strings.Join(r.Reasons, "; ")})
		}
		table("Deals at risk", []string{"Deal", "ACV", "Forecast", "Win", "Why"}, []float64{35, 35, 25, 15, 160}, rows)
		rows = nil
		for _, sub := range rv.Submissions {
			rows = append(rows, []string{humanize(string(sub.Level)) + " " + sub.ScopeLabel, humanize(sub.Category), money(sub.RollUp),
				money(sub.Adjustment), money(sub.Amount), sub.Who + ": " + sub.Reason})
		}
		table("Submissions", []string{"Who for", "Category", "Roll-up", "Adjustment", "Number", "By, why"},
			[]float64{55, 30, 35, 35, 35, 80}, rows)
	}
	return pdf.Output(w)
}

// backtestWeeks are the weeks the backtest page replays (the command's default).
var backtestWeeks = []int{1, 4, 8}

type backtestPage struct {
	Currency   string
	Lines      []forecast.BacktestLine
	ByCategory []accuracyRow
	ByWeek     []accuracyRow
	Empty      string
}

// backtest replays the history the caller may see (Book.Backtest) as of today.
func (s *Server) backtest(r *http.Request) (*backtestPage, error) {
	ctx := r.Context()
	book, err := s.forecasts.Book(ctx, actorFrom(ctx))
	if err != nil {
		return nil, err
	}
	today := forecast.DayOf(s.now())
	p := &backtestPage{Currency: book.Currency()}
	if book.Len() == 0 {
		p.Empty = "There are no opportunities to replay."
		return p, nil
	}
	lines, _, err := book.Backtest(today, backtestWeeks, forecast.Options{})
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		p.Empty = "The history has no complete quarter from its fifth on to replay."
		return p, nil
	}
	p.Lines = lines
	p.ByCategory = accuracyRows(forecast.Score(lines, func(l forecast.BacktestLine) string { return l.Category }), humanize, true)
	p.ByWeek = accuracyRows(forecast.Score(lines, func(l forecast.BacktestLine) string { return "week " + strconv.Itoa(l.Week) }),
		func(s string) string { return s }, true)
	return p, nil
}

// forecastBacktestCSV writes every backtest line (amounts in major units, exact decimals).
func (s *Server) forecastBacktestCSV(w http.ResponseWriter, r *http.Request) error {
	p, err := s.backtest(r)
	if err != nil {
		return err
	}
	return writeCSVDownload(w, "forecast-backtest.csv", []string{"quarter", "week", "category", "p10", "p50", "p90", "actual", "covered"}, p.Lines,
		func(l forecast.BacktestLine) []string {
			return []string{l.Quarter.String(), strconv.Itoa(l.Week), l.Category, l.P10.String(), l.P50.String(), l.P90.String(),
				l.Actual.String(), strconv.FormatBool(l.Actual >= l.P10 && l.Actual <= l.P90)}
		})
}

// forecastBacktestMarkdown writes the report: coverage and P50 error per category and per week, then
// the lines.
func (s *Server) forecastBacktestMarkdown(w http.ResponseWriter, r *http.Request) error {
	p, err := s.backtest(r)
	if err != nil {
		return err
	}
	attachment(w, "text/markdown; charset=utf-8", "forecast-backtest.md")
	return writeBacktestMarkdown(w, p)
}

func writeBacktestMarkdown(w io.Writer, p *backtestPage) error {
	var b strings.Builder
	b.WriteString("# Forecast backtest\n\n")
	if p.Empty != "" {
		b.WriteString(p.Empty + "\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Every quarter from the history's fifth to its last complete one, forecast as of weeks %v; amounts in %s.\n\n",
		backtestWeeks, p.Currency)
	acc := func(title, head string, rows []accuracyRow) {
		fmt.Fprintf(&b, "## %s\n\n| %s | lines | P10–P90 coverage | P50 MAPE | P50 bias |\n|---|---:|---:|---:|---:|\n", title, head)
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", mdCell(r.Group), r.Lines, r.Coverage, r.MAPE, r.Bias)
		}
		b.WriteString("\n")
	}
	acc("By category", "category", p.ByCategory)
	acc("P50 error by week", "week", p.ByWeek)
	b.WriteString("## Lines\n\n| quarter | week | category | P10 | P50 | P90 | actual |\n|---|---:|---|---:|---:|---:|---:|\n")
	for _, l := range p.Lines {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", l.Quarter, l.Week, l.Category, l.P10, l.P50, l.P90, l.Actual)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell keeps a value from breaking the table.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
