package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
)

// smallDemo is a demo company small enough to write in a test in a few seconds.
func smallDemo(seed uint64) demo.Config {
	return demo.Config{Seed: seed, Accounts: 400, Partners: 12, Opportunities: 900, Quarters: 3}
}

// demoFile writes the demo company cfg describes into a new SQLite file and returns its path.
func demoFile(t *testing.T, cfg demo.Config) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Ensure(t.Context(), db, cfg, false, cheapHash, nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestDemoOnPostgres: `tandem demo -db postgres://…` writes the company into an empty PostgreSQL
// database, reuses it on the next run, refuses -reset and another seed (it never deletes rows there),
// and serves it: the printed sign-ins work.
func TestDemoOnPostgres(t *testing.T) {
	pg := os.Getenv("TANDEM_TEST_POSTGRES")
	if pg == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set (scripts/test.sh sets it)")
	}
	t.Parallel()
	dbURL := pgtest.SchemaURL(t, pg)
	var out, errs bytes.Buffer
	cfg := demoConfig{Addr: "127.0.0.1:0", DB: dbURL, Seed: 7, NoServe: true}
	if err := runDemoCompany(t.Context(), testEnv(&out, &errs), cfg, smallDemo(7)); err != nil {
		t.Fatalf("demo on PostgreSQL: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "Created the demo company in postgres://") || !strings.Contains(out.String(), "(seed 7)") {
		t.Errorf("first run did not report creating the company:\n%s", out.String())
	}
	emails := regexp.MustCompile(`(?m)^  .+  (\S+@\S+)$`).FindAllStringSubmatch(out.String(), -1)
	if len(emails) == 0 {
		t.Fatalf("no sign-ins printed:\n%s", out.String())
	}

	out.Reset()
	if err := runDemoCompany(t.Context(), testEnv(&out, &errs), cfg, smallDemo(7)); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !strings.Contains(out.String(), "Using the demo company") {
		t.Errorf("second run with the same seed did not reuse the database:\n%s", out.String())
	}
	for _, tc := range []struct {
		name string
		cfg  demoConfig
		want string
	}{
		{"reset", demoConfig{DB: dbURL, Seed: 7, Reset: true, NoServe: true}, "-reset cannot empty"},
		{"another seed", demoConfig{DB: dbURL, Seed: 8, NoServe: true}, "holds the demo of seed 7"},
	} {
		err := runDemoCompany(t.Context(), testEnv(&bytes.Buffer{}, &bytes.Buffer{}), tc.cfg, smallDemo(tc.cfg.Seed))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}

	// The audit log the demo wrote verifies on PostgreSQL too.
	out.Reset()
	if code := run(t.Context(), testEnv(&out, &errs), []string{"audit", "verify", "-db", dbURL}); code != 0 ||
		!strings.Contains(out.String(), "audit log verified:") {
		t.Fatalf("tandem audit verify on the PostgreSQL demo: exit %d\n%s%s", code, out.String(), errs.String())
	}

	serveCfg := cfg
	serveCfg.NoServe = false
	err := serveDemoAndSignIn(t, func(ctx context.Context, stdout io.Writer) error {
		return runDemoCompany(ctx, testEnv(stdout, &bytes.Buffer{}), serveCfg, smallDemo(7))
	}, emails[0][1])
	if err != nil {
		t.Errorf("tandem demo after Ctrl-C: %v", err)
	}
}
