// Package sqlite adapts SQLite (modernc.org/sqlite, pure Go) for Tandem's store: it opens the database
// with the settings a server needs and names the constraint a SQLite error reports. The queries and the
// schema are shared with PostgreSQL and live in packages sqlstore and schema.
//
// Settings, and why:
//   - journal_mode=WAL: readers never block the writer and the writer never blocks readers.
//   - synchronous=FULL: with WAL, NORMAL may lose the last commits on power loss (the database stays
//     consistent but a commit that was acknowledged can vanish). Tandem promises durable commits, so
//     every commit fsyncs the WAL. A bulk import is one transaction, so this costs one fsync per file.
//   - foreign_keys=1, busy_timeout=10s.
//   - The writer pool has exactly one connection and begins transactions with BEGIN IMMEDIATE
//     (_txlock=immediate), so writers queue in Go instead of failing with SQLITE_BUSY on lock upgrade.
//     Readers use a separate pool of deferred, query-only connections, several a core. Writes are
//     committed in groups (sqlstore/group_commit.go), so one fsync serves the writers waiting.
package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Open opens the database file at path (created if absent) and returns its one-connection writer pool
// and its reader pool. The caller closes both.
func Open(path string) (write, read *sql.DB, err error) {
	if path == "" {
		return nil, nil, fmt.Errorf("sqlite: empty database path")
	}
	write, err = sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Several readers a core: a request's point lookups (its token, one registration) do not queue
	// behind the list pages and their counts that hold the other connections; SQLite readers in WAL
	// mode do not block each other.
	n := max(8, 4*runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	return write, read, nil
}

// dsn builds the modernc DSN. Times are never bound as time.Time (the store stores unix microseconds),
// so no _time_format is needed.
func dsn(path string, writer bool) string {
	pragmas := []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
		"cache_size(-262144)", // 256 MiB of page cache per connection (a bound, not an allocation)
		"temp_store(MEMORY)",
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	// The path goes in unescaped so that relative paths and ":memory:"-like names keep working;
	// a path containing "?" is not supported.
	p := strings.TrimPrefix(path, "file:")
	return "file:" + p + "?" + q.Encode()
}

// Constraint names the kind of constraint a SQLite error reports: "unique", "foreign_key", "check",
// "not_null", "trigger", or "" when err is not a constraint violation.
func Constraint(err error) string {
	var e interface{ Code() int }
	if errors.As(err, &e) {
		switch e.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return "unique"
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return "foreign_key"
		case 275: // SQLITE_CONSTRAINT_CHECK
			return "check"
		case 1299: // SQLITE_CONSTRAINT_NOTNULL
			return "not_null"
		case 1811: // SQLITE_CONSTRAINT_TRIGGER
			return "trigger"
		}
	}
	if err == nil {
		return ""
	}
	// Some paths report only the primary code; fall back to the message.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return "unique"
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return "foreign_key"
	case strings.Contains(msg, "CHECK constraint failed"):
		return "check"
	case strings.Contains(msg, "NOT NULL constraint failed"):
		return "not_null"
	}
	return ""
}
