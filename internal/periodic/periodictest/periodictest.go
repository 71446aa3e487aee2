// Package periodictest checks the start/stop life of a background job built on periodic.Runner, and
// that its New refuses a config without a store or rules, the same way for every job: a test package
// of the jobs, like net/http/httptest.
package periodictest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-revops/tandem/internal/periodic"
)

// Job is a background job that can be started and stopped.
type Job interface {
	Start(ctx context.Context)
	Stop()
}

// Calls counts the runs that reached a job's fake store. It is safe for the job's goroutine and the
// test's at once; the zero value counts from 0.
type Calls struct {
	mu sync.Mutex
	n  int
}

// Add counts one run.
func (c *Calls) Add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

// Count returns how many runs were counted.
func (c *Calls) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// FailFirst returns a rules source that fails its first call ("no policy yet") and returns rules after.
func FailFirst[R any](rules R) func(context.Context) (R, error) {
	failing := true
	return func(context.Context) (R, error) {
		if failing { // the first run fails: the job logs it and carries on
			failing = false
			var none R
			return none, errors.New("no policy yet")
		}
		return rules, nil
	}
}

// StartStop builds a job with newJob from cfg (which gives a one-minute interval and rules from
// FailFirst) inside a synctest bubble, where time passes only when every goroutine waits, and checks its life with
// CheckStartStop; reached says how many runs reached the job's store.
func StartStop[C any, J Job](t *testing.T, newJob func(C) (J, error), cfg C, reached func() int) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		job, err := newJob(cfg)
		if err != nil {
			t.Fatal(err)
		}
		CheckStartStop(t, job, reached)
	})
}

// NewNeedsStoreAndRules checks that newJob refuses a config without a store and withStore, a config
// with a store but without rules.
func NewNeedsStoreAndRules[S, R, J any](t *testing.T, newJob func(periodic.Config[S, R]) (J, error), withStore periodic.Config[S, R]) {
	t.Helper()
	if _, err := newJob(periodic.Config[S, R]{}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := newJob(withStore); err == nil {
		t.Error("New without rules succeeded")
	}
}

// CheckStartStop checks, inside a synctest bubble, job built with a one-minute interval whose first
// run fails before it reaches its store (FailFirst): a second Start does nothing, the failed run is
// carried past and the job runs every minute, Stop is safe twice and nothing runs after it. reached
// says how many runs reached the store.
func CheckStartStop(t *testing.T, job Job, reached func() int) {
	t.Helper()
	job.Start(t.Context())
	job.Start(t.Context()) // a second start does nothing
	synctest.Wait()
	if n := reached(); n != 0 {
		t.Fatalf("the failed first run reached the store %d times", n)
	}
	time.Sleep(3*time.Minute + time.Second) // virtual time in the bubble
	synctest.Wait()
	if n := reached(); n != 3 {
		t.Errorf("after 3 minutes: %d runs reached the store, want 3", n)
	}
	job.Stop()
	job.Stop()
	time.Sleep(10 * time.Minute)
	synctest.Wait()
	if n := reached(); n != 3 {
		t.Errorf("after Stop the job ran on: %d runs", n)
	}
}
