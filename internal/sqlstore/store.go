// Package sqlstore is Tandem's storage: every record of the domain in SQLite or PostgreSQL behind one
// Store type, with the same SQL for both engines wherever they agree and a few dialect fragments where
// they do not. It owns partner isolation — every read, list and write of a business record takes a
// tandem.Actor, and a partner user's actor restricts the query itself to that partner's records, so a
// forgotten check in a handler cannot leak data — the append-only audit log, written in the same
// transaction as the change it records, and the bulk import transaction.
//
// Opening the database (driver settings) and the migrations of each dialect live in packages sqlite and
// postgres; this package runs them with goose.
//
// Representation, identical in both engines so that one scan path serves both: times are BIGINT unix
// microseconds in UTC (NULL for the zero time), money is BIGINT minor units, lists of codes are JSON
// arrays in TEXT, ids that point nowhere are NULL.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/postgres"
	"github.com/tandem-revops/tandem/internal/sqlite"
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection; PostgreSQL: the same pool as read
	read    *sql.DB
	logger  *slog.Logger
	now     func() time.Time

	// SQLite has one writer: while an import transaction holds it, import-job progress is kept here and
	// written when the import ends (see importjobs.go).
	mu            sync.Mutex
	activeImports int
	jobOverlay    map[int64]*ImportJob
	pendingJobs   map[int64]*pendingJob

	// groups queues SQLite's write transactions for group commit (group_commit.go).
	groups commitGroups

	// beforeCloseTx, when set (by tests only), runs in ClosePeriod between its calculation and its
	// transaction, where a concurrent close could land.
	beforeCloseTx func(period string)
}

// Open opens the database at url and migrates it to the latest schema. A url starting with postgres://
// or postgresql:// is PostgreSQL; "sqlite:PATH", "file:PATH" or a bare path is a SQLite file.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger, now: time.Now, jobOverlay: map[int64]*ImportJob{}, pendingJobs: map[int64]*pendingJob{}}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := postgres.Open(url)
		if err != nil {
			return nil, err
		}
		s.dialect, s.write, s.read = DialectPostgres, db, db
	default:
		path := strings.TrimPrefix(url, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		write, read, err := sqlite.Open(path)
		if err != nil {
			return nil, err
		}
		s.dialect, s.write, s.read = DialectSQLite, write, read
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies every migration not yet applied. It is idempotent; on PostgreSQL it holds an advisory
// lock so that several instances starting at once migrate one after the other.
func (s *Store) Migrate(ctx context.Context) error {
	dialect, fsys, err := s.dialect.migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	provider, err := goose.NewProvider(dialect, s.write, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	up := func() error {
		results, err := provider.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", s.dialect, err)
		}
		for _, r := range results {
			s.logger.Info("migration applied", "dialect", s.dialect, "version", r.Source.Version,
				"file", r.Source.Path, "duration", r.Duration)
		}
		return nil
	}
	if s.dialect.oneWriter() {
		err = up()
	} else {
		err = postgres.WithMigrationLock(ctx, s.write, up)
	}
	if err != nil {
		return err
	}
	return s.chainUnhashedAudit(ctx)
}

// MigrationVersion returns the version of the latest applied migration.
func (s *Store) MigrationVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", err)
	}
	return v.Int64, nil
}

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// Dialect returns the engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// SetClock replaces the clock that stamps records (time.Now by default). Call it before using the
// store; it is not synchronised with concurrent calls.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// clock returns the current time in UTC at microsecond precision, the precision the store keeps.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// querier is what a read needs: a transaction or a pool.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction with the time captured once for the whole transaction, and
// commits when fn returns nil, after chaining the audit entries fn appended. On SQLite the commit is
// shared with the transactions waiting beside it (group_commit.go).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	if s.dialect.oneWriter() {
		return s.inGroupTx(ctx, fn)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx, s.clock()); err != nil {
		return err
	}
	if err := chainPendingAuditTx(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.mapErr(fmt.Errorf("commit: %w", err), "")
	}
	return nil
}

// changedOne runs a statement that changes at most one row and reports whether it changed it: a
// guarded UPDATE (its WHERE clause repeats the state the caller read, so a concurrent change makes it
// match nothing) or an INSERT ... ON CONFLICT DO NOTHING. The error is the driver's, for the caller
// to wrap.
func changedOne(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// insertNew runs insert for rows 0..n-1 in one transaction, all or none, and returns how many rows the
// database stored. A row stored before (the insert's ON CONFLICT DO NOTHING RETURNING answers no row)
// is skipped; any other error is mapped under the name what(i) gives. When at least one row was new,
// audit appends the transaction's one audit entry, given that count.
func (s *Store) insertNew(ctx context.Context, n int, what func(i int) string,
	insert func(tx *sql.Tx, now time.Time, i int) error, audit func(tx *sql.Tx, now time.Time, stored int) error) (int, error) {
	stored := 0
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for i := range n {
			err := insert(tx, now, i)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return s.mapErr(err, what(i))
			}
			stored++
		}
		if stored == 0 {
			return nil
		}
		return audit(tx, now, stored)
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// mapErr turns a constraint violation into the tandem error the caller can act on; what names the record.
func (s *Store) mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var te *tandem.Error
	if errors.As(err, &te) {
		return err
	}
	kind := s.dialect.constraint(err)
	if what == "" {
		what = "record"
	}
	switch kind {
	case "unique":
		return &tandem.Error{Code: tandem.ECONFLICT, Message: what + " already exists", Err: err}
	case "foreign_key":
		return &tandem.Error{Code: tandem.EINVALID, Message: what + " refers to a record that does not exist", Err: err}
	case "check", "not_null":
		return &tandem.Error{Code: tandem.EINVALID, Message: what + " breaks a rule of the schema", Err: err}
	case "trigger":
		return &tandem.Error{Code: tandem.EFORBIDDEN, Message: "the change is not allowed", Err: err}
	}
	return err
}

// distinct is the null-safe "not equal" operator of the dialect.
func (s *Store) distinct() string { return s.dialect.distinct() }

// inStrings returns a condition "expr is one of list" using one parameter numbered n, and that
// parameter's value: a JSON array read with json_each in SQLite, a text[] in PostgreSQL.
func (s *Store) inStrings(expr string, n int, list []string) (string, any) {
	return anyOf(s.dialect, expr, n, list)
}

// inInts is inStrings for integer ids.
func (s *Store) inInts(expr string, n int, list []int64) (string, any) {
	return anyOf(s.dialect, expr, n, list)
}

// Now returns the store's clock: the time its next transaction would stamp.
func (s *Store) Now() time.Time { return s.clock() }
