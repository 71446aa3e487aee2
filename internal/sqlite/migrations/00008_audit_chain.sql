-- The verifiable audit log: every entry carries the hash of the entry before it and its own hash over
-- that and its fields (sqlstore/audit_chain.go computes both), so an entry edited, removed or reordered
-- underneath breaks the chain and `tandem audit verify` names the first broken link.
-- audit_chain is one row, the chain's head: appending updates it first, so concurrent appends queue on
-- that row and chain in id order. Entries written before this migration get their hashes once, in id
-- order, when the store next opens (SQLite has no SHA-256 function).

-- +goose Up
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

CREATE TABLE audit_chain (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL DEFAULT 0,
    head    TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chain (id) VALUES (1);

-- Still append-only, with one exception: an entry not yet hashed may be given its hashes, once, with
-- every other column unchanged.
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.hash = '' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor = OLD.actor AND NEW.action = OLD.action AND NEW.entity = OLD.entity
    AND NEW.entity_id = OLD.entity_id AND NEW.detail = OLD.detail)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
