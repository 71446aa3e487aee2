package server

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/portfolio"
)

// writePortfolioPDF writes the portfolio page as a PDF the way comp statements are written
// (writeStatementPDF): ROMI, CAC, LTV and cycle time by motion, the MDF-sourced pipeline, the
// recommendation with its explanation, then the rows by period, motion and segment. Content is not
// compressed (tests read the text) and the creation date is the window's first month, so the same
// data always gives the same bytes.
func writePortfolioPDF(w io.Writer, v portfolioView) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same data gives the same bytes
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if m, err := portfolio.ParseMonth(v.From); err == nil {
		start = m.Start()
	}
	pdf.SetCreationDate(start)
	pdf.SetModificationDate(start)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	title := fmt.Sprintf("Enablement portfolio %s to %s", v.From, v.To)
	pdf.SetTitle(title, true)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s - page %d of {nb}", title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	money := func(m tandem.Money) string { return m.Format(v.Currency) }
	human := func(s string) string { return strings.ReplaceAll(s, "_", " ") }
	type col struct {
		head  string
		width float64
		align string
	}
	table := func(cols []col, rows [][]string) {
		header := func() {
			pdf.SetFont("Helvetica", "B", 9)
			pdf.SetFillColor(230, 230, 230)
			for _, c := range cols {
				pdf.CellFormat(c.width, 6, tr(c.head), "B", 0, c.align, true, 0, "")
			}
			pdf.Ln(-1)
		}
		header()
		pdf.SetFont("Helvetica", "", 9)
		for _, r := range rows {
			if pdf.GetY() > 185 {
				pdf.AddPage()
				header()
				pdf.SetFont("Helvetica", "", 9)
			}
			for j, c := range cols {
				pdf.CellFormat(c.width, 5, tr(r[j]), "", 0, c.align, false, 0, "")
			}
			pdf.Ln(-1)
		}
		pdf.Ln(3)
	}
	heading := func(s string) {
		pdf.SetFont("Helvetica", "B", 12)
		pdf.CellFormat(0, 8, tr(s), "", 1, "L", false, 0, "")
	}
	returnsCols := []col{{"Period", 34, "L"}, {"Motion", 34, "L"}, {"Segment", 26, "L"}, {"Spend", 30, "R"}, {"Gross margin", 30, "R"},
		{"ROMI", 22, "R"}, {"Wins / deals", 22, "R"}, {"CAC", 28, "R"}, {"LTV", 30, "R"}, {"Cycle (days)", 20, "R"}}
	returnsRow := func(x enablement.ReturnsLine) []string {
		cac, ltv, cycle := "", "", ""
		if x.CAC != 0 {
			cac = money(x.CAC)
		}
		if x.LTV != 0 {
			ltv = money(x.LTV)
		}
		if x.Wins > 0 {
			cycle = strconv.FormatFloat(x.CycleDays, 'f', 1, 64)
		}
		return []string{x.Period, human(x.Motion), human(x.Segment), money(x.Spend), money(x.GrossMargin), x.ROMI,
			fmt.Sprintf("%d / %d", x.Wins, x.Deals), cac, ltv, cycle}
	}

	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	retention := "not measurable in this window"
	if v.Retention != "" {
		retention = v.Retention
	}
	pdf.MultiCell(0, 4.5, tr(fmt.Sprintf("%d spend lines and %d closed deals. ROMI = (attributable gross margin - spend) / spend; "+
		"CAC = spend / new customers; LTV = (gross margin / wins) / (1 - annual retention), retention %s; cycle time = mean days "+
		"from creation to close of the won deals. Amounts in %s.", v.SpendLines, v.DealsClosed, retention, v.Currency)), "", "L", false)
	pdf.Ln(2)

	heading("ROMI by motion")
	var rows [][]string
	for _, x := range v.Totals {
		rows = append(rows, returnsRow(x))
	}
	table(returnsCols, rows)

	heading("MDF-sourced pipeline / won")
	rows = nil
	for _, x := range v.Sourced {
		rows = append(rows, []string{human(x.Motion), strconv.Itoa(x.Requests), money(x.Paid), money(x.Pipeline), money(x.Won), strconv.Itoa(len(x.Deals))})
	}
	table([]col{{"Motion", 40, "L"}, {"Requests", 24, "R"}, {"MDF paid", 36, "R"}, {"Pipeline", 40, "R"}, {"Won", 40, "R"}, {"Deals", 20, "R"}}, rows)

	heading("Recommendation for next month")
	pdf.SetFont("Helvetica", "", 9)
	if v.Rec == nil {
		pdf.MultiCell(0, 4.5, tr("No recommendation: "+v.RecError), "", "L", false)
	} else {
		pdf.MultiCell(0, 4.5, tr(v.Rec.Explanation), "", "L", false)
		pdf.Ln(1)
		rows = nil
		for _, p := range append(v.Rec.Motions, v.Rec.Total) {
			rows = append(rows, []string{human(p.Motion), money(p.Current), money(p.Recommended), money(p.ExpectedGrossMargin),
				money(p.P10), money(p.P90), money(p.ExpectedGain)})
		}
		table([]col{{"Motion", 40, "L"}, {"Current", 36, "R"}, {"Recommended", 36, "R"}, {"Expected margin", 38, "R"}, {"P10", 34, "R"},
			{"P90", 34, "R"}, {"Expected gain", 36, "R"}}, rows)
	}

	heading("ROMI by period, motion and segment")
	rows = nil
	for _, x := range v.Rows {
		rows = append(rows, returnsRow(x))
	}
	table(returnsCols, rows)
	return pdf.Output(w)
}
