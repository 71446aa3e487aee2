package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// BenchmarkPortfolioPageOnDemo times the portfolio page (two years of ledger and closed deals, each
// quarter's gross profit, the returns, the fit and the recommendation) and the MDF and certification
// pages on the full-size demo company (20,000 accounts, 60,000 opportunities), which it generates first.
func BenchmarkPortfolioPageOnDemo(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "demo.db")
	hasher := auth.NewHasher(auth.WithParams(auth.CheapParams))
	if _, err := demo.Ensure(ctx, path, demo.DefaultConfig(1), false, hasher.Hash, nil); err != nil {
		b.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	st.SetClock(func() time.Time { return demo.Today })
	srv, err := New(Config{Store: st, Hasher: hasher, Now: func() time.Time { return demo.Today }})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	u := &tandem.User{Email: "bench-cro@vendor.test", Name: "Bench CRO", Role: tandem.RoleCRO}
	if err := st.CreateUser(ctx, tandem.SystemActor, u, ""); err != nil {
		b.Fatal(err)
	}
	tok := auth.NewAPIToken()
	if _, err := st.CreateAPIToken(ctx, u.ID, "bench", auth.HashToken(tok)); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for _, path := range []string{"/portfolio", "/mdf", "/certifications"} {
		b.Run(path[1:], func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
				}
			}
		})
	}
}
