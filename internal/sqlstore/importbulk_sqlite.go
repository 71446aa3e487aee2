package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Secondary indexes during a large SQLite import. Inserting a million rows into an index one by one
// costs more than building the index from the finished table, so once an import has inserted
// bulkIndexMinRows new rows into a table, and more rows than the table held before, the table's
// non-unique indexes are dropped inside the import's transaction and created again (from their exact
// CREATE statements) just before COMMIT.
//
// DDL is transactional in SQLite: a rollback, or a commit that fails, brings the indexes back, and
// readers, which see the last committed snapshot in WAL mode, never see the table without them.
// Unique indexes stay: they enforce the external ids that the upsert relies on. The import's own
// queries go by external id or primary key and do not need the dropped ones.

// bulkIndexMinRows is how many new rows an import must insert into a table before that table's
// secondary indexes are rebuilt at commit instead of maintained row by row.
const bulkIndexMinRows = 50_000

// bulkTable is what an import knows about the growth of one table.
type bulkTable struct {
	inserted   int   // new rows inserted by this import
	rowsBefore int64 // rows stored before the import; -1 until counted
	rebuilding bool  // the secondary indexes are dropped, to be created again at commit
}

// droppedIndex is a secondary index dropped for the import, with the statement that creates it.
type droppedIndex struct{ name, create string }

// sqliteBulk is what an SQLite import does itself about the secondary indexes of large imports.
type sqliteBulk struct {
	tables  map[string]*bulkTable
	dropped []droppedIndex
	minRows int // bulkIndexMinRows; tests lower it
}

func newSQLiteBulk() *sqliteBulk {
	return &sqliteBulk{tables: map[string]*bulkTable{}, minRows: bulkIndexMinRows}
}

// prepareInsert is called before an upsert call inserts n new rows into table: once the import's new
// rows pass minRows and outnumber the rows stored before, the table's secondary indexes are dropped
// (and created again by rebuildIndexes before COMMIT).
func (b *sqliteBulk) prepareInsert(ctx context.Context, tx *sql.Tx, table string, n int) error {
	st := b.tables[table]
	if st == nil {
		st = &bulkTable{rowsBefore: -1}
		b.tables[table] = st
	}
	planned := st.inserted + n
	st.inserted = planned
	if st.rebuilding || planned < b.minRows {
		return nil
	}
	if st.rowsBefore < 0 {
		// Counted once, when the import first gets large; the rows it inserted so far are not "before".
		var count int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&count); err != nil {
			return fmt.Errorf("count %s: %w", table, err)
		}
		st.rowsBefore = count - int64(planned-n)
	}
	if int64(planned) <= st.rowsBefore {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.name, s.sql FROM sqlite_schema AS s JOIN pragma_index_list(?) AS l
		ON l.name = s.name WHERE s.type = 'index' AND s.sql IS NOT NULL AND l."unique" = 0 AND l.origin = 'c' ORDER BY s.name`, table)
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	var indexes []droppedIndex
	for rows.Next() {
		var ix droppedIndex
		if err := rows.Scan(&ix.name, &ix.create); err != nil {
			rows.Close()
			return fmt.Errorf("indexes of %s: %w", table, err)
		}
		indexes = append(indexes, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	st.rebuilding = true
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(ix.name)); err != nil {
			return fmt.Errorf("drop index %s for the import: %w", ix.name, err)
		}
		b.dropped = append(b.dropped, ix)
	}
	return nil
}

// rebuildIndexes creates the indexes dropped for the import again.
func (b *sqliteBulk) rebuildIndexes(ctx context.Context, tx *sql.Tx) error {
	for len(b.dropped) > 0 {
		ix := b.dropped[0]
		if _, err := tx.ExecContext(ctx, ix.create); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.name, err)
		}
		b.dropped = b.dropped[1:]
	}
	return nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
