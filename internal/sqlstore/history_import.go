package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// A CRM's opportunity history imported inside an import transaction (ImportTx), as importjob.RunHistory
// does: resolve the deals, read the changes they hold already in bulk, store the new ones, all in one
// transaction, so progress is kept as for the other kinds (in memory on SQLite while the import holds
// the writer) and nothing is written unless everything is.

// historyLookupChunk bounds the deals one query of OpportunityHistoryOf reads the changes of.
const historyLookupChunk = 1000

// OpportunityHistoryOf returns the recorded changes of the opportunities ids (any source), by
// opportunity, time, then record: one query per thousand ids, where OpportunityHistory takes two per
// deal. No partner user holds an ImportTx, so every opportunity is in scope.
func (t *ImportTx) OpportunityHistoryOf(ctx context.Context, ids []int64) ([]tandem.OpportunityChange, error) {
	var list []tandem.OpportunityChange
	for start := 0; start < len(ids); start += historyLookupChunk {
		end := min(start+historyLookupChunk, len(ids))
		in, arg := t.s.inInts("h.opportunity_id", 1, ids[start:end])
		rows, err := t.tx.QueryContext(ctx, `SELECT `+changeColumns+` FROM opportunity_history h WHERE `+in+
			` ORDER BY h.opportunity_id, h.changed_at, h.id`, arg)
		if err != nil {
			return nil, fmt.Errorf("stored history of opportunities %d to %d of %d: %w", start+1, end, len(ids), err)
		}
		for rows.Next() {
			c, err := scanChange(rows.Scan)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("stored history of opportunities: %w", err)
			}
			list = append(list, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("stored history of opportunities: %w", err)
		}
	}
	return list, nil
}

// ImportOpportunityHistory stores changes read from a CRM's history export (source "import") in the
// import transaction, as Store.ImportOpportunityHistory does, telling progress (when not nil) how many
// are stored after each statement. It returns how many it stored.
func (t *ImportTx) ImportOpportunityHistory(ctx context.Context, changes []tandem.OpportunityChange, progress func(stored int)) (int, error) {
	if err := t.s.storeHistoryTx(ctx, t.tx, t.now, t.actor, changes, progress); err != nil {
		return 0, err
	}
	return len(changes), nil
}

// storeHistoryTx checks changes (each names a recorded field, a stored opportunity and a time; EINVALID
// names the first that does not), inserts them with source "import" in tx and audits the import.
// progress, when not nil, is told how many are inserted after each statement.
func (s *Store) storeHistoryTx(ctx context.Context, tx *sql.Tx, now time.Time, actor tandem.Actor, changes []tandem.OpportunityChange,
	progress func(stored int)) error {
	for i, c := range changes {
		switch {
		case !c.Field.Valid():
			return tandem.Errorf(tandem.EINVALID, "change %d: field: %q is not a recorded field", i+1, c.Field)
		case c.OpportunityID == 0:
			return tandem.Errorf(tandem.EINVALID, "change %d: opportunity_id: is required", i+1)
		case c.ChangedAt.IsZero():
			return tandem.Errorf(tandem.EINVALID, "change %d: changed_at: is required", i+1)
		}
	}
	// Every change must name a stored opportunity: check them all first (one query per 500 ids),
	// then insert many rows per statement — a row per statement made the demo's 200,000 changes
	// take seconds.
	ids := make([]int64, 0, len(changes))
	seen := map[int64]bool{}
	for _, c := range changes {
		if !seen[c.OpportunityID] {
			seen[c.OpportunityID] = true
			ids = append(ids, c.OpportunityID)
		}
	}
	stored := make(map[int64]bool, len(ids))
	for start := 0; start < len(ids); start += 500 {
		in, arg := s.inInts("id", 1, ids[start:min(start+500, len(ids))])
		rows, err := tx.QueryContext(ctx, `SELECT id FROM opportunities WHERE `+in, arg)
		if err != nil {
			return fmt.Errorf("import opportunity history: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("import opportunity history: %w", err)
			}
			stored[id] = true
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("import opportunity history: %w", err)
		}
	}
	for i, c := range changes {
		if !stored[c.OpportunityID] {
			return tandem.Errorf(tandem.EINVALID, "change %d: opportunity_id: %d is not a stored opportunity", i+1, c.OpportunityID)
		}
	}
	// 100 rows (500 parameters) a statement. SQLite gets anonymous ? parameters: it looks numbered
	// ones up by name, in time quadratic in their count.
	const perStatement = 100
	for start := 0; start < len(changes); start += perStatement {
		chunk := changes[start:min(start+perStatement, len(changes))]
		var q strings.Builder
		q.WriteString(`INSERT INTO opportunity_history (opportunity_id, field, old_value, new_value, changed_at, source) VALUES `)
		args := make([]any, 0, 5*len(chunk))
		for i, c := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			if n := 5 * i; s.dialect == DialectSQLite {
				q.WriteString("(?, ?, ?, ?, ?, 'import')")
			} else {
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, 'import')", n+1, n+2, n+3, n+4, n+5)
			}
			args = append(args, c.OpportunityID, string(c.Field), c.Old, c.New, c.ChangedAt.UTC().UnixMicro())
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("import opportunity history: changes %d to %d: %w", start+1, start+len(chunk), err)
		}
		if progress != nil {
			progress(start + len(chunk))
		}
	}
	return appendAuditTx(ctx, tx, now, actor, "opportunity_history.import", "opportunity_history", "", map[string]int{"changes": len(changes)})
}
