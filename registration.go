package tandem

import (
	"slices"
	"strings"
	"time"
)

// The deal-registration lifecycle:
//
//	(new) ──submit──▶ submitted ──approve──▶ approved ──win──▶ won
//	                     │  │                  │ │ │ └─lose──▶ lost
//	                     │  └─reject─▶ rejected │ │ └─expire─▶ expired (only once ExpiresAt has passed)
//	                     └─withdraw─▶ withdrawn ◀─┘ └─extend──▶ approved (ExpiresAt pushed back)
//
// Rejected, withdrawn, expired, won and lost are final. Every transition is one RegistrationEntry in
// the registration's append-only log, timestamped in UTC, so the log proves who registered first.

// RegistrationEvent is something that happens to a deal registration.
type RegistrationEvent string

const (
	EventSubmit   RegistrationEvent = "submit"   // the partner files the registration
	EventApprove  RegistrationEvent = "approve"  // channel ops grants protection
	EventReject   RegistrationEvent = "reject"   // channel ops refuses it, with a reason
	EventWithdraw RegistrationEvent = "withdraw" // the partner (or channel ops for it) takes it back
	EventExtend   RegistrationEvent = "extend"   // protection is extended once the deal shows recent activity
	EventExpire   RegistrationEvent = "expire"   // protection ran out
	EventWin      RegistrationEvent = "win"      // the deal closed won under protection
	EventLose     RegistrationEvent = "lose"     // the deal closed lost under protection
)

// Approval-SLA alerts. They are entries in a submitted registration's log that change nothing: the
// background job records each at most once per registration, and the notification dispatcher turns
// them into emails and webhooks like any other entry.
const (
	EventSLAWarning  RegistrationEvent = "sla_warning"  // the warning share of the approval SLA is used
	EventSLABreached RegistrationEvent = "sla_breached" // the approval SLA ran out without a decision
)

// AlertEvents lists the approval-SLA alerts, the warning first.
var AlertEvents = []RegistrationEvent{EventSLAWarning, EventSLABreached}

// IsAlert reports whether e is an approval-SLA alert rather than a lifecycle event.
func (e RegistrationEvent) IsAlert() bool { return slices.Contains(AlertEvents, e) }

// Alert returns the log entry of approval-SLA alert ev about r at at, recorded by the system. Only a
// submitted registration (one still waiting for a decision) is alerted about: ECONFLICT otherwise.
// r is not changed.
func (r *Registration) Alert(ev RegistrationEvent, at time.Time, reason string) (RegistrationEntry, error) {
	switch {
	case !ev.IsAlert():
		return RegistrationEntry{}, FieldError("event", "%q is not an approval-SLA alert (sla_warning or sla_breached)", ev)
	case at.IsZero():
		return RegistrationEntry{}, FieldError("at", "an alert needs a time")
	case r.Status != RegistrationSubmitted:
		return RegistrationEntry{}, illegal(r, ev, "only a registration waiting for a decision has an approval SLA")
	}
	return RegistrationEntry{RegistrationID: r.ID, At: at.UTC(), Event: ev, From: r.Status, To: r.Status,
		Reason: strings.TrimSpace(reason)}, nil
}

// AutoApprovedPrefix starts the reason of every approval the system gives on submission, so that the
// log and the approval-time report tell automatic approvals from a person's.
const AutoApprovedPrefix = "auto-approved:"

// AutoApprovalReason is the logged reason of an automatic approval under policy version.
func AutoApprovalReason(policyVersion string) string {
	return AutoApprovedPrefix + " no overlap, conforms to policy " + policyVersion + ", partner in good standing"
}

// RegistrationEvents lists every event in lifecycle order.
var RegistrationEvents = []RegistrationEvent{EventSubmit, EventApprove, EventReject, EventWithdraw, EventExtend,
	EventExpire, EventWin, EventLose}

func (e RegistrationEvent) Valid() bool { return slices.Contains(RegistrationEvents, e) }

// Final reports whether no event can move a registration out of status s.
func (s RegistrationStatus) Final() bool {
	switch s {
	case RegistrationRejected, RegistrationWithdrawn, RegistrationExpired, RegistrationWon, RegistrationLost:
		return true
	}
	return false
}

// LifecycleSettings are the programme settings a transition needs; they come from the policy in force.
type LifecycleSettings struct {
	ProtectionDays int // how long approval protects the deal
	Extensions     int // how many extensions a registration may have
	ExtensionDays  int // how long each extension adds
	// ActivityDays is how recent the deal's last activity must be for an extension.
	ActivityDays int
}

// DefaultActivityDays is the activity window for an extension when the programme sets none.
const DefaultActivityDays = 30

// DefaultLifecycleSettings returns the programme defaults: 90 days' protection, one 30-day extension
// given activity in the last 30 days.
func DefaultLifecycleSettings() LifecycleSettings {
	return LifecycleSettings{ProtectionDays: 90, Extensions: 1, ExtensionDays: 30, ActivityDays: DefaultActivityDays}
}

// Validate reports the first setting out of range.
func (s LifecycleSettings) Validate() error {
	switch {
	case s.ProtectionDays < 1:
		return FieldError("protection_days", "must be at least 1")
	case s.Extensions < 0:
		return FieldError("extensions", "cannot be negative")
	case s.ExtensionDays < 1:
		return FieldError("extension_days", "must be at least 1")
	case s.ActivityDays < 1:
		return FieldError("activity_days", "must be at least 1")
	}
	return nil
}

// RegistrationStep is one event to apply to a registration, with who did it, when, and why.
type RegistrationStep struct {
	Event   RegistrationEvent
	At      time.Time
	ActorID int64  // 0 for the system
	Reason  string // required to reject; kept for every event
	// LastActivity is when the registered deal last showed activity (zero: never); extend needs it.
	LastActivity time.Time
}

// RegistrationEntry is one transition in a registration's append-only log.
type RegistrationEntry struct {
	ID             int64              `json:"id"`
	RegistrationID int64              `json:"registration_id"`
	At             time.Time          `json:"at"`
	Event          RegistrationEvent  `json:"event"`
	From           RegistrationStatus `json:"from_status"` // "" for the submission
	To             RegistrationStatus `json:"to_status"`
	ActorID        int64              `json:"actor_id,omitempty"`
	Reason         string             `json:"reason,omitempty"`
	// BusinessSeconds is, on an approval or rejection, how many business-calendar seconds the decision
	// took since submission (set by the store, which knows the calendar).
	BusinessSeconds int64 `json:"business_seconds,omitempty"`
}

// Apply moves r through the lifecycle by one step and returns the log entry that records it. The step's
// time is kept in UTC. An event the registration's status does not allow is an ECONFLICT naming the
// status and the event; a rejection without a reason is EINVALID. On any error r is left exactly as it
// was.
func (r *Registration) Apply(step RegistrationStep, settings LifecycleSettings) (RegistrationEntry, error) {
	if !step.Event.Valid() {
		return RegistrationEntry{}, FieldError("event", "%q is not a registration event (one of %s)", step.Event, eventList())
	}
	if step.At.IsZero() {
		return RegistrationEntry{}, FieldError("at", "a registration event needs a time")
	}
	if err := settings.Validate(); err != nil {
		return RegistrationEntry{}, err
	}
	at := step.At.UTC()
	next := *r
	switch step.Event {
	case EventSubmit:
		if r.Status != "" {
			return RegistrationEntry{}, illegal(r, step.Event, "it was submitted already")
		}
		next.Status, next.SubmittedAt = RegistrationSubmitted, at
	case EventApprove:
		if r.Status != RegistrationSubmitted {
			return RegistrationEntry{}, illegal(r, step.Event, "only a submitted registration can be decided")
		}
		next.Status, next.DecidedAt, next.DecidedBy = RegistrationApproved, at, step.ActorID
		next.RejectionReason = ""
		next.ExpiresAt = at.AddDate(0, 0, settings.ProtectionDays)
	case EventReject:
		if r.Status != RegistrationSubmitted {
			return RegistrationEntry{}, illegal(r, step.Event, "only a submitted registration can be decided")
		}
		if strings.TrimSpace(step.Reason) == "" {
			return RegistrationEntry{}, FieldError("reason", "is required to reject a registration")
		}
		next.Status, next.DecidedAt, next.DecidedBy = RegistrationRejected, at, step.ActorID
		next.RejectionReason = strings.TrimSpace(step.Reason)
	case EventWithdraw:
		if r.Status != RegistrationSubmitted && r.Status != RegistrationApproved {
			return RegistrationEntry{}, illegal(r, step.Event, "only a submitted or approved registration can be withdrawn")
		}
		next.Status = RegistrationWithdrawn
	case EventExtend:
		if r.Status != RegistrationApproved {
			return RegistrationEntry{}, illegal(r, step.Event, "only an approved registration can be extended")
		}
		if r.Extensions >= settings.Extensions {
			return RegistrationEntry{}, Errorf(ECONFLICT, "registration %d cannot be extended: it has used %d of %d extensions",
				r.ID, r.Extensions, settings.Extensions)
		}
		if !at.Before(r.ExpiresAt) {
			return RegistrationEntry{}, Errorf(ECONFLICT, "registration %d cannot be extended: its protection ended %s",
				r.ID, r.ExpiresAt.Format(time.RFC3339))
		}
		since := at.AddDate(0, 0, -settings.ActivityDays)
		if step.LastActivity.IsZero() || step.LastActivity.Before(since) {
			last := "never"
			if !step.LastActivity.IsZero() {
				last = "last on " + step.LastActivity.UTC().Format(time.DateOnly)
			}
			return RegistrationEntry{}, Errorf(ECONFLICT, "registration %d cannot be extended: the deal shows no activity in the last %d days (%s)",
				r.ID, settings.ActivityDays, last)
		}
		next.Extensions++
		next.ExpiresAt = r.ExpiresAt.AddDate(0, 0, settings.ExtensionDays)
	case EventExpire:
		if r.Status != RegistrationApproved {
			return RegistrationEntry{}, illegal(r, step.Event, "only an approved registration can expire")
		}
		if at.Before(r.ExpiresAt) {
			return RegistrationEntry{}, Errorf(ECONFLICT, "registration %d cannot expire: it is protected until %s",
				r.ID, r.ExpiresAt.Format(time.RFC3339))
		}
		next.Status = RegistrationExpired
	case EventWin, EventLose:
		if r.Status != RegistrationApproved {
			return RegistrationEntry{}, illegal(r, step.Event, "only an approved registration can be won or lost")
		}
		next.Status = RegistrationWon
		if step.Event == EventLose {
			next.Status = RegistrationLost
		}
	}
	next.UpdatedAt = at
	entry := RegistrationEntry{RegistrationID: r.ID, At: at, Event: step.Event, From: r.Status, To: next.Status,
		ActorID: step.ActorID, Reason: strings.TrimSpace(step.Reason)}
	*r = next
	return entry, nil
}

// illegal is the error of an event the registration's status does not allow.
func illegal(r *Registration, ev RegistrationEvent, why string) *Error {
	from := string(r.Status)
	if from == "" {
		from = "new"
	}
	return Errorf(ECONFLICT, "cannot %s registration %d: it is %s; %s", ev, r.ID, from, why)
}

func eventList() string {
	names := make([]string, len(RegistrationEvents))
	for i, e := range RegistrationEvents {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}
