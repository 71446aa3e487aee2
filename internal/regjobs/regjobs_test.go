package regjobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/calendar"
	"github.com/tandem-revops/tandem/internal/periodic/periodictest"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// testRules: the default programme on a 09:00–17:00 Europe/Berlin weekday calendar with a 16-hour
// approval SLA, warned about at 50 %.
func testRules(t testing.TB) Rules {
	t.Helper()
	cal, err := calendar.New(calendar.Config{Timezone: "Europe/Berlin", Start: "09:00", End: "17:00",
		Days: []string{"mon", "tue", "wed", "thu", "fri"}, Holidays: []string{"2026-04-03", "2026-04-06"}})
	if err != nil {
		t.Fatal(err)
	}
	return Rules{Registration: tandem.RegistrationRules{Lifecycle: tandem.DefaultLifecycleSettings(),
		ApprovalSLA: tandem.SLA{Calendar: cal, Budget: 16 * time.Hour}}, WarnFraction: 0.5}
}

// TestRunOnce drives the job with injected times against a real store on each engine. The
// registration is submitted on Thursday 2 April 2026 at 15:00 Berlin time, before Good Friday and
// Easter Monday: its 16 business hours run Thursday 15–17, Tuesday 7 April 9–17 and Wednesday 9–15,
// so the 50 % warning falls on Tuesday at 15:00 and the deadline on Wednesday at 15:00 (Berlin).
func TestRunOnce(t *testing.T) {
	t.Parallel()
	for name, st := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			berlin, _ := time.LoadLocation("Europe/Berlin")
			submitted := time.Date(2026, 4, 2, 15, 0, 0, 0, berlin)
			st.SetClock(func() time.Time { return submitted })
			p := tandem.Partner{Name: "Northwind", Tier: tandem.TierGold, Type: tandem.PartnerReseller, Standing: tandem.StandingGood}
			if err := st.CreatePartner(ctx, tandem.SystemActor, &p); err != nil {
				t.Fatal(err)
			}
			rules := testRules(t)
			newReg := func(name string) *tandem.Registration {
				r := &tandem.Registration{PartnerID: p.ID, AccountName: name, Country: "DE", ProductType: tandem.ProductCore,
					EstimatedACV: tandem.Major(10_000), Currency: "EUR"}
				if err := st.SubmitRegistration(ctx, tandem.SystemActor, r, rules.Registration); err != nil {
					t.Fatal(err)
				}
				return r
			}
			waiting := newReg("Waiting GmbH")
			protected := newReg("Protected AG")
			approved, err := st.TransitionRegistration(ctx, tandem.SystemActor, protected.ID, tandem.EventApprove, "", rules.Registration)
			if err != nil {
				t.Fatal(err)
			}
			job, err := New(Config{Store: st, Rules: func(context.Context) (Rules, error) { return rules, nil }})
			if err != nil {
				t.Fatal(err)
			}
			warn := time.Date(2026, 4, 7, 15, 0, 0, 0, berlin)
			due := time.Date(2026, 4, 8, 15, 0, 0, 0, berlin)
			var got []Result
			for _, now := range []time.Time{
				time.Date(2026, 4, 6, 23, 0, 0, 0, berlin), // Easter Monday evening: 2 business hours used
				warn.Add(-time.Second), warn, warn.Add(time.Hour),
				due.Add(-time.Second), due, due.Add(time.Hour),
				approved.ExpiresAt.Add(-time.Second), approved.ExpiresAt, approved.ExpiresAt.Add(time.Hour),
			} {
				res, err := job.RunOnce(ctx, now)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, res)
			}
			want := []Result{{}, {}, {Warnings: 1}, {}, {}, {Breaches: 1}, {}, {}, {Expired: 1}, {}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("results per run (-want +got):\n%s", diff)
			}
			events, err := st.RegistrationEvents(ctx, tandem.SystemActor, waiting.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 3 || !events[1].At.Equal(warn) || !events[2].At.Equal(due) {
				t.Errorf("waiting registration's log: %+v", events)
			}
			r, err := st.GetRegistration(ctx, tandem.SystemActor, protected.ID)
			if err != nil || r.Status != tandem.RegistrationExpired {
				t.Errorf("protected registration after its protection: %+v %v", r, err)
			}
		})
	}
}

// fakeStore counts the job's runs and fails when told to.
type fakeStore struct {
	periodictest.Calls
	expireErr error
}

func (f *fakeStore) ExpireDue(context.Context, time.Time, tandem.RegistrationRules) (int, error) {
	f.Add()
	return 0, f.expireErr
}

func (f *fakeStore) AlertDue(context.Context, time.Time, tandem.RegistrationRules, float64) (sqlstore.AlertCounts, error) {
	return sqlstore.AlertCounts{Warnings: 2}, nil
}

func TestRunOnceErrors(t *testing.T) {
	t.Parallel()
	store := &fakeStore{expireErr: errors.New("disk full")}
	job, err := New(Config{Store: store, Rules: func(context.Context) (Rules, error) { return testRules(t), nil }})
	if err != nil {
		t.Fatal(err)
	}
	// A failed expiry does not hold back the alerts.
	res, err := job.RunOnce(context.Background(), time.Now())
	if err == nil || res.Warnings != 2 {
		t.Errorf("RunOnce = %+v, %v; want the alerts and the expiry error", res, err)
	}
	job, _ = New(Config{Store: store, Rules: func(context.Context) (Rules, error) { return Rules{}, errors.New("no policy") }})
	if _, err := job.RunOnce(context.Background(), time.Now()); err == nil {
		t.Error("RunOnce without rules succeeded")
	}
}

// TestStartStop runs the timer in a synctest bubble.
func TestStartStop(t *testing.T) {
	t.Parallel()
	store := &fakeStore{}
	periodictest.StartStop(t, New, Config{Store: store, Interval: time.Minute, Rules: periodictest.FailFirst(testRules(t))}, store.Count)
}

func TestNewNeedsStoreAndRules(t *testing.T) {
	t.Parallel()
	periodictest.NewNeedsStoreAndRules(t, New, Config{Store: &fakeStore{}})
}
