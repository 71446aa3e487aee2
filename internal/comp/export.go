package comp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

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
	for i := range st.Lines {
		l := &st.Lines[i]
		if err := cw.Write([]string{l.Period, string(l.PayeeKind), id, st.Name, strconv.FormatInt(l.OpportunityID, 10),
			l.DealExternal, string(l.Kind), string(l.Attribution), l.Basis.String(), strconv.Itoa(l.RateBasisPoints),
			l.Amount.String(), l.QuotaCredit.String(), l.Rule, l.PlanVersion, l.AdjustsPeriod, l.Explanation}); err != nil {
			return err
		}
	}
	return cw.Write([]string{st.Period, string(st.PayeeKind), id, st.Name, "", "", "total", "", "", "",
		st.Total.String(), st.Credit.String(), "", "", "", fmt.Sprintf("total of %d lines", len(st.Lines))})
}

// MarshalResult returns the canonical JSON of a result: fields in declaration order, statements and
// lines in the engine's order, times in UTC, indented, ending in a newline. The same result always
// gives the same bytes, so a closed period's frozen statements can be compared byte for byte.
func MarshalResult(res *Result) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return nil, fmt.Errorf("marshal result: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalResult reads a result written by MarshalResult.
func UnmarshalResult(data []byte) (*Result, error) {
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("unmarshal result: %w", err)
	}
	return &res, nil
}
