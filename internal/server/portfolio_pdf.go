package server

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/portfolio"
)

// writePortfolioPDF writes the portfolio page as a PDF the way comp statements are written
// (writeStatementPDF): ROMI, CAC, LTV and cycle time by motion, the MDF-sourced pipeline, the
// recommendation with its explanation, then the rows by period, motion and segment. The creation date
// is the window's first month, so the same data always gives the same bytes.
func writePortfolioPDF(w io.Writer, v portfolioView) error {
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if m, err := portfolio.ParseMonth(v.From); err == nil {
		start = m.Start()
	}
	pdf, tr := newReportPDF(fmt.Sprintf("Enablement portfolio %s to %s", v.From, v.To), start)
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same data gives the same bytes
	doc := portfolioPDF{pdf: pdf, tr: tr, currency: v.Currency}

	pdf.SetFont("Helvetica", "", 9)
	retention := "not measurable in this window"
	if v.Retention != "" {
		retention = v.Retention
	}
	pdf.MultiCell(0, 4.5, tr(fmt.Sprintf("%d spend lines and %d closed deals. ROMI = (attributable gross margin - spend) / spend; "+
		"CAC = spend / new customers; LTV = (gross margin / wins) / (1 - annual retention), retention %s; cycle time = mean days "+
		"from creation to close of the won deals. Amounts in %s.", v.SpendLines, v.DealsClosed, retention, v.Currency)), "", "L", false)
	pdf.Ln(2)

	doc.heading("ROMI by motion")
	doc.returns(v.Totals)

	doc.heading("MDF-sourced pipeline / won")
	var rows [][]string
	for _, x := range v.Sourced {
		rows = append(rows, []string{humanize(x.Motion), strconv.Itoa(x.Requests), doc.money(x.Paid), doc.money(x.Pipeline), doc.money(x.Won), strconv.Itoa(len(x.Deals))})
	}
	doc.table([]pdfColumn{{"Motion", 40, "L"}, {"Requests", 24, "R"}, {"MDF paid", 36, "R"}, {"Pipeline", 40, "R"}, {"Won", 40, "R"}, {"Deals", 20, "R"}}, rows)

	doc.heading("Recommendation for next month")
	doc.recommendation(v)

	doc.heading("ROMI by period, motion and segment")
	doc.returns(v.Rows)
	return pdf.Output(w)
}

// portfolioPDF is a portfolio report being written: its sections are methods.
type portfolioPDF struct {
	pdf      *fpdf.Fpdf
	tr       func(string) string
	currency string
}

func (d portfolioPDF) money(m tandem.Money) string { return m.Format(d.currency) }

func (d portfolioPDF) heading(s string) {
	d.pdf.SetFont("Helvetica", "B", 12)
	d.pdf.CellFormat(0, 8, d.tr(s), "", 1, "L", false, 0, "")
}

// table writes a table, repeating its header on every page it runs onto.
func (d portfolioPDF) table(cols []pdfColumn, rows [][]string) {
	pdf, tr := d.pdf, d.tr
	writePDFTableHeader(pdf, tr, cols)
	pdf.SetFont("Helvetica", "", 9)
	for _, r := range rows {
		if pdf.GetY() > 185 {
			pdf.AddPage()
			writePDFTableHeader(pdf, tr, cols)
			pdf.SetFont("Helvetica", "", 9)
		}
		for j, c := range cols {
			pdf.CellFormat(c.width, 5, tr(r[j]), "", 0, c.align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(3)
}

var portfolioReturnsColumns = []pdfColumn{{"Period", 34, "L"}, {"Motion", 34, "L"}, {"Segment", 26, "L"}, {"Spend", 30, "R"}, {"Gross margin", 30, "R"},
	{"ROMI", 22, "R"}, {"Wins / deals", 22, "R"}, {"CAC", 28, "R"}, {"LTV", 30, "R"}, {"Cycle (days)", 20, "R"}}

// returns writes a table of returns lines; CAC, LTV and cycle time stay blank where there is nothing to measure.
func (d portfolioPDF) returns(lines []enablement.ReturnsLine) {
	var rows [][]string
	for _, x := range lines {
		cac, ltv, cycle := "", "", ""
		if x.CAC != 0 {
			cac = d.money(x.CAC)
		}
		if x.LTV != 0 {
			ltv = d.money(x.LTV)
		}
		if x.Wins > 0 {
			cycle = strconv.FormatFloat(x.CycleDays, 'f', 1, 64)
		}
		rows = append(rows, []string{x.Period, humanize(x.Motion), humanize(x.Segment), d.money(x.Spend), d.money(x.GrossMargin), x.ROMI,
			fmt.Sprintf("%d / %d", x.Wins, x.Deals), cac, ltv, cycle})
	}
	d.table(portfolioReturnsColumns, rows)
}

// recommendation writes the recommended budget by motion with its explanation, or why there is none.
func (d portfolioPDF) recommendation(v portfolioView) {
	d.pdf.SetFont("Helvetica", "", 9)
	if v.Rec == nil {
		d.pdf.MultiCell(0, 4.5, d.tr("No recommendation: "+v.RecError), "", "L", false)
		return
	}
	d.pdf.MultiCell(0, 4.5, d.tr(v.Rec.Explanation), "", "L", false)
	d.pdf.Ln(1)
	var rows [][]string
	for _, p := range append(v.Rec.Motions, v.Rec.Total) {
		rows = append(rows, []string{humanize(p.Motion), d.money(p.Current), d.money(p.Recommended), d.money(p.ExpectedGrossMargin),
			d.money(p.P10), d.money(p.P90), d.money(p.ExpectedGain)})
	}
	d.table([]pdfColumn{{"Motion", 40, "L"}, {"Current", 36, "R"}, {"Recommended", 36, "R"}, {"Expected margin", 38, "R"}, {"P10", 34, "R"},
		{"P90", 34, "R"}, {"Expected gain", 36, "R"}}, rows)
}
