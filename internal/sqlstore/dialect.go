package sqlstore

import (
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/tandem-revops/tandem/internal/postgres"
	"github.com/tandem-revops/tandem/internal/schema"
	"github.com/tandem-revops/tandem/internal/sqlite"
)

// Dialect is the SQL engine a Store runs on. The few places where the engines differ ask it for their
// fragment or behaviour, by what the difference is about, instead of comparing engine names.
type Dialect string

// The dialects.
const (
	DialectSQLite   Dialect = "sqlite"
	DialectPostgres Dialect = "postgres"
)

// oneWriter reports whether the engine runs one write transaction at a time (SQLite's single
// connection): rows need no locks there, since nothing else writes meanwhile, and a long transaction
// holds every writer up.
func (d Dialect) oneWriter() bool { return d != DialectPostgres }

// forUpdate is the clause that locks the rows a SELECT reads until the transaction ends.
func (d Dialect) forUpdate() string {
	if d.oneWriter() {
		return ""
	}
	return " FOR UPDATE"
}

// skipLocked is forUpdate for work queues: a second worker skips the rows the first holds instead of
// waiting for them.
func (d Dialect) skipLocked() string {
	if d.oneWriter() {
		return ""
	}
	return " FOR UPDATE SKIP LOCKED"
}

// distinct is the null-safe "not equal" operator.
func (d Dialect) distinct() string {
	if d == DialectPostgres {
		return "IS DISTINCT FROM"
	}
	return "IS NOT"
}

// containsFold returns the condition "col matches a likePattern parameter, ignoring case". SQLite's
// LIKE ignores ASCII case by itself, as its lower() folds ASCII only, so the plain LIKE means the same
// there and can read col from a covering index without calling lower() on every row (the search's
// count scans them all); PostgreSQL's LIKE is case-sensitive.
func (d Dialect) containsFold(col string) string {
	if d == DialectPostgres {
		return "lower(" + col + `) LIKE ? ESCAPE '\'`
	}
	return col + ` LIKE ? ESCAPE '\'`
}

// anyOf returns a condition "expr is one of list" using one parameter numbered n, and that
// parameter's value: a text[] or bigint[] in PostgreSQL, a JSON array read with json_each in SQLite.
func anyOf[T any](d Dialect, expr string, n int, list []T) (string, any) {
	if d == DialectPostgres {
		return fmt.Sprintf("%s = ANY($%d)", expr, n), list
	}
	return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", expr, n), jsonText(list)
}

// boolValue is b as the engine stores a boolean column: a boolean, or SQLite's 0 and 1.
func (d Dialect) boolValue(b bool) any {
	if d == DialectPostgres {
		return b
	}
	if b {
		return 1
	}
	return 0
}

// constraint names the kind of constraint err broke ("unique", "foreign_key", …), or "".
func (d Dialect) constraint(err error) string {
	if d == DialectPostgres {
		return postgres.Constraint(err)
	}
	return sqlite.Constraint(err)
}

// migrations returns goose's name for the engine and the schema's migrations rendered for it.
func (d Dialect) migrations() (goose.Dialect, fs.FS, error) {
	if d == DialectPostgres {
		fsys, err := schema.Migrations(schema.PostgreSQL)
		return goose.DialectPostgres, fsys, err
	}
	fsys, err := schema.Migrations(schema.SQLite)
	return goose.DialectSQLite3, fsys, err
}
