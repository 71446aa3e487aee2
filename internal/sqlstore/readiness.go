package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/tandem-revops/tandem/internal/postgres"
	"github.com/tandem-revops/tandem/internal/sqlite"
)

// Ready reports whether the store can serve: the database answers a query and its schema is at the
// latest migration this binary embeds (an instance of an older binary, or a database another instance
// is still migrating, is not ready). The error says which, without naming the database.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database unavailable: %w", err)
	}
	applied, err := s.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	latest, err := s.latestMigration()
	if err != nil {
		return err
	}
	if applied != latest {
		return fmt.Errorf("schema at migration %d, this binary needs %d", applied, latest)
	}
	return nil
}

// latestMigration is the highest migration version embedded for the store's dialect.
func (s *Store) latestMigration() (int64, error) {
	fsys, dir := fs.FS(sqlite.Migrations), sqlite.MigrationsDir
	if s.dialect == DialectPostgres {
		fsys, dir = postgres.Migrations, postgres.MigrationsDir
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return 0, fmt.Errorf("latest migration: %w", err)
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}
