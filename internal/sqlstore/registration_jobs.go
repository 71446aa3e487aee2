package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// The registration background work (internal/regjobs) in storage: approved registrations whose
// protection ran out expire, and registrations waiting for a decision get an sla_warning entry once the
// policy's warning share of their approval SLA is used and an sla_breached entry once it is over. Each
// happens at most once per registration however many processes run the job: an expiry is a
// conditional update (the loser changes no row), an alert a conditional insert against a unique index
// (the loser inserts nothing). Due times are the job's `now`, not the store clock, so a test can run
// the job at any instant.

// registrationJobBatch is how many registrations one transaction of the job handles.
const registrationJobBatch = 100

// ExpireDue expires every approved registration whose protection ended at or before now, as the
// system, each with its lifecycle entry and audit record, and returns how many it expired.
func (s *Store) ExpireDue(ctx context.Context, now time.Time, rules tandem.RegistrationRules) (int, error) {
	if err := rules.Lifecycle.Validate(); err != nil {
		return 0, fmt.Errorf("expire registrations: %w", err)
	}
	now = now.UTC().Truncate(time.Microsecond)
	total := 0
	for {
		n, more, err := s.expireBatch(ctx, now, rules)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// expireBatch expires up to one batch; more reports whether a full batch was due (so another may be).
func (s *Store) expireBatch(ctx context.Context, now time.Time, rules tandem.RegistrationRules) (expired int, more bool, err error) {
	// A second job skips the rows the first is expiring instead of waiting for them.
	lock := s.dialect.skipLocked()
	err = s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		due, err := queryAll(ctx, tx, "expire registrations: due", `SELECT `+registrationColumns+` FROM registrations r
			WHERE r.status = 'approved' AND r.expires_at <= $1 ORDER BY r.expires_at, r.id LIMIT `+
			strconv.Itoa(registrationJobBatch)+lock, []any{now.UnixMicro()}, scanRegistration)
		if err != nil {
			return err
		}
		more = len(due) == registrationJobBatch
		for i := range due {
			r := &due[i]
			old := *r
			entry, err := r.Apply(tandem.RegistrationStep{Event: tandem.EventExpire, At: now,
				Reason: "protection ended " + old.ExpiresAt.Format(time.RFC3339)}, rules.Lifecycle)
			if err != nil {
				return fmt.Errorf("expire registration %d: %w", r.ID, err)
			}
			ok, err := changedOne(ctx, tx, `UPDATE registrations SET status = $1, updated_at = $2
				WHERE id = $3 AND status = 'approved' AND updated_at = $4`,
				string(r.Status), now.UnixMicro(), r.ID, old.UpdatedAt.UnixMicro())
			if err != nil {
				return fmt.Errorf("expire registration %d: %w", r.ID, err)
			}
			if !ok {
				continue // changed meanwhile (extended, won, expired by another job): not ours to expire now
			}
			if err := appendRegistrationEntryTx(ctx, tx, &entry); err != nil {
				return err
			}
			detail := map[string]any{"from": old.Status, "to": r.Status, "expires_at": old.ExpiresAt}
			if err := appendAuditTx(ctx, tx, now, tandem.SystemActor, "registration.expire", "registration",
				idString(r.ID), detail); err != nil {
				return err
			}
			expired++
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return expired, more, nil
}

// AlertCounts is what one alert run recorded.
type AlertCounts struct {
	Warnings int `json:"warnings"`
	Breaches int `json:"breaches"`
}

// AlertDue records the approval-SLA alerts due at now: sla_warning for each submitted registration
// that has used warnFraction (0 < f < 1; 0 means tandem.SLAAtRiskFraction) of its approval SLA in
// business time, sla_breached for each whose SLA ran out. Each alert is recorded at most once per
// registration. A registration found already past its deadline without a warning gets only the breach:
// a warning after the fact would tell nobody anything. The deadline is the one stamped at submission,
// or for a registration stored without one, computed from rules.
func (s *Store) AlertDue(ctx context.Context, now time.Time, rules tandem.RegistrationRules, warnFraction float64) (AlertCounts, error) {
	var counts AlertCounts
	sla := rules.ApprovalSLA
	if sla.Calendar == nil {
		return counts, tandem.Errorf(tandem.EINVALID, "approval-SLA alerts need a business calendar")
	}
	if warnFraction == 0 {
		warnFraction = tandem.SLAAtRiskFraction
	}
	if warnFraction <= 0 || warnFraction >= 1 {
		return counts, tandem.FieldError("warn_fraction", "%v is not between 0 and 1", warnFraction)
	}
	now = now.UTC().Truncate(time.Microsecond)
	// Registrations already breached are done; the others are few (the approval queue), so the
	// business-calendar arithmetic runs here rather than in SQL.
	rows, err := s.read.QueryContext(ctx, `SELECT r.id, r.submitted_at, r.created_at, r.sla_due_at,
			EXISTS (SELECT 1 FROM registration_events e WHERE e.registration_id = r.id AND e.event = 'sla_warning')
		FROM registrations r
		WHERE r.status = 'submitted' AND NOT EXISTS (SELECT 1 FROM registration_events e
			WHERE e.registration_id = r.id AND e.event = 'sla_breached')
		ORDER BY r.id`)
	if err != nil {
		return counts, fmt.Errorf("approval-SLA alerts: %w", err)
	}
	type pending struct {
		id     int64
		ev     tandem.RegistrationEvent
		reason string
	}
	var todo []pending
	for rows.Next() {
		var (
			id                 int64
			submitted, created time.Time
			due                time.Time
			warned             bool
		)
		if err := rows.Scan(&id, timeCol{&submitted}, timeCol{&created}, timeCol{&due}, &warned); err != nil {
			rows.Close()
			return counts, fmt.Errorf("approval-SLA alerts: %w", err)
		}
		start := submitted
		if start.IsZero() {
			start = created
		}
		if due.IsZero() {
			due = sla.Deadline(start)
		}
		warnAt := sla.AlertAt(start, warnFraction)
		if warnAt.After(due) {
			warnAt = due
		}
		hours := sla.Budget.Hours()
		switch {
		case !now.Before(due):
			todo = append(todo, pending{id, tandem.EventSLABreached,
				fmt.Sprintf("the %s business-hour approval SLA ran out at %s without a decision", fmtHours(hours), due.Format(time.RFC3339))})
		case !warned && !now.Before(warnAt):
			todo = append(todo, pending{id, tandem.EventSLAWarning,
				fmt.Sprintf("%s %% of the %s business-hour approval SLA is used; a decision is due by %s",
					strconv.FormatFloat(warnFraction*100, 'f', -1, 64), fmtHours(hours), due.Format(time.RFC3339))})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return counts, fmt.Errorf("approval-SLA alerts: %w", err)
	}
	for chunk := range slices.Chunk(todo, registrationJobBatch) {
		err := s.inTx(ctx, func(tx *sql.Tx, _ time.Time) error {
			for _, p := range chunk {
				ok, err := s.recordAlertTx(ctx, tx, p.id, p.ev, now, p.reason)
				if err != nil {
					return err
				}
				switch {
				case !ok:
				case p.ev == tandem.EventSLAWarning:
					counts.Warnings++
				default:
					counts.Breaches++
				}
			}
			return nil
		})
		if err != nil {
			return counts, err
		}
	}
	return counts, nil
}

func fmtHours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }

// recordAlertTx appends alert ev to registration id's log unless the registration is no longer waiting
// for a decision or already has that alert. It reports whether it appended one.
func (s *Store) recordAlertTx(ctx context.Context, tx *sql.Tx, id int64, ev tandem.RegistrationEvent, now time.Time, reason string) (bool, error) {
	// Holding the row makes a decision being made meanwhile wait, or this see it.
	lock := s.dialect.forUpdate()
	r, err := getOne(ctx, tx, "registration", id, `SELECT `+registrationColumns+` FROM registrations r WHERE r.id = $1`+lock,
		[]any{id}, scanRegistration)
	if err != nil {
		return false, err
	}
	entry, err := r.Alert(ev, now, reason)
	if err != nil {
		if tandem.ErrorCode(err) == tandem.ECONFLICT {
			return false, nil // decided or withdrawn since it was read
		}
		return false, err
	}
	// ON CONFLICT DO NOTHING against registration_events_alert_once: a second job's insert adds nothing.
	err = tx.QueryRowContext(ctx, `INSERT INTO registration_events (registration_id, at, event, from_status, to_status,
		actor_id, reason, business_seconds) VALUES ($1, $2, $3, $4, $5, NULL, $6, NULL)
		ON CONFLICT DO NOTHING RETURNING id`,
		entry.RegistrationID, entry.At.UnixMicro(), string(entry.Event), string(entry.From), string(entry.To), entry.Reason).Scan(&entry.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("log registration %d %s: %w", id, ev, err)
	}
	return true, nil
}
