package server

import (
	"context"
	"fmt"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// BenchmarkReconciliationAfterWrite times the reconciliation page's first view after a write on the
// full-size demo company: each iteration adds a user first (an audited write, which moves the
// compensation data version), so every view starts from a cache that no longer holds.
func BenchmarkReconciliationAfterWrite(b *testing.B) {
	st, h, _ := demoServerForBench(b)
	ctx := context.Background()
	admin := &tandem.User{Email: "bench-recon@vendor.test", Name: "Bench RevOps", Role: tandem.RoleRevOps}
	if err := st.CreateUser(ctx, tandem.SystemActor, admin, ""); err != nil {
		b.Fatal(err)
	}
	tok := benchToken(b, st, admin.ID)
	benchGet(b, h, tok, "/comp/reconciliation") // the caches warm, as on a running server
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		u := &tandem.User{Email: fmt.Sprintf("bench-write-%d@vendor.test", n), Name: "Bench write", Role: tandem.RolePartnerManager}
		if err := st.CreateUser(ctx, tandem.SystemActor, u, ""); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		benchGet(b, h, tok, "/comp/reconciliation")
	}
}
