-- The verifiable audit log: every entry carries the hash of the entry before it and its own hash over
-- that and its fields (sqlstore/audit_chain.go computes both), so an entry edited, removed or reordered
-- underneath breaks the chain and `tandem audit verify` names the first broken link.
-- audit_chain is one row, the chain's head: appending updates it first, so concurrent appends — from
-- any number of instances — queue on that row lock and chain in id order. Entries written before this
-- migration get their hashes once, in id order, when the store next opens (SQLite has no SHA-256
-- function, and the same Go code hashes them on both engines).

-- +goose Up
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Its one id is an INTEGER on both engines.
CREATE TABLE audit_chain (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id {{.Int}} NOT NULL DEFAULT 0,
    head    TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chain (id) VALUES (1);

-- Still append-only, with one exception: an entry not yet hashed may be given its hashes, once, with
-- every other column unchanged.
{{if .SQLite -}}
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
{{- else -}}
-- DELETE and TRUNCATE stay refused by a statement trigger.
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
-- +goose StatementBegin
CREATE FUNCTION audit_log_hash_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.hash = '' AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.actor = OLD.actor AND NEW.action = OLD.action AND NEW.entity = OLD.entity
        AND NEW.entity_id = OLD.entity_id AND NEW.detail = OLD.detail THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_hash_once();
{{- end}}
