// Package sqlstoretest opens fresh stores on every engine a test run has, for packages whose tests
// run against the real store.
package sqlstoretest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Engines returns a fresh, migrated SQLite store by the name "sqlite" and, when TANDEM_TEST_POSTGRES
// names a server, a fresh PostgreSQL one in a schema of its own by the name "postgres"; both close
// when the test ends.
func Engines(t testing.TB) map[string]*sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	urls := map[string]string{"sqlite": filepath.Join(t.TempDir(), "tandem.db")}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		urls["postgres"] = pgtest.SchemaURL(t, pg)
	}
	out := map[string]*sqlstore.Store{}
	for name, url := range urls {
		st, err := sqlstore.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		out[name] = st
	}
	return out
}
