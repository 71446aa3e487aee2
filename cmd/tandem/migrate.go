package main

import (
	"context"
	"fmt"
)

// runMigrate applies the database migrations and prints the schema version. It is safe to run while
// other instances start: migrations are idempotent and, on PostgreSQL, serialised by an advisory lock.
func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "migrate", "[-db URL]")
	db := fs.String("db", "", "database: postgres://… or a SQLite file path (default $TANDEM_DB, else tandem.db)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	st, err := openOrCreateStore(ctx, env, *db, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s database at schema version %d\n", st.Dialect(), v)
	return nil
}
