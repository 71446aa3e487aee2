-- Enablement portfolio (issue 12): the spend ledger by motion, segment, region, product, partner and
-- kind; MDF funds (a partner's budget for a period that expires), the requests against them with their
-- state, and the append-only log of every move; curricula and people's certifications.
-- Money is {{.Int}} minor units; months are 'YYYY-MM'; dates are unix microseconds at UTC midnight.

-- +goose Up
CREATE TABLE spend_lines (
    id         {{.AutoID}},
    month      TEXT NOT NULL,
    motion     TEXT NOT NULL CHECK (motion IN ('partner_sourced', 'co_sell', 'resell', 'direct')),
    segment    TEXT NOT NULL DEFAULT '',
    region     TEXT NOT NULL DEFAULT '',
    product    TEXT NOT NULL DEFAULT '',
    partner_id {{.Int}} REFERENCES partners (id),
    kind       TEXT NOT NULL CHECK (kind IN ('training', 'certification', 'content', 'spiff', 'event', 'mdf')),
    amount     {{.Int}} NOT NULL CHECK (amount >= 0),
    currency   TEXT NOT NULL,
    source     TEXT NOT NULL,
    source_ref TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_at {{.Int}} NOT NULL,
    created_by {{.Int}} REFERENCES users (id)
);
CREATE INDEX spend_lines_month ON spend_lines (month, motion, segment);
CREATE INDEX spend_lines_partner ON spend_lines (partner_id);
-- A line flowing in from elsewhere (a paid SPIFF, a paid MDF claim) is stored once.
CREATE UNIQUE INDEX spend_lines_source_ref ON spend_lines (source, source_ref) WHERE source_ref <> '';

CREATE TABLE mdf_funds (
    id         {{.AutoID}},
    partner_id {{.Int}} NOT NULL REFERENCES partners (id),
    period     TEXT NOT NULL,
    budget     {{.Int}} NOT NULL CHECK (budget >= 0),
    currency   TEXT NOT NULL,
    opens_on   {{.Int}} NOT NULL,
    expires_on {{.Int}} NOT NULL CHECK (expires_on > opens_on),
    created_at {{.Int}} NOT NULL,
    created_by {{.Int}} REFERENCES users (id),
    UNIQUE (partner_id, period)
);

CREATE TABLE mdf_requests (
    id                {{.AutoID}},
    fund_id           {{.Int}} NOT NULL REFERENCES mdf_funds (id),
    partner_id        {{.Int}} NOT NULL REFERENCES partners (id),
    ref               TEXT NOT NULL UNIQUE,
    activity          TEXT NOT NULL,
    motion            TEXT NOT NULL DEFAULT 'partner_sourced',
    expected_pipeline {{.Int}} NOT NULL DEFAULT 0,
    requested         {{.Int}} NOT NULL DEFAULT 0,
    approved          {{.Int}} NOT NULL DEFAULT 0,
    claimed           {{.Int}} NOT NULL DEFAULT 0,
    paid              {{.Int}} NOT NULL DEFAULT 0,
    state             TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected', 'activity_done',
                          'proof_submitted', 'claimed', 'paid', 'expired')),
    reject_reason     TEXT NOT NULL DEFAULT '',
    proof_files       TEXT NOT NULL DEFAULT '[]',
    attendees         {{.Int}} NOT NULL DEFAULT 0,
    leads             TEXT NOT NULL DEFAULT '[]',
    created_at        {{.Int}} NOT NULL,
    updated_at        {{.Int}} NOT NULL
);
CREATE INDEX mdf_requests_fund ON mdf_requests (fund_id);
CREATE INDEX mdf_requests_state ON mdf_requests (state, partner_id);

CREATE TABLE mdf_events (
    id         {{.AutoID}},
    request_id {{.Int}} NOT NULL REFERENCES mdf_requests (id),
    fund_id    {{.Int}} NOT NULL REFERENCES mdf_funds (id),
    partner_id {{.Int}} NOT NULL REFERENCES partners (id),
    at         {{.Int}} NOT NULL,
    actor_id   {{.Int}} REFERENCES users (id),
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    amount     {{.Int}} NOT NULL DEFAULT 0,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mdf_events_request ON mdf_events (request_id, id);
{{template "append_only" .On "mdf_events"}}

CREATE TABLE curricula (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    role      TEXT NOT NULL CHECK (role IN ('partner_sales', 'partner_technical', 'ae', 'se')),
    verticals TEXT NOT NULL DEFAULT '[]',
    products  TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE certifications (
    id            {{.AutoID}},
    person        TEXT NOT NULL,
    partner_id    {{.Int}} REFERENCES partners (id),
    user_id       {{.Int}} REFERENCES users (id),
    curriculum_id TEXT NOT NULL REFERENCES curricula (id),
    certified_on  {{.Int}} NOT NULL,
    expires_on    {{.Int}},
    source        TEXT NOT NULL DEFAULT '',
    created_at    {{.Int}} NOT NULL,
    UNIQUE (person, curriculum_id, certified_on)
);
CREATE INDEX certifications_partner ON certifications (partner_id);

-- +goose Down
DROP TABLE certifications;
DROP TABLE curricula;
DROP TABLE mdf_events;
DROP TABLE mdf_requests;
DROP TABLE mdf_funds;
DROP TABLE spend_lines;
