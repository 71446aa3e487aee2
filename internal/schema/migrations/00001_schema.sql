-- Tandem's schema.
-- Times are {{.Int}} unix microseconds in UTC (NULL when unknown; the same representation on both engines,
-- so one scan path serves both); money is {{.Int}} minor units;
-- string lists are JSON arrays in TEXT. Every id a user sees from outside is external_id, unique per table.
-- Enumerations are checked with OneOf, which SQLite gets as chains of "col = 'a' OR col = 'b'", not
-- "col IN ('a', 'b')": inside a CHECK constraint SQLite builds a temporary b-tree for an IN list on every
-- row written, which made CHECKs cost more than the table and index inserts of a bulk import. (The
-- doubled parentheses around them are in the text SQLite stored, so they stay.)

-- +goose Up
CREATE TABLE territories (
    id        {{.AutoID}},
    name      TEXT NOT NULL UNIQUE,
    countries TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE partners (
    id             {{.AutoID}},
    external_id    TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    tier           TEXT NOT NULL CHECK (({{.OneOf "tier" "platinum" "gold" "silver" "registered"}})),
    type           TEXT NOT NULL CHECK (({{.OneOf "type" "reseller" "referral" "co_sell"}})),
    countries      TEXT NOT NULL DEFAULT '[]',
    verticals      TEXT NOT NULL DEFAULT '[]',
    certifications TEXT NOT NULL DEFAULT '[]',
    manager_id     {{.Int}}{{if .SQLite}} REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED{{end}},
    standing       TEXT NOT NULL CHECK (({{.OneOf "standing" "good" "probation" "suspended"}})),
    created_at     {{.Int}} NOT NULL,
    updated_at     {{.Int}} NOT NULL
);

CREATE TABLE users (
    id            {{.AutoID}},
    external_id   TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (({{.OneOf "role" "admin" "revops" "ae" "partner_manager" "vp_sales" "vp_channel" "cro" "ceo" "partner_user"}})),
    partner_id    {{.Int}} REFERENCES partners (id),
    manager_id    {{.Int}} REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    territory_id  {{.Int}} REFERENCES territories (id),
    disabled      {{.Bool}} NOT NULL DEFAULT {{.False}}{{if .SQLite}} CHECK (disabled = 0 OR disabled = 1){{end}},
    password_hash TEXT,
    created_at    {{.Int}} NOT NULL,
    updated_at    {{.Int}} NOT NULL,
    CHECK ((role = 'partner_user') = (partner_id IS NOT NULL))
);
CREATE INDEX users_partner_id ON users (partner_id);
{{- if .Postgres}}
-- users did not exist yet when partners was created; SQLite cannot add a foreign key to a table.
ALTER TABLE partners ADD FOREIGN KEY (manager_id) REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED;
{{- end}}

CREATE TABLE accounts (
    id           {{.AutoID}},
    external_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    domain       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    vertical     TEXT NOT NULL DEFAULT '',
    parent_id    {{.Int}} REFERENCES accounts (id) DEFERRABLE INITIALLY DEFERRED,
    owner_id     {{.Int}} REFERENCES users (id),
    territory_id {{.Int}} REFERENCES territories (id),
    created_at   {{.Int}} NOT NULL,
    updated_at   {{.Int}} NOT NULL
);
CREATE INDEX accounts_lower_name ON accounts (lower(name));
CREATE INDEX accounts_parent_id ON accounts (parent_id);
CREATE INDEX accounts_owner_id ON accounts (owner_id);

CREATE TABLE products (
    id                {{.AutoID}},
    external_id       TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    type              TEXT NOT NULL CHECK (({{.OneOf "type" "core" "addon" "services"}})),
    cogs_basis_points {{.Int}} NOT NULL DEFAULT 0 CHECK (cogs_basis_points BETWEEN 0 AND 10000)
);

CREATE TABLE opportunities (
    id                       {{.AutoID}},
    external_id              TEXT NOT NULL UNIQUE,
    name                     TEXT NOT NULL,
    account_id               {{.Int}} NOT NULL REFERENCES accounts (id),
    owner_id                 {{.Int}} REFERENCES users (id),
    partner_id               {{.Int}} REFERENCES partners (id),
    product                  TEXT NOT NULL DEFAULT '',
    product_type             TEXT NOT NULL CHECK (({{.OneOf "product_type" "core" "addon" "services"}})),
    acv                      {{.Int}} NOT NULL CHECK (acv >= 0),
    currency                 TEXT NOT NULL,
    stage                    TEXT NOT NULL CHECK (({{.OneOf "stage" "prospecting" "qualified" "proposal" "negotiation" "closed_won" "closed_lost"}})),
    forecast_category        TEXT NOT NULL CHECK (({{.OneOf "forecast_category" "pipeline" "best_case" "commit" "closed" "omitted"}})),
    country                  TEXT NOT NULL DEFAULT '',
    vertical                 TEXT NOT NULL DEFAULT '',
    discount_basis_points    {{.Int}} NOT NULL DEFAULT 0 CHECK (discount_basis_points BETWEEN 0 AND 10000),
    attribution              TEXT NOT NULL DEFAULT '' CHECK (({{.OneOf "attribution" "" "direct" "partner_sourced" "partner_led" "partner_influenced"}})),
    created_on               {{.Int}},
    close_date               {{.Int}},
    routing_motion           TEXT NOT NULL DEFAULT '' CHECK (({{.OneOf "routing_motion" "" "partner_led" "co_sell" "direct"}})),
    routing_partner_attached {{.Bool}} NOT NULL DEFAULT {{.False}}{{if .SQLite}} CHECK (routing_partner_attached = 0 OR routing_partner_attached = 1){{end}},
    routing_rule             TEXT NOT NULL DEFAULT '',
    routing_policy_version   TEXT NOT NULL DEFAULT '',
    routing_explanation      TEXT NOT NULL DEFAULT '',
    routed_at                {{.Int}},
    created_at               {{.Int}} NOT NULL,
    updated_at               {{.Int}} NOT NULL
);
CREATE INDEX opportunities_account_id ON opportunities (account_id);
-- Partial indexes: direct deals have no partner, and NULLs need no index entry (cheaper bulk imports).
CREATE INDEX opportunities_partner_id ON opportunities (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX opportunities_owner_id ON opportunities (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE registrations (
    id               {{.AutoID}},
    external_id      TEXT NOT NULL UNIQUE,
    partner_id       {{.Int}} NOT NULL REFERENCES partners (id),
    account_id       {{.Int}} REFERENCES accounts (id),
    account_name     TEXT NOT NULL,
    website          TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL,
    product_type     TEXT NOT NULL CHECK (({{.OneOf "product_type" "core" "addon" "services"}})),
    estimated_acv    {{.Int}} NOT NULL CHECK (estimated_acv >= 0),
    currency         TEXT NOT NULL,
    expected_close   {{.Int}},
    contact_name     TEXT NOT NULL DEFAULT '',
    contact_email    TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (({{.OneOf "status" "submitted" "approved" "rejected" "expired" "won" "lost" "withdrawn"}})),
    submitted_at     {{.Int}},
    decided_at       {{.Int}},
    decided_by       {{.Int}} REFERENCES users (id),
    rejection_reason TEXT NOT NULL DEFAULT '',
    expires_at       {{.Int}},
    extensions       {{.Int}} NOT NULL DEFAULT 0,
    opportunity_id   {{.Int}} REFERENCES opportunities (id),
    created_at       {{.Int}} NOT NULL,
    updated_at       {{.Int}} NOT NULL
);
CREATE INDEX registrations_partner_id ON registrations (partner_id);
CREATE INDEX registrations_account_id ON registrations (account_id);
CREATE INDEX registrations_opportunity_id ON registrations (opportunity_id);

CREATE TABLE touches (
    id             {{.AutoID}},
    external_id    TEXT NOT NULL UNIQUE,
    partner_id     {{.Int}} NOT NULL REFERENCES partners (id),
    opportunity_id {{.Int}} NOT NULL REFERENCES opportunities (id),
    kind           TEXT NOT NULL CHECK (({{.OneOf "kind" "sourced" "co_sell" "influence"}})),
    occurred_at    {{.Int}} NOT NULL,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX touches_opportunity_id ON touches (opportunity_id);
CREATE INDEX touches_partner_id ON touches (partner_id);

CREATE TABLE conflicts (
    id                         {{.AutoID}},
    cause                      TEXT NOT NULL CHECK (({{.OneOf "cause" "partner_overlap" "direct_overlap" "protected_reroute" "cannibalisation" "attribution"}})),
    account_id                 {{.Int}} REFERENCES accounts (id),
    product_type               TEXT NOT NULL DEFAULT '',
    opportunity_id             {{.Int}} REFERENCES opportunities (id),
    registration_id            {{.Int}} REFERENCES registrations (id),
    other_registration_id      {{.Int}} REFERENCES registrations (id),
    rule                       TEXT NOT NULL DEFAULT '',
    level                      {{.Int}} NOT NULL CHECK (level BETWEEN 1 AND 4),
    status                     TEXT NOT NULL CHECK (({{.OneOf "status" "open" "resolved"}})),
    opened_at                  {{.Int}} NOT NULL,
    level_due_at               {{.Int}},
    resolution                 TEXT NOT NULL DEFAULT '' CHECK (({{.OneOf "resolution" "" "award_partner" "award_direct" "co_sell" "split"}})),
    partner_share_basis_points {{.Int}} NOT NULL DEFAULT 0 CHECK (partner_share_basis_points BETWEEN 0 AND 10000),
    rationale                  TEXT NOT NULL DEFAULT '',
    resolved_at                {{.Int}},
    resolved_by                {{.Int}} REFERENCES users (id)
);
CREATE INDEX conflicts_status_level_due ON conflicts (status, level_due_at);
CREATE INDEX conflicts_opportunity_id ON conflicts (opportunity_id);
CREATE INDEX conflicts_registration_id ON conflicts (registration_id);

CREATE TABLE escalation_log (
    id          {{.AutoID}},
    conflict_id {{.Int}} NOT NULL REFERENCES conflicts (id),
    at          {{.Int}} NOT NULL,
    level       {{.Int}} NOT NULL CHECK (level BETWEEN 1 AND 4),
    action      TEXT NOT NULL,
    actor_id    {{.Int}},
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX escalation_log_conflict_id ON escalation_log (conflict_id);

{{template "audit_entries" .On "audit_log"}}
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The audit log and the escalation log are append-only.
{{- if .Postgres}}
-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
{{- end}}
{{template "append_only" .On "audit_log"}}
{{template "append_only" .On "escalation_log"}}

{{template "versioned_document" .On "policy_versions"}}
CREATE INDEX policy_versions_status ON policy_versions (status, published_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    {{.Int}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at {{.Int}} NOT NULL,
    created_at {{.Int}} NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
    id           {{.AutoID}},
    user_id      {{.Int}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   {{.Int}} NOT NULL,
    last_used_at {{.Int}},
    revoked_at   {{.Int}}
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE import_jobs (
    id          {{.AutoID}},
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (({{.OneOf "status" "running" "succeeded" "failed"}})),
    rows_read   {{.Int}} NOT NULL DEFAULT 0,
    bytes_read  {{.Int}} NOT NULL DEFAULT 0,
    bytes_total {{.Int}} NOT NULL DEFAULT 0,
    inserted    {{.Int}} NOT NULL DEFAULT 0,
    updated     {{.Int}} NOT NULL DEFAULT 0,
    unchanged   {{.Int}} NOT NULL DEFAULT 0,
    rejected    {{.Int}} NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_by  {{.Int}},
    started_at  {{.Int}} NOT NULL,
    finished_at {{.Int}}
);
