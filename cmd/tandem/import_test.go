package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestImportCommand drives `tandem import` as a RevOps user would: a messy export (BOM, CRLF, ';',
// currency strings), a re-import, a refused file that writes nothing, then --skip-invalid.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "tandem.db")
	accounts := writeTemp(t, "accounts.csv", "\ufeffexternal_id;name;country;vertical\r\n"+
		"A-1;Acme Corp;United States;technology\r\n"+
		"A-2;Globex GmbH;Germany;healthcare")
	opps := writeTemp(t, "opps.csv", "external_id,name,account,stage,acv,country,product_type\n"+
		"O-1,Acme platform,A-1,proposal,\"$1,200,000.00\",US,core\n"+
		"O-2,Globex,A-2,qualified,12x,DE,core\n"+
		"O-3,Globex 2,A-9,qualified,100,DE,core\n")

	code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", "accounts", accounts)
	if code != 0 || !strings.Contains(out, "2 inserted") {
		t.Fatalf("first import: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ = runTandem(t, "", "import", "--db", db, "--kind", "accounts", accounts)
	if code != 0 || !strings.Contains(out, "0 inserted, 0 updated, 2 unchanged") {
		t.Fatalf("re-import must change nothing: exit %d, out %q", code, out)
	}

	code, _, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunities", opps)
	if code != 1 {
		t.Fatalf("a file with bad rows: exit %d, want 1", code)
	}
	for _, want := range []string{
		`opps.csv:3: column "acv": value "12x": not a number`,
		`opps.csv:4: column "account": value "A-9"`,
		"nothing was written",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := countOpportunities(t, db); n != 0 {
		t.Fatalf("a refused import wrote %d opportunities", n)
	}

	rejects := filepath.Join(dir, "rejects.csv")
	code, out, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunities", "--skip-invalid", "--rejects", rejects, opps)
	if code != 0 || !strings.Contains(out, "1 inserted") || !strings.Contains(out, "2 rejected") {
		t.Fatalf("--skip-invalid: exit %d, out %q, err %q", code, out, errOut)
	}
	b, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(strings.TrimSpace(string(b)), "\n"); got != 2 {
		t.Errorf("reject file has %d data rows, want 2:\n%s", got, b)
	}

	st, err := sqlstore.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err := st.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.ACV != tandem.Major(1_200_000) || o.Routing.Motion != tandem.MotionDirect || o.Routing.Rule != "over-1m" ||
		o.Routing.PolicyVersion == "" || o.Routing.Explanation == "" {
		t.Errorf("imported O-1 = ACV %v, routing %+v; want $1,200,000.00 routed direct by over-1m with a version and explanation", o.ACV, o.Routing)
	}
	st.Close()

	// O-1 is at proposal, the protected stage: a re-import that would make it co-sell keeps it direct
	// and opens one protected_reroute conflict; importing the same file again opens no second one.
	shrunk := writeTemp(t, "shrunk.csv", "external_id,name,account,stage,acv,country,product_type\n"+
		"O-1,Acme platform,A-1,proposal,\"$500,000.00\",US,core\n")
	for i := range 2 {
		code, out, errOut = runTandem(t, "", "import", "--db", db, "--kind", "opportunities", shrunk)
		want := "shrunk.csv:2: deal O-1 keeps direct past the protected stage (policy rule 250k-to-1m would make it co_sell); conflict 1 decides"
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("re-import %d past the protected stage: exit %d, out %q, err %q; want %q", i+1, code, out, errOut, want)
		}
	}
	st, err = sqlstore.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err = st.GetOpportunityByExternalID(context.Background(), tandem.SystemActor, "O-1")
	if err != nil {
		t.Fatal(err)
	}
	if o.ACV != tandem.Major(500_000) || o.Routing.Motion != tandem.MotionDirect || o.Routing.Rule != "over-1m" {
		t.Errorf("after the held re-import O-1 = ACV %v, routing %+v; want the new ACV but still direct by over-1m", o.ACV, o.Routing)
	}
	conflicts, total, err := st.ListConflicts(context.Background(), tandem.SystemActor, sqlstore.ConflictFilter{Cause: tandem.CauseProtectedReroute})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || conflicts[0].OpportunityID != o.ID || conflicts[0].Rule != "250k-to-1m" {
		t.Errorf("protected_reroute conflicts = %d %+v; want one on O-1 under rule 250k-to-1m", total, conflicts)
	}
}

func countOpportunities(t *testing.T, db string) int {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, total, err := st.ListOpportunities(context.Background(), tandem.SystemActor, sqlstore.OpportunityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// TestImportSample imports the shipped sample (examples/sample) the way the README does, in order,
// into a new database; a second run changes nothing.
func TestImportSample(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "sample.db")
	for round := range 2 {
		for _, f := range []struct{ kind, file string }{
			{"users", "users.csv"}, {"partners", "partners.csv"}, {"accounts", "accounts.csv"}, {"opportunities", "opportunities.csv"},
		} {
			code, out, errOut := runTandem(t, "", "import", "--db", db, "--kind", f.kind, filepath.Join("..", "..", "examples", "sample", f.file))
			if code != 0 {
				t.Fatalf("round %d: import %s: exit %d\n%s%s", round, f.file, code, out, errOut)
			}
			if round == 1 && !strings.Contains(out, "0 inserted, 0 updated") {
				t.Errorf("round 2: import %s created rows again:\n%s", f.file, out)
			}
		}
	}
}
