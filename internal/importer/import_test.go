package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/tandem-revops/tandem/internal/shareddata"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// sizeRouter is a small routing policy for tests: partner deals under 50,000 are partner-led, the rest direct.
type sizeRouter struct{}

func (sizeRouter) Route(d policy.Deal) (policy.Decision, error) {
	if d.PartnerID != "" && d.ACV < tandem.Major(50_000) {
		return policy.Decision{Motion: tandem.MotionPartnerLed, PartnerAttached: true, Rule: "small-partner", PolicyVersion: "test-1"}, nil
	}
	return policy.Decision{Motion: tandem.MotionDirect, Rule: "default", PolicyVersion: "test-1"}, nil
}

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "tandem.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// importCSV imports content in one transaction and commits it unless the import was refused, as the
// command and the server do.
func importCSV(t *testing.T, store *sqlstore.Store, opts importer.Options, content string) (importer.Report, error) {
	t.Helper()
	if opts.Router == nil {
		opts.Router = sizeRouter{}
	}
	opts.Clock = func() time.Time { return testNow }
	ctx := context.Background()
	tx, err := store.BeginImport(ctx, tandem.SystemActor)
	if err != nil {
		t.Fatalf("begin import: %v", err)
	}
	report, runErr := importer.New(opts).Run(ctx, tx, strings.NewReader(content), "test.csv")
	if runErr == nil && !report.Refused {
		if err := tx.Commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
	} else if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	return report, runErr
}

func mustImport(t *testing.T, store *sqlstore.Store, opts importer.Options, content string) importer.Report {
	t.Helper()
	report, err := importCSV(t, store, opts, content)
	if err != nil {
		t.Fatalf("import %s: %v", opts.Kind, err)
	}
	if report.Refused {
		t.Fatalf("import %s refused: %v", opts.Kind, report.Errors)
	}
	return report
}

// importSkipInvalid imports content with opts.SkipInvalid, the good rows written and the bad ones put in
// the reject file, and returns the report and the reject file.
func importSkipInvalid(t *testing.T, store *sqlstore.Store, opts importer.Options, content string) (importer.Report, string) {
	t.Helper()
	var rejects bytes.Buffer
	opts.SkipInvalid, opts.Rejects = true, &rejects
	report, err := importCSV(t, store, opts, content)
	if err != nil {
		t.Fatal(err)
	}
	return report, rejects.String()
}

// wantCounts checks the upsert counts of an import's report; what names the import in the message.
func wantCounts(t *testing.T, what string, want tandem.UpsertCounts, got importer.Report) {
	t.Helper()
	if diff := cmp.Diff(want, got.Counts); diff != "" {
		t.Errorf("%s counts (-want +got):\n%s", what, diff)
	}
}

const accountsCSV = "external_id,name,country,domain,parent\n" +
	"A1,Acme Corp,US,https://www.acme.com/,\n" +
	"A2,Globex GmbH,Germany,globex.de,A3\n" +
	"A3,Globex Holding,DE,,\n"

const partnersCSV = "external_id,name,tier,type,countries\n" +
	"P1,Northwind,Gold,reseller,US;CA\n"

const opportunitiesCSV = "external_id,name,account,partner,acv,stage,close_date,country\n" +
	"O1,Acme renewal,A1,P1,\"$12,000.00\",Negotiation/Review,2026-06-30,US\n" +
	"O2,Globex platform,A2,,\"$1,200,000.00\",Qualification,6/30/2026,DE\n"

// seededStore opens a new store holding the accounts and partners of accountsCSV and partnersCSV.
func seededStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	store := openStore(t)
	mustImport(t, store, importer.Options{Kind: "accounts"}, accountsCSV)
	mustImport(t, store, importer.Options{Kind: "partners"}, partnersCSV)
	return store
}

func TestImportIsIdempotentAndUpdates(t *testing.T) {
	t.Parallel()
	store := seededStore(t)
	first := mustImport(t, store, importer.Options{Kind: "opportunities"}, opportunitiesCSV)
	wantCounts(t, "first import", tandem.UpsertCounts{Inserted: 2}, first)
	second := mustImport(t, store, importer.Options{Kind: "opportunities"}, opportunitiesCSV)
	wantCounts(t, "second import", tandem.UpsertCounts{Unchanged: 2}, second)
	changed := strings.Replace(opportunitiesCSV, "Acme renewal", "Acme renewal (3y)", 1)
	third := mustImport(t, store, importer.Options{Kind: "opportunities"}, changed)
	wantCounts(t, "changed import", tandem.UpsertCounts{Updated: 1, Unchanged: 1}, third)
	o, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Acme renewal (3y)" || o.ACV != tandem.Major(12_000) || o.Stage != tandem.StageNegotiation ||
		o.PartnerID == 0 || o.Routing.Motion != tandem.MotionPartnerLed || o.Routing.Rule != "small-partner" {
		t.Errorf("stored opportunity %+v", o)
	}
	o2, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O2")
	if err != nil {
		t.Fatal(err)
	}
	if o2.ACV != tandem.Major(1_200_000) || o2.Country != "DE" || o2.Routing.Motion != tandem.MotionDirect ||
		!o2.CloseDate.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("stored opportunity %+v", o2)
	}
	again := mustImport(t, store, importer.Options{Kind: "accounts"}, accountsCSV)
	wantCounts(t, "accounts re-import", tandem.UpsertCounts{Unchanged: 3}, again)
}

func TestImportLinksParentsAppearingLater(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	mustImport(t, store, importer.Options{Kind: "accounts"}, accountsCSV)
	ctx := context.Background()
	tx, err := store.BeginImport(ctx, tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tx.ResolveIDs(ctx, "accounts", []string{"A2", "A3"})
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	child, err := store.GetAccount(ctx, tandem.SystemActor, ids["A2"])
	if err != nil {
		t.Fatal(err)
	}
	if child.ParentID != ids["A3"] || child.Domain != "globex.de" || child.Country != "DE" {
		t.Errorf("child account %+v, want parent %d", child, ids["A3"])
	}
}

func TestImportRefusesBadFilesAndWritesNothing(t *testing.T) {
	t.Parallel()
	store := seededStore(t)
	bad := "external_id,name,account,acv,stage,close_date,colour\n" +
		"O1,Good,A1,100,prospecting,2026-01-01,red\n" +
		"O2,Bad amount,A1,12x,prospecting,2026-01-01,red\n" +
		"O3,Bad date,A1,100,prospecting,2026-02-30,red\n" +
		"O4,Truncated,A1\n" +
		"O1,Duplicate,A1,100,prospecting,2026-01-01,red\n" +
		"O5,No account,A9,100,prospecting,2026-01-01,red\n" +
		"O6,Bad stage,A1,100,Dreaming,2026-01-01,red\n"
	report, err := importCSV(t, store, importer.Options{Kind: "opportunities"}, bad)
	if err != nil {
		t.Fatal(err)
	}
	if !report.Refused {
		t.Fatal("a file with bad rows must be refused")
	}
	want := []importer.RowError{
		{Line: 3, Column: "acv", Value: "12x", Reason: "not a number"},
		{Line: 4, Column: "close_date", Value: "2026-02-30", Reason: "not a date (expected 2006-01-02, 1/2/2006 or 2006-01-02T15:04:05Z)"},
		{Line: 5, Column: "acv", Reason: "missing: the row has 3 fields, the header 7"},
		{Line: 6, Column: "external_id", Value: "O1", Reason: "duplicate id O1, first seen on line 2"},
		{Line: 7, Column: "account", Value: "A9", Reason: "no account with this external id"},
		{Line: 8, Column: "stage", Value: "Dreaming", Reason: "unknown value (expected one of prospecting, qualified, proposal, negotiation, closed_won, closed_lost; or map it under values)"},
	}
	if diff := cmp.Diff(want, report.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`columns not imported: "colour"`}, report.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if _, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O1"); tandem.ErrorCode(err) != tandem.ENOTFOUND {
		t.Fatalf("the good row of a refused file was written: %v", err)
	}
	// Fixed, the same file imports cleanly: nothing was half-written.
	fixed := "external_id,name,account,acv,stage,close_date\n" +
		"O1,Good,A1,100,prospecting,2026-01-01\n" +
		"O2,Bad amount,A1,12,prospecting,2026-01-01\n"
	again := mustImport(t, store, importer.Options{Kind: "opportunities"}, fixed)
	wantCounts(t, "re-import", tandem.UpsertCounts{Inserted: 2}, again)
}

func TestImportStrictRefusesUnknownColumns(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	report, err := importCSV(t, store, importer.Options{Kind: "accounts", Strict: true}, "external_id,name,colour\nA1,Acme,red\n")
	if err == nil || !report.Refused || !strings.Contains(err.Error(), `"colour"`) {
		t.Fatalf("strict import: err %v, report %+v", err, report)
	}
}

// TestImportSkipInvalid: with SkipInvalid the file is not refused, the good rows are written and each
// bad row goes to the reject file with its own values (formula cells neutralised), its line and its error.
func TestImportSkipInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		store    func(*testing.T) *sqlstore.Store
		opts     importer.Options
		input    string
		inserted int
		rejects  string
	}{
		{"WritesRejects", seededStore, importer.Options{Kind: "opportunities"},
			"external_id,name,account,acv,stage\n" +
				"O1,Good,A1,100,prospecting\n" +
				"O2,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",A1,-1200.50,prospecting\n" +
				"O3,Fine,A2,\"$1,200,000.00\",closed won\n",
			2,
			"external_id,name,account,acv,stage,line,error\n" +
				"O2,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",A1,-1200.50,prospecting,3,\"column \"\"acv\"\": value \"\"-1200.50\"\": cannot be negative\"\n"},
		// An account whose parent is missing is reported with its own line's values even though the
		// reader has moved on to later rows since; the account itself is written without its parent.
		{"RejectedParentKeepsItsOwnRow", openStore, importer.Options{Kind: "accounts", BatchSize: 1},
			"external_id,name,parent\n" +
				"A1,Orphan Ltd,NOPE\n" +
				"A2,Second Row Inc,\n" +
				"A3,Third Row GmbH,A2\n",
			3,
			"external_id,name,parent,line,error\n" +
				"A1,Orphan Ltd,NOPE,2,\"column \"\"parent\"\": value \"\"NOPE\"\": no account with this external id (the account was imported without its parent)\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			report, rejects := importSkipInvalid(t, tc.store(t), tc.opts, tc.input)
			if report.Refused || report.Rejected != 1 || report.Counts.Inserted != tc.inserted {
				t.Fatalf("report %+v", report)
			}
			if diff := cmp.Diff(tc.rejects, rejects); diff != "" {
				t.Errorf("reject file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportMessyEncodings(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	input := "\xef\xbb\xbfexternal_id;name;country\r\nA1;Acme;United States\r\nA2;Globex;DE"
	report := mustImport(t, store, importer.Options{Kind: "accounts"}, input)
	if report.Counts.Inserted != 2 {
		t.Errorf("BOM/CRLF/semicolon file: %+v", report)
	}
	latin := "external_id,name,country\nA3,M\xfcller \x80 GmbH,Deutschland\n"
	report = mustImport(t, store, importer.Options{Kind: "accounts"}, latin)
	if report.Encoding != "windows-1252" || report.Counts.Inserted != 1 {
		t.Errorf("Windows-1252 file: %+v", report)
	}
	ctx := context.Background()
	tx, err := store.BeginImport(ctx, tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ids, err := tx.ResolveAccountNames(ctx, []string{"Müller € GmbH"})
	if err != nil || len(ids) != 1 {
		t.Errorf("Windows-1252 name not stored as UTF-8: %v %v", ids, err)
	}
}

func TestImportUsersAndOwners(t *testing.T) {
	t.Parallel()
	store := seededStore(t)
	users := "external_id,email,name,role,partner\n" +
		"U1,Ann@Example.com,Ann,Account Executive,\n" +
		"U2,pat@northwind.example,Pat,partner user,P1\n"
	mustImport(t, store, importer.Options{Kind: "users"}, users)
	clash := "external_id,email,name,role\nU3,ann@example.com,Other Ann,ae\n"
	report, err := importCSV(t, store, importer.Options{Kind: "users"}, clash)
	if err != nil {
		t.Fatal(err)
	}
	want := []importer.RowError{{Line: 2, Column: "email", Value: "ann@example.com", Reason: "another user already has this email"}}
	if diff := cmp.Diff(want, report.Errors); diff != "" {
		t.Errorf("email clash (-want +got):\n%s", diff)
	}
	opps := "external_id,name,account_name,owner,acv,stage\nO1,Deal,Acme Corp,ann@example.com,5,qualified\nO2,Deal 2,Acme Corp,U1,5,qualified\n"
	mustImport(t, store, importer.Options{Kind: "opportunities"}, opps)
	o, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O2")
	if err != nil || o.OwnerID == 0 || o.AccountID == 0 {
		t.Fatalf("owner/account by email and name not resolved: %+v %v", o, err)
	}
}

func TestImportProgress(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	var b strings.Builder
	b.WriteString("external_id,name\n")
	for i := range 25 {
		fmt.Fprintf(&b, "A%d,Account %d\n", i, i)
	}
	var progress []importer.Progress
	mustImport(t, store, importer.Options{Kind: "accounts", BatchSize: 10, Progress: func(p importer.Progress) {
		progress = append(progress, p)
	}}, b.String())
	if len(progress) != 3 || progress[2].Rows != 25 || progress[2].TotalBytes != int64(b.Len()) || progress[2].Bytes != int64(b.Len()) {
		t.Errorf("progress %+v", progress)
	}
}

// sharedData returns the path of a file under ../shared/data, skipping the test when it is absent.
func sharedData(t *testing.T, rel string) string { return shareddata.Path(t, rel) }

func importFile(t *testing.T, store *sqlstore.Store, kind, mapping, path string, skipInvalid bool) importer.Report {
	t.Helper()
	m, err := importer.BuiltinMapping(mapping)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	report, err := importCSV(t, store, importer.Options{Kind: kind, Mapping: m, SkipInvalid: skipInvalid, Router: policy.Default()}, string(src))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return report
}

func TestImportMavenCRM(t *testing.T) {
	t.Parallel()
	accounts := sharedData(t, "maven-crm-sales-opportunities/accounts.csv")
	store := openStore(t)
	r := importFile(t, store, "accounts", "maven-accounts", accounts, false)
	if r.Refused || r.Counts.Inserted != 85 || len(r.Warnings) != 0 {
		t.Fatalf("accounts: %+v", r)
	}
	r = importFile(t, store, "users", "maven-sales-teams", sharedData(t, "maven-crm-sales-opportunities/sales_teams.csv"), false)
	if r.Refused || r.Counts.Inserted != 35 {
		t.Fatalf("users: %+v", r)
	}
	pipeline := sharedData(t, "maven-crm-sales-opportunities/sales_pipeline.csv")
	r = importFile(t, store, "opportunities", "maven-sales-pipeline", pipeline, false)
	if !r.Refused || r.ErrorCount != 1425 || r.Counts.Inserted != 0 {
		t.Fatalf("pipeline without --skip-invalid: refused %v, %d errors, counts %+v", r.Refused, r.ErrorCount, r.Counts)
	}
	r = importFile(t, store, "opportunities", "maven-sales-pipeline", pipeline, true)
	if r.Rejected != 1425 || r.Counts.Inserted != 8800-1425 {
		t.Fatalf("pipeline with --skip-invalid: %d rejected, counts %+v, first errors %v", r.Rejected, r.Counts, r.Errors[:min(3, len(r.Errors))])
	}
	r = importFile(t, store, "opportunities", "maven-sales-pipeline", pipeline, true)
	if r.Counts != (tandem.UpsertCounts{Unchanged: 8800 - 1425}) {
		t.Errorf("second pipeline import: %+v", r.Counts)
	}
	o, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "1C1I7A6R")
	if err != nil {
		t.Fatal(err)
	}
	if o.ACV != tandem.Major(1054) || o.Stage != tandem.StageClosedWon || o.OwnerID == 0 || o.Routing.Motion == "" {
		t.Errorf("opportunity 1C1I7A6R: %+v", o)
	}
}

func TestImportSalesforceApexRecipes(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	r := importFile(t, store, "accounts", "apex-accounts", sharedData(t, "salesforce-apex-recipes-sample/Accounts.csv"), false)
	if r.Refused || r.Counts.Inserted != 50 {
		t.Fatalf("accounts: %+v", r)
	}
	r = importFile(t, store, "opportunities", "apex-opportunities", sharedData(t, "salesforce-apex-recipes-sample/Opportunities.csv"), false)
	if r.Refused || r.Counts.Inserted != 50 || len(r.Warnings) != 0 {
		t.Fatalf("opportunities: %+v", r)
	}
	o, err := store.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "apex-opp-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Cape starling" || o.ACV != 11937334 || o.Stage != tandem.StageQualified ||
		!o.CloseDate.Equal(time.Date(2020, 12, 22, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("apex-opp-1: %+v", o)
	}
}

func TestImportIBMWinLoss(t *testing.T) {
	t.Parallel()
	path := sharedData(t, "ibm-sales-win-loss/WA_Fn-UseC_-Sales-Win-Loss.csv")
	store := openStore(t)
	regions, err := os.ReadFile("testdata/ibm-region-accounts.csv")
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, store, importer.Options{Kind: "accounts"}, string(regions))
	// 183 opportunity numbers appear 2–4 times on 379 rows: the 196 later copies are errors, and without
	// --skip-invalid they refuse the file (checking goes on to the end; writing stops at the first).
	r := importFile(t, store, "opportunities", "ibm-win-loss", path, false)
	if r.Rows != 78025 || !r.Refused || r.ErrorCount != 196 || r.Rejected != 196 || len(r.Warnings) != 0 {
		t.Fatalf("report: rows %d refused %v errors %d rejected %d warnings %v", r.Rows, r.Refused, r.ErrorCount, r.Rejected, r.Warnings)
	}
	for _, e := range r.Errors {
		if e.Column != "Opportunity Number" || !strings.HasPrefix(e.Reason, "duplicate id ") {
			t.Fatalf("unexpected error %v", e)
		}
	}
	if testing.Short() {
		t.Log("-short: not writing all 78,025 rows with --skip-invalid")
		return
	}
	r = importFile(t, store, "opportunities", "ibm-win-loss", path, true)
	if r.Rejected != 196 || r.Counts.Inserted != 78025-196 {
		t.Fatalf("with --skip-invalid: rejected %d counts %+v", r.Rejected, r.Counts)
	}
}

// TestImportPostgres runs an import cycle against the PostgreSQL database named by TANDEM_TEST_POSTGRES
// (a URL). Ids carry a per-run prefix, so the database need not be empty.
func TestImportPostgres(t *testing.T) {
	url := os.Getenv("TANDEM_TEST_POSTGRES")
	if url == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set")
	}
	store, err := sqlstore.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	prefix := fmt.Sprintf("pg%d-", time.Now().UnixNano())
	accounts := strings.ReplaceAll(accountsCSV, "\nA", "\n"+prefix+"A")
	accounts = strings.ReplaceAll(accounts, ",A3\n", ","+prefix+"A3\n")
	if r := mustImport(t, store, importer.Options{Kind: "accounts"}, accounts); r.Counts.Inserted != 3 {
		t.Errorf("first import: %+v", r.Counts)
	}
	if r := mustImport(t, store, importer.Options{Kind: "accounts"}, accounts); r.Counts.Unchanged != 3 {
		t.Errorf("second import: %+v", r.Counts)
	}
	bad := "external_id,name,country\n" + prefix + "B1,Fine,US\n" + prefix + "B2,Bad,Atlantis\n"
	report, err := importCSV(t, store, importer.Options{Kind: "accounts"}, bad)
	if err != nil || !report.Refused {
		t.Fatalf("bad file: %v %+v", err, report)
	}
	tx, err := store.BeginImport(context.Background(), tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if ids, err := tx.ResolveIDs(context.Background(), "accounts", []string{prefix + "B1"}); err != nil || len(ids) != 0 {
		t.Errorf("a refused import left rows behind: %v %v", ids, err)
	}
}
