-- Account resolution on submit and the indexes overlap detection reads.
--
-- account_matches: what the matcher (internal/match) decided about each submitted registration's
-- company — the candidate account, score and reason — and, for a doubtful match, the review queue
-- (status 'review') until a person picks the account or says it is new (decided_by, decided_at).
--
-- Detection compares normalised names and website domains without scanning: registrations and
-- accounts carry their normalised name (name_key) and registrations their normalised website
-- (domain_key), each indexed. The store computes the keys (match.Normalize is Go); a NULL name_key
-- means "not computed yet" (both keys of a registration are written together) and is filled before the
-- next detection; renaming an account or a registration resets its keys.
--
-- registration_events may now hold 'import': a registration that arrived by CSV import with the status
-- it had in the system it was migrated from.

-- +goose Up
CREATE TABLE account_matches (
    id                  {{.AutoID}},
    registration_id     {{.Int}} NOT NULL UNIQUE REFERENCES registrations (id),
    candidate_id        {{.Int}} REFERENCES accounts (id),
    score               {{.Float}} NOT NULL CHECK (score >= 0 AND score <= 1),
    reason              TEXT NOT NULL DEFAULT '',
    candidates          TEXT NOT NULL DEFAULT '[]',
    decision            TEXT NOT NULL CHECK (({{.OneOf "decision" "match" "review" "new"}})),
    status              TEXT NOT NULL CHECK (({{.OneOf "status" "auto" "review" "resolved"}})),
    resolved_account_id {{.Int}} REFERENCES accounts (id),
    decided_by          {{.Int}} REFERENCES users (id),
    decided_at          {{.Int}},
    created_at          {{.Int}} NOT NULL
);
CREATE INDEX account_matches_status ON account_matches (status, id);

ALTER TABLE registrations ADD COLUMN name_key TEXT;
ALTER TABLE registrations ADD COLUMN domain_key TEXT;
CREATE INDEX registrations_name_key ON registrations (name_key);
CREATE INDEX registrations_domain_key ON registrations (domain_key);
CREATE INDEX registrations_keys_missing ON registrations (id) WHERE name_key IS NULL;

ALTER TABLE accounts ADD COLUMN name_key TEXT;
CREATE INDEX accounts_name_key ON accounts (name_key);
CREATE INDEX accounts_domain ON accounts (domain);
CREATE INDEX accounts_name_key_missing ON accounts (id) WHERE name_key IS NULL;
-- The matcher reads the accounts changed after its cursor (updated_at, id) before each match.
CREATE INDEX accounts_updated_at ON accounts (updated_at, id);

{{if .SQLite -}}
-- +goose StatementBegin
CREATE TRIGGER accounts_name_key_reset AFTER UPDATE OF name ON accounts
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE accounts SET name_key = NULL WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER registrations_keys_reset AFTER UPDATE OF account_name, website ON registrations
WHEN (OLD.account_name IS NOT NEW.account_name OR OLD.website IS NOT NEW.website)
    AND NEW.name_key IS OLD.name_key AND NEW.domain_key IS OLD.domain_key
BEGIN
    UPDATE registrations SET name_key = NULL, domain_key = NULL WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- SQLite cannot change a CHECK constraint in place: the append-only log is copied into a table that
-- allows the new event. Dropping a table fires no DELETE trigger.
CREATE TABLE registration_events_new (
    id               {{.AutoID}},
    registration_id  {{.Int}} NOT NULL REFERENCES registrations (id),
    at               {{.Int}} NOT NULL,
    event            TEXT NOT NULL CHECK (({{.OneOf "event" "submit" "approve" "reject" "withdraw" "extend" "expire" "win" "lose" "import"}})),
    from_status      TEXT NOT NULL CHECK (({{.OneOf "from_status" "" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    to_status        TEXT NOT NULL CHECK (({{.OneOf "to_status" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    actor_id         {{.Int}},
    reason           TEXT NOT NULL DEFAULT '',
    business_seconds {{.Int}}
);
INSERT INTO registration_events_new (id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds)
    SELECT id, registration_id, at, event, from_status, to_status, actor_id, reason, business_seconds FROM registration_events;
DROP TABLE registration_events;
ALTER TABLE registration_events_new RENAME TO registration_events;
CREATE INDEX registration_events_registration_id ON registration_events (registration_id, id);
{{template "append_only" .On "registration_events"}}
{{- else -}}
-- +goose StatementBegin
CREATE FUNCTION reset_account_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name AND NEW.name_key IS NOT DISTINCT FROM OLD.name_key THEN
        NEW.name_key := NULL;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER accounts_name_key_reset BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION reset_account_name_key();

-- +goose StatementBegin
CREATE FUNCTION reset_registration_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.account_name IS DISTINCT FROM OLD.account_name OR NEW.website IS DISTINCT FROM OLD.website)
        AND NEW.name_key IS NOT DISTINCT FROM OLD.name_key AND NEW.domain_key IS NOT DISTINCT FROM OLD.domain_key THEN
        NEW.name_key := NULL;
        NEW.domain_key := NULL;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER registrations_keys_reset BEFORE UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION reset_registration_keys();

ALTER TABLE registration_events DROP CONSTRAINT registration_events_event_check;
ALTER TABLE registration_events ADD CONSTRAINT registration_events_event_check CHECK (event IN ('submit', 'approve',
    'reject', 'withdraw', 'extend', 'expire', 'win', 'lose', 'import'));
{{- end}}
