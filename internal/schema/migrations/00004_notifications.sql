-- Notifications: webhook subscriptions, the outbox cursor and the deliveries.
--
-- The append-only logs (registration_events, escalation_log) are the outbox: the dispatcher tails them
-- by id, turns each new event into one delivery per recipient (an email address or a webhook) and
-- advances a cursor, all in one transaction. SQLite has one writer, so ids are taken in commit order and
-- the id alone is a safe cursor. The cursor starts after the rows already there: an upgrade does not
-- replay history.
--
-- Why PostgreSQL's event writers take a lock: a sequence hands out ids when rows are inserted, not when
-- their transactions commit, so a reader that tails by id alone would step over an event whose
-- transaction took id 10 but committed after the one that took id 11. A statement trigger makes every
-- transaction that writes an event hold a shared advisory lock (per log and schema) from before it takes
-- an id until it ends; the enqueuer takes the same lock exclusively, so while it reads, every id handed
-- out is committed or rolled back, and nothing can appear behind the cursor later. Writers wait only for
-- the enqueuing transaction, which reads a few hundred rows.

-- +goose Up
CREATE TABLE webhooks (
    id         {{.AutoID}},
    url        TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]', -- JSON array of event kinds ("registration.approve", "conflict.*"); [] = all
    active     {{.Bool}} NOT NULL DEFAULT {{.True}}{{if .SQLite}} CHECK (active = 0 OR active = 1){{end}},
    created_at {{.Int}} NOT NULL,
    created_by {{.Int}} REFERENCES users (id),
    deleted_at {{.Int}} -- kept (not deleted) so that past deliveries still name their webhook
);

{{if .Postgres -}}
-- +goose StatementBegin
CREATE FUNCTION notification_outbox_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(TG_ARGV[0]::integer, hashtext(TG_TABLE_SCHEMA));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- The keys are "noti" + 1 and + 2 (sqlstore.outboxLockKey).
CREATE TRIGGER registration_events_outbox BEFORE INSERT ON registration_events
    FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_write('1852797801');
CREATE TRIGGER escalation_log_outbox BEFORE INSERT ON escalation_log
    FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_write('1852797802');

{{end -}}
-- One row per source: the last event handed to delivery. PostgreSQL's enqueuing transaction locks it.
CREATE TABLE notification_cursor (
    source  TEXT PRIMARY KEY CHECK ({{.OneOf "source" "registration_event" "escalation"}}),
    last_id {{.Int}} NOT NULL
);
INSERT INTO notification_cursor (source, last_id)
    SELECT 'registration_event', COALESCE(max(id), 0) FROM registration_events;
INSERT INTO notification_cursor (source, last_id)
    SELECT 'escalation', COALESCE(max(id), 0) FROM escalation_log;

CREATE TABLE deliveries (
    id              {{.AutoID}},
    source          TEXT NOT NULL CHECK ({{.OneOf "source" "registration_event" "escalation"}}),
    event_id        {{.Int}} NOT NULL,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK ({{.OneOf "channel" "email" "webhook"}}),
    target          TEXT NOT NULL, -- the email address, or the webhook's URL when enqueued
    webhook_id      {{.Int}} REFERENCES webhooks (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK ({{.OneOf "status" "pending" "delivered" "failed"}}),
    attempts        {{.Int}} NOT NULL DEFAULT 0,
    -- When pending: when the next attempt is due. A claimed delivery's is pushed out by the lease, so a
    -- dispatcher that dies mid-send leaves it to be tried again.
    next_attempt_at {{.Int}} NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      {{.Int}} NOT NULL,
    delivered_at    {{.Int}},
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_webhook_id ON deliveries (webhook_id, id);
CREATE INDEX deliveries_status ON deliveries (status, id);
