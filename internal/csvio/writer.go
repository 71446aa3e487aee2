package csvio

import (
	"encoding/csv"
	"fmt"
	"io"
	"unicode/utf8"
)

// Writer writes CSV whose cells cannot run as formulas when the file is opened in a spreadsheet.
type Writer struct {
	csv  *csv.Writer
	safe []string
}

// NewWriter returns a Writer that writes comma-separated, LF-terminated records to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{csv: csv.NewWriter(w)}
}

// Write writes one record with every cell passed through SafeCell.
func (w *Writer) Write(record []string) error {
	w.safe = w.safe[:0]
	for _, cell := range record {
		w.safe = append(w.safe, SafeCell(cell))
	}
	if err := w.csv.Write(w.safe); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Flush writes any buffered records and returns the first error met while writing.
func (w *Writer) Flush() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// SafeCell returns s made inert for spreadsheets: a cell starting with '=', '+', '-', '@', a tab, a
// carriage return or a newline gets a leading single quote, so Excel, LibreOffice and Google Sheets show
// it as text instead of evaluating it (OWASP "CSV injection"). So does a cell starting with a space
// (spreadsheets trim it and evaluate what follows) or with the full-width forms ＝ ＋ － ＠, which some
// spreadsheets read as their ASCII twins. Plain numbers such as "-1200.50" or "+1" are left as they are,
// so amounts stay numeric.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@':
		if isPlainNumber(s) {
			return s
		}
		return "'" + s
	case '\t', '\r', '\n', ' ':
		return "'" + s
	}
	if r, _ := utf8.DecodeRuneInString(s); r == '＝' || r == '＋' || r == '－' || r == '＠' {
		return "'" + s
	}
	return s
}

// isPlainNumber reports whether s is a signed decimal number, optionally with thousands commas and an
// exponent ("-1,200.50", "+1", "-1E02"): text a spreadsheet can only read as a number.
func isPlainNumber(s string) bool {
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits, dots := 0, 0
mantissa:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ',' && digits > 0 && dots == 0:
		case c == '.' && dots == 0:
			dots++
		default:
			break mantissa
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}
