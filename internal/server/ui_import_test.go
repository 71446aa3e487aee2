package server

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// importUpload posts the import form with fields and files (field name → file name and content).
func (e *testEnv) importUpload(c *http.Client, csrf string, fields map[string]string, files map[string][2]string) response {
	e.t.Helper()
	return e.send(c, e.multipartRequest("/import", map[string]string{csrfField: csrf}, fields, files))
}

// finishedJob follows an upload's redirect to its job, waits for the job and returns its page.
func (e *testEnv) finishedJob(c *http.Client, res response) (string, response) {
	e.t.Helper()
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !regexp.MustCompile(`^/import/\d+$`).MatchString(loc) {
		e.t.Fatalf("upload: %d to %q: %s", res.status, loc, res.body)
	}
	e.srv.imports.Wait() // the job runs in the background; wait for it rather than poll
	return loc, e.get(c, loc)
}

// mavenAccounts is a Maven Analytics accounts.csv, whose columns no built-in layout detects; its
// third data row names a country that does not exist.
const mavenAccounts = "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n" +
	"Acme Corporation,technolgy,1996,1100.04,2822,United States,\n" +
	"Betasoloin,medical,1999,251.41,495,United States,\n" +
	"Cheapfix,retail,2001,10.5,40,Atlantis,\n"

// TestWebImport (issue 10 #14): the import page offers what the CLI has — the mapping, a dry run that
// lists every problem by line and column, skipping bad rows — and shows the result with the counts and
// the rejected rows to download.
func TestWebImport(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		revops, csrf := e.signIn("revops@vendor.test")
		file := map[string][2]string{"file": {"accounts.csv", mavenAccounts}}
		accounts := func() int {
			_, n, err := e.store.ListAccounts(ctx, tandem.SystemActor, sqlstore.AccountFilter{Limit: 1})
			must(t, err)
			return n
		}
		before := accounts()

		// The page offers the built-in mappings and the dry run.
		wantPage(t, e.get(revops, "/import"), http.StatusOK, `value="map:maven-accounts"`, `name="mapping_file"`, `value="dry_run"`)

		// Detected layout: the columns are not found, and the message points at the page's mapping.
		_, res := e.finishedJob(revops, e.importUpload(revops, csrf, map[string]string{"kind": "accounts", "mapping": "auto"}, file))
		wantPage(t, res, http.StatusOK, `data-status="failed"`, "the mapping on the import page")
		wantAbsent(t, res, "with --map)")

		// A dry run with the built-in mapping lists the bad row by line and column and writes nothing.
		_, res = e.finishedJob(revops, e.importUpload(revops, csrf, map[string]string{"kind": "accounts", "mapping": "map:maven-accounts",
			"mode": "dry_run"}, file))
		wantPage(t, res, http.StatusOK, "Dry run", `data-status="succeeded"`, "nothing was written", `id="problems"`,
			`data-line="4" data-column="office_location"`, "Atlantis", "mapping maven-accounts", "refuses the whole file")
		if n := accounts(); n != before {
			t.Fatalf("the dry run wrote %d accounts", n-before)
		}

		// An uploaded mapping, skipping the bad row: two created, one rejected, the rejects downloadable.
		mapping := "kind: accounts\nformat: none\ncolumns:\n  external_id: account\n  name: account\n  country: office_location\n" +
			"ignore: [sector, year_established, revenue, employees, subsidiary_of]\n"
		files := map[string][2]string{"file": file["file"], "mapping_file": {"mine.yaml", mapping}}
		loc, res := e.finishedJob(revops, e.importUpload(revops, csrf, map[string]string{"kind": "accounts", "skip_invalid": "true",
			"mode": "import"}, files))
		wantPage(t, res, http.StatusOK, `data-status="succeeded"`, `data-count="created">2<`, `data-count="rejected">1<`,
			`href="`+loc+`/rejects.csv"`, "mapping mine.yaml")
		if n := accounts(); n != before+2 {
			t.Fatalf("%d accounts created, want 2", n-before)
		}
		rej := e.get(revops, loc+"/rejects.csv")
		wantPage(t, rej, http.StatusOK, "Cheapfix", "Atlantis")
		if ct := rej.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("rejects content type %q", ct)
		}

		// Staff other than revops, and partner users, get neither the page nor the rejects.
		for _, who := range []string{"ae@vendor.test", "user@alpha.test"} {
			c, _ := e.signIn(who)
			if res := e.get(c, loc+"/rejects.csv"); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
				t.Errorf("%s downloads the rejects: %d", who, res.status)
			}
			if res := e.get(c, loc); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
				t.Errorf("%s opens the job: %d", who, res.status)
			}
		}
	})
}

// TestImportFormShowsEveryError (issue 10 #6): no file, an unknown mapping and a broken mapping file
// are reported at once, each next to its field.
func TestImportFormShowsEveryError(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, csrf := e.signIn("revops@vendor.test")
		res := e.importUpload(revops, csrf, map[string]string{"kind": "accounts", "mapping": "map:no-such"},
			map[string][2]string{"mapping_file": {"bad.yaml", "kind: accounts\ncolumns: [oops\n"}})
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.status)
		}
		for _, field := range []string{"mapping", "mapping_file", "file"} {
			wantFieldError(t, res, field)
		}
	})
}

// TestWebImportOpportunityHistory (issue 9): the import page offers opportunity_history with its
// mappings; a dry run counts the changes and stores nothing, the import stores them, a bad file lists
// its problems and says the import is all or nothing; skipping bad rows and a layout of records are
// refused next to their fields; partner users and AEs cannot import history.
func TestWebImportOpportunityHistory(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		revops, csrf := e.signIn("revops@vendor.test")
		wantPage(t, e.get(revops, "/import"), http.StatusOK, `<option value="opportunity_history"`, `value="map:salesforce-field-history"`,
			`value="map:hubspot-property-history"`)
		history := map[string][2]string{"file": {"field-history.csv", "OpportunityId,CreatedDate,Field,OldValue,NewValue\n" +
			"O-A,2026-02-02T09:00:00.000+0000,StageName,Qualification,Proposal/Price Quote\n" +
			"O-A,2026-02-02T09:00:00.000+0000,Description,,a note\n" +
			"O-A,2026-03-02T09:00:00.000+0000,Amount,80000,95000\n"}}
		form := map[string]string{"kind": "opportunity_history", "mapping": "map:salesforce-field-history", "mode": "dry_run"}
		imported := func() []string { return e.importedHistory(e.ids.oppA) }

		_, res := e.finishedJob(revops, e.importUpload(revops, csrf, form, history))
		wantPage(t, res, http.StatusOK, "Dry run", `data-status="succeeded"`, "nothing was written", "Changes stored",
			`data-count="created">2<`, `data-count="unchanged">0<`, "mapping salesforce-field-history")
		if got := imported(); len(got) != 0 {
			t.Fatalf("the dry run stored %q", got)
		}
		form["mode"] = "import"
		_, res = e.finishedJob(revops, e.importUpload(revops, csrf, form, history))
		wantPage(t, res, http.StatusOK, `data-status="succeeded"`, `data-count="created">2<`)
		if got := imported(); len(got) != 2 || !strings.Contains(got[0], `acv "8000000"→"9500000"`) {
			t.Fatalf("stored %q", got)
		}

		bad := map[string][2]string{"file": {"bad.csv", "OpportunityId,CreatedDate,Field,OldValue,NewValue\nO-A,yesterday,Amount,1,2\n"}}
		_, res = e.finishedJob(revops, e.importUpload(revops, csrf, map[string]string{"kind": "opportunity_history", "mapping": "auto"}, bad))
		wantPage(t, res, http.StatusOK, `data-status="failed"`, `data-line="2" data-column="CreatedDate"`, "not a date", "all or nothing")

		res = e.importUpload(revops, csrf, map[string]string{"kind": "opportunity_history", "mapping": "salesforce", "skip_invalid": "true"}, history)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("skip_invalid with history: %d", res.status)
		}
		wantPage(t, res, http.StatusUnprocessableEntity, "all or nothing")
		res = e.importUpload(revops, csrf, map[string]string{"kind": "opportunity_history", "mapping": "salesforce"}, history)
		if msg := wantFieldError(t, res, "mapping"); !strings.Contains(msg, "layout of records") {
			t.Errorf("a layout of records for history: %q", msg)
		}
		if got := imported(); len(got) != 2 {
			t.Fatalf("refused uploads changed the history: %q", got)
		}

		for _, who := range []string{"ae@vendor.test", "user@alpha.test"} {
			c, token := e.signIn(who)
			if res := e.get(c, "/import"); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
				t.Errorf("%s opens the import page: %d", who, res.status)
			}
			form["mode"] = "dry_run"
			if res := e.importUpload(c, token, form, history); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
				t.Errorf("%s uploads a history: %d", who, res.status)
			}
		}
		if got := imported(); len(got) != 2 {
			t.Fatalf("refused roles changed the history: %q", got)
		}
	})
}
