package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkSubmitRegistrations files registrations through the API from many clients at once, as
// partners do under load (scripts/load.sh drives the same request at 100 a second): every submit
// resolves the company, files it, detects overlaps and is auto-approved, each step in its own
// transaction. It reports the latency percentiles beside ns/op, since a serialised step shows as a
// long tail before it shows in the mean. Runs on SQLite and, with TANDEM_TEST_POSTGRES, PostgreSQL.
//
//	go test -run '^$' -bench SubmitRegistrations -benchtime 400x ./internal/server/
func BenchmarkSubmitRegistrations(b *testing.B) {
	engines := []struct {
		name string
		open func(b *testing.B) *testEnv
	}{
		{"sqlite", func(b *testing.B) *testEnv { return newTestEnv(b, openSQLite(b)) }},
	}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		engines = append(engines, struct {
			name string
			open func(b *testing.B) *testEnv
		}{"postgres", func(b *testing.B) *testEnv { return newTestEnv(b, openPostgres(b, pg)) }})
	}
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			e := eng.open(b)
			benchAccounts(b, e, 500)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
			tok := e.tokens["partner_a"]
			var n atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(8) // 8 × GOMAXPROCS clients in flight, as the load script's connections
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					i := n.Add(1)
					body := fmt.Sprintf(`{"account_name":"Bench %d Ltd","country":"US","vertical":"technology",`+
						`"product_type":"core","estimated_acv":%d,"currency":"USD"}`, i, 2_000_000+(i%50)*100_000)
					req, err := http.NewRequest(http.MethodPost, e.http.URL+APIPrefix+"/registrations", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					start := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					msg, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusCreated {
						b.Errorf("submit: status %d: %s", res.StatusCode, msg)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) > 0 {
				at := func(p float64) float64 {
					return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
				}
				b.ReportMetric(at(0.50), "p50-ms")
				b.ReportMetric(at(0.99), "p99-ms")
			}
		})
	}
}

// benchAccounts adds n accounts for the matcher to search (submits create none, so its index is not
// rebuilt during the run).
func benchAccounts(b *testing.B, e *testEnv, n int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		a := &tandem.Account{ExternalID: fmt.Sprintf("BA-%d", i), Name: fmt.Sprintf("Benchmark Account %d Inc", i),
			Domain: fmt.Sprintf("bench%d.test", i), Country: "US", Vertical: "technology"}
		must(b, e.store.CreateAccount(ctx, tandem.SystemActor, a))
	}
}
