package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The audit log is append-only: this file has no update or delete, and a trigger in each dialect refuses
// UPDATE and DELETE on audit_log.

// appendAuditTx appends one audit entry in tx. detail is encoded as JSON (nil writes no detail). The
// entry joins the hash chain when tx commits (audit_chain.go), so tx must commit through inTx or
// ImportTx.Commit, which chain it.
func appendAuditTx(ctx context.Context, tx querier, now time.Time, actor tandem.Actor, action, entity, entityID string, detail any) error {
	var text string
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit %s: encode detail: %w", action, err)
		}
		text = string(b)
	}
	name := actor.Email
	if name == "" {
		name = "system"
	}
	if err := queueAuditTx(ctx, tx, now.UnixMicro(), dbID(actor.UserID), name, action, entity, entityID, text); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AppendAudit appends one entry to the audit log, for callers that change things outside the store's
// own transactions. detail is encoded as JSON.
func (s *Store) AppendAudit(ctx context.Context, actor tandem.Actor, action, entity, entityID string, detail any) error {
	if action == "" || entity == "" {
		return tandem.Errorf(tandem.EINVALID, "an audit entry needs an action and an entity")
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		return appendAuditTx(ctx, tx, now, actor, action, entity, entityID, detail)
	})
}

// ListAudit returns the audit entries actor may see (audit_scope.go), newest first, and how many match.
// Partner users see none.
func (s *Store) ListAudit(ctx context.Context, actor tandem.Actor, f AuditFilter) ([]tandem.AuditEntry, int, error) {
	if actor.IsPartner() {
		return nil, 0, nil
	}
	var w where
	if err := s.addAuditScope(ctx, &w, actor); err != nil {
		return nil, 0, err
	}
	addEq(&w, "entity", f.Entity)
	addEq(&w, "entity_id", f.EntityID)
	addEq(&w, "action", f.Action)
	w.during("at", f.From, f.Before)
	pg, err := page(f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	return listCounted(ctx, s, "list audit", "id, at, actor_id, actor, action, entity, entity_id, detail", "audit_log", w,
		" ORDER BY id DESC"+pg, func(scan func(...any) error) (tandem.AuditEntry, error) {
			var e tandem.AuditEntry
			err := scan(&e.ID, timeCol{&e.At}, idCol{&e.ActorID}, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Detail)
			return e, err
		})
}

// listCounted runs one page of "SELECT columns, count(*) OVER () FROM from WHERE … ORDER BY … LIMIT …"
// (w and orderPage built by the caller), scanning the other columns of each row with scan, and returns
// the records and how many match in all. A page past the end has no rows to carry the total, so then a
// count query runs instead. Any failure is wrapped with what.
func listCounted[T any](ctx context.Context, s *Store, what, columns, from string, w where, orderPage string,
	scan func(func(...any) error) (T, error)) ([]T, int, error) {
	total := 0
	out, err := queryAll(ctx, s.read, what, `SELECT `+columns+`, count(*) OVER () FROM `+from+w.sql()+orderPage, w.args,
		func(row func(...any) error) (T, error) {
			return scan(func(dest ...any) error { return row(append(dest, &total)...) })
		})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+from+w.sql(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", what, err)
		}
	}
	return out, total, nil
}

// change is one field's old and new value in an audit detail.
type change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// changes returns the JSON fields that differ between two values of the same struct type, ignoring the
// record's own timestamps.
func changes(before, after any) map[string]change {
	var a, b map[string]any
	ja, _ := json.Marshal(before)
	jb, _ := json.Marshal(after)
	json.Unmarshal(ja, &a)
	json.Unmarshal(jb, &b)
	out := map[string]change{}
	for k, v := range b {
		if k == "created_at" || k == "updated_at" {
			continue
		}
		if !reflect.DeepEqual(a[k], v) {
			out[k] = change{From: a[k], To: v}
		}
	}
	for k, v := range a {
		if _, ok := b[k]; !ok && k != "created_at" && k != "updated_at" {
			out[k] = change{From: v, To: nil}
		}
	}
	return out
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// listRecords runs one page of "SELECT columns FROM from WHERE … ORDER BY …" (order and w built by the
// caller) and returns the records and how many match in all. The total is a second, plain count query
// rather than count(*) OVER () on the page query: the window makes the database build and sort every
// matching row in full before the LIMIT (the RevOps opportunity list of the demo's 60,000 deals: 0.16 s
// of CPU in SQLite, against 0.016 s for the page and the count apart).
func listRecords[T any](ctx context.Context, s *Store, kind, columns, from string, w where, order string, limit, offset int,
	scan func(func(...any) error) (T, error)) ([]T, int, error) {
	pg, err := page(limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, s.read, "list "+kind, `SELECT `+columns+` FROM `+from+w.sql()+order+pg, w.args, scan)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM `+from+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list %s: count: %w", kind, err)
	}
	return out, total, nil
}
