package tandem

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAlertEveryStatus walks every status × every approval-SLA alert: only a submitted registration is
// alerted about, and an alert never changes the registration.
func TestAlertEveryStatus(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	forEveryStatusAnd(t, AlertEvents, func(t *testing.T, from RegistrationStatus, name string, ev RegistrationEvent) {
		r := registrationIn(from)
		before := r
		entry, err := r.Alert(ev, at, " 75 % of the SLA used ")
		if diff := cmp.Diff(before, r); diff != "" {
			t.Errorf("an alert changed the registration (-before +after):\n%s", diff)
		}
		if from != RegistrationSubmitted {
			if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), name) {
				t.Fatalf("alert %s on %q: %v, want ECONFLICT naming the status", ev, from, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := RegistrationEntry{RegistrationID: 7, At: at.UTC(), Event: ev, From: RegistrationSubmitted,
			To: RegistrationSubmitted, Reason: "75 % of the SLA used"}
		if diff := cmp.Diff(want, entry); diff != "" {
			t.Errorf("entry (-want +got):\n%s", diff)
		}
		if entry.At.Location() != time.UTC {
			t.Errorf("alert time in %v, want UTC", entry.At.Location())
		}
	})
}

func TestAlertRefusals(t *testing.T) {
	t.Parallel()
	r := registrationIn(RegistrationSubmitted)
	if _, err := r.Alert(EventApprove, submitted, ""); ErrorCode(err) != EINVALID {
		t.Errorf("a lifecycle event as an alert: %v, want EINVALID", err)
	}
	if _, err := r.Alert(EventSLAWarning, time.Time{}, ""); ErrorCode(err) != EINVALID {
		t.Errorf("an alert without a time: %v, want EINVALID", err)
	}
	// An alert is not a transition: the state machine refuses it and leaves r as it was.
	before := r
	for _, ev := range AlertEvents {
		if _, err := r.Apply(RegistrationStep{Event: ev, At: decided}, DefaultLifecycleSettings()); ErrorCode(err) != EINVALID {
			t.Errorf("Apply(%s): %v, want EINVALID", ev, err)
		}
		if ev.Valid() || !ev.IsAlert() {
			t.Errorf("%s: Valid %v, IsAlert %v", ev, ev.Valid(), ev.IsAlert())
		}
	}
	for _, ev := range RegistrationEvents {
		if ev.IsAlert() {
			t.Errorf("lifecycle event %s reports itself as an alert", ev)
		}
	}
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("refused alerts changed the registration:\n%s", diff)
	}
}
