package importjob_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/importjob"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// forEachEngine runs fn in a parallel subtest on a new store of each engine: SQLite always, PostgreSQL
// when TANDEM_TEST_POSTGRES names a server (scripts/test.sh sets it).
func forEachEngine(t *testing.T, fn func(t *testing.T, st *sqlstore.Store)) {
	t.Helper()
	for name, st := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, st)
		})
	}
}

// directRouter routes every imported deal direct: the history import does not care how.
type directRouter struct{}

func (directRouter) Route(policy.Deal) (policy.Decision, error) {
	return policy.Decision{Motion: tandem.MotionDirect, Rule: "default", PolicyVersion: "test-1"}, nil
}

// seedDeals imports one account and deals opportunities with CRM ids dealID(0…deals-1).
func seedDeals(t testing.TB, st *sqlstore.Store, deals int) {
	t.Helper()
	var opps strings.Builder
	opps.WriteString("external_id,name,account,stage,acv,country,product_type\n")
	for i := range deals {
		fmt.Fprintf(&opps, "%s,Deal %d,A-1,qualified,1000,US,core\n", dealID(i), i)
	}
	for _, f := range []struct{ kind, csv string }{{"accounts", "external_id,name,country\nA-1,Acme Corp,US\n"}, {"opportunities", opps.String()}} {
		imp := importer.New(importer.Options{Kind: f.kind, Router: directRouter{}, Clock: func() time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) }})
		rep, committed, err, txErr := importjob.Run(context.Background(), st, tandem.SystemActor, imp, strings.NewReader(f.csv), f.kind+".csv",
			func(r importer.Report, err error) bool { return err == nil && !r.Refused })
		if err != nil || txErr != nil || !committed {
			t.Fatalf("import %s: %v %v (committed %v): %+v", f.kind, err, txErr, committed, rep.Errors)
		}
	}
}

func dealID(i int) string { return fmt.Sprintf("006D%05d", i) }

// fieldChange is one row of a Salesforce OpportunityFieldHistory export.
type fieldChange struct {
	deal            int
	day             int // of January 2025
	field, old, new string
}

// dealStory is the history of deal i: created in prospecting at 1,000, then qualified, then 2,500.
func dealStory(i int) []fieldChange {
	return []fieldChange{
		{i, 2, "StageName", "", "Prospecting"},
		{i, 2, "Amount", "", "1000"},
		{i, 9, "StageName", "Prospecting", "Qualification"},
		{i, 16, "Amount", "1000", "2500"},
	}
}

func fieldHistoryCSV(changes []fieldChange) string {
	var b strings.Builder
	b.WriteString("Id,OpportunityId,CreatedById,CreatedDate,Field,DataType,OldValue,NewValue,IsDeleted\n")
	for n, c := range changes {
		fmt.Fprintf(&b, "h%d,%s,005X,2025-01-%02dT09:%02d:00.000+0000,%s,Text,%s,%s,false\n", n, dealID(c.deal), c.day, c.deal%60, c.field, c.old, c.new)
	}
	return b.String()
}

// importedChanges lists the stored changes of source "import", each as "deal field old→new time", sorted.
func importedChanges(t *testing.T, st *sqlstore.Store) []string {
	t.Helper()
	opps, changes, err := st.ForecastOpportunities(context.Background(), tandem.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	ext := map[int64]string{}
	for _, o := range opps {
		ext[o.ID] = o.ExternalID
	}
	var out []string
	for _, c := range changes {
		if c.Source == tandem.HistorySourceImport {
			out = append(out, fmt.Sprintf("%s %s %q→%q %s", ext[c.OpportunityID], c.Field, c.Old, c.New, c.ChangedAt.UTC().Format(time.RFC3339)))
		}
	}
	slices.Sort(out)
	return out
}

// expected lists changes as importedChanges does, as the store records them (amounts in minor units).
func expected(changes []fieldChange) []string {
	var out []string
	for _, c := range changes {
		field, old, new := map[string]string{"StageName": "stage", "Amount": "acv"}[c.field], c.old, c.new
		if field == "stage" {
			stage := map[string]string{"": "", "Prospecting": string(tandem.StageProspecting), "Qualification": string(tandem.StageQualified)}
			old, new = stage[old], stage[new]
		} else {
			old, new = minor(old), minor(new)
		}
		at := time.Date(2025, 1, c.day, 9, c.deal%60, 0, 0, time.UTC)
		out = append(out, fmt.Sprintf("%s %s %q→%q %s", dealID(c.deal), field, old, new, at.Format(time.RFC3339)))
	}
	slices.Sort(out)
	return out
}

func minor(major string) string {
	if major == "" {
		return ""
	}
	return major + "00"
}

func runHistory(t *testing.T, st *sqlstore.Store, csv string, opts importer.HistoryOptions, dryRun bool) importjob.HistoryReport {
	t.Helper()
	rep, err := importjob.RunHistory(context.Background(), st, tandem.SystemActor, strings.NewReader(csv), "history.csv", opts, dryRun)
	if err != nil {
		t.Fatalf("history import: %v", err)
	}
	return rep
}

// TestRunHistoryStoresOnlyNewChanges: the changes a store holds already are found in bulk over more
// deals than one lookup reads (1,000): a file overlapping what is stored stores only its new changes,
// and importing it again stores nothing; what is stored is exactly the file's changes.
func TestRunHistoryStoresOnlyNewChanges(t *testing.T) {
	t.Parallel()
	const deals = 1_200
	var first, all []fieldChange
	for i := range deals {
		story := dealStory(i)
		first = append(first, story[:2]...)
		all = append(all, story...)
	}
	forEachEngine(t, func(t *testing.T, st *sqlstore.Store) {
		seedDeals(t, st, deals)
		check := func(what string, rep importjob.HistoryReport, read, stored, unchanged int) {
			t.Helper()
			if rep.Read != read || rep.Stored != stored || rep.Unchanged != unchanged {
				t.Errorf("%s: %d read, %d stored, %d already stored; want %d, %d, %d", what, rep.Read, rep.Stored, rep.Unchanged, read, stored, unchanged)
			}
		}
		check("the first two changes of each deal", runHistory(t, st, fieldHistoryCSV(first), importer.HistoryOptions{}, false), 2*deals, 2*deals, 0)
		if got, want := importedChanges(t, st), expected(first); !slices.Equal(got, want) {
			t.Fatalf("stored %d changes, want the file's %d: first %q, want %q", len(got), len(want), got[:min(3, len(got))], want[:3])
		}
		check("dry run of the whole story", runHistory(t, st, fieldHistoryCSV(all), importer.HistoryOptions{}, true), 4*deals, 2*deals, 2*deals)
		check("the whole story", runHistory(t, st, fieldHistoryCSV(all), importer.HistoryOptions{}, false), 4*deals, 2*deals, 2*deals)
		check("the whole story again", runHistory(t, st, fieldHistoryCSV(all), importer.HistoryOptions{}, false), 4*deals, 0, 4*deals)
		if got, want := importedChanges(t, st), expected(all); !slices.Equal(got, want) {
			t.Errorf("stored %d changes, want the file's %d: first %q, want %q", len(got), len(want), got[:min(4, len(got))], want[:4])
		}
	})
}

// TestRunHistoryProgress: the progress covers reading the file and the store phase, never goes back,
// reports during the store phase (after each lookup and each insert statement), and reaches the file's
// size exactly when the import ends; a dry run's too.
func TestRunHistoryProgress(t *testing.T) {
	t.Parallel()
	const deals = 1_500
	var all []fieldChange
	for i := range deals {
		all = append(all, dealStory(i)...)
	}
	csv := fieldHistoryCSV(all)
	forEachEngine(t, func(t *testing.T, st *sqlstore.Store) {
		seedDeals(t, st, deals)
		for _, dryRun := range []bool{true, false} {
			var seen []importer.Progress
			rep := runHistory(t, st, csv, importer.HistoryOptions{Progress: func(p importer.Progress) { seen = append(seen, p) }}, dryRun)
			total := int64(len(csv))
			storePhase := 0
			for i, p := range seen {
				if p.TotalBytes != total {
					t.Fatalf("dry run %v: report %d: total %d bytes, want %d", dryRun, i, p.TotalBytes, total)
				}
				if i > 0 && (p.Bytes < seen[i-1].Bytes || p.Rows < seen[i-1].Rows) {
					t.Fatalf("dry run %v: report %d went back: %+v after %+v", dryRun, i, p, seen[i-1])
				}
				if p.Bytes > total/2 && p.Bytes < total {
					storePhase++
				}
			}
			last := seen[len(seen)-1]
			if last.Bytes != total || last.Rows != rep.Rows || rep.Rows != len(all) {
				t.Errorf("dry run %v: last report %+v, want %d bytes and %d rows", dryRun, last, total, len(all))
			}
			// Two lookups of 1,000 deals at most; and, storing, 6,000 changes 100 a statement.
			want := 1
			if !dryRun {
				want = 2 + 6_000/100 - 1
			}
			if storePhase < want {
				t.Errorf("dry run %v: %d reports during the store phase, want at least %d: %+v", dryRun, storePhase, want, seen)
			}
		}
	})
}
