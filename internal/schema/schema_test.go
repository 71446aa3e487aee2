package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"
	"github.com/tandem-revops/tandem/internal/postgres"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/schema"
	"github.com/tandem-revops/tandem/internal/sqlite"
)

var migrationName = regexp.MustCompile(`^\d{5}_[a-z0-9_]+\.sql$`)

// rendered returns the migrations rendered for e, by file name.
func rendered(t *testing.T, e schema.Engine) map[string]string {
	t.Helper()
	fsys, err := schema.Migrations(e)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, entry := range entries {
		b, err := fs.ReadFile(fsys, entry.Name())
		if err != nil {
			t.Fatal(err)
		}
		files[entry.Name()] = string(b)
	}
	return files
}

// TestMigrationsRenderForEachEngine checks that both engines get the same versions, the latest of them
// LatestVersion, as SQL with no template action left and goose's annotations in order.
func TestMigrationsRenderForEachEngine(t *testing.T) {
	sqliteFiles, pgFiles := rendered(t, schema.SQLite), rendered(t, schema.PostgreSQL)
	if diff := cmp.Diff(slices.Sorted(maps.Keys(sqliteFiles)), slices.Sorted(maps.Keys(pgFiles))); diff != "" {
		t.Errorf("the engines' migrations differ in names (-sqlite +postgres):\n%s", diff)
	}
	if len(sqliteFiles) == 0 {
		t.Fatal("no migrations rendered")
	}
	latest, err := schema.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	if last := slices.Max(slices.Collect(maps.Keys(sqliteFiles))); !strings.HasPrefix(last, fmt.Sprintf("%05d_", latest)) {
		t.Errorf("LatestVersion = %d, but the last migration is %s", latest, last)
	}
	for engine, files := range map[schema.Engine]map[string]string{schema.SQLite: sqliteFiles, schema.PostgreSQL: pgFiles} {
		for name, text := range files {
			if !migrationName.MatchString(name) {
				t.Errorf("%s %s: not a goose migration name", engine, name)
			}
			if strings.Contains(text, "{{") || strings.Contains(text, "}}") {
				t.Errorf("%s %s: a template action is left in the rendered SQL", engine, name)
			}
			if !strings.Contains(text, "-- +goose Up\n") {
				t.Errorf("%s %s: no -- +goose Up line", engine, name)
			}
			open := false
			for i, line := range strings.Split(text, "\n") {
				switch {
				case strings.Contains(line, "+goose StatementBegin"):
					if open || line != "-- +goose StatementBegin" {
						t.Errorf("%s %s:%d: %q opens a statement inside another or shares its line", engine, name, i+1, line)
					}
					open = true
				case strings.Contains(line, "+goose StatementEnd"):
					if !open || line != "-- +goose StatementEnd" {
						t.Errorf("%s %s:%d: %q closes no statement or shares its line", engine, name, i+1, line)
					}
					open = false
				}
			}
			if open {
				t.Errorf("%s %s: a StatementBegin is never ended", engine, name)
			}
		}
	}
	if _, err := schema.Migrations("mysql"); err == nil {
		t.Error("an unknown engine rendered")
	}
}

// TestEnginesMigrateToTheSameTables migrates a fresh SQLite database and, when TANDEM_TEST_POSTGRES
// names a server, a fresh PostgreSQL schema with goose, and checks that both end with the same tables
// holding the same columns in the same order.
func TestEnginesMigrateToTheSameTables(t *testing.T) {
	pgURL := os.Getenv("TANDEM_TEST_POSTGRES")
	if pgURL == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set")
	}
	write, read, err := sqlite.Open(filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { write.Close(); read.Close() })
	migrate(t, write, schema.SQLite, goose.DialectSQLite3)
	sqliteColumns := columns(t, write, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)

	pg, err := postgres.Open(pgtest.SchemaURL(t, pgURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	migrate(t, pg, schema.PostgreSQL, goose.DialectPostgres)
	pgColumns := columns(t, pg, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)

	if len(sqliteColumns) < 20 {
		t.Fatalf("SQLite has %d tables after migrating, want the whole schema", len(sqliteColumns))
	}
	if diff := cmp.Diff(sqliteColumns, pgColumns); diff != "" {
		t.Errorf("tables and columns differ between the engines (-sqlite +postgres):\n%s", diff)
	}
}

func migrate(t *testing.T, db *sql.DB, e schema.Engine, dialect goose.Dialect) {
	t.Helper()
	fsys, err := schema.Migrations(e)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(dialect, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
}

// columns returns each table's column names, in order, from a query of (table, column) rows.
func columns(t *testing.T, db *sql.DB, query string) map[string][]string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
