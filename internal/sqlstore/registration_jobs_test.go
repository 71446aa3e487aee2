package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/postgres/pgtest"
)

// eventKinds returns the events of registration id's log, oldest first.
func eventKinds(t *testing.T, f *lifecycleFixture, id int64) []tandem.RegistrationEvent {
	t.Helper()
	return pluck(f.events(t, id), func(e tandem.RegistrationEntry) tandem.RegistrationEvent { return e.Event })
}

func TestExpireDue(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		r := f.newRegistration(t, f.actor1, "Expiring Co")
		approved, err := s.TransitionRegistration(ctx, f.pm, r.ID, tandem.EventApprove, "", f.rules)
		must(t, err)
		extended := f.newRegistration(t, f.actor1, "Extended Co")
		_, err = s.TransitionRegistration(ctx, f.pm, extended.ID, tandem.EventApprove, "", f.rules)
		must(t, err)
		waiting := f.newRegistration(t, f.actor1, "Waiting Co")
		ends := approved.ExpiresAt

		// The seed's R1 is approved with no expiry date: it never expires.
		for _, tt := range []struct {
			at   time.Time
			want int
		}{{ends.Add(-time.Microsecond), 0}, {ends, 2}, {ends.Add(time.Hour), 0}} {
			n, err := s.ExpireDue(ctx, tt.at, f.rules)
			must(t, err)
			if n != tt.want {
				t.Errorf("ExpireDue at %v: %d expired, want %d", tt.at, n, tt.want)
			}
		}
		for id, want := range map[int64]tandem.RegistrationStatus{r.ID: tandem.RegistrationExpired,
			extended.ID: tandem.RegistrationExpired, waiting.ID: tandem.RegistrationSubmitted, f.r1.ID: tandem.RegistrationApproved} {
			if st := f.registrationStatus(t, id); st != want {
				t.Errorf("registration %d is %s, want %s", id, st, want)
			}
		}
		events := f.events(t, r.ID)
		last := events[len(events)-1]
		want := tandem.RegistrationEntry{ID: last.ID, RegistrationID: r.ID, At: ends, Event: tandem.EventExpire,
			From: tandem.RegistrationApproved, To: tandem.RegistrationExpired, Reason: "protection ended " + ends.Format(time.RFC3339)}
		if diff := cmp.Diff(want, last); diff != "" {
			t.Errorf("expiry entry (-want +got):\n%s", diff)
		}
		audit, n, err := s.ListAudit(ctx, admin, AuditFilter{Entity: "registration", EntityID: idString(r.ID), Action: "registration.expire"})
		must(t, err)
		if n != 1 || audit[0].Actor != tandem.SystemActor.Email {
			t.Errorf("expiry audit: %d entries %+v", n, audit)
		}
		if _, err := s.ExpireDue(ctx, ends, tandem.RegistrationRules{}); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("ExpireDue without settings: %v, want EINVALID", err)
		}
	})
}

func TestAlertDue(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		// Submitted Monday 2 March 09:30 with 48 business hours (six 8-hour days): due Tuesday 10 March
		// 09:30; 75 % (36 hours) is Friday 6 March 13:30.
		r := f.newRegistration(t, f.actor1, "Slow Co")
		decided := f.newRegistration(t, f.actor1, "Quick Co")
		_, err := s.TransitionRegistration(ctx, f.pm, decided.ID, tandem.EventApprove, "", f.rules)
		must(t, err)
		warnAt := time.Date(2026, 3, 6, 13, 30, 0, 0, time.UTC)
		due := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

		type run struct {
			at   time.Time
			want AlertCounts
		}
		// The seed's R2 (submitted at the seed instant, no stamped deadline) runs on the same clock.
		runs := []run{
			{warnAt.Add(-time.Microsecond), AlertCounts{}},
			{warnAt, AlertCounts{Warnings: 2}},
			{warnAt.Add(time.Hour), AlertCounts{}},
			// The weekend is not business time: Monday 9 March 17:00 is still before the deadline.
			{time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC), AlertCounts{}},
			{due, AlertCounts{Breaches: 2}},
			{due.Add(48 * time.Hour), AlertCounts{}},
		}
		for _, rn := range runs {
			got, err := s.AlertDue(ctx, rn.at, f.rules, 0.75)
			must(t, err)
			if got != rn.want {
				t.Errorf("AlertDue at %v = %+v, want %+v", rn.at, got, rn.want)
			}
		}
		if diff := cmp.Diff([]tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventSLAWarning, tandem.EventSLABreached},
			eventKinds(t, f, r.ID)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		events := f.events(t, r.ID)
		if w := events[1]; !w.At.Equal(warnAt) || w.From != tandem.RegistrationSubmitted || w.To != tandem.RegistrationSubmitted ||
			w.ActorID != 0 || !strings.Contains(w.Reason, "75 % of the 48 business-hour approval SLA") {
			t.Errorf("warning entry %+v", w)
		}
		if b := events[2]; !strings.Contains(b.Reason, "ran out at 2026-03-10T09:30:00Z") {
			t.Errorf("breach entry %+v", b)
		}
		// A decided registration gets no alerts; the alerts leave the status alone.
		if diff := cmp.Diff([]tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventApprove}, eventKinds(t, f, decided.ID)); diff != "" {
			t.Errorf("decided registration's events (-want +got):\n%s", diff)
		}
		if st := f.registrationStatus(t, r.ID); st != tandem.RegistrationSubmitted {
			t.Errorf("after the alerts the registration is %s", st)
		}

		// Found already past its deadline (the job was down): the breach only.
		f.clock.t = time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
		late := f.newRegistration(t, f.actor1, "Late Co")
		got, err := s.AlertDue(ctx, time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC), f.rules, 0.75)
		must(t, err)
		if got != (AlertCounts{Breaches: 1}) {
			t.Errorf("a registration found past its deadline: %+v, want one breach", got)
		}
		if diff := cmp.Diff([]tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventSLABreached}, eventKinds(t, f, late.ID)); diff != "" {
			t.Errorf("late registration's events (-want +got):\n%s", diff)
		}

		// The database keeps each alert once, whoever writes it.
		_, err = s.write.ExecContext(ctx, `INSERT INTO registration_events (registration_id, at, event, from_status, to_status)
			VALUES ($1, $2, 'sla_warning', 'submitted', 'submitted')`, r.ID, due.UnixMicro())
		if err == nil {
			t.Error("a second sla_warning for one registration was stored")
		}
		_, err = s.write.ExecContext(ctx, `INSERT INTO registration_events (registration_id, at, event, from_status, to_status)
			VALUES ($1, $2, 'sla_warning', 'approved', 'approved')`, decided.ID, due.UnixMicro())
		if err == nil {
			t.Error("an sla_warning on an approved registration was stored")
		}

		for _, bad := range []float64{-0.5, 1, 1.5} {
			if _, err := s.AlertDue(ctx, due, f.rules, bad); tandem.ErrorCode(err) != tandem.EINVALID {
				t.Errorf("warn fraction %v: %v, want EINVALID", bad, err)
			}
		}
		if _, err := s.AlertDue(ctx, due, tandem.RegistrationRules{}, 0.75); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("no calendar: %v, want EINVALID", err)
		}
	})
}

// TestRegistrationJobsRace runs two job processes, each with its own store (its own connection pool),
// on one database at the same instant: every expiry and every alert happens exactly once.
func TestRegistrationJobsRace(t *testing.T) {
	t.Parallel()
	engines := map[string]string{"sqlite": ""}
	if pg := os.Getenv("TANDEM_TEST_POSTGRES"); pg != "" {
		engines["postgres"] = pg
	}
	for name, base := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := filepath.Join(t.TempDir(), "tandem.db")
			if base != "" {
				url = pgtest.SchemaURL(t, base)
			}
			var stores [2]*Store
			for i := range stores {
				st, err := Open(ctx, url, nil)
				must(t, err)
				t.Cleanup(func() { st.Close() })
				st.SetClock(newClock().now)
				stores[i] = st
			}
			f := seedLifecycle(t, stores[0])
			const n = 60
			var approved, waiting []int64
			for i := range n {
				r := f.newRegistration(t, f.actor1, "Company "+idString(int64(i)))
				if i%2 == 0 {
					_, err := stores[0].TransitionRegistration(ctx, f.pm, r.ID, tandem.EventApprove, "", f.rules)
					must(t, err)
					approved = append(approved, r.ID)
				} else {
					waiting = append(waiting, r.ID)
				}
			}
			later := f.clock.t.AddDate(0, 0, 100) // past protection and past the SLA
			for _, at := range []time.Time{time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC), later} {
				var wg sync.WaitGroup
				var mu sync.Mutex
				var expired int
				var alerts AlertCounts
				for _, st := range stores {
					wg.Go(func() {
						for range 3 {
							e, err := st.ExpireDue(ctx, at, f.rules)
							if err != nil {
								t.Error(err)
							}
							a, err := st.AlertDue(ctx, at, f.rules, 0.75)
							if err != nil {
								t.Error(err)
							}
							mu.Lock()
							expired += e
							alerts.Warnings += a.Warnings
							alerts.Breaches += a.Breaches
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				want, wantAlerts := 0, AlertCounts{Warnings: len(waiting) + 1} // + the seed's R2
				if at.Equal(later) {
					want, wantAlerts = len(approved), AlertCounts{Breaches: len(waiting) + 1}
				}
				if expired != want || alerts != wantAlerts {
					t.Errorf("at %v: %d expired, alerts %+v; want %d and %+v", at, expired, alerts, want, wantAlerts)
				}
			}
			for _, id := range approved {
				if diff := cmp.Diff([]tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventApprove, tandem.EventExpire},
					eventKinds(t, f, id)); diff != "" {
					t.Errorf("registration %d (-want +got):\n%s", id, diff)
				}
			}
			for _, id := range waiting {
				if diff := cmp.Diff([]tandem.RegistrationEvent{tandem.EventSubmit, tandem.EventSLAWarning, tandem.EventSLABreached},
					eventKinds(t, f, id)); diff != "" {
					t.Errorf("registration %d (-want +got):\n%s", id, diff)
				}
			}
		})
	}
}

func TestApprovalReport(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		// Pam manages partner 1; partner 2 has no manager.
		p1 := f.p1
		p1.ManagerID = f.pm.UserID
		must(t, s.UpdatePartner(ctx, admin, &p1))

		// Each registration is submitted at the clock, then decided `after` later (wall clock); the
		// business hours are on the 09:00–17:00 UTC weekday calendar, 48-hour SLA.
		decide := func(actor tandem.Actor, partner tandem.Actor, submit time.Time, after time.Duration, ev tandem.RegistrationEvent, reason string) {
			t.Helper()
			f.clock.t = submit
			r := f.newRegistration(t, partner, "Co "+submit.String())
			f.clock.t = submit.Add(after)
			_, err := s.TransitionRegistration(ctx, actor, r.ID, ev, reason, f.rules)
			must(t, err)
		}
		mon := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)                                                                // a Monday
		decide(tandem.SystemActor, f.actor1, mon, 0, tandem.EventApprove, tandem.AutoApprovalReason("2026.1"))            // 0 h, auto
		decide(f.pm, f.actor1, mon, 2*time.Hour, tandem.EventApprove, "")                                                 // 2 h
		decide(f.pm, f.actor1, mon, 24*time.Hour, tandem.EventReject, "duplicate")                                        // 8 h
		decide(f.pm, f.actor2, mon.Add(4*24*time.Hour), 72*time.Hour, tandem.EventApprove, "")                            // Fri 09:00 → Mon 09:00: 8 h
		decide(f.revops, f.actor2, time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC), 10*24*time.Hour, tandem.EventApprove, "") // 8 working days: 64 h, breach
		// A person's approval with the auto-approval words is not an automatic one.
		decide(f.revops, f.actor1, time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC), time.Hour, tandem.EventApprove, tandem.AutoApprovalReason("x")) // 1 h
		// Outside the period.
		decide(f.pm, f.actor1, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC), time.Hour, tandem.EventApprove, "")

		rep, err := s.ApprovalReport(ctx, f.revops, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), f.rules.ApprovalSLA)
		must(t, err)
		// Hours sorted: 0, 1, 2, 8, 8, 64. Median (rank 3) 2; p90 (rank 6) 64.
		wantAll := ApprovalStats{Decided: 6, Approved: 5, Rejected: 1, AutoApproved: 1, AutoApprovedShare: 0.1667,
			MedianBusinessHours: 2, P90BusinessHours: 64, WithinSLA: 5, WithinSLAShare: 0.8333, Breaches: 1}
		if diff := cmp.Diff(wantAll, rep.ApprovalStats, cmp.AllowUnexported(ApprovalStats{})); diff != "" {
			t.Errorf("overall (-want +got):\n%s", diff)
		}
		if rep.SLABusinessHours != 48 || rep.Waiting != 1 { // the seed's R2 waits
			t.Errorf("SLA %v h, waiting %d", rep.SLABusinessHours, rep.Waiting)
		}
		type row struct {
			Key, Label              string
			Decided, Auto, Breaches int
			Median                  float64
		}
		var byManager, byMonth []row
		for _, g := range rep.ByPartnerManager {
			byManager = append(byManager, row{g.Key, g.Label, g.Decided, g.AutoApproved, g.Breaches, g.MedianBusinessHours})
		}
		for _, g := range rep.ByMonth {
			byMonth = append(byMonth, row{g.Key, g.Label, g.Decided, g.AutoApproved, g.Breaches, g.MedianBusinessHours})
		}
		// Pam's partner: 0, 1, 2, 8 → median 1. Unmanaged: 8, 64 → median 8.
		wantManager := []row{{idString(f.pm.UserID), "Pam", 4, 1, 0, 1}, {"", "no partner manager", 2, 0, 1, 8}}
		if diff := cmp.Diff(wantManager, byManager); diff != "" {
			t.Errorf("by partner manager (-want +got):\n%s", diff)
		}
		wantMonth := []row{{"2026-03", "March 2026", 4, 1, 0, 2}, {"2026-04", "April 2026", 2, 0, 1, 1}}
		if diff := cmp.Diff(wantMonth, byMonth); diff != "" {
			t.Errorf("by month (-want +got):\n%s", diff)
		}

		empty, err := s.ApprovalReport(ctx, f.revops, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), f.rules.ApprovalSLA)
		must(t, err)
		if empty.Decided != 0 || empty.MedianBusinessHours != 0 || len(empty.ByMonth) != 0 || empty.ByPartnerManager == nil {
			t.Errorf("empty period: %+v", empty)
		}
		if _, err := s.ApprovalReport(ctx, f.actor1, mon, mon.AddDate(0, 1, 0), f.rules.ApprovalSLA); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner reads the report: %v, want EFORBIDDEN", err)
		}
		if _, err := s.ApprovalReport(ctx, f.revops, mon, mon, f.rules.ApprovalSLA); tandem.ErrorCode(err) != tandem.EINVALID {
			t.Errorf("empty period: %v, want EINVALID", err)
		}
	})
}

func TestNearestRank(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       []int64
		p50, p90 int64
	}{
		{[]int64{5}, 5, 5},
		{[]int64{1, 2}, 1, 2},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 9},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
	}
	for _, tt := range tests {
		if got := nearestRank(tt.in, 50); got != tt.p50 {
			t.Errorf("p50 of %v = %d, want %d", tt.in, got, tt.p50)
		}
		if got := nearestRank(tt.in, 90); got != tt.p90 {
			t.Errorf("p90 of %v = %d, want %d", tt.in, got, tt.p90)
		}
	}
}
