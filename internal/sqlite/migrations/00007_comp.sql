-- Compensation: the versioned, effective-dated compensation plan (like policy_versions), quotas per AE
-- and period, periods frozen when they close (the input, the adjustments paid in them, the result and its
-- SHA-256, the plan version and its source, so that a closed period reproduces its statements byte for
-- byte without reading anything else), and the payouts actually made, imported for reconciliation.
-- Money is INTEGER minor units in the plan's currency.

-- +goose Up
CREATE TABLE comp_plan_versions (
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
CREATE INDEX comp_plan_versions_status ON comp_plan_versions (status, effective_from);

CREATE TABLE comp_quotas (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    period     TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    PRIMARY KEY (user_id, period)
);
CREATE INDEX comp_quotas_period ON comp_quotas (period);

CREATE TABLE comp_periods (
    id                 TEXT PRIMARY KEY,
    status             TEXT NOT NULL CHECK ((status = 'open' OR status = 'closed')),
    starts_at          INTEGER NOT NULL,
    ends_at            INTEGER NOT NULL,
    closed_at          INTEGER,
    closed_by          INTEGER REFERENCES users (id),
    plan_version_id    INTEGER REFERENCES comp_plan_versions (id),
    plan_version       TEXT NOT NULL DEFAULT '',
    plan_source        TEXT NOT NULL DEFAULT '',
    frozen_input       TEXT NOT NULL DEFAULT '',
    frozen_adjustments TEXT NOT NULL DEFAULT '',
    frozen_result      TEXT NOT NULL DEFAULT '',
    result_sha256      TEXT NOT NULL DEFAULT '',
    CHECK (status = 'open' OR (closed_at IS NOT NULL AND frozen_result <> '' AND result_sha256 <> ''))
);

-- A closed period is frozen: no UPDATE or DELETE of it, whatever the columns.
-- +goose StatementBegin
CREATE TRIGGER comp_periods_closed_no_update BEFORE UPDATE ON comp_periods
WHEN OLD.status = 'closed'
BEGIN
    SELECT RAISE(ABORT, 'comp period is closed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER comp_periods_closed_no_delete BEFORE DELETE ON comp_periods
WHEN OLD.status = 'closed'
BEGIN
    SELECT RAISE(ABORT, 'comp period is closed');
END;
-- +goose StatementEnd

-- Each closed period's statements, one row per payee, so that one payee's frozen statement is read without
-- the whole frozen result. Written once, when the period closes; never changed.
CREATE TABLE comp_period_statements (
    period     TEXT NOT NULL REFERENCES comp_periods (id),
    payee_kind TEXT NOT NULL CHECK ((payee_kind = 'ae' OR payee_kind = 'partner')),
    payee_id   INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    statement  TEXT NOT NULL,
    PRIMARY KEY (period, payee_kind, payee_id)
);
CREATE INDEX comp_period_statements_payee ON comp_period_statements (payee_kind, payee_id);
-- +goose StatementBegin
CREATE TRIGGER comp_period_statements_no_update BEFORE UPDATE ON comp_period_statements
BEGIN
    SELECT RAISE(ABORT, 'comp_period_statements is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER comp_period_statements_no_delete BEFORE DELETE ON comp_period_statements
BEGIN
    SELECT RAISE(ABORT, 'comp_period_statements is append-only');
END;
-- +goose StatementEnd

CREATE TABLE comp_payout_imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by INTEGER REFERENCES users (id)
);

CREATE TABLE comp_payouts (
    id          INTEGER PRIMARY KEY,
    period      TEXT NOT NULL,
    payee_kind  TEXT NOT NULL CHECK ((payee_kind = 'ae' OR payee_kind = 'partner')),
    payee_id    INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    reference   TEXT NOT NULL,
    import_id   INTEGER NOT NULL REFERENCES comp_payout_imports (id),
    line        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by INTEGER REFERENCES users (id)
);
-- A payment is imported once: the same reference for the same payee and period is a duplicate.
CREATE UNIQUE INDEX comp_payouts_reference ON comp_payouts (period, payee_kind, payee_id, reference);

-- The period's closed-won deals, read by every calculation.
CREATE INDEX opportunities_won_close_date ON opportunities (close_date) WHERE stage = 'closed_won';
