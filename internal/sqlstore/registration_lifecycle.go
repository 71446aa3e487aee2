package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The deal-registration lifecycle in storage. Every transition is one transaction that checks who may
// make it, applies the domain's state machine (tandem.Registration.Apply), writes the registration,
// appends one row to registration_events (append-only: a trigger in each dialect refuses UPDATE and
// DELETE) and one to the audit log. The submission row is what proves who registered first.

// mayApply reports whether actor may send ev to a registration it can see. Partner users withdraw
// and ask to extend their own registrations; deciding, expiring and closing are the vendor's.
func mayApply(actor tandem.Actor, ev tandem.RegistrationEvent) bool {
	switch ev {
	case tandem.EventWithdraw, tandem.EventExtend:
		return actor.IsPartner() || actor.Can(tandem.RegistrationDeciders...)
	default:
		return !actor.IsPartner() && actor.Can(tandem.RegistrationDeciders...)
	}
}

// SubmitRegistration stores a new registration as submitted at the store's clock, stamps its approval
// SLA deadline from rules, and logs the submission. A partner user's registration is always its own
// partner's. EINVALID when it breaks a rule; ECONFLICT when the external id is taken.
func (s *Store) SubmitRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration, rules tandem.RegistrationRules) error {
	return s.SubmitResolvedRegistration(ctx, actor, r, rules, nil)
}

// SubmitResolvedRegistration is SubmitRegistration with the account matcher's resolution of the
// company (nil: none): a registration naming no account takes a matched one, and the outcome is
// recorded in account_matches in the same transaction.
func (s *Store) SubmitResolvedRegistration(ctx context.Context, actor tandem.Actor, r *tandem.Registration, rules tandem.RegistrationRules,
	resolved *tandem.AccountResolution) error {
	if actor.IsPartner() {
		r.PartnerID = actor.PartnerID
	}
	if r.Status != "" && r.Status != tandem.RegistrationSubmitted {
		return tandem.FieldError("status", "a new registration is submitted, not %s", r.Status)
	}
	r.Status = tandem.RegistrationSubmitted
	if err := r.Validate(); err != nil {
		return err
	}
	if r.ExternalID == "" {
		r.ExternalID = newExternalID("reg")
	}
	// The company was resolved to an account before the transaction (internal/registration): matching
	// is in memory, and SQLite's one writer should not wait for it.
	if resolved != nil && r.AccountID != 0 {
		resolved = nil // the registration names its account: nothing to resolve or record
	}
	if resolved != nil && resolved.Decision == tandem.AccountDecisionMatch {
		r.AccountID = resolved.AccountID
	}
	return s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		// The state machine stamps the submission; the registration goes in as it comes out.
		r.Status = ""
		entry, err := r.Apply(tandem.RegistrationStep{Event: tandem.EventSubmit, At: now, ActorID: actor.UserID}, rules.Lifecycle)
		if err != nil {
			return err
		}
		if err := s.insertRegistrationTx(ctx, tx, now, actor, r); err != nil {
			return err
		}
		if rules.ApprovalSLA.Calendar != nil {
			due := rules.ApprovalSLA.Deadline(r.SubmittedAt)
			if _, err := tx.ExecContext(ctx, `UPDATE registrations SET sla_due_at = $1 WHERE id = $2`, due.UnixMicro(), r.ID); err != nil {
				return fmt.Errorf("stamp registration %d SLA: %w", r.ID, err)
			}
		}
		if err := recordAccountMatchTx(ctx, tx, now, r.ID, resolved); err != nil {
			return err
		}
		entry.RegistrationID = r.ID
		return appendRegistrationEntryTx(ctx, tx, &entry)
	})
}

// TransitionRegistration applies ev to registration id as actor, with reason (required to reject), and
// returns the registration as it now is. ENOTFOUND when actor cannot see the registration (another
// partner's); EFORBIDDEN when actor's role may not send ev; ECONFLICT when the registration's status
// does not allow ev or it changed meanwhile; EINVALID for a rejection without a reason. On any error
// nothing is written.
func (s *Store) TransitionRegistration(ctx context.Context, actor tandem.Actor, id int64, ev tandem.RegistrationEvent,
	reason string, rules tandem.RegistrationRules) (*tandem.Registration, error) {
	switch {
	case ev == tandem.EventSubmit:
		return nil, tandem.FieldError("event", "a registration is submitted by creating it")
	case !ev.Valid():
		return nil, tandem.FieldError("event", "%q is not a registration event", ev)
	}
	var out *tandem.Registration
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		r, err := registrationRecord.get(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !mayApply(actor, ev) {
			return tandem.Errorf(tandem.EFORBIDDEN, "%s may not %s a registration", actor.Role.Label(), ev)
		}
		step := tandem.RegistrationStep{Event: ev, At: now, ActorID: actor.UserID, Reason: reason}
		if ev == tandem.EventExtend {
			if step.LastActivity, err = lastActivityTx(ctx, tx, r); err != nil {
				return err
			}
		}
		old := *r
		entry, err := r.Apply(step, rules.Lifecycle)
		if err != nil {
			return err
		}
		var businessSeconds any
		if (ev == tandem.EventApprove || ev == tandem.EventReject) && rules.ApprovalSLA.Calendar != nil {
			entry.BusinessSeconds = int64(rules.ApprovalSLA.Calendar.BusinessHoursBetween(r.SubmittedAt, now) / time.Second)
			businessSeconds = entry.BusinessSeconds
		}
		// The old status and stamp in the WHERE clause make a concurrent transition lose cleanly.
		ok, err := changedOne(ctx, tx, `UPDATE registrations SET status = $1, decided_at = $2, decided_by = $3,
			rejection_reason = $4, expires_at = $5, extensions = $6, updated_at = $7,
			decision_business_seconds = COALESCE($8, decision_business_seconds)
			WHERE id = $9 AND status = $10 AND updated_at = $11`,
			string(r.Status), dbTime(r.DecidedAt), dbID(r.DecidedBy), r.RejectionReason, dbTime(r.ExpiresAt),
			int64(r.Extensions), now.UnixMicro(), businessSeconds, r.ID, string(old.Status), old.UpdatedAt.UnixMicro())
		if err != nil {
			return s.mapErr(fmt.Errorf("%s registration %d: %w", ev, id, err), "registration "+r.ExternalID)
		}
		if !ok {
			return tandem.Errorf(tandem.ECONFLICT, "registration %d changed while it was being updated; try again", id)
		}
		if err := appendRegistrationEntryTx(ctx, tx, &entry); err != nil {
			return err
		}
		detail := map[string]any{"from": old.Status, "to": r.Status}
		if entry.Reason != "" {
			detail["reason"] = entry.Reason
		}
		if !r.ExpiresAt.Equal(old.ExpiresAt) {
			detail["expires_at"] = r.ExpiresAt
		}
		if entry.BusinessSeconds != 0 {
			detail["business_seconds"] = entry.BusinessSeconds
		}
		if err := appendAuditTx(ctx, tx, now, actor, "registration."+string(ev), "registration", idString(r.ID), detail); err != nil {
			return err
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lastActivityTx returns when the registered deal last showed activity: the latest touch the partner
// logged on the registration's opportunity, or the opportunity's last update. Zero when the
// registration has no opportunity or nothing happened.
func lastActivityTx(ctx context.Context, tx querier, r *tandem.Registration) (time.Time, error) {
	if r.OpportunityID == 0 {
		return time.Time{}, nil
	}
	var last time.Time
	err := tx.QueryRowContext(ctx, `SELECT max(t) FROM (
			SELECT max(occurred_at) AS t FROM touches WHERE opportunity_id = $1 AND partner_id = $2
			UNION ALL
			SELECT updated_at FROM opportunities WHERE id = $1) activity`,
		r.OpportunityID, r.PartnerID).Scan(timeCol{&last})
	if err != nil {
		return time.Time{}, fmt.Errorf("last activity of registration %d: %w", r.ID, err)
	}
	return last, nil
}

func appendRegistrationEntryTx(ctx context.Context, tx querier, e *tandem.RegistrationEntry) error {
	var business any
	if e.BusinessSeconds != 0 {
		business = e.BusinessSeconds
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO registration_events (registration_id, at, event, from_status, to_status,
		actor_id, reason, business_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.RegistrationID, e.At.UnixMicro(), string(e.Event), string(e.From), string(e.To), dbID(e.ActorID), e.Reason,
		business).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("log registration %d %s: %w", e.RegistrationID, e.Event, err)
	}
	return nil
}

// RegistrationEvents returns the lifecycle log of registration id, oldest first. ENOTFOUND when actor
// cannot see the registration.
func (s *Store) RegistrationEvents(ctx context.Context, actor tandem.Actor, id int64) ([]tandem.RegistrationEntry, error) {
	if _, err := registrationRecord.get(ctx, s.read, actor, id); err != nil {
		return nil, err
	}
	out := []tandem.RegistrationEntry{}
	err := eachRow(ctx, s.read, `SELECT id, registration_id, at, event, from_status, to_status, actor_id,
		reason, business_seconds FROM registration_events WHERE registration_id = $1 ORDER BY id`, []any{id},
		func(scan func(...any) error) error {
			var e tandem.RegistrationEntry
			if err := scan(&e.ID, &e.RegistrationID, timeCol{&e.At}, &e.Event, &e.From, &e.To, idCol{&e.ActorID},
				&e.Reason, idCol{&e.BusinessSeconds}); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("registration %d events: %w", id, err)
	}
	return out, nil
}

// ApprovalQueueItem is a submitted registration waiting for a decision, with its approval SLA.
type ApprovalQueueItem struct {
	Registration tandem.Registration `json:"registration"`
	DueAt        time.Time           `json:"due_at" doc:"the SLA deadline"`
	AlertAt      time.Time           `json:"alert_at" doc:"when the policy's warning share of the SLA (75 % by default) is used and the registration is at risk"`
	SLAStatus    tandem.SLAStatus    `json:"sla_status" enum:"on_track,at_risk,breached"`
	// BusinessSeconds is the business time the registration has waited so far.
	BusinessSeconds int64 `json:"business_seconds"`
	// Risk is the registration's latest conflict risk (0..1), filled by ApprovalQueueByRisk; nil when
	// unscored or not asked for.
	Risk *float64 `json:"risk,omitempty" doc:"latest conflict-risk score (0..1), with sort=risk; absent when unscored"`
}

// ApprovalQueue returns the registrations waiting for a decision, soonest SLA deadline first, at most
// limit of them (default 50, at most 1000), and how many wait in all: ListApprovalQueue unfiltered.
// Partner users get EFORBIDDEN: the queue is the channel team's.
func (s *Store) ApprovalQueue(ctx context.Context, actor tandem.Actor, sla tandem.SLA, warnAt float64, limit int) ([]ApprovalQueueItem, int, error) {
	return s.ListApprovalQueue(ctx, actor, sla, warnAt, ApprovalQueueFilter{Limit: limit})
}

// queueItem is r in the queue at now: its deadline (the stamped one, or computed from sla when none
// was stamped), when it turns at risk, and its SLA status.
func queueItem(r tandem.Registration, due time.Time, sla tandem.SLA, warnAt float64, now time.Time) ApprovalQueueItem {
	start := r.SubmittedAt
	if start.IsZero() {
		start = r.CreatedAt
	}
	if due.IsZero() {
		due = sla.Deadline(start)
	}
	alert := sla.AlertAt(start, warnAt)
	if alert.After(due) {
		alert = due
	}
	item := ApprovalQueueItem{Registration: r, DueAt: due, AlertAt: alert, SLAStatus: tandem.SLAOnTrack,
		BusinessSeconds: int64(sla.Calendar.BusinessHoursBetween(start, now) / time.Second)}
	switch {
	case !now.Before(due):
		item.SLAStatus = tandem.SLABreached
	case !now.Before(alert):
		item.SLAStatus = tandem.SLAAtRisk
	}
	return item
}
