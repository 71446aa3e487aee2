package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestRunnerRunsAtOnceThenEveryInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int64
		r := New(time.Minute, func(context.Context) { runs.Add(1) })
		r.Start(t.Context())
		r.Start(t.Context()) // a second Start does nothing
		synctest.Wait()
		if got := runs.Load(); got != 1 {
			t.Fatalf("after Start: %d runs, want 1 (at once)", got)
		}
		time.Sleep(3*time.Minute + time.Second) // fake time inside the bubble
		synctest.Wait()
		if got := runs.Load(); got != 4 {
			t.Fatalf("after 3 intervals: %d runs, want 4", got)
		}
		r.Stop()
		r.Stop() // safe twice
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if got := runs.Load(); got != 4 {
			t.Fatalf("after Stop: %d runs, want still 4", got)
		}
	})
}

func TestStopWaitsForTheRunInProgressAndCancelsIt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var finished atomic.Bool
		r := New(time.Minute, func(ctx context.Context) {
			<-ctx.Done() // a long run that honours cancellation
			finished.Store(true)
		})
		r.Start(context.Background())
		synctest.Wait()
		r.Stop()
		if !finished.Load() {
			t.Fatal("Stop returned before the run in progress ended")
		}
		New(time.Minute, func(context.Context) {}).Stop() // never started: no block
	})
}

func TestRunnerEndsWithItsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int64
		ctx, cancel := context.WithCancel(context.Background())
		r := New(time.Minute, func(context.Context) { runs.Add(1) })
		r.Start(ctx)
		synctest.Wait()
		cancel()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if got := runs.Load(); got != 1 {
			t.Fatalf("%d runs after the context ended, want 1", got)
		}
		r.Stop() // still returns: the loop already ended
	})
}
