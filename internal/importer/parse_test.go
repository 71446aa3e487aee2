package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// parseAll runs the store-free first stage of an import (reading, mapping, parsing values, duplicate
// ids) over input and returns the entities and each row's problems.
func parseAll[T any](t *testing.T, opts Options, input string, spec func(*Importer, *layout) kindSpec[T]) ([]T, []rowMeta, *layout) {
	t.Helper()
	imp := New(opts)
	rd, err := csvio.NewReader(strings.NewReader(input))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	lay, err := compileLayout(opts.Kind, opts.Format, opts.Mapping, rd, opts.Strict)
	if err != nil {
		t.Fatalf("compileLayout: %v", err)
	}
	imp.layout = lay
	imp.header = rd.Header()
	s := spec(imp, lay)
	p := &rowParser{vocab: imp.vocab, layout: lay}
	var rows []T
	var metas []rowMeta
	for ordinal := 1; ; ordinal++ {
		rec, err := rd.Read()
		if err != nil && err.Error() == "EOF" {
			break
		}
		recErr, _ := err.(*csvio.Error)
		var row T
		m := rowMeta{line: rec.Line, ordinal: ordinal, fields: append([]string(nil), rec.Fields...)}
		parseRecord(imp, p, &s, lay.sources["external_id"], recErr, &row, &m)
		rows = append(rows, row)
		metas = append(metas, m)
	}
	return rows, metas, lay
}

func rowErrors(metas []rowMeta) []RowError {
	var out []RowError
	for _, m := range metas {
		out = append(out, m.errs...)
	}
	return out
}

func TestParseOpportunities(t *testing.T) {
	t.Parallel()
	input := "Opportunity ID,Opportunity Name,Account ID,Amount,Stage,Close Date,Created Date,Billing Country,Type,Forecast Category,Notes\r\n" +
		"006A,Big deal,001A,\"$1,200,000.00\",Negotiation/Review,3/31/2025,2025-01-15,United States,New Business,,x\r\n" +
		"006B,Small deal,001B,12x,Closed Won,2025-13-01,2025-01-15,Atlantis,Existing Business - Upgrade,Commit,y\r\n" +
		"006A,Again,001A,5,Prospecting,2025-02-01,,UK,,,\r\n" +
		"006C,Short,001C\r\n"
	rows, metas, lay := parseAll(t, Options{Kind: "opportunities"}, input, opportunitiesSpec)
	if lay.format != "salesforce" {
		t.Errorf("format = %q, want salesforce", lay.format)
	}
	if diff := cmp.Diff([]string{`columns not imported: "Notes"`}, lay.warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	want := tandem.Opportunity{
		ExternalID: "006A", Name: "Big deal", ACV: 120000000, Currency: "USD", Stage: tandem.StageNegotiation,
		ForecastCategory: tandem.ForecastCommit, ProductType: tandem.ProductCore, Country: "US",
		CloseDate: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), CreatedOn: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC),
	}
	if diff := cmp.Diff(want, rows[0].Opportunity); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	if rows[0].account != "001A" || metas[0].refs.n != 1 || metas[0].refs.items[0].kind != "accounts" {
		t.Errorf("first row should reference account 001A, got %q and %+v", rows[0].account, metas[0].refs)
	}
	wantErrs := []RowError{
		{Line: 3, Column: "Amount", Value: "12x", Reason: "not a number"},
		{Line: 3, Column: "Billing Country", Value: "Atlantis", Reason: "unknown country (write an ISO code such as US or DE, or map it under values)"},
		{Line: 3, Column: "Close Date", Value: "2025-13-01", Reason: "not a date (expected 2006-01-02, 1/2/2006 or 2006-01-02T15:04:05Z)"},
		{Line: 4, Column: "Opportunity ID", Value: "006A", Reason: "duplicate id 006A, first seen on line 2"},
		{Line: 5, Column: "Amount", Reason: "missing: the row has 3 fields, the header 11"},
	}
	if diff := cmp.Diff(wantErrs, rowErrors(metas)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if rows[1].ProductType != tandem.ProductAddon || rows[1].ForecastCategory != tandem.ForecastCommit {
		t.Errorf("second row product type %q forecast %q", rows[1].ProductType, rows[1].ForecastCategory)
	}
}

func TestParseHubSpotDeals(t *testing.T) {
	t.Parallel()
	input := "Record ID;Deal Name;Amount;Deal Stage;Close Date;Create Date;Associated Company;Deal owner;Pipeline;Country/Region;Industry\n" +
		"9001;Renewal;1.200,50;closedwon;2024-06-30;2024-01-02;Globex;ae@example.com;Sales Pipeline;Germany;Retail\n"
	rows, metas, lay := parseAll(t, Options{Kind: "opportunities"}, input, opportunitiesSpec)
	if lay.format != "hubspot" || len(lay.warnings) != 0 {
		t.Fatalf("format %q warnings %v", lay.format, lay.warnings)
	}
	if errs := rowErrors(metas); len(errs) != 0 {
		t.Fatalf("unexpected errors %v", errs)
	}
	o := rows[0]
	if o.ACV != 120050 || o.Stage != tandem.StageClosedWon || o.ForecastCategory != tandem.ForecastClosed || o.Country != "DE" || o.Vertical != "Retail" {
		t.Errorf("parsed %+v", o.Opportunity)
	}
	refs := metas[0].refs.items[:metas[0].refs.n]
	if len(refs) != 2 || refs[0].by != byName || refs[0].value != "Globex" || refs[1].by != byEmail || refs[1].value != "ae@example.com" {
		t.Errorf("refs %+v", refs)
	}
}

func TestWindows1252AndBOM(t *testing.T) {
	t.Parallel()
	input := "\xef\xbb\xbfexternal_id,name,country\r\nA1,Acme,DE\r\n"
	rows, metas, _ := parseAll(t, Options{Kind: "accounts"}, input, accountsSpec)
	if errs := rowErrors(metas); len(errs) != 0 || rows[0].Name != "Acme" {
		t.Fatalf("rows %+v errors %v", rows, errs)
	}
	input = "external_id;name;country\r\nA1;M\xfcller \x80 GmbH;Deutschland\r\n"
	rows, metas, _ = parseAll(t, Options{Kind: "accounts"}, input, accountsSpec)
	if errs := rowErrors(metas); len(errs) != 0 || rows[0].Name != "Müller € GmbH" || rows[0].Country != "DE" {
		t.Fatalf("rows %+v errors %v", rows, errs)
	}
}

func TestMappingTemplatesAndValues(t *testing.T) {
	t.Parallel()
	m, err := ParseMapping("agents.yaml", []byte(`
kind: users
format: none
columns:
  external_id: sales_agent
  name: sales_agent
  email: {column: sales_agent, template: "{sales_agent|slug}@example.com"}
constants:
  role: ae
ignore: [manager]
`))
	if err != nil {
		t.Fatal(err)
	}
	input := "sales_agent,manager,regional_office\nAnna Snelling,Dustin,Central\nanna snelling,Dustin,East\n"
	rows, metas, lay := parseAll(t, Options{Kind: "users", Mapping: m}, input, usersSpec)
	if rows[0].Email != "anna.snelling@example.com" || rows[0].Role != tandem.RoleAE || rows[0].Name != "Anna Snelling" {
		t.Errorf("row %+v", rows[0])
	}
	wantErrs := []RowError{{Line: 3, Column: "sales_agent", Value: "anna.snelling@example.com", Reason: "duplicate email, first seen on line 2"}}
	if diff := cmp.Diff(wantErrs, rowErrors(metas)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`columns not imported: "regional_office"`}, lay.warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestCompileLayoutProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, kind, input, mapping string
		strict                     bool
		want                       string
	}{
		{"missing required columns", "opportunities", "foo,bar\n", "",
			false, `no column for external_id`},
		{"strict unknown column", "accounts", "external_id,name,color\n", "", true,
			`columns not imported: "color" (--strict)`},
		{"mapping names a missing column", "accounts", "id,name\n", "columns: {external_id: ident}", false,
			`column "ident" (for external_id) is not in the file`},
		{"mapping for another kind", "accounts", "id,name\n", "kind: users", false, "is for users, not accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m *Mapping
			if tt.mapping != "" {
				var err error
				if m, err = ParseMapping("m.yaml", []byte(tt.mapping)); err != nil {
					t.Fatal(err)
				}
			}
			rd, err := csvio.NewReader(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			_, err = compileLayout(tt.kind, "auto", m, rd, tt.strict)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("compileLayout error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseMappingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"unknown key", "kind: accounts\ncolour: red\n", "field colour not found"},
		{"unknown field", "kind: accounts\ncolumns: {acv: Amount}\n", `accounts has no field "acv"`},
		{"bad kind", "kind: widgets\n", `unknown kind "widgets"`},
		{"bad currency", "currency: dollars\n", `currency "dollars"`},
		{"bad column key", "columns: {name: {col: x}}\n", `unknown key "col"`},
		{"empty column list", "columns: {name: []}\n", "line 1: the list of column names is empty"},
		{"column list of lists", "columns:\n  name: {column: [a, [b]]}\n", "line 2: a column name must be a non-empty string"},
		{"history field on records", "kind: accounts\ncolumns: {field: Field}\n", `accounts has no field "field"`},
		{"record field on history", "kind: opportunity_history\ncolumns: {name: Name}\n", `opportunity_history has no field "name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseMapping("m.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseMapping error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestBuiltinMappingsParse(t *testing.T) {
	t.Parallel()
	names := BuiltinMappings()
	if len(names) < 6 {
		t.Fatalf("built-in mappings: %v", names)
	}
	for _, n := range names {
		if _, err := BuiltinMapping(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestRejectFileIsFormulaSafe(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	imp := New(Options{Kind: "accounts", SkipInvalid: true, Rejects: &buf})
	imp.header = []string{"external_id", "name", "amount"}
	errs := []RowError{{Line: 7, Column: "name", Value: "=HYPERLINK(\"http://x\",\"y\")", Reason: "bad"}}
	if err := imp.reject(7, []string{"A1", "=HYPERLINK(\"http://x\",\"y\")"}, errs); err != nil {
		t.Fatal(err)
	}
	if err := imp.rejects.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "external_id,name,amount,line,error\n" +
		"A1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,7,\"column \"\"name\"\": value \"\"=HYPERLINK(\\\"\"http://x\\\"\",\\\"\"y\\\"\")\"\": bad\"\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("reject file (-want +got):\n%s", diff)
	}
	if imp.report.Rejected != 1 || imp.report.ErrorCount != 1 {
		t.Errorf("report %+v", imp.report)
	}
}

func TestRowErrorFormat(t *testing.T) {
	t.Parallel()
	e := RowError{Line: 12, Column: "Amount", Value: "12x", Reason: "not a number"}
	if got, want := e.Error(), `line 12: column "Amount": value "12x": not a number`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
