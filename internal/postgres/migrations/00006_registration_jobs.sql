-- The registration background job: approval-SLA alerts in the registration log.
--
-- registration_events may now hold 'sla_warning' (the warning share of the approval SLA is used) and
-- 'sla_breached' (the SLA ran out without a decision). Neither changes the status (from_status =
-- to_status = 'submitted'). The partial unique index makes each alert happen at most once per
-- registration, however many job processes race for it: the loser's insert does nothing.
--
-- registrations_status_expires_at lets the job find approved registrations whose protection ran out.

-- +goose Up
ALTER TABLE registration_events DROP CONSTRAINT registration_events_event_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_event_check CHECK (event IN ('submit', 'approve',
    'reject', 'withdraw', 'extend', 'expire', 'win', 'lose', 'import', 'sla_warning', 'sla_breached'));
ALTER TABLE registration_events ADD CONSTRAINT registration_events_alert_status_check
    CHECK (event NOT IN ('sla_warning', 'sla_breached') OR (from_status = 'submitted' AND to_status = 'submitted'));
CREATE UNIQUE INDEX registration_events_alert_once ON registration_events (registration_id, event)
    WHERE event IN ('sla_warning', 'sla_breached');

CREATE INDEX registrations_status_expires_at ON registrations (status, expires_at);
