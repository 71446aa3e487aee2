package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
)

// dropAuditGuards removes the append-only triggers, as someone with write access to the database can:
// the hash chain is what still catches the change.
func dropAuditGuards(t *testing.T, s *Store) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if s.Dialect() == DialectPostgres {
		stmts = []string{`DROP TRIGGER audit_log_no_update ON audit_log`, `DROP TRIGGER audit_log_no_delete ON audit_log`}
	}
	for _, q := range stmts {
		if _, err := s.write.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

func appendN(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		must(t, s.AppendAudit(context.Background(), admin, "test.append", "test", fmt.Sprint(i), map[string]int{"i": i}))
	}
}

func TestAuditChainVerifies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		v, err := s.VerifyAudit(ctx)
		must(t, err)
		if v.BrokenAt != 0 || v.Entries != 0 {
			t.Fatalf("empty log: %+v", v)
		}
		appendN(t, s, 5)
		v, err = s.VerifyAudit(ctx)
		must(t, err)
		if v.BrokenAt != 0 || v.Entries != 5 || len(v.Head) != 64 {
			t.Fatalf("after 5 appends: %+v", v)
		}
		// Still append-only for a hashed entry.
		if _, err := s.write.ExecContext(ctx, `UPDATE audit_log SET hash = '' WHERE id = (SELECT min(id) FROM audit_log)`); err == nil {
			t.Error("UPDATE of a hashed audit entry succeeded")
		}
	})
}

func TestAuditChainCatchesEditsUnderneath(t *testing.T) {
	tamper := []struct {
		name   string
		sql    string // %d is the id of the third entry
		broken int    // which entry (1-based) verify names
		reason string
	}{
		{"detail edited", `UPDATE audit_log SET detail = '{"i":99}' WHERE id = %d`, 3, "hash"},
		{"actor edited", `UPDATE audit_log SET actor = 'mallory' WHERE id = %d`, 3, "hash"},
		{"entry removed", `DELETE FROM audit_log WHERE id = %d`, 4, "previous"},
		{"edited and rehashed", `UPDATE audit_log SET detail = '{}', hash = 'x' WHERE id = %d`, 3, "hash"},
		{"tail removed", `DELETE FROM audit_log WHERE id >= %d`, 0, "head"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, s *Store) {
				ctx := context.Background()
				appendN(t, s, 6)
				ids := auditIDs(t, s)
				dropAuditGuards(t, s)
				if _, err := s.write.ExecContext(ctx, fmt.Sprintf(tc.sql, ids[2])); err != nil {
					t.Fatal(err)
				}
				v, err := s.VerifyAudit(ctx)
				must(t, err)
				want := int64(0)
				if tc.broken > 0 {
					want = ids[tc.broken-1]
				}
				if v.Reason == "" || v.BrokenAt != want || !strings.Contains(v.Reason, tc.reason) {
					t.Fatalf("verify = %+v, want broken at entry %d (id %d) with a reason about %q", v, tc.broken, want, tc.reason)
				}
			})
		})
	}
}

func auditIDs(t *testing.T, s *Store) []int64 {
	t.Helper()
	ids, err := queryAll(context.Background(), s.read, "audit ids", `SELECT id FROM audit_log ORDER BY id`, nil, scanOne[int64])
	must(t, err)
	return ids
}

// Concurrent writers, and on PostgreSQL two stores (two instances) on one database, still make one chain.
func TestAuditChainConcurrentWriters(t *testing.T) {
	run := func(t *testing.T, stores ...*Store) {
		ctx := context.Background()
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				st := stores[w%len(stores)]
				for i := range each {
					if err := st.AppendAudit(ctx, admin, "test.concurrent", "test", fmt.Sprintf("%d-%d", w, i), nil); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		v, err := stores[0].VerifyAudit(ctx)
		must(t, err)
		if v.BrokenAt != 0 || v.Entries != writers*each {
			t.Fatalf("verify after concurrent appends = %+v, want %d entries, unbroken", v, writers*each)
		}
	}
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); run(t, openSQLite(t)) })
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		t.Run("postgres two instances", func(t *testing.T) {
			t.Parallel()
			url := pgtest.SchemaURL(t, pg)
			var stores []*Store
			for range 2 {
				st, err := Open(context.Background(), url, nil)
				must(t, err)
				t.Cleanup(func() { st.Close() })
				stores = append(stores, st)
			}
			run(t, stores...)
		})
	}
}

// Entries written before migration 00008 have no hashes; opening the store chains them in id order.
func TestAuditChainBackfillsOldEntries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i := range 4 {
			if _, err := s.write.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, detail)
				VALUES ($1, NULL, 'system', 'old.entry', 'test', $2, '')`, int64(1000+i), fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.VerifyAudit(ctx)
		must(t, err)
		if v.BrokenAt == 0 {
			t.Fatalf("unhashed entries verified: %+v", v)
		}
		must(t, s.Migrate(ctx)) // what every Open does
		appendN(t, s, 2)
		v, err = s.VerifyAudit(ctx)
		must(t, err)
		if v.BrokenAt != 0 || v.Entries != 6 {
			t.Fatalf("after backfill: %+v", v)
		}
	})
}

// Two PostgreSQL transactions that each append several audit entries and lock the same record in
// opposite order to their entries do not deadlock: the chain's head is the last lock a transaction
// takes (its entries wait in audit_pending until the commit), so neither can hold the head while it
// waits for the other's row. Before, the first entry locked the head at once: A held the head and
// waited for B's row, B held the row and waited for the head, and PostgreSQL aborted one of them.
func TestAuditMultiEntryTransactionsDoNotDeadlock(t *testing.T) {
	s := openPostgres(t, postgresOnly(t)) // SQLite has one writer: no interleaving
	ctx := context.Background()
	f := seed(t, s)
	before, err := s.VerifyAudit(ctx)
	must(t, err)
	lockRow := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET name = name WHERE id = $1`, f.a1.ID)
		return err
	}
	appendTwo := func(tx *sql.Tx, now time.Time, who string) error {
		for i := range 2 {
			if err := appendAuditTx(ctx, tx, now, admin, "test.multi", "test", fmt.Sprintf("%s-%d", who, i), nil); err != nil {
				return err
			}
		}
		return nil
	}
	bLocked, aAppended := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { // B: the row first, then its entries
		errs <- s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			if err := lockRow(tx); err != nil {
				return err
			}
			close(bLocked)
			<-aAppended
			return appendTwo(tx, now, "b")
		})
	})
	wg.Go(func() { // A: its entries first, then the row B holds
		errs <- s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
			<-bLocked
			if err := appendTwo(tx, now, "a"); err != nil {
				return err
			}
			close(aAppended)
			return lockRow(tx)
		})
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent audited transactions: %v", err)
		}
	}
	v, err := s.VerifyAudit(ctx)
	must(t, err)
	if !v.OK() || v.Entries != before.Entries+4 {
		t.Fatalf("verify = %+v, want %d entries, unbroken", v, before.Entries+4)
	}
}
