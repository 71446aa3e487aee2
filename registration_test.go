package tandem

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	submitted = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	decided   = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	expires   = decided.AddDate(0, 0, 90)
)

// registrationIn returns a registration as it stands in status s.
func registrationIn(s RegistrationStatus) Registration {
	r := Registration{ID: 7, PartnerID: 3, AccountName: "Acme Corp", Country: "US", ProductType: ProductCore,
		EstimatedACV: Major(50_000), Currency: "USD", Status: s, SubmittedAt: submitted, UpdatedAt: submitted}
	switch s {
	case "":
		r.SubmittedAt, r.UpdatedAt = time.Time{}, time.Time{}
	case RegistrationSubmitted, RegistrationWithdrawn:
	case RegistrationRejected:
		r.DecidedAt, r.DecidedBy, r.RejectionReason = decided, 9, "duplicate of R-1"
	default:
		r.DecidedAt, r.DecidedBy, r.ExpiresAt = decided, 9, expires
	}
	return r
}

// favourableStep is the step for ev with everything a legal transition needs: a reason, recent
// activity, and a time inside protection for extend and after it for expire.
func favourableStep(ev RegistrationEvent) RegistrationStep {
	at := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	switch ev {
	case EventExpire:
		at = expires.Add(time.Hour)
	case EventExtend:
		at = expires.Add(-24 * time.Hour)
	}
	return RegistrationStep{Event: ev, At: at, ActorID: 9, Reason: "because", LastActivity: at.Add(-48 * time.Hour)}
}

// TestApplyEveryStatusAndEvent walks every status (and a new registration) × every event: the legal
// ones land in the expected status, the others fail with ECONFLICT naming the status and the event and
// leave the registration untouched.
func TestApplyEveryStatusAndEvent(t *testing.T) {
	t.Parallel()
	legal := map[RegistrationStatus]map[RegistrationEvent]RegistrationStatus{
		"":                    {EventSubmit: RegistrationSubmitted},
		RegistrationSubmitted: {EventApprove: RegistrationApproved, EventReject: RegistrationRejected, EventWithdraw: RegistrationWithdrawn},
		RegistrationApproved: {EventWithdraw: RegistrationWithdrawn, EventExtend: RegistrationApproved, EventExpire: RegistrationExpired,
			EventWin: RegistrationWon, EventLose: RegistrationLost},
	}
	settings := DefaultLifecycleSettings()
	forEveryStatusAnd(t, RegistrationEvents, func(t *testing.T, from RegistrationStatus, name string, ev RegistrationEvent) {
		r := registrationIn(from)
		before := r
		step := favourableStep(ev)
		entry, err := r.Apply(step, settings)
		want, ok := legal[from][ev]
		if !ok {
			if ErrorCode(err) != ECONFLICT {
				t.Fatalf("Apply(%s) from %q: error %v (code %q), want ECONFLICT", ev, from, err, ErrorCode(err))
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, string(ev)) || !strings.Contains(msg, name) {
				t.Errorf("error %q does not name the event %q and the status %q", msg, ev, name)
			}
			if diff := cmp.Diff(before, r); diff != "" {
				t.Errorf("an illegal transition changed the registration (-before +after):\n%s", diff)
			}
			return
		}
		if err != nil {
			t.Fatalf("Apply(%s) from %q: %v", ev, from, err)
		}
		if r.Status != want {
			t.Errorf("status = %q, want %q", r.Status, want)
		}
		wantEntry := RegistrationEntry{RegistrationID: 7, At: step.At, Event: ev, From: from, To: want, ActorID: 9, Reason: "because"}
		if diff := cmp.Diff(wantEntry, entry); diff != "" {
			t.Errorf("entry (-want +got):\n%s", diff)
		}
		if !r.UpdatedAt.Equal(step.At) {
			t.Errorf("UpdatedAt = %v, want %v", r.UpdatedAt, step.At)
		}
		if err := r.Validate(); err != nil && from != "" {
			t.Errorf("the registration after %s is invalid: %v", ev, err)
		}
	})
}

// forEveryStatusAnd runs fn in parallel subtests for every status (and "" for a registration not yet
// submitted, named "new") with each of events.
func forEveryStatusAnd[E ~string](t *testing.T, events []E, fn func(t *testing.T, from RegistrationStatus, name string, ev E)) {
	t.Helper()
	for _, from := range append([]RegistrationStatus{""}, RegistrationStatuses...) {
		for _, ev := range events {
			name := string(from)
			if name == "" {
				name = "new"
			}
			t.Run(name+"/"+string(ev), func(t *testing.T) {
				t.Parallel()
				fn(t, from, name, ev)
			})
		}
	}
}

// TestApplyEffects checks what each legal transition writes besides the status.
func TestApplyEffects(t *testing.T) {
	t.Parallel()
	settings := DefaultLifecycleSettings()
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name  string
		from  RegistrationStatus
		step  RegistrationStep
		check func(t *testing.T, r Registration)
	}{
		{"submit stamps the submission in UTC", "", RegistrationStep{Event: EventSubmit, At: time.Date(2026, 3, 2, 9, 0, 0, 0, ny)},
			func(t *testing.T, r Registration) {
				if want := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC); r.SubmittedAt != want {
					t.Errorf("SubmittedAt = %v, want %v (UTC)", r.SubmittedAt, want)
				}
			}},
		{"approve protects for 90 days from the decision", RegistrationSubmitted,
			RegistrationStep{Event: EventApprove, At: decided, ActorID: 42},
			func(t *testing.T, r Registration) {
				if r.DecidedAt != decided || r.DecidedBy != 42 || r.ExpiresAt != time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC) {
					t.Errorf("decided %v by %d, expires %v", r.DecidedAt, r.DecidedBy, r.ExpiresAt)
				}
			}},
		{"reject keeps the trimmed reason", RegistrationSubmitted,
			RegistrationStep{Event: EventReject, At: decided, ActorID: 42, Reason: "  the account is a named direct account "},
			func(t *testing.T, r Registration) {
				if r.RejectionReason != "the account is a named direct account" || r.DecidedBy != 42 || r.DecidedAt != decided || !r.ExpiresAt.IsZero() {
					t.Errorf("rejected: %+v", r)
				}
			}},
		{"extend pushes the expiry by the extension days and counts it", RegistrationApproved,
			RegistrationStep{Event: EventExtend, At: expires.Add(-time.Hour), LastActivity: expires.AddDate(0, 0, -29)},
			func(t *testing.T, r Registration) {
				if r.Extensions != 1 || r.ExpiresAt != expires.AddDate(0, 0, 30) {
					t.Errorf("extensions %d, expires %v", r.Extensions, r.ExpiresAt)
				}
			}},
		{"expire exactly at the expiry instant", RegistrationApproved, RegistrationStep{Event: EventExpire, At: expires},
			func(t *testing.T, r Registration) {
				if r.Status != RegistrationExpired || r.ExpiresAt != expires {
					t.Errorf("status %q, expires %v", r.Status, r.ExpiresAt)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := registrationIn(tt.from)
			if _, err := r.Apply(tt.step, settings); err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

// TestApplyRefusals covers the refusals that depend on more than the status.
func TestApplyRefusals(t *testing.T) {
	t.Parallel()
	settings := DefaultLifecycleSettings()
	usedUp := registrationIn(RegistrationApproved)
	usedUp.Extensions = 1
	tests := []struct {
		name     string
		r        Registration
		step     RegistrationStep
		settings LifecycleSettings
		code     string
		contains string
	}{
		{"reject without a reason", registrationIn(RegistrationSubmitted), RegistrationStep{Event: EventReject, At: decided, Reason: "  "},
			settings, EINVALID, "reason"},
		{"extend with no extensions left", usedUp, favourableStep(EventExtend), settings, ECONFLICT, "used 1 of 1 extensions"},
		{"extend when the programme allows none", registrationIn(RegistrationApproved), favourableStep(EventExtend),
			LifecycleSettings{ProtectionDays: 90, Extensions: 0, ExtensionDays: 30, ActivityDays: 30}, ECONFLICT, "used 0 of 0"},
		{"extend with no activity ever", registrationIn(RegistrationApproved),
			RegistrationStep{Event: EventExtend, At: expires.Add(-time.Hour)}, settings, ECONFLICT, "no activity in the last 30 days (never)"},
		{"extend with stale activity", registrationIn(RegistrationApproved),
			RegistrationStep{Event: EventExtend, At: expires.Add(-time.Hour), LastActivity: expires.AddDate(0, 0, -31)},
			settings, ECONFLICT, "no activity in the last 30 days (last on"},
		{"extend after the protection ended", registrationIn(RegistrationApproved),
			RegistrationStep{Event: EventExtend, At: expires, LastActivity: expires}, settings, ECONFLICT, "protection ended"},
		{"expire while still protected", registrationIn(RegistrationApproved),
			RegistrationStep{Event: EventExpire, At: expires.Add(-time.Microsecond)}, settings, ECONFLICT, "protected until"},
		{"an unknown event", registrationIn(RegistrationSubmitted), RegistrationStep{Event: "escalate", At: decided},
			settings, EINVALID, `"escalate" is not a registration event`},
		{"no time", registrationIn(RegistrationSubmitted), RegistrationStep{Event: EventApprove}, settings, EINVALID, "needs a time"},
		{"bad settings", registrationIn(RegistrationSubmitted), RegistrationStep{Event: EventApprove, At: decided},
			LifecycleSettings{}, EINVALID, "protection_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.r
			_, err := r.Apply(tt.step, tt.settings)
			if ErrorCode(err) != tt.code || !strings.Contains(ErrorMessage(err), tt.contains) {
				t.Fatalf("error %v (code %q), want %s containing %q", err, ErrorCode(err), tt.code, tt.contains)
			}
			if diff := cmp.Diff(tt.r, r); diff != "" {
				t.Errorf("a refused step changed the registration (-before +after):\n%s", diff)
			}
		})
	}
}
