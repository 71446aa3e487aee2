package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
)

// testRules are the default programme on a 09:00–17:00 UTC Monday–Friday calendar with 48 hours' SLA.
func testRules(t *testing.T) tandem.RegistrationRules {
	t.Helper()
	return tandem.RegistrationRules{Lifecycle: tandem.DefaultLifecycleSettings(), ApprovalSLA: tandem.SLA{Calendar: testCalendar(t), Budget: 48 * time.Hour}}
}

// testCalendar is a 09:00–17:00 UTC Monday–Friday business calendar.
func testCalendar(t *testing.T) tandem.BusinessCalendar {
	t.Helper()
	cal, err := calendar.New(calendar.Config{Timezone: "UTC", Start: "09:00", End: "17:00",
		Days: []string{"mon", "tue", "wed", "thu", "fri"}})
	must(t, err)
	return cal
}

// lifecycleFixture adds channel staff to the seed and gives the store a clock the test moves.
type lifecycleFixture struct {
	*fixture
	clock              *fixedClock
	pm, revops         tandem.Actor
	rules              tandem.RegistrationRules
	newRegistration    func(t *testing.T, actor tandem.Actor, name string) *tandem.Registration
	events             func(t *testing.T, id int64) []tandem.RegistrationEntry
	registrationStatus func(t *testing.T, id int64) tandem.RegistrationStatus
}

func seedLifecycle(t *testing.T, s *Store) *lifecycleFixture {
	t.Helper()
	ctx := context.Background()
	lf := &lifecycleFixture{fixture: seed(t, s), clock: newClock(), rules: testRules(t)}
	s.SetClock(lf.clock.now)
	for _, u := range []struct {
		into *tandem.Actor
		user tandem.User
	}{
		{&lf.pm, tandem.User{ExternalID: "U-PM", Email: "pm@vendor.test", Name: "Pam", Role: tandem.RolePartnerManager}},
		{&lf.revops, tandem.User{ExternalID: "U-RO", Email: "ro@vendor.test", Name: "Ron", Role: tandem.RoleRevOps}},
	} {
		must(t, s.CreateUser(ctx, admin, &u.user, ""))
		*u.into = tandem.Actor{UserID: u.user.ID, Email: u.user.Email, Role: u.user.Role}
	}
	lf.newRegistration = func(t *testing.T, actor tandem.Actor, name string) *tandem.Registration {
		t.Helper()
		r := &tandem.Registration{AccountName: name, Country: "US", ProductType: tandem.ProductCore,
			EstimatedACV: tandem.Major(40_000), Currency: "USD", OpportunityID: lf.o1.ID}
		must(t, s.SubmitRegistration(ctx, actor, r, lf.rules))
		return r
	}
	lf.events = func(t *testing.T, id int64) []tandem.RegistrationEntry {
		t.Helper()
		got, err := s.RegistrationEvents(ctx, admin, id)
		must(t, err)
		return got
	}
	lf.registrationStatus = func(t *testing.T, id int64) tandem.RegistrationStatus {
		t.Helper()
		r, err := s.GetRegistration(ctx, admin, id)
		must(t, err)
		return r.Status
	}
	return lf
}

// fridayAndTuesday submits, as actor1, the two registrations the approval queue tests order: one on
// Friday 6 March at 19:00, then one on Tuesday 3 March at noon, where it leaves the clock.
func (f *lifecycleFixture) fridayAndTuesday(t *testing.T) (friday, tuesday *tandem.Registration) {
	t.Helper()
	f.clock.t = time.Date(2026, 3, 6, 19, 0, 0, 0, time.UTC)
	friday = f.newRegistration(t, f.actor1, "Friday Evening Inc")
	f.clock.t = time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	tuesday = f.newRegistration(t, f.actor1, "Tuesday Noon Ltd")
	return friday, tuesday
}

func TestRegistrationLifecycle(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		submittedAt := f.clock.t // Monday 2 March 2026, 09:30 UTC

		r := f.newRegistration(t, f.actor1, "Acme Labs")
		if r.Status != tandem.RegistrationSubmitted || !r.SubmittedAt.Equal(submittedAt) || r.PartnerID != f.p1.ID {
			t.Fatalf("submitted %+v", r)
		}

		// Refusals change nothing and log nothing.
		refusals := []struct {
			name   string
			actor  tandem.Actor
			ev     tandem.RegistrationEvent
			reason string
			code   string
		}{
			{"a partner approves its own", f.actor1, tandem.EventApprove, "", tandem.EFORBIDDEN},
			{"another partner withdraws it", f.actor2, tandem.EventWithdraw, "", tandem.ENOTFOUND},
			{"another partner approves it", f.actor2, tandem.EventApprove, "", tandem.ENOTFOUND},
			{"an AE approves", f.aeActor, tandem.EventApprove, "", tandem.EFORBIDDEN},
			{"an AE withdraws", f.aeActor, tandem.EventWithdraw, "", tandem.EFORBIDDEN},
			{"a rejection without a reason", f.pm, tandem.EventReject, " ", tandem.EINVALID},
			{"a win before approval", f.revops, tandem.EventWin, "", tandem.ECONFLICT},
			{"an extension before approval", f.actor1, tandem.EventExtend, "", tandem.ECONFLICT},
			{"a submission through a transition", f.pm, tandem.EventSubmit, "", tandem.EINVALID},
		}
		for _, tt := range refusals {
			_, err := s.TransitionRegistration(ctx, tt.actor, r.ID, tt.ev, tt.reason, f.rules)
			if tandem.ErrorCode(err) != tt.code {
				t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
			}
		}
		if st := f.registrationStatus(t, r.ID); st != tandem.RegistrationSubmitted {
			t.Fatalf("after refusals the registration is %s", st)
		}
		if n := len(f.events(t, r.ID)); n != 1 {
			t.Fatalf("after refusals the log has %d entries, want the submission only", n)
		}

		// Approved on Tuesday 11:30: 7.5 business hours on Monday and 2.5 on Tuesday.
		f.clock.advance(26 * time.Hour)
		decidedAt := f.clock.t
		got, err := s.TransitionRegistration(ctx, f.pm, r.ID, tandem.EventApprove, "clean registration", f.rules)
		must(t, err)
		if got.Status != tandem.RegistrationApproved || got.DecidedBy != f.pm.UserID || !got.DecidedAt.Equal(decidedAt) ||
			!got.ExpiresAt.Equal(decidedAt.AddDate(0, 0, 90)) {
			t.Fatalf("approved %+v", got)
		}
		stored, err := s.GetRegistration(ctx, f.actor1, r.ID)
		wantSame(t, "stored registration differs from the returned one (-returned +stored)", got, stored, err)
		if _, err := s.TransitionRegistration(ctx, f.pm, r.ID, tandem.EventApprove, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("approving twice: %v, want ECONFLICT", err)
		}

		// Extension: 80 days on, the deal's last activity (its opportunity, updated at the seed) is stale.
		f.clock.advance(80 * 24 * time.Hour)
		if _, err := s.TransitionRegistration(ctx, f.actor1, r.ID, tandem.EventExtend, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Fatalf("extend without recent activity: %v, want ECONFLICT", err)
		}
		touch := tandem.Touch{ExternalID: "T-NEW", PartnerID: f.p1.ID, OpportunityID: f.o1.ID, Kind: tandem.TouchCoSell,
			OccurredAt: f.clock.t.AddDate(0, 0, -3)}
		must(t, s.CreateTouch(ctx, admin, &touch))
		extendedAt := f.clock.t
		got, err = s.TransitionRegistration(ctx, f.actor1, r.ID, tandem.EventExtend, "customer asked for a pilot", f.rules)
		must(t, err)
		if got.Extensions != 1 || !got.ExpiresAt.Equal(decidedAt.AddDate(0, 0, 120)) {
			t.Errorf("extended: extensions %d, expires %v", got.Extensions, got.ExpiresAt)
		}
		if _, err := s.TransitionRegistration(ctx, f.actor1, r.ID, tandem.EventExtend, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("second extension: %v, want ECONFLICT", err)
		}

		// Closing the deal is the vendor's call.
		if _, err := s.TransitionRegistration(ctx, f.actor1, r.ID, tandem.EventWin, "", f.rules); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner marks its deal won: %v, want EFORBIDDEN", err)
		}
		f.clock.advance(time.Hour)
		wonAt := f.clock.t
		_, err = s.TransitionRegistration(ctx, f.revops, r.ID, tandem.EventWin, "", f.rules)
		must(t, err)
		if _, err := s.TransitionRegistration(ctx, f.revops, r.ID, tandem.EventLose, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("losing a won registration: %v, want ECONFLICT", err)
		}

		want := []tandem.RegistrationEntry{
			{RegistrationID: r.ID, At: submittedAt, Event: tandem.EventSubmit, From: "", To: tandem.RegistrationSubmitted, ActorID: f.actor1.UserID},
			{RegistrationID: r.ID, At: decidedAt, Event: tandem.EventApprove, From: tandem.RegistrationSubmitted, To: tandem.RegistrationApproved,
				ActorID: f.pm.UserID, Reason: "clean registration", BusinessSeconds: 10 * 3600},
			{RegistrationID: r.ID, At: extendedAt, Event: tandem.EventExtend, From: tandem.RegistrationApproved, To: tandem.RegistrationApproved,
				ActorID: f.actor1.UserID, Reason: "customer asked for a pilot"},
			{RegistrationID: r.ID, At: wonAt, Event: tandem.EventWin, From: tandem.RegistrationApproved, To: tandem.RegistrationWon, ActorID: f.revops.UserID},
		}
		gotEvents := f.events(t, r.ID)
		if diff := cmp.Diff(want, gotEvents, cmpIgnoreEntryID); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		// The partner reads its own log; the other partner cannot.
		if own, err := s.RegistrationEvents(ctx, f.actor1, r.ID); err != nil || len(own) != 4 {
			t.Errorf("partner reads its own log: %d entries, %v", len(own), err)
		}
		if _, err := s.RegistrationEvents(ctx, f.actor2, r.ID); tandem.ErrorCode(err) != tandem.ENOTFOUND {
			t.Errorf("another partner reads the log: %v, want ENOTFOUND", err)
		}

		// Each transition is audited with its from and to.
		for _, action := range []string{"registration.approve", "registration.extend", "registration.win"} {
			entries, n, err := s.ListAudit(ctx, admin, AuditFilter{Entity: "registration", EntityID: idString(r.ID), Action: action})
			must(t, err)
			if n != 1 || entries[0].Detail == "" {
				t.Errorf("audit %s: %d entries %+v", action, n, entries)
			}
		}
		var decisionSeconds int64
		must(t, s.read.QueryRowContext(ctx, `SELECT decision_business_seconds FROM registrations WHERE id = $1`, r.ID).Scan(&decisionSeconds))
		if decisionSeconds != 36000 {
			t.Errorf("decision_business_seconds = %d, want 36000", decisionSeconds)
		}

		// The log is append-only.
		if _, err := s.write.ExecContext(ctx, `UPDATE registration_events SET actor_id = NULL`); err == nil {
			t.Error("UPDATE registration_events succeeded")
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM registration_events`); err == nil {
			t.Error("DELETE FROM registration_events succeeded")
		}
		if diff := cmp.Diff(gotEvents, f.events(t, r.ID)); diff != "" {
			t.Errorf("the log changed after refused writes:\n%s", diff)
		}
	})
}

var cmpIgnoreEntryID = cmp.Transformer("noID", func(e tandem.RegistrationEntry) tandem.RegistrationEntry {
	e.ID = 0
	return e
})

func TestRegistrationRejectWithdrawExpire(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		rejected := f.newRegistration(t, f.actor1, "Rejected Co")
		got, err := s.TransitionRegistration(ctx, f.pm, rejected.ID, tandem.EventReject, "named direct account", f.rules)
		must(t, err)
		if got.Status != tandem.RegistrationRejected || got.RejectionReason != "named direct account" {
			t.Errorf("rejected %+v", got)
		}
		if _, err := s.TransitionRegistration(ctx, f.actor1, rejected.ID, tandem.EventWithdraw, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("withdrawing a rejected registration: %v, want ECONFLICT", err)
		}

		withdrawn := f.newRegistration(t, f.actor1, "Withdrawn Co")
		_, err = s.TransitionRegistration(ctx, f.actor1, withdrawn.ID, tandem.EventWithdraw, "customer went quiet", f.rules)
		must(t, err)
		if st := f.registrationStatus(t, withdrawn.ID); st != tandem.RegistrationWithdrawn {
			t.Errorf("withdrawn registration is %s", st)
		}

		expiring := f.newRegistration(t, f.actor1, "Expiring Co")
		_, err = s.TransitionRegistration(ctx, admin, expiring.ID, tandem.EventApprove, "", f.rules)
		must(t, err)
		f.clock.advance(90*24*time.Hour - time.Microsecond)
		if _, err := s.TransitionRegistration(ctx, tandem.SystemActor, expiring.ID, tandem.EventExpire, "", f.rules); tandem.ErrorCode(err) != tandem.ECONFLICT {
			t.Errorf("expiring while protected: %v, want ECONFLICT", err)
		}
		f.clock.advance(time.Microsecond)
		_, err = s.TransitionRegistration(ctx, tandem.SystemActor, expiring.ID, tandem.EventExpire, "", f.rules)
		must(t, err)
		if st := f.registrationStatus(t, expiring.ID); st != tandem.RegistrationExpired {
			t.Errorf("expired registration is %s", st)
		}
		var n int
		must(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM registration_events`).Scan(&n))
		if n != 7 { // three submissions, a rejection, a withdrawal, an approval and an expiry
			t.Errorf("registration_events holds %d rows, want 7", n)
		}
	})
}

func TestApprovalQueue(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		// The seed's R2 (submitted at the seed, Monday 09:30, with no stamped deadline) is due
		// Tuesday 10 March 09:30. Friday evening's is due a week later at 17:00.
		friday, tuesday := f.fridayAndTuesday(t)
		decided := f.newRegistration(t, f.actor1, "Decided GmbH")
		_, err := s.TransitionRegistration(ctx, f.pm, decided.ID, tandem.EventApprove, "", f.rules)
		must(t, err)

		// Thursday 12 March 12:00: R2 is breached, Tuesday's (due Wed 11 March 12:00) breached, Friday's
		// (alert Friday 13 March 13:00) on track.
		f.clock.t = time.Date(2026, 3, 12, 12, 0, 0, 0, time.UTC)
		items, total, err := s.ApprovalQueue(ctx, f.pm, f.rules.ApprovalSLA, 0, 0)
		must(t, err)
		type row struct {
			ID      int64
			Due     time.Time
			Status  tandem.SLAStatus
			Elapsed int64
		}
		var got []row
		for _, it := range items {
			got = append(got, row{it.Registration.ID, it.DueAt, it.SLAStatus, it.BusinessSeconds})
		}
		want := []row{
			{f.r2.ID, time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC), tandem.SLABreached, (7*3600 + 1800) + 7*8*3600 + 3*3600},
			{tuesday.ID, time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC), tandem.SLABreached, 5*3600 + 6*8*3600 + 3*3600},
			{friday.ID, time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC), tandem.SLAOnTrack, 3*8*3600 + 3*3600},
		}
		if diff := cmp.Diff(want, got); diff != "" || total != 3 {
			t.Errorf("queue (total %d) (-want +got):\n%s", total, diff)
		}
		// Friday 13 March 13:00 is 75 % of Friday evening's budget.
		f.clock.t = time.Date(2026, 3, 13, 13, 0, 0, 0, time.UTC)
		items, _, err = s.ApprovalQueue(ctx, f.pm, f.rules.ApprovalSLA, 0, 1)
		must(t, err)
		if len(items) != 1 || items[0].Registration.ID != f.r2.ID {
			t.Errorf("limit 1: %+v", items)
		}
		items, _, _ = s.ApprovalQueue(ctx, f.pm, f.rules.ApprovalSLA, 0, 0)
		if last := items[len(items)-1]; last.SLAStatus != tandem.SLAAtRisk || !last.AlertAt.Equal(f.clock.t) {
			t.Errorf("at the alert instant: %s, alert %v", last.SLAStatus, last.AlertAt)
		}
		if _, _, err := s.ApprovalQueue(ctx, f.actor1, f.rules.ApprovalSLA, 0, 0); tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			t.Errorf("partner reads the queue: %v, want EFORBIDDEN", err)
		}
	})
}
