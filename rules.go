package tandem

import "time"

// BusinessCalendar counts time in working hours: the calendar SLAs and escalation levels run on. The
// programme builds one from the policy's business hours (internal/calendar); the domain and the store
// only count with it.
type BusinessCalendar interface {
	AddBusinessHours(start time.Time, d time.Duration) time.Time
	AddBusinessDays(start time.Time, days int) time.Time
	BusinessHoursBetween(a, b time.Time) time.Duration
}

// SLAAtRiskFraction is the share of an SLA's budget after which it is at risk and an alert goes out.
const SLAAtRiskFraction = 0.75

// SLAStatus is where an SLA stands at an instant.
type SLAStatus string

const (
	SLAOnTrack  SLAStatus = "on_track" // less than SLAAtRiskFraction of the budget used
	SLAAtRisk   SLAStatus = "at_risk"  // at least SLAAtRiskFraction used, deadline not reached
	SLABreached SLAStatus = "breached" // the deadline has been reached
)

// SLA is a budget of business time on a calendar, such as "48 business hours to decide".
type SLA struct {
	Calendar BusinessCalendar
	Budget   time.Duration
}

// Deadline returns the instant (UTC) the budget runs out for work that started at start.
func (s SLA) Deadline(start time.Time) time.Time { return s.Calendar.AddBusinessHours(start, s.Budget) }

// AlertAt returns the instant (UTC) at which fraction of the budget is used, e.g. SLAAtRiskFraction.
func (s SLA) AlertAt(start time.Time, fraction float64) time.Time {
	return s.Calendar.AddBusinessHours(start, time.Duration(float64(s.Budget)*fraction))
}

// Status returns where work started at start stands at now: breached from the deadline on, at risk
// from the SLAAtRiskFraction alert on, on track before.
func (s SLA) Status(start, now time.Time) SLAStatus {
	switch {
	case !now.Before(s.Deadline(start)):
		return SLABreached
	case !now.Before(s.AlertAt(start, SLAAtRiskFraction)):
		return SLAAtRisk
	}
	return SLAOnTrack
}

// RegistrationRules is what the registration lifecycle needs from the policy in force: the programme
// settings and the approval SLA on the business calendar.
type RegistrationRules struct {
	Lifecycle   LifecycleSettings
	ApprovalSLA SLA // Calendar nil: no SLA deadline is stamped and no business time recorded
}

// ConflictRules are what conflict detection and escalation need from the programme: the conflict
// settings and the business calendar the level SLAs are counted in.
type ConflictRules struct {
	Settings ConflictSettings
	Calendar BusinessCalendar
}

// Validate reports rules that cannot drive detection or escalation.
func (r ConflictRules) Validate() error {
	if r.Calendar == nil {
		return Errorf(EINVALID, "conflict rules need a business calendar")
	}
	return r.Settings.Validate()
}

// DueAt returns when a conflict entering level at from runs out of time there.
func (r ConflictRules) DueAt(level EscalationLevel, from time.Time) time.Time {
	return r.Calendar.AddBusinessDays(from, r.Settings.LevelSLA(level))
}
