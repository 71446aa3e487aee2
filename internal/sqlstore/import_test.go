package sqlstore

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

// genOpportunities returns n opportunities on the given accounts, deterministic in seed.
func genOpportunities(n int, accounts []int64, prefix string) []tandem.Opportunity {
	stages := tandem.Stages
	out := make([]tandem.Opportunity, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = tandem.Opportunity{
			ExternalID:       fmt.Sprintf("%s%07d", prefix, i),
			Name:             fmt.Sprintf("Deal %d", i),
			AccountID:        accounts[i%len(accounts)],
			ProductType:      tandem.ProductTypes[i%3],
			ACV:              tandem.Money(int64(i%997+1) * 123456),
			Currency:         "USD",
			Stage:            stages[i%len(stages)],
			ForecastCategory: tandem.ForecastPipeline,
			Country:          "US",
			Vertical:         "software",
			CreatedOn:        base.AddDate(0, 0, i%365),
			CloseDate:        base.AddDate(0, 0, i%365+90),
			Routing: tandem.Routing{Motion: tandem.Motions[i%3], Rule: "rule-" + fmt.Sprint(i%7), PolicyVersion: "1",
				Explanation: "generated", RoutedAt: base},
		}
	}
	return out
}

func TestImportUpsertCountsAndIdempotence(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		changedA1 := f.a1
		changedA1.Name = "Acme Corporation"
		accounts := []tandem.Account{
			f.a2, changedA1,
			{ExternalID: "A10", Name: "Umbrella", Country: "GB"},
			{ExternalID: "A11", Name: "Stark Industries", Country: "US"},
			{ExternalID: "A11", Name: "Stark Industries", Country: "US", Vertical: "defence"}, // the last copy wins
		}
		opps := genOpportunities(1200, []int64{f.a1.ID, f.a2.ID, f.a3.ID}, "GEN-")

		importAll := func() map[string]tandem.UpsertCounts {
			t.Helper()
			tx, err := s.BeginImport(ctx, admin)
			must(t, err)
			defer tx.Rollback()
			got := map[string]tandem.UpsertCounts{}
			c, err := tx.UpsertAccounts(ctx, append([]tandem.Account(nil), accounts...))
			must(t, err)
			got["accounts"] = c
			must(t, tx.LinkAccountParents(ctx, map[string]string{"A10": "A11"}))
			c, err = tx.UpsertOpportunities(ctx, opps)
			must(t, err)
			got["opportunities"] = c
			must(t, tx.Commit())
			return got
		}

		first := importAll()
		want := map[string]tandem.UpsertCounts{
			"accounts":      {Inserted: 2, Updated: 1, Unchanged: 1},
			"opportunities": {Inserted: 1200},
		}
		if diff := cmp.Diff(want, first); diff != "" {
			t.Errorf("first import counts (-want +got):\n%s", diff)
		}
		a11, _, err := s.ListAccounts(ctx, admin, AccountFilter{Query: "stark"})
		must(t, err)
		if len(a11) != 1 || a11[0].Vertical != "defence" {
			t.Errorf("A11 = %+v, want the last copy", a11)
		}
		_, audits, err := s.ListAudit(ctx, admin, AuditFilter{Action: "import.commit"})
		must(t, err)
		if audits != 1 {
			t.Errorf("%d import audit entries after the first import, want 1", audits)
		}

		// The same file again changes nothing and writes nothing.
		before, _, err := s.ListOpportunities(ctx, admin, OpportunityFilter{Sort: "id", Limit: 1000})
		must(t, err)
		second := importAll()
		want = map[string]tandem.UpsertCounts{
			"accounts":      {Unchanged: 4},
			"opportunities": {Unchanged: 1200},
		}
		if diff := cmp.Diff(want, second); diff != "" {
			t.Errorf("second import counts (-want +got):\n%s", diff)
		}
		after, _, err := s.ListOpportunities(ctx, admin, OpportunityFilter{Sort: "id", Limit: 1000})
		wantSame(t, "an unchanged import changed rows", before, after, err)
		_, audits, _ = s.ListAudit(ctx, admin, AuditFilter{Action: "import.commit"})
		if audits != 1 {
			t.Errorf("%d import audit entries after an unchanged import, want 1", audits)
		}

		// Change five deals; re-routing one with the same decision keeps its routed_at.
		for i := range 5 {
			opps[i].ACV += 100
		}
		opps[10].Routing.RoutedAt = opps[10].Routing.RoutedAt.Add(time.Hour)
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		c, err := tx.UpsertOpportunities(ctx, opps)
		must(t, err)
		must(t, tx.Commit())
		if diff := cmp.Diff(tandem.UpsertCounts{Updated: 5, Unchanged: 1195}, c); diff != "" {
			t.Errorf("third import (-want +got):\n%s", diff)
		}

		// Resolution helpers.
		tx, err = s.BeginImport(ctx, admin)
		must(t, err)
		defer tx.Rollback()
		ids, err := tx.ResolveIDs(ctx, "opportunities", []string{"GEN-0000001", "O1", "missing"})
		must(t, err)
		if len(ids) != 2 || ids["O1"] != f.o1.ID {
			t.Errorf("ResolveIDs = %v", ids)
		}
		_, err = tx.ResolveIDs(ctx, "secrets", []string{"x"})
		wantCode(t, err, tandem.EINVALID)
		emails, err := tx.ResolveUserEmails(ctx, []string{"ADA@vendor.test", "nobody@x.test"})
		wantSame(t, "ResolveUserEmails (-want +got)", map[string]int64{"ada@vendor.test": f.ae.ID}, emails, err)
		names, err := tx.ResolveAccountNames(ctx, []string{"GLOBEX", "Nobody Inc"})
		wantSame(t, "ResolveAccountNames (-want +got)", map[string]int64{"GLOBEX": f.a2.ID}, names, err)
		tiers, err := tx.PartnerTiers(ctx)
		must(t, err)
		if tiers[f.p1.ID] != tandem.TierGold || tiers[f.p2.ID] != tandem.TierSilver {
			t.Errorf("PartnerTiers = %v", tiers)
		}
		states, err := tx.RoutingStates(ctx, []string{"O1", "GEN-0000000"})
		must(t, err)
		if states["O1"].RegistrationStatus != tandem.RegistrationApproved || states["O1"].PartnerTier != tandem.TierGold ||
			states["GEN-0000000"].Motion != tandem.MotionPartnerLed {
			t.Errorf("RoutingStates = %+v", states)
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		_, before, err := s.ListAccounts(ctx, admin, AccountFilter{})
		must(t, err)

		// Rolled back explicitly.
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		_, err = tx.UpsertAccounts(ctx, []tandem.Account{{ExternalID: "NEW1", Name: "New One"}})
		must(t, err)
		must(t, tx.Rollback())
		must(t, tx.Rollback()) // a second rollback is harmless

		// Failed part-way: the accounts written before the failure go too.
		tx, err = s.BeginImport(ctx, admin)
		must(t, err)
		_, err = tx.UpsertAccounts(ctx, []tandem.Account{{ExternalID: "NEW2", Name: "New Two"}})
		must(t, err)
		bad := genOpportunities(3, []int64{f.a1.ID}, "BAD-")
		bad[2].AccountID = 987654
		if _, err := tx.UpsertOpportunities(ctx, bad); err == nil {
			t.Fatal("upsert with a missing account succeeded")
		}
		invalid := genOpportunities(1, []int64{f.a1.ID}, "INV-")
		invalid[0].Currency = "dollars"
		_, err = tx.UpsertOpportunities(ctx, invalid)
		wantCode(t, err, tandem.EINVALID)
		must(t, tx.Rollback())

		_, after, err := s.ListAccounts(ctx, admin, AccountFilter{})
		must(t, err)
		_, opps, err := s.ListOpportunities(ctx, admin, OpportunityFilter{})
		must(t, err)
		if after != before || opps != 3 {
			t.Errorf("after rolled-back imports: %d accounts (want %d), %d opportunities (want 3)", after, before, opps)
		}
		// The store still writes afterwards.
		a := tandem.Account{Name: "Later"}
		must(t, s.CreateAccount(ctx, admin, &a))
	})
}

func TestImportChecksReferences(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seed, func(t *testing.T, ctx context.Context, s *Store, f *fixture) {
		// An immediate reference to a missing record refuses the call and writes none of its rows.
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		opps := genOpportunities(3, []int64{f.a1.ID}, "REF-")
		opps[1].PartnerID = 424242
		_, err = tx.UpsertOpportunities(ctx, opps)
		wantCode(t, err, tandem.EINVALID)
		if s.Dialect() == DialectSQLite { // PostgreSQL aborts the transaction instead
			ids, err := tx.ResolveIDs(ctx, "opportunities", []string{"REF-0000000"})
			must(t, err)
			if len(ids) != 0 {
				t.Errorf("a refused call wrote rows: %v", ids)
			}
		}
		must(t, tx.Rollback())

		// A deferred reference (a partner's manager) may point at a user written later in the import...
		tx, err = s.BeginImport(ctx, admin)
		must(t, err)
		p := tandem.Partner{ExternalID: "P-DEF", Name: "Deferred", Tier: tandem.TierSilver, Type: tandem.PartnerReseller,
			Standing: tandem.StandingGood, ManagerID: f.ae.ID}
		_, err = tx.UpsertPartners(ctx, []tandem.Partner{p})
		must(t, err)
		must(t, tx.Commit())
		// ...but one still missing at commit refuses the whole import.
		tx, err = s.BeginImport(ctx, admin)
		must(t, err)
		p.ExternalID, p.ManagerID = "P-MISSING", 989898
		_, err = tx.UpsertPartners(ctx, []tandem.Partner{p})
		if s.Dialect() == DialectSQLite {
			must(t, err) // checked at commit, as SQLite checks DEFERRABLE INITIALLY DEFERRED keys
			wantCode(t, tx.Commit(), tandem.EINVALID)
		} else if err == nil {
			if err := tx.Commit(); err == nil {
				t.Fatal("an import with a missing deferred reference committed")
			}
		}
		must(t, tx.Rollback())
		tx, err = s.BeginImport(ctx, admin)
		must(t, err)
		stored, err := tx.ResolveIDs(ctx, "partners", []string{"P-DEF", "P-MISSING"})
		must(t, err)
		must(t, tx.Rollback())
		if _, ok := stored["P-DEF"]; !ok || len(stored) != 1 {
			t.Errorf("stored partners = %v, want only P-DEF", stored)
		}

		// Outside imports the database enforces references again.
		if s.Dialect() == DialectSQLite {
			var on int
			must(t, s.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on))
			if on != 1 {
				t.Errorf("foreign_keys = %d after imports, want 1", on)
			}
			a := tandem.Account{Name: "Orphan", OwnerID: 777777}
			wantCode(t, s.CreateAccount(ctx, admin, &a), tandem.EINVALID)
		}
	})
}

func TestDeclaredDeferred(t *testing.T) {
	t.Parallel()
	s := openSQLite(t)
	for _, tc := range []struct {
		table, column string
		want          bool
	}{
		{"partners", "manager_id", true},
		{"users", "manager_id", true},
		{"accounts", "parent_id", true},
		{"accounts", "owner_id", false},
		{"opportunities", "account_id", false},
		{"opportunities", "partner_id", false},
	} {
		t.Run(tc.table+"."+tc.column, func(t *testing.T) {
			var create string
			must(t, s.read.QueryRow(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, tc.table).Scan(&create))
			if got := declaredDeferred(create, tc.column); got != tc.want {
				t.Errorf("declaredDeferred = %v, want %v", got, tc.want)
			}
		})
	}
}

// opportunityColumn returns the position of col among the values of an opportunity upsert.
func opportunityColumn(t *testing.T, col string) int {
	t.Helper()
	i := slices.Index(opportunityWriteColumns, col)
	if i < 0 {
		t.Fatalf("no column %s", col)
	}
	return i
}

// upsertOpportunityValues upserts opps with the values of row i changed by edit, bypassing the
// entity's validation so that the schema's own rules are what stops a bad value.
func upsertOpportunityValues(ctx context.Context, tx *ImportTx, opps []tandem.Opportunity, edit func(i int, v []any)) error {
	idx := make([]int, len(opps))
	for i := range idx {
		idx[i] = i
	}
	_, err := tx.upsert(ctx, tx.opportunitySpecFor(), idx, func(i int) []any {
		v := opportunityValues(&opps[i])
		edit(i, v)
		return v
	})
	return err
}

func TestImportVerifiesCheckConstraints(t *testing.T) {
	t.Parallel()
	s := openSQLite(t)
	ctx := context.Background()
	f := seed(t, s)
	stage, acv := opportunityColumn(t, "stage"), opportunityColumn(t, "acv")

	tx, err := s.BeginImport(ctx, admin)
	must(t, err)
	defer tx.Rollback()
	stored := genOpportunities(3, []int64{f.a1.ID}, "CHK-OLD-")
	_, err = tx.UpsertOpportunities(ctx, stored)
	must(t, err)

	for _, tc := range []struct {
		name string
		opps []tandem.Opportunity
		edit func(i int, v []any)
		want string // in the message
	}{
		{"text list", genOpportunities(3, []int64{f.a1.ID}, "CHK-A-"), func(i int, v []any) {
			if i == 1 {
				v[stage] = "bogus"
			}
		}, `CHECK constraint failed: (stage = 'prospecting'`},
		{"integer range", genOpportunities(3, []int64{f.a1.ID}, "CHK-B-"), func(i int, v []any) {
			if i == 2 {
				v[acv] = int64(-1)
			}
		}, `CHECK constraint failed: acv >= 0`},
		// A text for an INTEGER column is stored as the integer it spells, and checked as such.
		{"value of another type, inserted", genOpportunities(3, []int64{f.a1.ID}, "CHK-C-"), func(i int, v []any) {
			if i == 1 {
				v[acv] = "-5"
			}
		}, `CHECK constraint failed: acv >= 0`},
		{"value of another type, updated", stored, func(i int, v []any) {
			if i == 2 {
				v[acv] = "-7"
			}
		}, `CHECK constraint failed: acv >= 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := upsertOpportunityValues(ctx, tx, tc.opps, tc.edit)
			wantCode(t, err, tandem.EINVALID)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			// The refused call wrote nothing: no new rows, no changed ones.
			var n int
			must(t, tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM opportunities WHERE external_id LIKE 'CHK-%' AND
				(external_id NOT LIKE 'CHK-OLD-%' OR acv < 0)`).Scan(&n))
			if n != 0 {
				t.Errorf("the refused call left %d rows", n)
			}
		})
	}

	// A rule SQLite always evaluates itself (a table constraint over two columns).
	_, err = tx.upsert(ctx, userSpec, []int{0}, func(int) []any {
		return []any{"U-CHK", "chk@vendor.test", "Checked", string(tandem.RolePartnerUser), nil, nil, nil, false}
	})
	wantCode(t, err, tandem.EINVALID)
	if want := `CHECK constraint failed: (role = 'partner_user') = (partner_id IS NOT NULL)`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	must(t, tx.Commit())

	// Outside imports too.
	o := genOpportunities(1, []int64{f.a1.ID}, "CHK-AFTER-")[0]
	values := append(opportunityValues(&o), int64(1), int64(1))
	values[stage] = "bogus"
	_, err = s.write.ExecContext(ctx, `INSERT INTO opportunities (`+joinColumns(opportunityWriteColumns)+`, created_at, updated_at)
		VALUES (`+strings.Repeat("?, ", len(values)-1)+`?)`, values...)
	if err == nil {
		t.Error("SQLite accepted a bad stage after the import")
	}
}

// tableIndexes returns the CREATE statements (names, for automatic indexes) of table's indexes as q,
// a transaction or a pool, sees them.
func tableIndexes(t *testing.T, q querier, table string) []string {
	t.Helper()
	out, err := queryAll(context.Background(), q, "indexes", `SELECT coalesce(sql, name) FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = ? ORDER BY name`, []any{table}, scanOne[string])
	must(t, err)
	return out
}

func TestLargeImportRebuildsIndexes(t *testing.T) {
	t.Parallel()
	s := openSQLite(t)
	ctx := context.Background()
	f := seed(t, s)
	before := tableIndexes(t, s.read, "opportunities")
	if len(before) < 4 {
		t.Fatalf("opportunities has indexes %q", before)
	}
	begin := func() *ImportTx {
		t.Helper()
		tx, err := s.BeginImport(ctx, admin)
		must(t, err)
		tx.bulk.minRows = 100
		return tx
	}
	wantIndexes := func(when string) {
		t.Helper()
		if diff := cmp.Diff(before, tableIndexes(t, s.read, "opportunities")); diff != "" {
			t.Errorf("%s: indexes (-before +now):\n%s", when, diff)
		}
		var check string
		must(t, s.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
		if check != "ok" {
			t.Errorf("%s: integrity_check: %s", when, check)
		}
	}
	accounts := []int64{f.a1.ID, f.a2.ID, f.a3.ID}

	// A small import keeps the indexes.
	tx := begin()
	_, err := tx.UpsertOpportunities(ctx, genOpportunities(50, accounts, "SMALL-"))
	must(t, err)
	if got := tableIndexes(t, tx.tx, "opportunities"); len(got) != len(before) {
		t.Errorf("a small import dropped indexes: %q", got)
	}
	must(t, tx.Rollback())

	// A large one drops the secondary ones (not the unique external id), which readers still see...
	tx = begin()
	_, err = tx.UpsertOpportunities(ctx, genOpportunities(300, accounts, "FAIL-"))
	must(t, err)
	during := tableIndexes(t, tx.tx, "opportunities")
	if len(during) != 1 || !strings.HasPrefix(during[0], "sqlite_autoindex") {
		t.Errorf("indexes during a large import: %q, want only the unique external id", during)
	}
	wantIndexes("seen by a reader during the import")
	// ...and gets them back when it fails and is rolled back,
	bad := genOpportunities(3, accounts, "FAIL-BAD-")
	bad[1].AccountID = 987654
	_, err = tx.UpsertOpportunities(ctx, bad)
	wantCode(t, err, tandem.EINVALID)
	must(t, tx.Rollback())
	wantIndexes("after a failed import")

	// when it panics,
	func() {
		defer func() { recover() }()
		tx := begin()
		defer tx.Rollback()
		_, err := tx.UpsertOpportunities(ctx, genOpportunities(300, accounts, "PANIC-"))
		must(t, err)
		panic("import crashed")
	}()
	wantIndexes("after a panic")

	// when its commit fails (a deferred reference still missing),
	tx = begin()
	_, err = tx.UpsertOpportunities(ctx, genOpportunities(300, accounts, "COMMIT-"))
	must(t, err)
	_, err = tx.UpsertPartners(ctx, []tandem.Partner{{ExternalID: "P-NOMGR", Name: "No manager", Tier: tandem.TierSilver,
		Type: tandem.PartnerReseller, Standing: tandem.StandingGood, ManagerID: 989898}})
	must(t, err)
	wantCode(t, tx.Commit(), tandem.EINVALID)
	wantIndexes("after a failed commit")

	// and rebuilt when it commits, the rows all reachable through them.
	tx = begin()
	c, err := tx.UpsertOpportunities(ctx, genOpportunities(300, accounts, "BIG-"))
	must(t, err)
	must(t, tx.Commit())
	if c.Inserted != 300 {
		t.Errorf("inserted %d, want 300", c.Inserted)
	}
	wantIndexes("after a committed import")
	var n int
	must(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM opportunities INDEXED BY opportunities_account_id
		WHERE account_id = ? AND external_id LIKE 'BIG-%'`, f.a2.ID).Scan(&n))
	if n != 100 {
		t.Errorf("%d imported deals of account 2 through its index, want 100", n)
	}
}

var benchRows = flag.Int("rows", 0, "rows per import in BenchmarkImportOpportunities (default 20000; env TANDEM_BENCH_ROWS)")

func benchRowCount() int {
	if *benchRows > 0 {
		return *benchRows
	}
	if v := os.Getenv("TANDEM_BENCH_ROWS"); v != "" {
		var n int
		fmt.Sscan(v, &n)
		if n > 0 {
			return n
		}
	}
	return 20000
}

// importBatch is the number of rows the benchmark hands to one UpsertOpportunities call, as an
// importer reading a file in chunks would.
const importBatch = 10000

// BenchmarkImportOpportunities imports -rows generated opportunities into an empty store in one import
// transaction and reports rows/s. On PostgreSQL it also times a plain COPY of the same rows into the
// same (empty) table in another schema and reports copy rows/s and the ratio upsert/copy.
func BenchmarkImportOpportunities(b *testing.B) {
	n := benchRowCount()
	b.Run("sqlite", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s := openSQLite(b)
			opps := benchSetup(b, s, n)
			b.StartTimer()
			start, cpu := time.Now(), cpuTime()
			benchImport(b, s, opps)
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
			// On a busy machine wall time says little; rows per second of this process's CPU time is
			// what the import costs (SQLite runs in-process).
			b.ReportMetric(float64(n)/(cpuTime()-cpu).Seconds(), "rows/cpu-s")
		}
	})
	pg := os.Getenv("TANDEM_TEST_POSTGRES")
	if pg == "" {
		return
	}
	b.Run("postgres", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			copyStore := openPostgres(b, pg)
			opps := benchSetup(b, copyStore, n)
			copyRate := benchCopy(b, copyStore, opps)
			s := openPostgres(b, pg)
			opps = benchSetup(b, s, n)
			b.StartTimer()
			start := time.Now()
			benchImport(b, s, opps)
			rate := float64(n) / time.Since(start).Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(copyRate, "copy_rows/s")
			b.ReportMetric(rate/copyRate, "upsert/copy")
		}
	})
}

// benchSetup stores 1000 accounts and returns n opportunities on them.
func benchSetup(b *testing.B, s *Store, n int) []tandem.Opportunity {
	b.Helper()
	ctx := context.Background()
	tx, err := s.BeginImport(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	accounts := make([]tandem.Account, 1000)
	ext := make([]string, len(accounts))
	for i := range accounts {
		ext[i] = fmt.Sprintf("ACC%05d", i)
		accounts[i] = tandem.Account{ExternalID: ext[i], Name: fmt.Sprintf("Account %d", i), Country: "US"}
	}
	if _, err := tx.UpsertAccounts(ctx, accounts); err != nil {
		b.Fatal(err)
	}
	ids, err := tx.ResolveIDs(ctx, "accounts", ext)
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	accountIDs := make([]int64, 0, len(ids))
	for _, e := range ext {
		accountIDs = append(accountIDs, ids[e])
	}
	return genOpportunities(n, accountIDs, "BENCH-")
}

func benchImport(b *testing.B, s *Store, opps []tandem.Opportunity) {
	b.Helper()
	ctx := context.Background()
	tx, err := s.BeginImport(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	var total tandem.UpsertCounts
	for start := 0; start < len(opps); start += importBatch {
		c, err := tx.UpsertOpportunities(ctx, opps[start:min(start+importBatch, len(opps))])
		if err != nil {
			b.Fatal(err)
		}
		total.Add(c)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if total.Inserted != len(opps) {
		b.Fatalf("inserted %d of %d", total.Inserted, len(opps))
	}
}

// benchCopy COPYs opps into the opportunities table of s in one transaction, in the same batches as
// benchImport, and returns rows/s.
func benchCopy(b *testing.B, s *Store, opps []tandem.Opportunity) float64 {
	b.Helper()
	ctx := context.Background()
	conn, err := s.write.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	cols := append(append([]string(nil), opportunityWriteColumns...), "created_at", "updated_at")
	now := time.Now().UnixMicro()
	start := time.Now()
	for lo := 0; lo < len(opps); lo += importBatch {
		part := opps[lo:min(lo+importBatch, len(opps))]
		rows := make([][]any, len(part))
		for i := range part {
			rows[i] = append(opportunityValues(&part[i]), now, now)
		}
		if _, err := copyRows(ctx, conn, "opportunities", cols, rows); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return float64(len(opps)) / time.Since(start).Seconds()
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
