package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
)

// BackupTo writes a consistent copy of a SQLite database to path with VACUUM INTO: one read
// transaction, so the copy is the database as of one instant however many writers commit meanwhile
// (WAL mode lets them), compacted, in a single file that a restore can use as it is. path must not
// exist. PostgreSQL is backed up with pg_dump (README); this refuses it.
func (s *Store) BackupTo(ctx context.Context, path string) error {
	if s.dialect != DialectSQLite {
		return fmt.Errorf("backup: a %s database is backed up with pg_dump -Fc (see README, Backups)", s.dialect)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists already; choose a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	// A reader connection, not the one writer: writers keep committing meanwhile. Readers are
	// query_only, and VACUUM INTO counts as a write, so this one is writable for the statement and is
	// dropped from the pool if it cannot be made read-only again.
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO $1`, path)
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`); rerr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	if err != nil {
		os.Remove(path) // nothing half-written
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// HoldsData reports whether the database has any of a company's records (users, partners, accounts,
// opportunities, registrations): a restore refuses to overwrite such a database unless forced.
func (s *Store) HoldsData(ctx context.Context) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1) u)
		+ (SELECT count(*) FROM (SELECT 1 FROM partners LIMIT 1) p)
		+ (SELECT count(*) FROM (SELECT 1 FROM accounts LIMIT 1) a)
		+ (SELECT count(*) FROM (SELECT 1 FROM opportunities LIMIT 1) o)
		+ (SELECT count(*) FROM (SELECT 1 FROM registrations LIMIT 1) r)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check for data: %w", err)
	}
	return n > 0, nil
}

// CheckIntegrity runs SQLite's integrity check (a no-op on PostgreSQL).
func (s *Store) CheckIntegrity(ctx context.Context) error {
	if s.dialect != DialectSQLite {
		return nil
	}
	var res string
	if err := s.read.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}
