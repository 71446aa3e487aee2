package comp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	tandem "github.com/tandem-revops/tandem"

	"github.com/tandem-revops/tandem/internal/csvio"
)

// csvHeader is the header of statement CSV exports.
var csvHeader = []string{"period", "payee_kind", "payee_id", "payee_name", "opportunity_id", "deal_external_id", "kind",
	"attribution", "basis", "rate_basis_points", "amount", "quota_credit", "rule", "plan_version", "adjusts_period", "explanation"}

// WriteStatementCSV writes one statement as CSV: a header, one row per line and a last row of kind
// "total" whose amount is the statement's total. Money is written as plain numbers ("1234.56",
// "-80.00") so spreadsheets keep it numeric; text cells are made safe against formula injection.
func WriteStatementCSV(w io.Writer, st Statement) error {
	cw := csvio.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	if err := writeStatementRows(cw, &st); err != nil {
		return err
	}
	return cw.Flush()
}

// WriteResultCSV writes every statement of a result (AEs, then partners) under one header, each
// followed by its total row.
func WriteResultCSV(w io.Writer, res *Result) error {
	cw := csvio.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, sts := range [][]Statement{res.AEs, res.Partners} {
		for i := range sts {
			if err := writeStatementRows(cw, &sts[i]); err != nil {
				return err
			}
		}
	}
	return cw.Flush()
}

func writeStatementRows(cw *csvio.Writer, st *Statement) error {
	id := strconv.FormatInt(st.PayeeID, 10)
	var row [16]string // reused: a quarter's export writes millions of rows
	for i := range st.Lines {
		l := &st.Lines[i]
		row = [16]string{l.Period, string(l.PayeeKind), id, st.Name, strconv.FormatInt(l.OpportunityID, 10),
			l.DealExternal, string(l.Kind), string(l.Attribution), moneyText(l.Basis), strconv.Itoa(l.RateBasisPoints),
			moneyText(l.Amount), moneyText(l.QuotaCredit), l.Rule, l.PlanVersion, l.AdjustsPeriod, l.Explanation}
		if err := cw.Write(row[:]); err != nil {
			return err
		}
	}
	return cw.Write([]string{st.Period, string(st.PayeeKind), id, st.Name, "", "", "total", "", "", "",
		st.Total.String(), st.Credit.String(), "", "", "", fmt.Sprintf("total of %d lines", len(st.Lines))})
}

// moneyText is m.String() ("1234.56", "-0.05") without fmt, for the millions of amounts of an export.
func moneyText(m tandem.Money) string {
	v := int64(m)
	if v == math.MinInt64 {
		return m.String()
	}
	var buf [24]byte
	b := buf[:0]
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/tandem.MinorUnits, 10)
	cents := v % tandem.MinorUnits
	b = append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
	return string(b)
}

// MarshalResult returns the canonical JSON of a result: fields in declaration order, statements and
// lines in the engine's order, times in UTC, indented, ending in a newline. The same result always
// gives the same bytes, so a closed period's frozen statements can be compared byte for byte.
func MarshalResult(res *Result) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteResultJSON(&b, res); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteResultJSON writes the canonical JSON of MarshalResult to w one statement and one profit row
// at a time, so a quarter of a million deals is never held as one document in memory. The bytes are
// exactly what encoding/json writes for the whole Result with a one-space indent and HTML escaping
// off (TestWriteResultJSONMatchesEncoder holds it to that).
func WriteResultJSON(w io.Writer, res *Result) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// elem writes v as an element of a top-level array: indented two levels, without the encoder's newline.
	var elem bytes.Buffer
	elemEnc := json.NewEncoder(&elem)
	elemEnc.SetIndent("  ", " ")
	elemEnc.SetEscapeHTML(false)
	value := func(v any) error {
		elem.Reset()
		if err := elemEnc.Encode(v); err != nil {
			return fmt.Errorf("marshal result: %w", err)
		}
		_, err := bw.Write(bytes.TrimSuffix(elem.Bytes(), []byte("\n")))
		return err
	}
	if res == nil {
		bw.WriteString("null\n")
		return bw.Flush()
	}
	bw.WriteString("{\n \"plan_version\": ")
	if err := value(res.PlanVersion); err != nil {
		return err
	}
	bw.WriteString(",\n \"period\": ")
	if err := value(res.Period); err != nil {
		return err
	}
	if err := writeJSONArray(bw, "aes", res.AEs, value); err != nil {
		return err
	}
	if err := writeJSONArray(bw, "partners", res.Partners, value); err != nil {
		return err
	}
	if err := writeJSONArray(bw, "profit", res.Profit, value); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// writeJSONArray writes `,\n "name": [...]` as encoding/json indents a field of the top-level object.
func writeJSONArray[T any](bw *bufio.Writer, name string, list []T, value func(any) error) error {
	bw.WriteString(",\n \"" + name + "\": ")
	switch {
	case list == nil:
		bw.WriteString("null")
		return nil
	case len(list) == 0:
		bw.WriteString("[]")
		return nil
	}
	bw.WriteString("[")
	for i := range list {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		if err := value(&list[i]); err != nil {
			return err
		}
	}
	bw.WriteString("\n ]")
	return nil
}

// UnmarshalResult reads a result written by MarshalResult.
func UnmarshalResult(data []byte) (*Result, error) {
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("unmarshal result: %w", err)
	}
	return &res, nil
}
