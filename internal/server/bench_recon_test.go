package server

import (
	"context"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/demo"
)

// BenchmarkFirstViewAfterWrite times the first view after a write of the three pages computed from the
// whole history — the reconciliation, the portfolio and the forecast — on the full-size demo company:
// each iteration first changes a deal's ACV by a dollar (an audited write, which moves the compensation
// and portfolio data versions and the forecast's mark), untimed. "cold": the view computes what the
// write made stale (the reconciliation recalculates the live quarter and the four closed quarters; the
// portfolio reads every closed deal and each quarter's gross profit; the forecast reads the changed deal
// and simulates its category again). "warmed": the background warm-up (Config.CompWarmInterval) ran between the write and the
// view, as it does a few seconds after a write. Besides wall time it reports cpu-ms/op, the process's
// CPU time during the views only.
func BenchmarkFirstViewAfterWrite(b *testing.B) {
	st, _, _ := demoServerForBench(b)
	ctx := context.Background()
	admin := &tandem.User{Email: "bench-recon@vendor.test", Name: "Bench RevOps", Role: tandem.RoleRevOps}
	if err := st.CreateUser(ctx, tandem.SystemActor, admin, ""); err != nil {
		b.Fatal(err)
	}
	tok := benchToken(b, st, admin.ID)
	writes := 0
	deal, err := st.GetOpportunity(ctx, tandem.SystemActor, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, page := range []string{"/comp/reconciliation", "/portfolio", "/forecast"} {
		for _, warmed := range []bool{false, true} {
			name := page[strings.LastIndex(page, "/")+1:] + "/" + map[bool]string{false: "cold", true: "warmed"}[warmed]
			b.Run(name, func(b *testing.B) {
				// A server of its own, so its cache holds only this run's views.
				srv, err := New(Config{Store: st, Hasher: auth.NewHasher(auth.WithParams(auth.CheapParams)), Now: func() time.Time { return demo.Today }})
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Close()
				h := srv.Handler()
				benchGet(b, h, tok, page) // the caches warm, as on a running server
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					writes++
					deal.ACV += tandem.Major(int64(1 - 2*(writes%2))) // up and down a dollar, so the deal stays as it was
					if err := st.UpdateOpportunity(ctx, tandem.SystemActor, deal); err != nil {
						b.Fatal(err)
					}
					if warmed {
						srv.warmCaches(ctx)
					}
					b.StartTimer()
					before := cpuTime(b)
					benchGet(b, h, tok, page)
					cpu += cpuTime(b) - before
				}
				b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
