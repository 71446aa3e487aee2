// Package postgres adapts PostgreSQL (jackc/pgx v5) for Tandem's store: it opens the database through
// pgx's database/sql driver, guards migrations against several `tandem serve` instances starting at
// once, and does COPY for bulk imports. The queries and the schema are shared with SQLite and live in
// packages sqlstore and schema.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// migrationLockKey is the first key of the advisory lock that serialises migrations; the second is a
// hash of the current schema, so that databases sharing a server but not a schema do not wait on
// each other.
const migrationLockKey = 0x74616e64 // "tand"

// Open opens a pool of connections to the database at url (postgres:// or postgresql://). Unknown URL
// parameters such as search_path become session settings.
func Open(url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// WithMigrationLock runs fn while holding a session advisory lock that every Tandem instance using
// the same database schema takes before migrating. pg_advisory_lock blocks, so a second instance simply
// waits for the first to finish and then finds nothing to do.
func WithMigrationLock(ctx context.Context, db *sql.DB, fn func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, migrationLockKey); err != nil {
		return fmt.Errorf("postgres: take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, migrationLockKey)
	return fn()
}

// CopyFrom copies rows into table with COPY FROM STDIN on conn, inside whatever transaction conn has
// open. It returns the number of rows copied.
func CopyFrom(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) (int64, error) {
	var n int64
	err := conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: copy: connection is %T, not pgx", driverConn)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("postgres: copy into %s: %w", table, err)
	}
	return n, nil
}

// Constraint names the kind of constraint a PostgreSQL error reports: "unique", "foreign_key", "check",
// "not_null", "trigger" (an append-only table refused a change), or "" otherwise.
func Constraint(err error) string {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code {
	case "23505":
		return "unique"
	case "23503":
		return "foreign_key"
	case "23514":
		return "check"
	case "23502":
		return "not_null"
	case "23001":
		return "trigger"
	}
	return ""
}
