package server

import (
	"bytes"
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

// BenchmarkExportOpportunitiesOnDemo times "Export CSV" of every opportunity of the full-size demo company
// (60,000), which it generates first; the target is under 3 s (issue 10 #10).
func BenchmarkExportOpportunitiesOnDemo(b *testing.B) {
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
	srv, err := New(Config{Store: st, Hasher: hasher, Now: func() time.Time { return demo.Today }})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	u := &tandem.User{Email: "bench-revops@vendor.test", Name: "Bench RevOps", Role: tandem.RoleRevOps}
	if err := st.CreateUser(ctx, tandem.SystemActor, u, ""); err != nil {
		b.Fatal(err)
	}
	tok := auth.NewAPIToken()
	if _, err := st.CreateAPIToken(ctx, u.ID, "bench", auth.HashToken(tok)); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, APIPrefix+"/opportunities.csv", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("export: %d %s", rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
		}
		if n := bytes.Count(rec.Body.Bytes(), []byte("\n")); n < 60_000 {
			b.Fatalf("export has %d lines, want every one of the demo's 60,000 deals", n)
		}
	}
}
