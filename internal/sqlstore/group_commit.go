package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SQLite has one writer, and every commit waits for an fsync of the WAL (synchronous=FULL: an
// acknowledged commit survives a power cut). One fsync per write transaction caps the writes a second
// at the disk's sync rate, and every writer queues behind it. Group commit lifts that cap without
// giving up durability: the write transactions waiting for the writer run one after the other inside
// one SQLite transaction, each in its own SAVEPOINT (a failing one is rolled back alone, as if it had
// never begun), and one COMMIT — one fsync — makes them all durable. Nobody is answered before that
// commit, and when it fails every transaction of the group gets the error, so "acknowledged" still
// means "on disk". Transactions of one group see the writes of those before them, as they would had
// those committed first; readers see the whole group at once.
//
// There is no goroutine of its own: the first caller to find no group under way leads, running the
// groups that gather while it commits until none is waiting.

// maxGroup bounds how many transactions one commit carries, so the first of a long queue is not kept
// waiting for the last.
const maxGroup = 64

// commitGroups is the queue of write transactions waiting for SQLite's writer.
type commitGroups struct {
	mu      sync.Mutex
	queue   []*groupTx
	leading bool // a caller is running groups
}

// groupTx is one caller's write transaction.
type groupTx struct {
	ctx  context.Context
	fn   func(tx *sql.Tx, now time.Time) error
	done chan error // the transaction's outcome, sent once its group committed or failed
}

// groupPanic carries a panic of fn back to the goroutine that called inTx.
type groupPanic struct{ value any }

func (p groupPanic) Error() string { return fmt.Sprintf("panic in a write transaction: %v", p.value) }

// inGroupTx runs fn as a write transaction of a commit group and returns once the group committed.
func (s *Store) inGroupTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	job := &groupTx{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g := &s.groups
	g.mu.Lock()
	g.queue = append(g.queue, job)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		s.leadGroups()
	}
	err := <-job.done
	var p groupPanic
	if errors.As(err, &p) {
		panic(p.value)
	}
	return err
}

// leadGroups commits groups from the queue until it is empty.
func (s *Store) leadGroups() {
	g := &s.groups
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		s.commitGroup(group)
	}
}

// commitGroup runs group in one SQLite transaction and tells each member its outcome.
func (s *Store) commitGroup(group []*groupTx) {
	// The group's own statements outlive any one caller: a caller that gives up is left out of the
	// group (below), it does not end the others' transaction.
	ctx := context.WithoutCancel(group[0].ctx)
	results := make([]error, len(group))
	fail := func(err error) {
		for i, job := range group {
			if results[i] == nil {
				results[i] = err
			}
			job.done <- results[i]
		}
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer tx.Rollback()
	for i, job := range group {
		if err := job.ctx.Err(); err != nil {
			results[i] = fmt.Errorf("begin: %w", err)
			continue
		}
		var broken error
		results[i], broken = s.runInSavepoint(ctx, tx, job)
		if broken != nil {
			// The transaction cannot go on (a savepoint could not be released or rolled back):
			// nothing of the group is committed, and everyone is told so.
			fail(fmt.Errorf("commit: %w", broken))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(s.mapErr(fmt.Errorf("commit: %w", err), ""))
		return
	}
	for i, job := range group {
		job.done <- results[i]
	}
}

// runInSavepoint runs job's fn, and chains its audit entries, inside a savepoint of tx: on success
// the savepoint is released into tx, on failure rolled back so tx is as before. It returns fn's error,
// and broken when tx itself can no longer be used.
func (s *Store) runInSavepoint(ctx context.Context, tx *sql.Tx, job *groupTx) (result, broken error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT write_tx`); err != nil {
		return nil, err
	}
	result = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = groupPanic{p}
			}
		}()
		if err := job.fn(tx, s.clock()); err != nil {
			return err
		}
		return chainPendingAuditTx(job.ctx, tx)
	}()
	if result != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO write_tx`); err != nil {
			return result, err
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE write_tx`); err != nil {
		return result, err
	}
	return result, nil
}
