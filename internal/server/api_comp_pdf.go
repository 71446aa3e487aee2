package server

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tandem-revops/tandem/internal/comp"
)

// writeStatementPDF writes a statement as a PDF: a heading, one table row per line (deal, kind, rule,
// basis, rate, amount) with the line's explanation under it, and the total. The creation date is the
// period's start, so the same statement always gives the same bytes (see newReportPDF).
func writeStatementPDF(w io.Writer, st *comp.Statement) error {
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if p, err := comp.ParsePeriod(st.Period); err == nil {
		start = p.Start
	}
	who := "AE"
	if st.PayeeKind == comp.PayeePartner {
		who = "Partner"
	}
	pdf, tr := newReportPDF(fmt.Sprintf("Compensation statement %s - %s %s", st.Period, who, st.Name), start)
	pdf.SetFont("Helvetica", "", 10)
	if st.PayeeKind == comp.PayeeAE {
		pdf.CellFormat(0, 6, tr(fmt.Sprintf("Quota %s   Credit %s   Attainment %s%%", st.Quota, st.Credit,
			strconv.FormatFloat(float64(st.AttainmentBasisPoints)/100, 'f', 2, 64))), "", 1, "L", false, 0, "")
		if st.PerformanceReview {
			pdf.CellFormat(0, 6, tr("Flagged for performance review: a deal undercut a partner's registered deal."), "", 1, "L", false, 0, "")
		}
	}
	pdf.Ln(2)

	cols := []pdfColumn{{"Deal", 40, "L"}, {"Kind", 34, "L"}, {"Attribution", 34, "L"}, {"Rule", 62, "L"}, {"Basis", 34, "R"},
		{"Rate (bp)", 22, "R"}, {"Amount", 36, "R"}}
	writePDFTableHeader(pdf, tr, cols)
	for i := range st.Lines {
		l := &st.Lines[i]
		if pdf.GetY() > 180 {
			pdf.AddPage()
			writePDFTableHeader(pdf, tr, cols)
		}
		deal := l.DealExternal
		if l.AdjustsPeriod != "" {
			deal += " (" + l.AdjustsPeriod + ")"
		}
		cells := []string{deal, string(l.Kind), string(l.Attribution), l.Rule, l.Basis.String(),
			strconv.Itoa(l.RateBasisPoints), l.Amount.String()}
		pdf.SetFont("Helvetica", "", 9)
		for j, c := range cols {
			pdf.CellFormat(c.width, 5, tr(cells[j]), "", 0, c.align, false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.SetX(pdf.GetX() + 4)
		pdf.MultiCell(258, 4, tr(l.Explanation), "", "L", false)
		pdf.Ln(1)
	}
	pdf.SetFont("Helvetica", "B", 10)
	var width float64
	for _, c := range cols[:len(cols)-1] {
		width += c.width
	}
	pdf.CellFormat(width, 7, tr(fmt.Sprintf("Total (%d lines)", len(st.Lines))), "T", 0, "L", false, 0, "")
	pdf.CellFormat(cols[len(cols)-1].width, 7, st.Total.String(), "T", 1, "R", false, 0, "")
	return pdf.Output(w)
}
