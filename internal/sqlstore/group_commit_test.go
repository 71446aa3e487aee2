package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// SQLite's write transactions committed in groups: many at once all land, one that fails leaves
// nothing and does not take the others with it, and a panic reaches the caller whose transaction it is.
func TestGroupCommit(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	refused := errors.New("refused")
	const writers = 40
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
				if err := appendAuditTx(ctx, tx, now, admin, "test.group", "test", fmt.Sprint(i), nil); err != nil {
					return err
				}
				if i%10 == 3 {
					return refused // after writing: the savepoint must undo the entry
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if want := i%10 == 3; (err != nil) != want || (want && !errors.Is(err, refused)) {
			t.Errorf("writer %d: err = %v", i, err)
		}
	}
	v, err := s.VerifyAudit(ctx)
	must(t, err)
	if !v.OK() || v.Entries != writers-4 {
		t.Fatalf("verify = %+v, want %d entries, unbroken", v, writers-4)
	}
	var pending int
	must(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM audit_pending`).Scan(&pending))
	if pending != 0 {
		t.Errorf("%d audit entries left queued", pending)
	}

	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the transaction's panic", p)
			}
		}()
		s.inTx(ctx, func(*sql.Tx, time.Time) error { panic("boom") })
	}()
	must(t, s.AppendAudit(ctx, admin, "test.after", "test", "1", nil)) // the writer is free again
}
