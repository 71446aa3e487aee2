package enablement

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/mdf"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// openRequests files n requests on fund1 and approves every other one, so both open states expire.
func (w *world) openRequests(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		ch, err := w.svc.MoveMDF(ctx, w.partner1, w.fund1.ID, Move{Action: mdf.Request, Activity: "Event", Amount: tandem.Major(100)})
		must(t, err)
		if i%2 == 1 {
			_, err := w.svc.MoveMDF(ctx, w.manager, w.fund1.ID, Move{Action: mdf.Approve, Request: ch.Request.Ref})
			must(t, err)
		}
	}
}

// expiries counts the expire events of fund1's requests and the fund's expiry audit entries.
func (w *world) expiries(t *testing.T) (events, audits int) {
	t.Helper()
	ctx := context.Background()
	reqs, err := w.svc.Store.ListMDFRequests(ctx, admin, sqlstore.MDFRequestFilter{FundID: w.fund1.ID})
	must(t, err)
	for _, r := range reqs {
		evs, err := w.svc.Store.MDFRequestEvents(ctx, admin, r.ID)
		must(t, err)
		for _, e := range evs {
			if e.Action == string(mdf.Expire) {
				events++
			}
		}
	}
	entries, _, err := w.svc.Store.ListAudit(ctx, admin, sqlstore.AuditFilter{Entity: "mdf_funds"})
	must(t, err)
	for _, e := range entries {
		if e.Action == "mdf.fund.expire" {
			audits++
		}
	}
	return events, audits
}

// TestExpiryJobRunsOnce: nothing expires before the period ends; after it, one run expires every open
// request and marks the fund, and a second run finds nothing to do.
func TestExpiryJobRunsOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store, c *clock) {
		ctx := context.Background()
		w := setup(t, s)
		w.openRequests(t, 3)
		job, err := NewExpiryJob(w.svc, time.Minute, c.now, nil)
		must(t, err)
		if res, err := job.RunOnce(ctx, c.t); err != nil || res != (ExpiryResult{}) {
			t.Fatalf("before expiry: %+v, %v", res, err)
		}
		c.t = w.fund1.ExpiresOn
		res, err := job.RunOnce(ctx, c.t)
		must(t, err)
		if res != (ExpiryResult{Requests: 3, Funds: 1}) {
			t.Fatalf("first run = %+v, want 3 requests and 1 fund", res)
		}
		if res, err := job.RunOnce(ctx, c.t.Add(time.Hour)); err != nil || res != (ExpiryResult{}) {
			t.Fatalf("second run = %+v, %v; want nothing", res, err)
		}
		funds, err := s.ListMDFFunds(ctx, admin, w.p1.ID)
		must(t, err)
		if len(funds) != 1 || !funds[0].ExpiredAt.Equal(w.fund1.ExpiresOn) {
			t.Fatalf("fund = %+v", funds)
		}
		if ev, au := w.expiries(t); ev != 3 || au != 1 {
			t.Fatalf("%d expire events and %d fund audits, want 3 and 1", ev, au)
		}
	})
}

// TestExpiryExactlyOnceAcrossInstances runs the expiry on two store handles of one PostgreSQL database
// at once, many times over: every request is expired by exactly one of them and the fund marked once.
func TestExpiryExactlyOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	pg := os.Getenv("TANDEM_TEST_POSTGRES")
	if pg == "" {
		t.Skip("TANDEM_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	url := pgtest.SchemaURL(t, pg)
	c := &clock{t: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
	var stores [2]*sqlstore.Store
	for i := range stores {
		s, err := sqlstore.Open(ctx, url, nil)
		must(t, err)
		t.Cleanup(func() { s.Close() })
		s.SetClock(c.now)
		stores[i] = s
	}
	w := setup(t, stores[0])
	w.openRequests(t, 8)
	c.t = w.fund1.ExpiresOn.Add(time.Minute)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total ExpiryResult
		errs  []error
	)
	for round := range 3 {
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				job, err := NewExpiryJob(&Service{Store: stores[i]}, time.Minute, c.now, nil)
				if err == nil {
					var res ExpiryResult
					res, err = job.RunOnce(ctx, c.t.Add(time.Duration(round)*time.Second))
					mu.Lock()
					total.Requests += res.Requests
					total.Funds += res.Funds
					mu.Unlock()
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	if len(errs) > 0 {
		t.Fatalf("runs failed: %v", errs)
	}
	if total != (ExpiryResult{Requests: 8, Funds: 1}) {
		t.Fatalf("two instances together expired %+v, want 8 requests and 1 fund", total)
	}
	if ev, au := w.expiries(t); ev != 8 || au != 1 {
		t.Fatalf("%d expire events and %d fund audits, want 8 and 1", ev, au)
	}
}
