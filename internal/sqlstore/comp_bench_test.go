package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
)

// BenchmarkRecreditOneDeal measures live recalculation: one deal of a quarter with 200,000 closed-won
// deals (500 AEs, 2,000 partners, on SQLite) changes, and the statements of its AE and its partner are
// calculated again from their own deals — what a statement page does after an edit. The quarter is
// generated with set-based SQL (building a million-deal quarter in SQLite would dominate the run).
func BenchmarkRecreditOneDeal(b *testing.B) {
	s := benchQuarter(b, 200_000)
	ctx := context.Background()
	o, err := s.GetOpportunityByExternalID(ctx, admin, "O1001") // AE 2, partner 1002
	if err != nil {
		b.Fatal(err)
	}
	revops := tandem.Actor{Email: "revops@vendor.test", Role: tandem.RoleRevOps}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		o.ACV = tandem.Money(5_000_000 + int64(i%1000)*100)
		if err := s.UpdateOpportunity(ctx, admin, o); err != nil {
			b.Fatal(err)
		}
		st, err := compensation.PayeeStatement(ctx, s, revops, "2026-Q1", comp.PayeeAE, o.OwnerID)
		if err != nil || len(st.Lines) < 400 {
			b.Fatalf("AE statement: %v (%d lines)", err, len(st.Lines))
		}
		if _, err := compensation.PayeeStatement(ctx, s, revops, "2026-Q1", comp.PayeePartner, o.PartnerID); err != nil {
			b.Fatal(err)
		}
	}
}

// benchQuarter stores a 2026-Q1 of deals closed-won deals (500 AEs, 2,000 partners, 5,000 accounts) in
// a new SQLite database, generated with set-based SQL.
func benchQuarter(b *testing.B, deals int) *Store {
	b.Helper()
	return writeBenchQuarter(b, filepath.Join(b.TempDir(), "bench.db"), deals)
}

// TestWriteCompBenchDB writes the benchmark quarter of BenchmarkCalculateQuarterStored (1,000,000
// deals unless TANDEM_COMP_BENCH_DEALS says otherwise) to the SQLite file named by
// TANDEM_COMP_BENCH_DB, so scripts/bench-comp-stored.sh can measure a separate process recalculating
// it. Skipped unless that variable is set.
func TestWriteCompBenchDB(t *testing.T) {
	path := os.Getenv("TANDEM_COMP_BENCH_DB")
	if path == "" {
		t.Skip("TANDEM_COMP_BENCH_DB is not set")
	}
	deals := 1_000_000
	if v := os.Getenv("TANDEM_COMP_BENCH_DEALS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("TANDEM_COMP_BENCH_DEALS=%q is not a positive number", v)
		}
		deals = n
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s exists already; remove it first", path)
	}
	writeBenchQuarter(t, path, deals)
}

// writeBenchQuarter is benchQuarter writing to the SQLite database at path.
func writeBenchQuarter(b testing.TB, path string, deals int) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.SetClock(func() time.Time { return time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC) })
	q1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for _, q := range []string{
		`INSERT INTO users (external_id, email, name, role, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
			SELECT 'ae' || i, 'ae' || i || '@vendor.test', 'AE ' || i, 'ae', 0, 0 FROM n`,
		`INSERT INTO partners (external_id, name, tier, type, standing, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			SELECT 'P' || i, 'Partner ' || i, CASE i % 4 WHEN 0 THEN 'platinum' WHEN 1 THEN 'gold' WHEN 2 THEN 'silver' ELSE 'registered' END,
				CASE i % 3 WHEN 0 THEN 'reseller' WHEN 1 THEN 'referral' ELSE 'co_sell' END, 'good', 0, 0 FROM n`,
		`INSERT INTO accounts (external_id, name, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
			SELECT 'A' || i, 'Account ' || i, 0, 0 FROM n`,
		`INSERT INTO opportunities (external_id, name, account_id, owner_id, partner_id, product_type, acv, currency, stage,
				forecast_category, discount_basis_points, attribution, close_date, routing_motion, created_at, updated_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(deals) + `)
			SELECT 'O' || i, 'Deal ' || i, 1 + i % 5000, 1 + i % 500, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 2000 END,
				'core', 1000000 + (i * 7919) % 9000000, 'USD', 'closed_won', 'closed', (i * 13) % 2000,
				CASE WHEN i % 3 = 0 THEN 'direct' WHEN i % 3 = 1 THEN 'partner_led' ELSE 'partner_influenced' END,
				$1 + (i % 89) * 86400000000, CASE WHEN i % 3 = 0 THEN 'direct' ELSE 'co_sell' END, 0, 0 FROM n`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{q1}
		}
		if _, err := s.write.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM opportunities`).Scan(&n); err != nil || n != deals {
		b.Fatalf("%d deals: %v", n, err)
	}
	return s
}

// BenchmarkCalculateQuarterStored is the full-quarter recalculation through the store: 1,000,000
// closed-won deals of 500 AEs and 2,000 partners read from SQLite, attributed, calculated and rolled
// into statements and gross profit. It reports the peak Go heap of a run (runtime/metrics would do as
// well; MemStats is enough for one call per iteration).
func BenchmarkCalculateQuarterStored(b *testing.B) {
	s := benchQuarter(b, 1_000_000)
	ctx := context.Background()
	revops := tandem.Actor{Email: "revops@vendor.test", Role: tandem.RoleRevOps}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	for b.Loop() {
		res, err := compensation.CalculatePeriod(ctx, s, revops, "2026-Q1")
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Profit) != 1_000_000 || len(res.AEs) != 500 {
			b.Fatalf("%d deals, %d AEs", len(res.Profit), len(res.AEs))
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}
