package main

import (
	"context"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// TestServeEscalatesOnceAcrossInstances runs two serve instances on one database (PostgreSQL when
// TANDEM_TEST_POSTGRES is set, else a SQLite file) with their clocks set long after a batch of
// conflicts fell due. Both escalation timers race; every conflict must climb to the CEO with exactly
// one log row per move.
func TestServeEscalatesOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	dbURL := filepath.Join(t.TempDir(), "tandem.db")
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		dbURL = pgtest.SchemaURL(t, pg)
	}
	env, _, _ := serveTestEnv("", nil)
	check, err := openOrCreateStore(ctx, env, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	const n = 40
	due := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	for range n {
		c := tandem.Conflict{Cause: tandem.CauseProtectedReroute, LevelDueAt: due}
		if err := check.CreateConflict(ctx, tandem.SystemActor, &c); err != nil {
			t.Fatal(err)
		}
	}

	later := func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	done := make(chan error, 2)
	for range 2 {
		st, err := openStore(ctx, env, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ready := make(chan string, 1)
		go func() {
			done <- serve(ctx, st, serveOptions{addr: "127.0.0.1:0", logger: slog.New(slog.DiscardHandler), now: later,
				escalationInterval: 5 * time.Millisecond}, func(u string) { ready <- u })
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("serve: %v", err)
		}
	}

	// The timers run on their own; wait (bounded) until every conflict is with the CEO.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, atCEO, err := check.ListConflicts(ctx, tandem.SystemActor, sqlstore.ConflictFilter{Level: tandem.LevelCEO})
		if err != nil {
			t.Fatal(err)
		}
		if atCEO == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s only %d of %d conflicts reached the CEO", atCEO, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	list, _, err := check.ListConflicts(ctx, tandem.SystemActor, sqlstore.ConflictFilter{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		entries, err := check.EscalationLog(ctx, tandem.SystemActor, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 { // opened + three moves
			t.Errorf("conflict %d has %d log rows, want 4: %+v", c.ID, len(entries), entries)
		}
	}
	stop()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("serve after cancellation: %v", err)
		}
	}
}
