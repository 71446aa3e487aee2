package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func TestImportOpportunityHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "tandem.db")
	accounts := writeTemp(t, "accounts.csv", "external_id,name,country\nA-1,Acme Corp,US\n")
	opps := writeTemp(t, "opps.csv", "external_id,name,account,stage,acv,country,product_type\n"+
		"006A,Acme platform,A-1,closed_won,62000,US,core\n006B,Acme add-on,A-1,qualified,12000.50,US,addon\n")
	for _, f := range []struct{ kind, path string }{{"accounts", accounts}, {"opportunities", opps}} {
		if code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", f.kind, f.path); code != 0 {
			t.Fatalf("import %s: exit %d, out %q, err %q", f.kind, code, out, errOut)
		}
	}
	history := filepath.Join("..", "..", "internal", "importer", "testdata", "sf-opportunity-history.csv")
	unknown := writeTemp(t, "unknown.csv", "OpportunityId,CreatedDate,StageName,Amount,CloseDate,ForecastCategory\n"+
		"006A,2025-01-06,Prospecting,50000,2025-03-31,Pipeline\n006Z,2025-01-07,Prospecting,1,2025-03-31,Pipeline\n")
	imported := func() int {
		t.Helper()
		st, err := sqlstore.Open(context.Background(), db, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n := 0
		for id := int64(1); id <= 2; id++ {
			changes, err := st.OpportunityHistory(context.Background(), tandem.SystemActor, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if c.Source == "import" {
					n++
				}
			}
		}
		return n
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
