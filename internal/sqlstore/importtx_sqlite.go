package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// The SQLite import path. These make it fast, each measured on a million opportunities:
//
//   - Foreign-key enforcement is off for the import's connection. SQLite would look every reference of
//     every row up in its parent table; the import checks each distinct referenced id once per call
//     instead (a batch of ten thousand deals names at most a few thousand accounts).
//   - CHECK constraints stay on; the schema writes enumerations as OR chains, which SQLite checks far
//     faster than IN lists (see the SQLite migrations).
//   - Large imports rebuild secondary indexes at commit instead of inserting into them row by row
//     (see importbulk_sqlite.go).
//   - Rows whose external id is not stored yet are written with plain multi-row INSERTs: no conflict
//     handling, and the count of inserted rows is simply the number of new rows.
//   - Only rows already stored go through INSERT … ON CONFLICT DO UPDATE … WHERE (stored) IS NOT (new),
//     whose changes count the rows actually updated.
//
// The connection settings cannot change inside a transaction (foreign_keys is silently ignored there),
// so they are set before BEGIN and restored after the end, and a connection on which they cannot be
// restored is discarded rather than returned to the pool.
//
// Checked references keep SQLite's timing: immediate ones before the rows are written (so a refused call
// writes nothing), deferred ones (DEFERRABLE INITIALLY DEFERRED in the schema, such as a user's manager)
// at Commit, when every row of the import is in.

// importConnSettings switches conn, which must not be in a transaction, to the import's settings.
func importConnSettings(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("PRAGMA foreign_keys = OFF: %w", err)
	}
	return nil
}

// restoreConnSettings switches the connection back to its usual settings after the import's transaction
// ended. Pragmas are silently ignored inside a transaction (a COMMIT that failed may leave one open),
// so the settings are read back; when they are not restored, the connection is marked bad so that the
// pool closes it instead of handing it to the next writer.
func restoreConnSettings(ctx context.Context, conn *sql.Conn, logger *slog.Logger) {
	ctx = context.WithoutCancel(ctx)
	_, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
	var fk int
	if err == nil {
		err = conn.QueryRowContext(ctx, `SELECT foreign_keys FROM pragma_foreign_keys`).Scan(&fk)
	}
	if err == nil && fk == 1 {
		return
	}
	logger.Warn("import: connection settings not restored; discarding the writer connection", "err", err,
		"foreign_keys", fk)
	conn.Raw(func(any) error { return driver.ErrBadConn })
}

// foreignKey is one single-column reference of a table the import writes.
type foreignKey struct {
	column       string // the referring column
	index        int    // its position in the upsert's columns
	parent       string // the referenced table
	parentColumn string // the referenced column
	deferred     bool   // checked at commit (DEFERRABLE INITIALLY DEFERRED)
}

// sqliteForeignKeys holds the references an SQLite import checks itself: the foreign keys of each
// table written (read from the schema on first use) and the deferred references still to check.
type sqliteForeignKeys struct {
	byTable map[string][]foreignKey
	// deferred maps a referenced table and column ("users.id") to the ids referred to, each with the
	// first record referring to it (for the message).
	deferred map[string]map[int64]string
}

func newSQLiteForeignKeys() *sqliteForeignKeys {
	return &sqliteForeignKeys{byTable: map[string][]foreignKey{}, deferred: map[string]map[int64]string{}}
}

// keys returns the foreign keys of spec's table among spec's columns.
func (f *sqliteForeignKeys) keys(ctx context.Context, tx *sql.Tx, spec *upsertSpec) ([]foreignKey, error) {
	if fks, ok := f.byTable[spec.table]; ok {
		return fks, nil
	}
	var create string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`,
		spec.table).Scan(&create); err != nil {
		return nil, fmt.Errorf("schema of %s: %w", spec.table, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, seq, "table", "from", coalesce("to", '') FROM pragma_foreign_key_list(?)`, spec.table)
	if err != nil {
		return nil, fmt.Errorf("foreign keys of %s: %w", spec.table, err)
	}
	defer rows.Close()
	var fks []foreignKey
	for rows.Next() {
		var id, seq int
		var fk foreignKey
		if err := rows.Scan(&id, &seq, &fk.parent, &fk.column, &fk.parentColumn); err != nil {
			return nil, fmt.Errorf("foreign keys of %s: %w", spec.table, err)
		}
		if seq > 0 {
			return nil, fmt.Errorf("foreign key %d of %s has several columns, which the import cannot check", id, spec.table)
		}
		fk.index = -1
		for i, col := range spec.cols {
			if col == fk.column {
				fk.index = i
			}
		}
		if fk.index < 0 {
			continue // the import does not write this column
		}
		if fk.parentColumn == "" {
			fk.parentColumn = "rowid"
		}
		fk.deferred = declaredDeferred(create, fk.column)
		fks = append(fks, fk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("foreign keys of %s: %w", spec.table, err)
	}
	f.byTable[spec.table] = fks
	return fks, nil
}

// declaredDeferred reports whether the column definition of column in a CREATE TABLE statement declares
// its reference DEFERRABLE INITIALLY DEFERRED (SQLite's foreign_key_list does not say).
func declaredDeferred(create, column string) bool {
	re := regexp.MustCompile(`(?is)(^|[(,\s])` + regexp.QuoteMeta(column) +
		`\s[^,]*\bREFERENCES\b[^,]*\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b`)
	return re.MatchString(create)
}

// check verifies the references of rows (the values of spec.cols): immediate ones now, deferred ones
// remembered for checkDeferred. A reference to a missing record is EINVALID naming the row.
func (f *sqliteForeignKeys) check(ctx context.Context, tx *sql.Tx, spec *upsertSpec, rows [][]any) error {
	fks, err := f.keys(ctx, tx, spec)
	if err != nil {
		return err
	}
	for _, fk := range fks {
		ids := make([]int64, 0, 64)
		firstRow := map[int64]int{}
		for r, row := range rows {
			switch v := row[fk.index].(type) {
			case nil:
			case int64:
				if _, seen := firstRow[v]; !seen {
					firstRow[v] = r
					ids = append(ids, v)
				}
			default:
				return fmt.Errorf("%s.%s: unexpected %T", spec.table, fk.column, v)
			}
		}
		if fk.deferred {
			key := fk.parent + "." + fk.parentColumn
			pending := f.deferred[key]
			if pending == nil {
				pending = map[int64]string{}
				f.deferred[key] = pending
			}
			for _, id := range ids {
				if _, ok := pending[id]; !ok {
					pending[id] = fmt.Sprintf("%s %q (%s)", singular(spec.kind), rows[firstRow[id]][0], fk.column)
				}
			}
			continue
		}
		missing, found, err := firstMissing(ctx, tx, fk.parent, fk.parentColumn, ids)
		if err != nil {
			return err
		}
		if found {
			return rowError(singular(spec.kind), fmt.Sprint(rows[firstRow[missing]][0]),
				tandem.FieldError(fk.column, "%s %d does not exist", singular(fk.parent), missing))
		}
	}
	return nil
}

// checkDeferred verifies the deferred references remembered so far.
func (f *sqliteForeignKeys) checkDeferred(ctx context.Context, tx *sql.Tx) error {
	for key, pending := range f.deferred {
		table, column, _ := strings.Cut(key, ".")
		ids := make([]int64, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		missing, found, err := firstMissing(ctx, tx, table, column, ids)
		if err != nil {
			return err
		}
		if found {
			return tandem.Errorf(tandem.EINVALID, "%s refers to %s %d, which does not exist", pending[missing], singular(table), missing)
		}
	}
	clear(f.deferred)
	return nil
}

// firstMissing returns the first of ids (in their order) that column of table does not hold.
func firstMissing(ctx context.Context, tx *sql.Tx, table, column string, ids []int64) (int64, bool, error) {
	if len(ids) == 0 {
		return 0, false, nil
	}
	var missing int64
	err := tx.QueryRowContext(ctx, `SELECT j.value FROM json_each(?) AS j
		WHERE NOT EXISTS (SELECT 1 FROM `+table+` WHERE `+column+` = j.value) ORDER BY j.key LIMIT 1`,
		jsonText(ids)).Scan(&missing)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("check references to %s: %w", table, err)
	}
	return missing, true, nil
}

// singular returns the singular of a table's kind: "opportunities" → "opportunity", "touches" → "touch".
func singular(kind string) string {
	if strings.HasSuffix(kind, "ies") {
		return strings.TrimSuffix(kind, "ies") + "y"
	}
	return strings.TrimSuffix(strings.TrimSuffix(kind, "es"), "s")
}

// upsertSQLite writes rows[i] for i in idx: references checked, new rows inserted, stored rows updated
// where they differ (SQLite enforces the CHECK constraints). The writes happen under a savepoint, so a
// call that fails writes nothing.
func (t *ImportTx) upsertSQLite(ctx context.Context, spec *upsertSpec, idx []int, values func(i int) []any) (tandem.UpsertCounts, error) {
	var c tandem.UpsertCounts
	if len(idx) == 0 {
		return c, nil
	}
	rows := make([][]any, len(idx))
	ext := make([]string, len(idx))
	for j, i := range idx {
		rows[j] = values(i)
		ext[j] = rows[j][0].(string)
	}
	if err := t.fk.check(ctx, t.tx, spec, rows); err != nil {
		return c, err
	}
	stored, err := t.storedExternalIDs(ctx, spec.table, ext)
	if err != nil {
		return c, err
	}
	fresh, existing := rows, [][]any(nil)
	freshExt, existingExt := ext, []string(nil)
	if len(stored) > 0 {
		fresh, freshExt = make([][]any, 0, len(rows)-len(stored)), make([]string, 0, len(rows)-len(stored))
		existing, existingExt = make([][]any, 0, len(stored)), make([]string, 0, len(stored))
		for j, row := range rows {
			if _, ok := stored[ext[j]]; ok {
				existing, existingExt = append(existing, row), append(existingExt, ext[j])
			} else {
				fresh, freshExt = append(fresh, row), append(freshExt, ext[j])
			}
		}
	}
	if len(fresh) > 0 {
		if err := t.bulk.prepareInsert(ctx, t.tx, spec.table, len(fresh)); err != nil {
			return c, err
		}
	}
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT import_call`); err != nil {
		return c, err
	}
	updated, err := t.writeSQLite(ctx, spec, fresh, existing)
	if err != nil {
		// Back to the savepoint even when ctx has ended, or the rows written so far would stay.
		if _, rbErr := t.tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK TO import_call`); rbErr != nil {
			return c, errors.Join(err, fmt.Errorf("roll back the call: %w", rbErr))
		}
	}
	if _, relErr := t.tx.ExecContext(context.WithoutCancel(ctx), `RELEASE import_call`); err == nil && relErr != nil {
		return c, relErr
	}
	if err != nil {
		return c, err
	}
	c.Inserted, c.Updated, c.Unchanged = len(fresh), updated, len(existing)-updated
	return c, nil
}

// writeSQLite inserts fresh and updates existing where they differ; it returns the number of rows
// updated. SQLite enforces the CHECK constraints as it writes.
func (t *ImportTx) writeSQLite(ctx context.Context, spec *upsertSpec, fresh, existing [][]any) (int, error) {
	if _, err := t.execSQLite(ctx, spec, false, fresh); err != nil {
		return 0, err
	}
	// Every row of existing conflicts, so the changes are exactly the rows updated: rows whose stored
	// columns all equal the new ones are skipped by the WHERE clause and not counted.
	return t.execSQLite(ctx, spec, true, existing)
}

// storedExternalIDs returns which of the external ids table holds. Ids that RoutingStates just found
// absent are not looked up again, and are forgotten, since the caller is about to write them.
func (t *ImportTx) storedExternalIDs(ctx context.Context, table string, ext []string) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	lookup := ext
	if table == "opportunities" && len(t.absent) > 0 {
		lookup = make([]string, 0, len(ext))
		for _, e := range ext {
			if _, ok := t.absent[e]; ok {
				delete(t.absent, e)
			} else {
				lookup = append(lookup, e)
			}
		}
	}
	err := t.lookup(ctx, lookup, "t.external_id", func(join, cond string) string {
		return `SELECT t.external_id FROM ` + join + table + ` AS t WHERE ` + cond
	}, func(scan func(...any) error) error {
		var e string
		if err := scan(&e); err != nil {
			return err
		}
		out[e] = struct{}{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stored %s: %w", table, err)
	}
	return out, nil
}

// execSQLite writes rows with the prepared multi-row INSERT (or, with update, upsert) statements and
// returns the number of rows changed.
func (t *ImportTx) execSQLite(ctx context.Context, spec *upsertSpec, update bool, rows [][]any) (int, error) {
	batch := sqliteBatch(len(spec.cols))
	args := make([]any, 0, min(batch, len(rows))*len(spec.cols))
	changed := 0
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		st, err := t.sqliteStmt(ctx, spec, update, len(part))
		if err != nil {
			return changed, err
		}
		args = args[:0]
		for _, row := range part {
			args = append(args, row...)
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return changed, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return changed, err
		}
		changed += int(n)
	}
	return changed, nil
}

// sqliteBatch is the number of rows in one SQLite statement: large enough to amortise the statement,
// small enough to stay far below SQLite's 32766 parameters.
func sqliteBatch(cols int) int { return max(1, min(1000, 32000/(cols+2))) }

// sqliteStmt returns the prepared INSERT (or, with update, upsert) of n rows. The timestamps, the same
// for every row of the import, are written into the statement rather than bound to each row. It uses
// anonymous "?" parameters: SQLite looks a numbered parameter's name up by a linear scan, which makes
// binding thousands of "$N" quadratic.
func (t *ImportTx) sqliteStmt(ctx context.Context, spec *upsertSpec, update bool, n int) (*sql.Stmt, error) {
	key := spec.kind + "/insert/" + strconv.Itoa(n)
	if update {
		key = spec.kind + "/upsert/" + strconv.Itoa(n)
	}
	if st, ok := t.stmts[key]; ok {
		return st, nil
	}
	row := "(" + strings.Repeat("?, ", len(spec.cols)-1) + "?)"
	if spec.timestamps {
		now := strconv.FormatInt(t.now.UnixMicro(), 10)
		row = "(" + strings.Repeat("?, ", len(spec.cols)) + now + ", " + now + ")"
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + spec.table + ` AS t (` + t.insertColumns(spec) + `) VALUES `)
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if update {
		b.WriteString(t.conflictClause(spec))
	}
	st, err := t.tx.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	t.stmts[key] = st
	return st, nil
}
