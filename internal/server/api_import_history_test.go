package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/importjob"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// historyTestdata reads a file of internal/importer/testdata: the history exports of issue 9.
func historyTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "importer", "testdata", name))
	must(t, err)
	return string(b)
}

// apiImport posts an import to the API as role and, once the background job has ended, returns it.
func (e *testEnv) apiImport(role string, fields map[string]string, files map[string][2]string) (response, sqlstore.ImportJob) {
	e.t.Helper()
	res := e.apiUpload(role, "/api/v1/imports", fields, files)
	var job sqlstore.ImportJob
	if res.status != http.StatusAccepted {
		return res, job
	}
	res.json(e.t, &job)
	e.srv.imports.Wait() // the job runs in the background; wait for it rather than poll
	e.do("revops", http.MethodGet, "/api/v1/imports/"+itoa(job.ID), nil).json(e.t, &job)
	return res, job
}

// importedHistory lists the changes imported (source "import") into the opportunities ids, each as
// "N field old→new time" with N the position of its opportunity in ids, sorted.
func (e *testEnv) importedHistory(ids ...int64) []string {
	e.t.Helper()
	var out []string
	for n, id := range ids {
		changes, err := e.store.OpportunityHistory(context.Background(), tandem.SystemActor, id)
		must(e.t, err)
		for _, c := range changes {
			if c.Source == "import" {
				out = append(out, fmt.Sprintf("%d %s %q→%q %s", n+1, c.Field, c.Old, c.New, c.ChangedAt.UTC().Format(time.RFC3339)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestAPIImportOpportunityHistory (issue 9): the import API takes opportunity_history with the mapping
// choice (a built-in mapping, a history shape as format, detection, an uploaded mapping), a dry run and
// a result. One story of two deals in each shape stores the same changes the reader reads (which
// tandem import stores too): the other shapes find them all stored. Bad rows are listed by line and
// column and nothing is written; partner users and AEs cannot import history.
func TestAPIImportOpportunityHistory(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		deal := func(ext string) int64 {
			o := &tandem.Opportunity{ExternalID: ext, Name: "History " + ext, AccountID: e.ids.accountA, ProductType: tandem.ProductCore,
				ACV: tandem.Major(62_000), Currency: "USD", Stage: tandem.StageClosedWon, ForecastCategory: tandem.ForecastClosed,
				Country: "US", CreatedOn: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), CloseDate: time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)}
			must(t, e.srv.saveOpportunity(ctx, tandem.SystemActor, o))
			return o.ID
		}
		sfA, sfB, hsA, hsB := deal("006A"), deal("006B"), deal("9001"), deal("9002")
		file := func(name string) map[string][2]string {
			return map[string][2]string{"file": {name, historyTestdata(t, name)}}
		}
		want := func(t *testing.T, job sqlstore.ImportJob, status string, stored, already int) {
			t.Helper()
			if string(job.Status) != status || job.Kind != importer.HistoryKind || job.Counts.Inserted != stored || job.Counts.Unchanged != already {
				t.Fatalf("job %s (%s), %d stored, %d already stored; want %s, %d, %d: %s %+v", job.Status, job.Kind, job.Counts.Inserted,
					job.Counts.Unchanged, status, stored, already, job.Error, job.Problems)
			}
		}

		// The reader's changes of the Salesforce snapshots, as the store would list them.
		changes, err := importer.ReadHistory(strings.NewReader(historyTestdata(t, "sf-opportunity-history.csv")), "sf.csv", "")
		must(t, err)
		var fromFile []string
		for _, c := range changes {
			n := map[string]int{"006A": 1, "006B": 2}[c.OpportunityID]
			fromFile = append(fromFile, fmt.Sprintf("%d %s %q→%q %s", n, c.Field, c.Old, c.New, c.ChangedAt.UTC().Format(time.RFC3339)))
		}
		slices.Sort(fromFile)

		// A dry run counts what it would store, and stores nothing.
		_, job := e.apiImport("revops", map[string]string{"kind": "opportunity_history", "map": "salesforce-opportunity-history", "dry_run": "true"},
			file("sf-opportunity-history.csv"))
		want(t, job, "succeeded", 14, 0)
		if !job.DryRun || job.Mapping != "mapping salesforce-opportunity-history" || job.RowsRead != 4 {
			t.Errorf("dry run job %+v", job)
		}
		if got := e.importedHistory(sfA, sfB); len(got) != 0 {
			t.Fatalf("the dry run stored %q", got)
		}

		// The snapshots, the shape named as format: stored as the reader reads them.
		_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history", "format": "salesforce-opportunity-history"},
			file("sf-opportunity-history.csv"))
		want(t, job, "succeeded", 14, 0)
		stored := e.importedHistory(sfA, sfB)
		if !slices.Equal(stored, fromFile) {
			t.Fatalf("stored\n%s\nthe file reads\n%s", strings.Join(stored, "\n"), strings.Join(fromFile, "\n"))
		}
		// The same story as field history (detected) and in a constructed CRM's layout (an uploaded
		// mapping): every change is stored already.
		_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history"}, file("sf-field-history-full.csv"))
		want(t, job, "succeeded", 0, 14)
		// The job names the shipped mapping that fitted the header, not "detected layout", and its
		// progress, which covers the store phase too, ends at the file's size.
		if job.Mapping != "mapping salesforce-field-history" || job.BytesTotal == 0 || job.BytesRead != job.BytesTotal {
			t.Errorf("detected history job: mapping %q, %d of %d bytes", job.Mapping, job.BytesRead, job.BytesTotal)
		}
		own := file("own-crm-history.csv")
		own["mapping_file"] = [2]string{"own-crm-history.yaml", historyTestdata(t, "own-crm-history.yaml")}
		_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history"}, own)
		want(t, job, "succeeded", 0, 14)
		if job.Mapping != "mapping own-crm-history.yaml" {
			t.Errorf("mapping recorded as %q", job.Mapping)
		}
		// HubSpot's property history of two other deals stores the same changes on them.
		_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history", "map": "hubspot-property-history"},
			file("hubspot-property-history-full.csv"))
		want(t, job, "succeeded", 14, 0)
		if got := e.importedHistory(hsA, hsB); !slices.Equal(got, stored) {
			t.Errorf("HubSpot stored\n%s\nSalesforce\n%s", strings.Join(got, "\n"), strings.Join(stored, "\n"))
		}

		// Bad rows: every problem by line and column, the import refused; a dry run lists them and succeeds.
		bad := map[string][2]string{"file": {"bad.csv", "OpportunityId,CreatedDate,Field,OldValue,NewValue\n" +
			"006A,2025-04-01,Amount,62000,lots\n006Z,2025-04-02,StageName,Closed Won,Closed Lost\n006B,2025-04-03,StageName,,Dreaming\n"}}
		for _, dry := range []string{"false", "true"} {
			_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history", "dry_run": dry}, bad)
			status := map[string]string{"false": "failed", "true": "succeeded"}[dry]
			want(t, job, status, 0, 0)
			var where []string
			for _, p := range job.Problems {
				where = append(where, fmt.Sprintf("%d %s %s", p.Line, p.Column, p.Value))
			}
			if !slices.Equal(where, []string{"2 NewValue lots", "4 NewValue Dreaming"}) || job.ProblemCount != 2 {
				t.Errorf("dry run %s: problems %q", dry, where)
			}
		}
		// A deal not imported is named once the rows are good.
		_, job = e.apiImport("revops", map[string]string{"kind": "opportunity_history"}, map[string][2]string{"file": {"unknown.csv",
			"OpportunityId,CreatedDate,Field,OldValue,NewValue\n006Z,2025-04-02,StageName,Closed Won,Closed Lost\n"}})
		want(t, job, "failed", 0, 0)
		if len(job.Problems) != 1 || job.Problems[0].Line != 2 || job.Problems[0].Column != "OpportunityId" || job.Problems[0].Value != "006Z" ||
			!strings.Contains(job.Problems[0].Reason, "no opportunity with this external id") {
			t.Errorf("unknown deal: %+v", job.Problems)
		}
		if got := e.importedHistory(sfA, sfB); !slices.Equal(got, stored) {
			t.Fatalf("refused imports changed the history:\n%s", strings.Join(got, "\n"))
		}

		// What a history import cannot do is refused at once, naming the field.
		for field, form := range map[string]map[string]string{
			"skip_invalid": {"kind": "opportunity_history", "skip_invalid": "true"},
			"format":       {"kind": "opportunity_history", "format": "salesforce"},
		} {
			res, _ := e.apiImport("revops", form, file("sf-opportunity-history.csv"))
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), field) {
				t.Errorf("%s: %d %s", field, res.status, res.body)
			}
		}
		res, _ := e.apiImport("revops", map[string]string{"kind": "accounts", "format": "hubspot-property-history"}, file("sf-opportunity-history.csv"))
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "is a shape of opportunity_history") {
			t.Errorf("a history shape for accounts: %d %s", res.status, res.body)
		}

		// Partner users and AEs cannot import history, not even a dry run.
		for _, role := range []string{"partner_a", "ae"} {
			for _, dry := range []string{"false", "true"} {
				res, _ := e.apiImport(role, map[string]string{"kind": "opportunity_history", "dry_run": dry}, file("hubspot-property-history-full.csv"))
				if res.status != http.StatusForbidden && res.status != http.StatusNotFound {
					t.Errorf("%s imports history (dry run %s): %d %s", role, dry, res.status, res.body)
				}
			}
		}
		if got := e.importedHistory(hsA, hsB); !slices.Equal(got, stored) {
			t.Fatalf("refused roles changed the history")
		}
		// Nor can they through the import machinery with their own identity.
		partner := tandem.Actor{UserID: e.ids.userPartnerA, Role: tandem.RolePartnerUser, PartnerID: e.ids.partnerA}
		for _, dry := range []bool{false, true} {
			_, err := importjob.RunHistory(ctx, e.store, partner, strings.NewReader(historyTestdata(t, "hubspot-property-history-full.csv")),
				"hs.csv", importer.HistoryOptions{}, dry)
			if tandem.ErrorCode(err) != tandem.EFORBIDDEN {
				t.Errorf("a partner user runs a history import (dry run %v): %v", dry, err)
			}
		}
		if got := e.importedHistory(hsA, hsB); !slices.Equal(got, stored) {
			t.Fatalf("a partner user changed the history")
		}

		// The OpenAPI document lists the kind and the history shapes.
		doc := e.do("", http.MethodGet, "/api/v1/openapi.json", nil)
		for _, s := range []string{`"opportunity_history"`, `"salesforce-field-history"`, `"mapping_file"`} {
			if !strings.Contains(string(doc.body), s) {
				t.Errorf("the OpenAPI document lacks %s", s)
			}
		}
	})
}
