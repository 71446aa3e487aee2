package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// historyDealsDB imports account A-1 and its opportunities (CSV rows of external_id, name, account,
// stage, acv, country, product_type) into a new database, for a history import to find, and returns
// the database.
func historyDealsDB(t *testing.T, opportunities string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "tandem.db")
	accounts := writeTemp(t, "accounts.csv", "external_id,name,country\nA-1,Acme Corp,US\n")
	opps := writeTemp(t, "opps.csv", "external_id,name,account,stage,acv,country,product_type\n"+opportunities)
	for _, f := range []struct{ kind, path string }{{"accounts", accounts}, {"opportunities", opps}} {
		if code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", f.kind, f.path); code != 0 {
			t.Fatalf("import %s: exit %d, out %q, err %q", f.kind, code, out, errOut)
		}
	}
	return db
}

func TestImportOpportunityHistory(t *testing.T) {
	t.Parallel()
	db := historyDealsDB(t, "006A,Acme platform,A-1,closed_won,62000,US,core\n006B,Acme add-on,A-1,qualified,12000.50,US,addon\n")
	history := filepath.Join("..", "..", "internal", "importer", "testdata", "sf-opportunity-history.csv")
	unknown := writeTemp(t, "unknown.csv", "OpportunityId,CreatedDate,StageName,Amount,CloseDate,ForecastCategory\n"+
		"006A,2025-01-06,Prospecting,50000,2025-03-31,Pipeline\n006Z,2025-01-07,Prospecting,1,2025-03-31,Pipeline\n")
	imported := func() int {
		t.Helper()
		return len(storedImportChanges(t, db))
	}

	code, _, errOut := runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", unknown)
	if code != 1 || !strings.Contains(errOut, `line 3: column "OpportunityId": value "006Z": no opportunity with this external id`) ||
		!strings.Contains(errOut, "nothing was written") {
		t.Fatalf("unknown deal: exit %d, err %q", code, errOut)
	}
	if n := imported(); n != 0 {
		t.Fatalf("a refused history import stored %d changes", n)
	}

	code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", history)
	if code != 0 || !strings.Contains(out, "14 changes read, 14 stored, 0 already stored") {
		t.Fatalf("history import: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", "--format", "salesforce-opportunity-history", history)
	if code != 0 || !strings.Contains(out, "14 changes read, 0 stored, 14 already stored") {
		t.Fatalf("re-import must store nothing: exit %d, out %q, err %q", code, out, errOut)
	}
	if n := imported(); n != 14 {
		t.Fatalf("%d imported changes stored, want 14", n)
	}
}

// historyShapes are the testdata files of internal/importer that tell one story of two deals in each
// history shape, with the mapping --map names (a built-in name, or a YAML file) and the deal ids.
var historyShapes = []struct{ file, mapping, first, second string }{
	{"sf-opportunity-history.csv", "salesforce-opportunity-history", "006A", "006B"},
	{"sf-field-history-full.csv", "salesforce-field-history", "006A", "006B"},
	{"hubspot-property-history-full.csv", "hubspot-property-history", "9001", "9002"},
	{"own-crm-history.csv", filepath.Join("..", "..", "internal", "importer", "testdata", "own-crm-history.yaml"), "006A", "006B"},
}

// TestImportOpportunityHistoryEveryShape (issue 9): the same history in each shipped shape and in a
// constructed CRM's layout read with its own mapping stores the same changes; --map and detection agree
// (the detected re-import finds everything stored); a dry run stores nothing; a bad row refuses the
// file naming file, line and column, and writes nothing.
func TestImportOpportunityHistoryEveryShape(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join("..", "..", "internal", "importer", "testdata")
	var want []string
	for _, shape := range historyShapes {
		db := historyDealsDB(t, shape.first+",Acme platform,A-1,closed_won,62000,US,core\n"+shape.second+",Acme add-on,A-1,qualified,12000.50,US,addon\n")
		history := filepath.Join(testdata, shape.file)
		code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", "--map", shape.mapping, "--dry-run", history)
		if code != 0 || !strings.Contains(out, "14 changes read, 14 to store, 0 already stored") || !strings.Contains(out, "nothing was written") {
			t.Fatalf("%s: dry run: exit %d, out %q, err %q", shape.file, code, out, errOut)
		}
		if got := storedImportChanges(t, db); len(got) != 0 {
			t.Fatalf("%s: the dry run stored %q", shape.file, got)
		}
		code, out, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", "--map", shape.mapping, history)
		if code != 0 || !strings.Contains(out, "14 changes read, 14 stored, 0 already stored") || errOut != "" {
			t.Fatalf("%s: import: exit %d, out %q, err %q", shape.file, code, out, errOut)
		}
		got := storedImportChanges(t, db)
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Errorf("%s stored\n%s\nwant\n%s", shape.file, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if strings.HasSuffix(shape.mapping, ".yaml") {
			continue // a layout of the user's own: no built-in mapping detects it
		}
		code, out, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", history)
		if code != 0 || !strings.Contains(out, "(mapping "+shape.mapping+")") || !strings.Contains(out, "14 changes read, 0 stored, 14 already stored") {
			t.Fatalf("%s: detected re-import: exit %d, out %q, err %q", shape.file, code, out, errOut)
		}
	}
	if len(want) != 14 {
		t.Fatalf("%d changes stored, want 14: %q", len(want), want)
	}

	// A bad row under the user's mapping: every problem by file, line and column; nothing written.
	db := historyDealsDB(t, "006A,Acme platform,A-1,qualified,1,US,core\n006B,Acme add-on,A-1,qualified,1,US,core\n")
	bad := writeTemp(t, "bad.csv", "Deal,Taken,Phase,Value,Expected close,Outlook,Owner\n"+
		"A,06.01.2025 09:00,Lead,\"€50.000,00\",2025-03-31,Maybe,kim\nA,07.01.2025 09:00,Dreaming,lots,2025-03-31,Maybe,kim\n")
	code, _, errOut := runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", "--map", historyShapes[3].mapping, bad)
	if code != 1 || !strings.Contains(errOut, `bad.csv: line 3: column "Phase": value "Dreaming"`) ||
		!strings.Contains(errOut, `bad.csv: line 3: column "Value": value "lots": not a number`) || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("bad row: exit %d, err %q", code, errOut)
	}
	if got := storedImportChanges(t, db); len(got) != 0 {
		t.Fatalf("a refused file stored %q", got)
	}
	if code, _, errOut := runTandem(t, "", "import", "--db", db, "--kind", "opportunity_history", "--skip-invalid", bad); code != 2 ||
		!strings.Contains(errOut, "all or nothing") {
		t.Fatalf("--skip-invalid: exit %d, err %q", code, errOut)
	}
}

// storedImportChanges lists the changes imported into the database at db (source "import"), by
// opportunity id (the two of historyShapes), sorted.
func storedImportChanges(t *testing.T, db string) []string {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	for id := int64(1); id <= 2; id++ {
		changes, err := st.OpportunityHistory(context.Background(), tandem.SystemActor, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			if c.Source == "import" {
				out = append(out, fmt.Sprintf("%d %s %q→%q %s", id, c.Field, c.Old, c.New, c.ChangedAt.UTC().Format(time.RFC3339)))
			}
		}
	}
	slices.Sort(out)
	return out
}
