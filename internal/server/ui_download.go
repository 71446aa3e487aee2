package server

import (
	"net/http"

	"github.com/tandem-revops/tandem/internal/csvio"
)

// The downloads the HTML pages offer besides their lists' CSVs (listpage.go): reports and ledgers as
// attachments.

// attachment marks the response as a download of contentType named filename.
func attachment(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}

// writeCSVDownload writes header and a row per item (its cells from row) as a formula-safe CSV
// attachment named filename.
func writeCSVDownload[T any](w http.ResponseWriter, filename string, header []string, items []T, row func(T) []string) error {
	attachment(w, "text/csv; charset=utf-8", filename)
	cw := csvio.NewWriter(w)
	cw.Write(header)
	for _, it := range items {
		cw.Write(row(it))
	}
	return cw.Flush()
}
