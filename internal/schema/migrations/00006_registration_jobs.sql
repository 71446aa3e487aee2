-- The registration background job: approval-SLA alerts in the registration log.
--
-- registration_events may now hold 'sla_warning' (the warning share of the approval SLA is used) and
-- 'sla_breached' (the SLA ran out without a decision). Neither changes the status (from_status =
-- to_status = 'submitted'). The partial unique index makes each alert happen at most once per
-- registration, however many job processes race for it: the loser's insert does nothing.
--
-- registrations_status_expires_at lets the job find approved registrations whose protection ran out.

-- +goose Up
{{if .SQLite -}}
-- SQLite cannot change a CHECK constraint in place: the append-only log is copied into a table that
-- allows the new events, keeping every id (the notification cursor points at them). Dropping a table
-- fires no DELETE trigger.
CREATE TABLE registration_events_new (
    id               {{.AutoID}},
    registration_id  {{.Int}} NOT NULL REFERENCES registrations (id),
    at               {{.Int}} NOT NULL,
    event            TEXT NOT NULL CHECK (({{.OneOf "event" "submit" "approve" "reject" "withdraw" "extend" "expire" "win" "lose" "import" "sla_warning" "sla_breached"}})),
    from_status      TEXT NOT NULL CHECK (({{.OneOf "from_status" "" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    to_status        TEXT NOT NULL CHECK (({{.OneOf "to_status" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    actor_id         {{.Int}},
    reason           TEXT NOT NULL DEFAULT '',
    business_seconds {{.Int}},
    CHECK ((event <> 'sla_warning' AND event <> 'sla_breached') OR (from_status = 'submitted' AND to_status = 'submitted'))
);
INSERT INTO registration_events_new (id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds)
    SELECT id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds FROM registration_events;
DROP TABLE registration_events;
ALTER TABLE registration_events_new RENAME TO registration_events;
CREATE INDEX registration_events_registration_id ON registration_events (registration_id, id);
{{- else -}}
ALTER TABLE registration_events DROP CONSTRAINT registration_events_event_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_event_check CHECK (event IN ('submit', 'approve',
    'reject', 'withdraw', 'extend', 'expire', 'win', 'lose', 'import', 'sla_warning', 'sla_breached'));
ALTER TABLE registration_events ADD CONSTRAINT registration_events_alert_status_check
    CHECK (event NOT IN ('sla_warning', 'sla_breached') OR (from_status = 'submitted' AND to_status = 'submitted'));
{{- end}}
CREATE UNIQUE INDEX registration_events_alert_once ON registration_events (registration_id, event)
    WHERE {{.OneOf "event" "sla_warning" "sla_breached"}};
{{- if .SQLite}}
{{template "append_only" .On "registration_events"}}
{{- end}}

CREATE INDEX registrations_status_expires_at ON registrations (status, expires_at);
