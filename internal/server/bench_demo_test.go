package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// demoForBench generates the full-size demo company (20,000 accounts, 60,000 opportunities) in a
// temporary SQLite file, serves it on the demo's "today", and returns the handler with an API token of a
// new user of the given role — the setup every page benchmark on the demo shares.
func demoForBench(b *testing.B, role tandem.Role) (http.Handler, string) {
	b.Helper()
	st, h, _ := demoServerForBench(b)
	u := &tandem.User{Email: "bench-" + string(role) + "@vendor.test", Name: "Bench " + role.Label(), Role: role}
	if err := st.CreateUser(context.Background(), tandem.SystemActor, u, ""); err != nil {
		b.Fatal(err)
	}
	return h, benchToken(b, st, u.ID)
}

// demoServerForBench generates the demo company and serves it, returning the store, the handler and the
// demo's sign-ins (its real users, one per role, with their deals).
func demoServerForBench(b *testing.B) (*sqlstore.Store, http.Handler, []demo.SignIn) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "demo.db")
	hasher := auth.NewHasher(auth.WithParams(auth.CheapParams))
	// TANDEM_BENCH_DEMO_DB names a demo file made by `tandem demo -no-serve -db FILE`: it is copied
	// (when of this generator) instead of generating the company again, to measure pages sooner.
	if src := os.Getenv("TANDEM_BENCH_DEMO_DB"); src != "" {
		copyFileForBench(b, src, path)
	}
	res, err := demo.Ensure(ctx, path, demo.DefaultConfig(1), false, hasher.Hash, nil)
	if err != nil {
		b.Fatal(err)
	}
	signIns := res.Marker.SignIns // the store's user ids
	st, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.SetClock(func() time.Time { return demo.Today })
	srv, err := New(Config{Store: st, Hasher: hasher, Now: func() time.Time { return demo.Today }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return st, srv.Handler(), signIns
}

// onePartnerUser is the demo's sign-ins without the partner users after the first: one is enough to
// time a partner's pages.
func onePartnerUser(signIns []demo.SignIn) []demo.SignIn {
	var out []demo.SignIn
	partner := false
	for _, si := range signIns {
		if si.Partner != "" {
			if partner {
				continue
			}
			partner = true
		}
		out = append(out, si)
	}
	return out
}

// copyFileForBench copies the file src to dst.
func copyFileForBench(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchToken is a new API token of user id.
func benchToken(b *testing.B, st *sqlstore.Store, id int64) string {
	b.Helper()
	tok := auth.NewAPIToken()
	if _, err := st.CreateAPIToken(context.Background(), id, "bench", auth.HashToken(tok)); err != nil {
		b.Fatal(err)
	}
	return tok
}

// benchGet is a GET of path on h with the API token tok; it fails the benchmark unless it answers 200.
func benchGet(b *testing.B, h http.Handler, tok, path string) *httptest.ResponseRecorder {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String()[:min(300, rec.Body.Len())])
	}
	return rec
}
