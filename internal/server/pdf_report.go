package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-pdf/fpdf"
)

// The reports the server writes as PDF (compensation statements, the portfolio, the forecast) share
// one page setup and one way of being sent; what each holds is in its own file.

// newReportPDF starts an A4 landscape report on its first page with the title set in bold at the top
// and "title - page n of m" in every footer. It returns the document and the translator from UTF-8 to
// the core fonts' cp1252, which every text cell must go through. Page content is not compressed, so
// the text stays greppable (tests read it) and the file is still small; the creation date is the
// caller's (a period's or window's start, an as-of day), so the same data always gives the same bytes.
func newReportPDF(title string, created time.Time) (*fpdf.Fpdf, func(string) string) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle(title, true)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s - page %d of {nb}", title, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
	return pdf, tr
}

// pdfColumn is one column of a report table.
type pdfColumn struct {
	head  string
	width float64
	align string // "L" or "R"
}

// writePDFTableHeader writes the grey header row of a table.
func writePDFTableHeader(pdf *fpdf.Fpdf, tr func(string) string, cols []pdfColumn) {
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(230, 230, 230)
	for _, c := range cols {
		pdf.CellFormat(c.width, 6, tr(c.head), "B", 0, c.align, true, 0, "")
	}
	pdf.Ln(-1)
}

// sendPDF writes a report to a buffer first, so that a failure still gets an error page rather than a
// truncated download, then sends it as the attachment filename.
func sendPDF(w http.ResponseWriter, filename string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	_, err := w.Write(buf.Bytes())
	return err
}
