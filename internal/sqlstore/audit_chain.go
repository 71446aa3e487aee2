package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// The audit log is a hash chain (migration 00008). Each entry stores prev_hash, the hash of the entry
// before it ("" for the first), and hash = hex(SHA-256(prev_hash, at, actor_id, actor, action, entity,
// entity_id, detail)), every field written length-prefixed so that no two entries encode alike. The
// single row of audit_chain holds the head: the last entry's id and hash. A transaction queues its
// entries in audit_pending as it goes and chains them just before it commits (chainPendingAuditTx):
// only then does it lock the head (an UPDATE, so on PostgreSQL concurrent transactions of every
// instance queue on its row lock until the appender commits), which keeps the chain in id order with
// any number of writers while holding the head for the chaining and the commit alone.
//
// What it proves: an entry edited, removed or reordered underneath — even with the append-only
// triggers dropped — breaks a link, and VerifyAudit names the first one. Someone who can rewrite
// every later entry and the head can forge a consistent chain; record the head VerifyAudit reports
// somewhere else (a ticket, a log shipper) to anchor it.

// auditHash is an entry's hash given the previous entry's.
func auditHash(prev string, at int64, actorID sql.NullInt64, actor, action, entity, entityID, detail string) string {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	field := func(b []byte) {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(b)))])
		h.Write(b)
	}
	num := func(n int64, valid bool) {
		if !valid {
			field(nil)
			return
		}
		field(binary.AppendVarint(nil, n))
	}
	field([]byte(prev))
	num(at, true)
	num(actorID.Int64, actorID.Valid)
	for _, s := range []string{actor, action, entity, entityID, detail} {
		field([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lockAuditHead takes the chain's head for the rest of tx and returns it.
func lockAuditHead(ctx context.Context, tx querier) (lastID int64, head string, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE audit_chain SET head = head WHERE id = 1 RETURNING last_id, head`).Scan(&lastID, &head)
	if err != nil {
		return 0, "", fmt.Errorf("lock audit chain head: %w", err)
	}
	return lastID, head, nil
}

// queueAuditTx records one entry of tx in audit_pending (migration 00016); chainPendingAuditTx moves it
// into the chain when tx is about to commit. Until then tx holds no lock of the chain, so writers do
// their work side by side and queue on the head only for the chaining and the commit.
func queueAuditTx(ctx context.Context, tx querier, at int64, actorID any, actor, action, entity, entityID, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_pending (at, actor_id, actor, action, entity, entity_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, at, actorID, actor, action, entity, entityID, detail)
	return err
}

// chainPendingAuditTx appends tx's queued entries to the chain, in the order they were queued, and
// empties the queue; call it last in tx, just before the commit. A transaction sees no other's queued
// entries: each empties its own before it commits, and uncommitted rows are invisible to the others
// (a committed stray, which no code path leaves, would simply be chained by the next writer). Taking
// the head last means the head is the last lock an audited transaction waits for, so transactions that
// append several entries and lock other rows cannot deadlock over it, and on PostgreSQL the head is
// held for the chaining and the commit only.
func chainPendingAuditTx(ctx context.Context, tx querier) error {
	var queued int64
	switch err := tx.QueryRowContext(ctx, `SELECT id FROM audit_pending LIMIT 1`).Scan(&queued); {
	case errors.Is(err, sql.ErrNoRows):
		return nil // nothing audited: no lock of the chain at all
	case err != nil:
		return fmt.Errorf("audit: queued entries: %w", err)
	}
	lastID, head, err := lockAuditHead(ctx, tx)
	if err != nil {
		return err
	}
	// Read under the head, so the entries and the head are of one moment.
	entries, err := readPendingAudit(ctx, tx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		hash := e.computeHash(head)
		if err := tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, e.at, e.actorID, e.actor, e.action, e.entity, e.entityID,
			e.detail, head, hash).Scan(&lastID); err != nil {
			return fmt.Errorf("audit %s: %w", e.action, err)
		}
		head = hash
	}
	if len(entries) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_pending WHERE id BETWEEN $1 AND $2`,
			entries[0].id, entries[len(entries)-1].id); err != nil {
			return fmt.Errorf("audit: empty the queue: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET last_id = $1, head = $2 WHERE id = 1`, lastID, head); err != nil {
		return fmt.Errorf("move audit chain head: %w", err)
	}
	return nil
}

// readPendingAudit returns tx's queued entries in the order they were queued.
func readPendingAudit(ctx context.Context, tx querier) ([]chainedEntry, error) {
	return queryAll(ctx, tx, "audit: queued entries", `SELECT id, at, actor_id, actor, action, entity, entity_id, detail
		FROM audit_pending ORDER BY id`, nil, func(scan func(...any) error) (chainedEntry, error) {
		var e chainedEntry
		err := scan(&e.id, &e.at, &e.actorID, &e.actor, &e.action, &e.entity, &e.entityID, &e.detail)
		return e, err
	})
}

// chainUnhashedAudit gives the entries written before the chain existed their hashes, in id order,
// once. It is cheap when there are none: the head names the newest entry.
func (s *Store) chainUnhashedAudit(ctx context.Context) error {
	var maxID sql.NullInt64
	var lastID int64
	if err := s.write.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM audit_log), last_id FROM audit_chain WHERE id = 1`).
		Scan(&maxID, &lastID); err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	if !maxID.Valid || maxID.Int64 <= lastID {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		lastID, head, err := lockAuditHead(ctx, tx)
		if err != nil {
			return err
		}
		n := 0
		for {
			batch, err := readAuditEntries(ctx, tx, `WHERE id > $1 AND hash = '' ORDER BY id LIMIT 1000`, lastID)
			if err != nil {
				return fmt.Errorf("audit chain backfill: %w", err)
			}
			if len(batch) == 0 {
				break
			}
			for _, e := range batch {
				hash := e.computeHash(head)
				if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3`, head, hash, e.id); err != nil {
					return fmt.Errorf("audit chain backfill: entry %d: %w", e.id, err)
				}
				lastID, head = e.id, hash
				n++
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET last_id = $1, head = $2 WHERE id = 1`, lastID, head); err != nil {
			return fmt.Errorf("audit chain backfill: %w", err)
		}
		s.logger.Info("audit log entries chained", "entries", n)
		return nil
	})
}

// chainedEntry is an audit row as the chain sees it.
type chainedEntry struct {
	id, at                                              int64
	actorID                                             sql.NullInt64
	actor, action, entity, entityID, detail, prev, hash string
}

func (e chainedEntry) computeHash(prev string) string {
	return auditHash(prev, e.at, e.actorID, e.actor, e.action, e.entity, e.entityID, e.detail)
}

func readAuditEntries(ctx context.Context, q querier, tail string, args ...any) ([]chainedEntry, error) {
	return scanAll(ctx, q, `SELECT id, at, actor_id, actor, action, entity, entity_id, detail, prev_hash, hash
		FROM audit_log `+tail, args, func(scan func(...any) error) (chainedEntry, error) {
		var e chainedEntry
		err := scan(&e.id, &e.at, &e.actorID, &e.actor, &e.action, &e.entity, &e.entityID, &e.detail, &e.prev, &e.hash)
		return e, err
	})
}

// AuditVerification is what VerifyAudit found. The chain holds when Reason is empty.
type AuditVerification struct {
	Entries  int64  `json:"entries"`   // entries checked
	Head     string `json:"head"`      // the last entry's hash: record it elsewhere to anchor the chain
	BrokenAt int64  `json:"broken_at"` // id of the first entry whose link fails (0: none, or the head)
	Reason   string `json:"reason,omitempty"`
}

// OK reports whether the whole chain verified.
func (v AuditVerification) OK() bool { return v.Reason == "" }

// VerifyAudit walks the audit log in id order and checks every link: each entry's prev_hash is the
// hash of the entry before it and its hash is that of its own fields; then that the head names the
// last entry. It reports the first failure; an error is returned only when the log cannot be read.
func (s *Store) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	var v AuditVerification
	readHead := func() (int64, string, error) {
		var id int64
		var h string
		err := s.read.QueryRowContext(ctx, `SELECT last_id, head FROM audit_chain WHERE id = 1`).Scan(&id, &h)
		if err != nil {
			return 0, "", fmt.Errorf("verify audit: head: %w", err)
		}
		return id, h, nil
	}
	headID, head, err := readHead()
	if err != nil {
		return v, err
	}
	prev, lastID := "", int64(0)
	for {
		batch, err := readAuditEntries(ctx, s.read, `WHERE id > $1 ORDER BY id LIMIT 5000`, lastID)
		if err != nil {
			return v, fmt.Errorf("verify audit: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			switch {
			case e.hash == "":
				v.BrokenAt, v.Reason = e.id, fmt.Sprintf("entry %d has no hash: it was never chained", e.id)
			case e.prev != prev:
				v.BrokenAt, v.Reason = e.id, fmt.Sprintf("entry %d does not follow the entry before it (its previous hash is %.12s…, the chain's is %.12s…): an entry before it was removed, reordered or altered", e.id, e.prev, prev)
			case e.computeHash(prev) != e.hash:
				v.BrokenAt, v.Reason = e.id, fmt.Sprintf("entry %d was altered: its fields do not match its hash", e.id)
			}
			if v.Reason != "" {
				return v, nil
			}
			prev, lastID = e.hash, e.id
			v.Entries++
			v.Head = e.hash
		}
	}
	if lastID > headID {
		// Entries appended since the head was read: the head has moved on with them.
		if headID, head, err = readHead(); err != nil {
			return v, err
		}
	}
	if lastID != headID || prev != head {
		v.Reason = fmt.Sprintf("the chain's head names entry %d (%.12s…) but the log ends at entry %d (%.12s…): entries were removed at the end or the head was altered",
			headID, head, lastID, prev)
	}
	return v, nil
}
