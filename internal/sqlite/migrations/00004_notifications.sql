-- Notifications: webhook subscriptions, the outbox cursor and the deliveries.
--
-- The append-only logs (registration_events, escalation_log) are the outbox: the dispatcher tails them
-- by id, turns each new event into one delivery per recipient (an email address or a webhook) and
-- advances a cursor, all in one transaction. SQLite has one writer, so ids are taken in commit order and
-- the id alone is a safe cursor (PostgreSQL needs a lock for that; see its migration).
-- The cursor starts after the rows already there: an upgrade does not replay history.

-- +goose Up
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]', -- JSON array of event kinds ("registration.approve", "conflict.*"); [] = all
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    deleted_at INTEGER -- kept (not deleted) so that past deliveries still name their webhook
);

-- One row per source: the last event handed to delivery.
CREATE TABLE notification_cursor (
    source  TEXT PRIMARY KEY CHECK (source = 'registration_event' OR source = 'escalation'),
    last_id INTEGER NOT NULL
);
INSERT INTO notification_cursor (source, last_id)
    SELECT 'registration_event', COALESCE(max(id), 0) FROM registration_events;
INSERT INTO notification_cursor (source, last_id)
    SELECT 'escalation', COALESCE(max(id), 0) FROM escalation_log;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL CHECK (source = 'registration_event' OR source = 'escalation'),
    event_id        INTEGER NOT NULL,
    event           TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel = 'email' OR channel = 'webhook'),
    target          TEXT NOT NULL, -- the email address, or the webhook's URL when enqueued
    webhook_id      INTEGER REFERENCES webhooks (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status = 'pending' OR status = 'delivered' OR status = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When pending: when the next attempt is due. A claimed delivery's is pushed out by the lease, so a
    -- dispatcher that dies mid-send leaves it to be tried again.
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_webhook_id ON deliveries (webhook_id, id);
CREATE INDEX deliveries_status ON deliveries (status, id);
