package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	tandem "github.com/tandem-revops/tandem"
)

// TestTransitionEveryStatusAndEvent drives a stored registration into every status and sends it every
// event through the store: the legal ones land where the lifecycle says and add one log entry, the
// illegal ones answer ECONFLICT and change neither the registration nor its log. (Expiry is legal only
// once protection ran out; TestExpireDue covers it at that instant.)
func TestTransitionEveryStatusAndEvent(t *testing.T) {
	t.Parallel()
	forEachSeeded(t, seedLifecycle, func(t *testing.T, ctx context.Context, s *Store, f *lifecycleFixture) {
		paths := map[tandem.RegistrationStatus][]tandem.RegistrationEvent{
			tandem.RegistrationSubmitted: nil,
			tandem.RegistrationApproved:  {tandem.EventApprove},
			tandem.RegistrationRejected:  {tandem.EventReject},
			tandem.RegistrationWithdrawn: {tandem.EventWithdraw},
			tandem.RegistrationWon:       {tandem.EventApprove, tandem.EventWin},
			tandem.RegistrationLost:      {tandem.EventApprove, tandem.EventLose},
			tandem.RegistrationExpired:   {tandem.EventApprove, tandem.EventExpire},
		}
		legal := map[tandem.RegistrationStatus]map[tandem.RegistrationEvent]tandem.RegistrationStatus{
			tandem.RegistrationSubmitted: {tandem.EventApprove: tandem.RegistrationApproved, tandem.EventReject: tandem.RegistrationRejected,
				tandem.EventWithdraw: tandem.RegistrationWithdrawn},
			tandem.RegistrationApproved: {tandem.EventWithdraw: tandem.RegistrationWithdrawn, tandem.EventExtend: tandem.RegistrationApproved,
				tandem.EventWin: tandem.RegistrationWon, tandem.EventLose: tandem.RegistrationLost},
		}
		for _, from := range tandem.RegistrationStatuses {
			for _, ev := range tandem.RegistrationEvents {
				if ev == tandem.EventSubmit {
					continue // a submission is the creation of a registration (refused as a transition elsewhere)
				}
				r := f.newRegistration(t, f.actor1, string(from)+" "+string(ev))
				for _, step := range paths[from] {
					if step == tandem.EventExpire {
						// (Registrations approved earlier in the walk expire with it.)
						_, err := s.ExpireDue(ctx, f.clock.t.AddDate(1, 0, 0), f.rules)
						must(t, err)
						continue
					}
					_, err := s.TransitionRegistration(ctx, f.revops, r.ID, step, "because", f.rules)
					must(t, err)
				}
				before, err := s.GetRegistration(ctx, admin, r.ID)
				must(t, err)
				if before.Status != from {
					t.Fatalf("reached %s, want %s", before.Status, from)
				}
				log := f.events(t, r.ID)
				f.clock.advance(time.Minute)
				got, err := s.TransitionRegistration(ctx, f.revops, r.ID, ev, "because", f.rules)
				want, ok := legal[from][ev]
				if !ok {
					if tandem.ErrorCode(err) != tandem.ECONFLICT {
						t.Errorf("%s from %s: %v, want ECONFLICT", ev, from, err)
					}
					after, gerr := s.GetRegistration(ctx, admin, r.ID)
					must(t, gerr)
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("%s from %s changed the registration:\n%s", ev, from, diff)
					}
					if diff := cmp.Diff(log, f.events(t, r.ID)); diff != "" {
						t.Errorf("%s from %s changed the log:\n%s", ev, from, diff)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s from %s: %v", ev, from, err)
					continue
				}
				after := f.events(t, r.ID)
				if got.Status != want || len(after) != len(log)+1 || after[len(after)-1].Event != ev ||
					after[len(after)-1].From != from || after[len(after)-1].To != want {
					t.Errorf("%s from %s: status %s, log %+v", ev, from, got.Status, after)
				}
			}
		}
	})
}
