-- The registration background job: approval-SLA alerts in the registration log.
--
-- registration_events may now hold 'sla_warning' (the warning share of the approval SLA is used) and
-- 'sla_breached' (the SLA ran out without a decision). Neither changes the status (from_status =
-- to_status = 'submitted'). The partial unique index makes each alert happen at most once per
-- registration, however many job processes race for it: the loser's insert does nothing.
--
-- registrations_status_expires_at lets the job find approved registrations whose protection ran out.

-- +goose Up
-- SQLite cannot change a CHECK constraint in place: the append-only log is copied into a table that
-- allows the new events, keeping every id (the notification cursor points at them). Dropping a table
-- fires no DELETE trigger.
CREATE TABLE registration_events_new (
    id               INTEGER PRIMARY KEY,
    registration_id  INTEGER NOT NULL REFERENCES registrations (id),
    at               INTEGER NOT NULL,
    event            TEXT NOT NULL CHECK ((event = 'submit' OR event = 'approve' OR event = 'reject' OR event = 'withdraw' OR event = 'extend' OR event = 'expire' OR event = 'win' OR event = 'lose' OR event = 'import' OR event = 'sla_warning' OR event = 'sla_breached')),
    from_status      TEXT NOT NULL CHECK ((from_status = '' OR from_status = 'submitted' OR from_status = 'approved' OR from_status = 'rejected' OR from_status = 'expired' OR from_status = 'won' OR from_status = 'lost' OR from_status = 'withdrawn')),
    to_status        TEXT NOT NULL CHECK ((to_status = 'submitted' OR to_status = 'approved' OR to_status = 'rejected' OR to_status = 'expired' OR to_status = 'won' OR to_status = 'lost' OR to_status = 'withdrawn')),
    actor_id         INTEGER,
    reason           TEXT NOT NULL DEFAULT '',
    business_seconds INTEGER,
    CHECK ((event <> 'sla_warning' AND event <> 'sla_breached') OR (from_status = 'submitted' AND to_status = 'submitted'))
);
INSERT INTO registration_events_new (id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds)
    SELECT id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds FROM registration_events;
DROP TABLE registration_events;
ALTER TABLE registration_events_new RENAME TO registration_events;
CREATE INDEX registration_events_registration_id ON registration_events (registration_id, id);
CREATE UNIQUE INDEX registration_events_alert_once ON registration_events (registration_id, event)
    WHERE event = 'sla_warning' OR event = 'sla_breached';
-- +goose StatementBegin
CREATE TRIGGER registration_events_no_update BEFORE UPDATE ON registration_events
BEGIN
    SELECT RAISE(ABORT, 'registration_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER registration_events_no_delete BEFORE DELETE ON registration_events
BEGIN
    SELECT RAISE(ABORT, 'registration_events is append-only');
END;
-- +goose StatementEnd

CREATE INDEX registrations_status_expires_at ON registrations (status, expires_at);
