-- Tandem's schema for SQLite.
-- Times are INTEGER unix microseconds in UTC (NULL when unknown); money is INTEGER minor units;
-- string lists are JSON arrays in TEXT. Every id a user sees from outside is external_id, unique per table.
-- Enumerations are checked as chains of "col = 'a' OR col = 'b'", not "col IN ('a', 'b')": inside a CHECK
-- constraint SQLite builds a temporary b-tree for an IN list on every row written, which made CHECKs
-- cost more than the table and index inserts of a bulk import.

-- +goose Up
CREATE TABLE territories (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    countries TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE partners (
    id             INTEGER PRIMARY KEY,
    external_id    TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    tier           TEXT NOT NULL CHECK ((tier = 'platinum' OR tier = 'gold' OR tier = 'silver' OR tier = 'registered')),
    type           TEXT NOT NULL CHECK ((type = 'reseller' OR type = 'referral' OR type = 'co_sell')),
    countries      TEXT NOT NULL DEFAULT '[]',
    verticals      TEXT NOT NULL DEFAULT '[]',
    certifications TEXT NOT NULL DEFAULT '[]',
    manager_id     INTEGER REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    standing       TEXT NOT NULL CHECK ((standing = 'good' OR standing = 'probation' OR standing = 'suspended')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    external_id   TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK ((role = 'admin' OR role = 'revops' OR role = 'ae' OR role = 'partner_manager' OR role = 'vp_sales' OR role = 'vp_channel' OR role = 'cro' OR role = 'ceo' OR role = 'partner_user')),
    partner_id    INTEGER REFERENCES partners (id),
    manager_id    INTEGER REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    territory_id  INTEGER REFERENCES territories (id),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled = 0 OR disabled = 1),
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK ((role = 'partner_user') = (partner_id IS NOT NULL))
);
CREATE INDEX users_partner_id ON users (partner_id);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    domain       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    vertical     TEXT NOT NULL DEFAULT '',
    parent_id    INTEGER REFERENCES accounts (id) DEFERRABLE INITIALLY DEFERRED,
    owner_id     INTEGER REFERENCES users (id),
    territory_id INTEGER REFERENCES territories (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX accounts_lower_name ON accounts (lower(name));
CREATE INDEX accounts_parent_id ON accounts (parent_id);
CREATE INDEX accounts_owner_id ON accounts (owner_id);

CREATE TABLE products (
    id                INTEGER PRIMARY KEY,
    external_id       TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    type              TEXT NOT NULL CHECK ((type = 'core' OR type = 'addon' OR type = 'services')),
    cogs_basis_points INTEGER NOT NULL DEFAULT 0 CHECK (cogs_basis_points BETWEEN 0 AND 10000)
);

CREATE TABLE opportunities (
    id                       INTEGER PRIMARY KEY,
    external_id              TEXT NOT NULL UNIQUE,
    name                     TEXT NOT NULL,
    account_id               INTEGER NOT NULL REFERENCES accounts (id),
    owner_id                 INTEGER REFERENCES users (id),
    partner_id               INTEGER REFERENCES partners (id),
    product                  TEXT NOT NULL DEFAULT '',
    product_type             TEXT NOT NULL CHECK ((product_type = 'core' OR product_type = 'addon' OR product_type = 'services')),
    acv                      INTEGER NOT NULL CHECK (acv >= 0),
    currency                 TEXT NOT NULL,
    stage                    TEXT NOT NULL CHECK ((stage = 'prospecting' OR stage = 'qualified' OR stage = 'proposal' OR stage = 'negotiation' OR stage = 'closed_won' OR stage = 'closed_lost')),
    forecast_category        TEXT NOT NULL CHECK ((forecast_category = 'pipeline' OR forecast_category = 'best_case' OR forecast_category = 'commit' OR forecast_category = 'closed' OR forecast_category = 'omitted')),
    country                  TEXT NOT NULL DEFAULT '',
    vertical                 TEXT NOT NULL DEFAULT '',
    discount_basis_points    INTEGER NOT NULL DEFAULT 0 CHECK (discount_basis_points BETWEEN 0 AND 10000),
    attribution              TEXT NOT NULL DEFAULT '' CHECK ((attribution = '' OR attribution = 'direct' OR attribution = 'partner_sourced' OR attribution = 'partner_led' OR attribution = 'partner_influenced')),
    created_on               INTEGER,
    close_date               INTEGER,
    routing_motion           TEXT NOT NULL DEFAULT '' CHECK ((routing_motion = '' OR routing_motion = 'partner_led' OR routing_motion = 'co_sell' OR routing_motion = 'direct')),
    routing_partner_attached INTEGER NOT NULL DEFAULT 0 CHECK (routing_partner_attached = 0 OR routing_partner_attached = 1),
    routing_rule             TEXT NOT NULL DEFAULT '',
    routing_policy_version   TEXT NOT NULL DEFAULT '',
    routing_explanation      TEXT NOT NULL DEFAULT '',
    routed_at                INTEGER,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);
CREATE INDEX opportunities_account_id ON opportunities (account_id);
-- Partial indexes: direct deals have no partner, and NULLs need no index entry (cheaper bulk imports).
CREATE INDEX opportunities_partner_id ON opportunities (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX opportunities_owner_id ON opportunities (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE registrations (
    id               INTEGER PRIMARY KEY,
    external_id      TEXT NOT NULL UNIQUE,
    partner_id       INTEGER NOT NULL REFERENCES partners (id),
    account_id       INTEGER REFERENCES accounts (id),
    account_name     TEXT NOT NULL,
    website          TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL,
    product_type     TEXT NOT NULL CHECK ((product_type = 'core' OR product_type = 'addon' OR product_type = 'services')),
    estimated_acv    INTEGER NOT NULL CHECK (estimated_acv >= 0),
    currency         TEXT NOT NULL,
    expected_close   INTEGER,
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK ((status = 'submitted' OR status = 'approved' OR status = 'rejected' OR status = 'expired' OR status = 'won' OR status = 'lost' OR status = 'withdrawn')),
    submitted_at     INTEGER,
    decided_at       INTEGER,
    decided_by       INTEGER REFERENCES users (id),
    rejection_reason TEXT NOT NULL DEFAULT '',
    expires_at       INTEGER,
    extensions       INTEGER NOT NULL DEFAULT 0,
    opportunity_id   INTEGER REFERENCES opportunities (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX registrations_partner_id ON registrations (partner_id);
CREATE INDEX registrations_account_id ON registrations (account_id);
CREATE INDEX registrations_opportunity_id ON registrations (opportunity_id);

CREATE TABLE touches (
    id             INTEGER PRIMARY KEY,
    external_id    TEXT NOT NULL UNIQUE,
    partner_id     INTEGER NOT NULL REFERENCES partners (id),
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    kind           TEXT NOT NULL CHECK ((kind = 'sourced' OR kind = 'co_sell' OR kind = 'influence')),
    occurred_at    INTEGER NOT NULL,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX touches_opportunity_id ON touches (opportunity_id);
CREATE INDEX touches_partner_id ON touches (partner_id);

CREATE TABLE conflicts (
    id                         INTEGER PRIMARY KEY,
    cause                      TEXT NOT NULL CHECK ((cause = 'partner_overlap' OR cause = 'direct_overlap' OR cause = 'protected_reroute' OR cause = 'cannibalisation' OR cause = 'attribution')),
    account_id                 INTEGER REFERENCES accounts (id),
    product_type               TEXT NOT NULL DEFAULT '',
    opportunity_id             INTEGER REFERENCES opportunities (id),
    registration_id            INTEGER REFERENCES registrations (id),
    other_registration_id      INTEGER REFERENCES registrations (id),
    rule                       TEXT NOT NULL DEFAULT '',
    level                      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    status                     TEXT NOT NULL CHECK ((status = 'open' OR status = 'resolved')),
    opened_at                  INTEGER NOT NULL,
    level_due_at               INTEGER,
    resolution                 TEXT NOT NULL DEFAULT '' CHECK ((resolution = '' OR resolution = 'award_partner' OR resolution = 'award_direct' OR resolution = 'co_sell' OR resolution = 'split')),
    partner_share_basis_points INTEGER NOT NULL DEFAULT 0 CHECK (partner_share_basis_points BETWEEN 0 AND 10000),
    rationale                  TEXT NOT NULL DEFAULT '',
    resolved_at                INTEGER,
    resolved_by                INTEGER REFERENCES users (id)
);
CREATE INDEX conflicts_status_level_due ON conflicts (status, level_due_at);
CREATE INDEX conflicts_opportunity_id ON conflicts (opportunity_id);
CREATE INDEX conflicts_registration_id ON conflicts (registration_id);

CREATE TABLE escalation_log (
    id          INTEGER PRIMARY KEY,
    conflict_id INTEGER NOT NULL REFERENCES conflicts (id),
    at          INTEGER NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    action      TEXT NOT NULL,
    actor_id    INTEGER,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX escalation_log_conflict_id ON escalation_log (conflict_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The audit log and the escalation log are append-only.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER escalation_log_no_update BEFORE UPDATE ON escalation_log
BEGIN
    SELECT RAISE(ABORT, 'escalation_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER escalation_log_no_delete BEFORE DELETE ON escalation_log
BEGIN
    SELECT RAISE(ABORT, 'escalation_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE policy_versions (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    effective_from INTEGER,
    status         TEXT NOT NULL CHECK ((status = 'draft' OR status = 'published' OR status = 'superseded')),
    source         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users (id),
    published_at   INTEGER,
    published_by   INTEGER REFERENCES users (id),
    UNIQUE (name, version)
);
CREATE INDEX policy_versions_status ON policy_versions (status, published_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK ((status = 'running' OR status = 'succeeded' OR status = 'failed')),
    rows_read   INTEGER NOT NULL DEFAULT 0,
    bytes_read  INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
