package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// migratedDB returns a new SQLite database, empty but for what tandem migrate creates.
func migratedDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "tandem.db")
	if code, _, errOut := runTandem(t, "", "migrate", "-db", db); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	return db
}

// createStoreAt creates the SQLite database at path as the commands do (tandem migrate, or the first
// command to write) and opens it; the test closes it.
func createStoreAt(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	st, err := openOrCreateStore(t.Context(), testEnv(&bytes.Buffer{}, &bytes.Buffer{}), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// openStoreAt opens the existing database at path as the commands that read it do; the test closes it.
func openStoreAt(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	st, err := openStore(t.Context(), testEnv(&bytes.Buffer{}, &bytes.Buffer{}), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestReadingCommandsRefuseMissingDatabase: a command that reads data must not create an empty SQLite
// file where the user expected their data; it says which file it looked for and how to name another.
func TestReadingCommandsRefuseMissingDatabase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
	}{
		{"comp statements", []string{"comp", "statements", "2026Q3"}},
		{"comp close", []string{"comp", "close", "2026Q3"}},
		{"comp publish", []string{"comp", "publish", writeTemp(t, "plan.yaml", string(comp.DefaultSource()))}},
		{"token list", []string{"token", "list"}},
		{"token create", []string{"token", "create", "-email", "a@b.test", "-name", "n"}},
		{"token revoke", []string{"token", "revoke", "-db", "DB", "1"}},
		{"webhook list", []string{"webhook", "list"}},
		{"user passwd", []string{"user", "passwd", "-email", "a@b.test"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "missing.db")
			args := append([]string(nil), tc.args...)
			if !slices.Contains(args, "DB") {
				args = append(args, "-db", "DB")
			}
			args[slices.Index(args, "DB")] = db
			code, out, errOut := runTandem(t, "secret-password\n", args...)
			if code == 0 {
				t.Errorf("exit 0, want a failure; stdout:\n%s", out)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Errorf("%s was created (stat: %v)", db, err)
			}
			for _, want := range []string{db, "does not exist", "-db", "TANDEM_DB"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}

// TestCreatingCommandsSaySo: the commands that may create a database say that they did.
func TestCreatingCommandsSaySo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "new.db")
	code, out, errOut := runTandem(t, "", "migrate", "-db", db)
	if code != 0 || !strings.Contains(errOut, "created a new database "+db) {
		t.Fatalf("migrate: exit %d; want \"created a new database %s\" in:\n%s%s", code, db, out, errOut)
	}
	code, out, errOut = runTandem(t, "", "migrate", "-db", db)
	if code != 0 || strings.Contains(errOut, "created") {
		t.Fatalf("migrate again: exit %d; want no \"created\" in:\n%s%s", code, out, errOut)
	}
	other := filepath.Join(dir, "users.db")
	code, out, errOut = runTandem(t, "", "user", "add", "-db", other, "-email", "ops@vendor.test", "-name", "Ops", "-role", "revops")
	if code != 0 || !strings.Contains(errOut, "created a new database "+other) {
		t.Fatalf("user add: exit %d; want \"created a new database\" in:\n%s%s", code, out, errOut)
	}
}

// TestDatabaseFromEnvironmentMissing: TANDEM_DB naming a missing file is refused the same way, and the
// message names the variable it came from.
func TestDatabaseFromEnvironmentMissing(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "env.db")
	var out, errOut strings.Builder
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		if k == "TANDEM_DB" {
			return db
		}
		return ""
	}}
	if code := run(t.Context(), env, []string{"comp", "statements", "2026Q3"}); code == 0 {
		t.Fatalf("exit 0; want a failure")
	}
	if !strings.Contains(errOut.String(), db+" (from TANDEM_DB) does not exist") {
		t.Errorf("stderr: %s", errOut.String())
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("%s was created", db)
	}
}
