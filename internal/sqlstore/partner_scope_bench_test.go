package sqlstore

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkPartnerScopedLists is finding 6 of issue 11: every list a partner user opens, first page of
// 50, on a company of the demo's size (20,000 accounts, 60,000 opportunities, 150 partners, 15,000
// registrations) and, with TANDEM_BENCH_PARTNER_SCALES=1,10, ten times that; on SQLite and, when
// TANDEM_TEST_POSTGRES is set, on PostgreSQL. Target: each under 100 ms. scripts/bench-partner-scope.sh
// runs it and prints the query plans.
func BenchmarkPartnerScopedLists(b *testing.B) {
	scales := []int{1}
	if v := os.Getenv("TANDEM_BENCH_PARTNER_SCALES"); v != "" {
		scales = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("TANDEM_BENCH_PARTNER_SCALES=%q: want scales like 1,10", v)
			}
			scales = append(scales, n)
		}
	}
	engines := map[string]func(testing.TB) *Store{"sqlite": openSQLite}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		engines["postgres"] = func(tb testing.TB) *Store { return openPostgres(tb, pg) }
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		open, ok := engines[engine]
		if !ok {
			continue
		}
		for _, k := range scales {
			b.Run(fmt.Sprintf("%s/x%d", engine, k), func(b *testing.B) {
				s := open(b)
				writePartnerCompany(b, s, k)
				ctx := context.Background()
				partner := tandem.Actor{UserID: 0, Email: "p@partner.test", Role: tandem.RolePartnerUser, PartnerID: 8}
				lists := []struct {
					name string
					run  func() (int, error)
				}{
					{"accounts", func() (int, error) {
						_, n, err := s.ListAccounts(ctx, partner, AccountFilter{Limit: 50})
						return n, err
					}},
					{"accounts_search", func() (int, error) {
						_, n, err := s.ListAccounts(ctx, partner, AccountFilter{Query: "account 1", Limit: 50})
						return n, err
					}},
					{"opportunities", func() (int, error) {
						_, n, err := s.ListOpportunities(ctx, partner, OpportunityFilter{Limit: 50})
						return n, err
					}},
					{"registrations", func() (int, error) {
						_, n, err := s.ListRegistrations(ctx, partner, RegistrationFilter{Limit: 50})
						return n, err
					}},
					{"touches", func() (int, error) {
						_, n, err := s.ListTouches(ctx, partner, TouchFilter{Limit: 50})
						return n, err
					}},
				}
				for _, l := range lists {
					b.Run(l.name, func(b *testing.B) {
						for b.Loop() {
							n, err := l.run()
							if err != nil {
								b.Fatal(err)
							}
							if n == 0 {
								b.Fatal("the partner sees nothing")
							}
						}
					})
				}
			})
		}
	}
}

// writePartnerCompany fills s with k times the demo's shape, set-based (the same SQL on both engines).
func writePartnerCompany(tb testing.TB, s *Store, k int) {
	tb.Helper()
	ctx := context.Background()
	accounts, partners, opps, regs, touches := 20000*k, 150*k, 60000*k, 15000*k, 20000*k
	seq := func(n int) string {
		return `WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(n) + `) `
	}
	for _, q := range []string{
		`INSERT INTO partners (external_id, name, tier, type, standing, created_at, updated_at) ` + seq(partners) +
			`SELECT 'P' || i, 'Partner ' || i, 'gold', 'reseller', 'good', 0, 0 FROM n`,
		`INSERT INTO accounts (external_id, name, country, created_at, updated_at) ` + seq(accounts) +
			`SELECT 'A' || i, 'Account ' || i, 'US', 0, 0 FROM n`,
		// Two deals in three have a partner; a partner's deals spread over the accounts.
		`INSERT INTO opportunities (external_id, name, account_id, partner_id, product_type, acv, currency, stage,
				forecast_category, created_at, updated_at) ` + seq(opps) +
			`SELECT 'O' || i, 'Deal ' || i, 1 + (i * 7919) % ` + strconv.Itoa(accounts) + `,
				CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % ` + strconv.Itoa(partners) + ` END,
				'core', 1000000, 'USD', 'qualified', 'pipeline', i, i FROM n`,
		`INSERT INTO registrations (external_id, partner_id, account_id, account_name, country, product_type,
				estimated_acv, currency, status, created_at, updated_at) ` + seq(regs) +
			`SELECT 'R' || i, 1 + i % ` + strconv.Itoa(partners) + `, CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + (i * 104729) % ` +
			strconv.Itoa(accounts) + ` END, 'Account ' || i, 'US', 'core', 1000000, 'USD', 'submitted', i, i FROM n`,
		`INSERT INTO touches (external_id, partner_id, opportunity_id, kind, occurred_at) ` + seq(touches) +
			`SELECT 'T' || i, 1 + i % ` + strconv.Itoa(partners) + `, 1 + (i * 31) % ` + strconv.Itoa(opps) + `, 'influence', i FROM n`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil { // what a running server's statistics would show
		tb.Fatal(err)
	}
}
