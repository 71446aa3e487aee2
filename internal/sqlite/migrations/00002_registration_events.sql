-- The deal-registration lifecycle: an append-only log of every transition (who registered first, who
-- decided, when), the approval SLA deadline fixed at submission, and how long the decision took in
-- business time.

-- +goose Up
ALTER TABLE registrations ADD COLUMN sla_due_at INTEGER;
ALTER TABLE registrations ADD COLUMN decision_business_seconds INTEGER;
CREATE INDEX registrations_status_submitted_at ON registrations (status, submitted_at);

CREATE TABLE registration_events (
    id               INTEGER PRIMARY KEY,
    registration_id  INTEGER NOT NULL REFERENCES registrations (id),
    at               INTEGER NOT NULL,
    event            TEXT NOT NULL CHECK ((event = 'submit' OR event = 'approve' OR event = 'reject' OR event = 'withdraw' OR event = 'extend' OR event = 'expire' OR event = 'win' OR event = 'lose')),
    from_status      TEXT NOT NULL CHECK ((from_status = '' OR from_status = 'submitted' OR from_status = 'approved' OR from_status = 'rejected' OR from_status = 'expired' OR from_status = 'won' OR from_status = 'lost' OR from_status = 'withdrawn')),
    to_status        TEXT NOT NULL CHECK ((to_status = 'submitted' OR to_status = 'approved' OR to_status = 'rejected' OR to_status = 'expired' OR to_status = 'won' OR to_status = 'lost' OR to_status = 'withdrawn')),
    actor_id         INTEGER,
    reason           TEXT NOT NULL DEFAULT '',
    business_seconds INTEGER
);
CREATE INDEX registration_events_registration_id ON registration_events (registration_id, id);

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
