-- Compensation: the versioned, effective-dated compensation plan (like policy_versions), quotas per AE
-- and period, periods frozen when they close (the input, the adjustments paid in them, the result and its
-- SHA-256, the plan version and its source, so that a closed period reproduces its statements byte for
-- byte without reading anything else), and the payouts actually made, imported for reconciliation.
-- Money is {{.Int}} minor units in the plan's currency.

-- +goose Up
{{template "versioned_document" .On "comp_plan_versions"}}
CREATE INDEX comp_plan_versions_status ON comp_plan_versions (status, effective_from);

CREATE TABLE comp_quotas (
    user_id    {{.Int}} NOT NULL REFERENCES users (id),
    period     TEXT NOT NULL,
    amount     {{.Int}} NOT NULL CHECK (amount >= 0),
    updated_at {{.Int}} NOT NULL,
    updated_by {{.Int}} REFERENCES users (id),
    PRIMARY KEY (user_id, period)
);
CREATE INDEX comp_quotas_period ON comp_quotas (period);

CREATE TABLE comp_periods (
    id                 TEXT PRIMARY KEY,
    status             TEXT NOT NULL CHECK (({{.OneOf "status" "open" "closed"}})),
    starts_at          {{.Int}} NOT NULL,
    ends_at            {{.Int}} NOT NULL,
    closed_at          {{.Int}},
    closed_by          {{.Int}} REFERENCES users (id),
    plan_version_id    {{.Int}} REFERENCES comp_plan_versions (id),
    plan_version       TEXT NOT NULL DEFAULT '',
    plan_source        TEXT NOT NULL DEFAULT '',
    frozen_input       TEXT NOT NULL DEFAULT '',
    frozen_adjustments TEXT NOT NULL DEFAULT '',
    frozen_result      TEXT NOT NULL DEFAULT '',
    result_sha256      TEXT NOT NULL DEFAULT '',
    CHECK (status = 'open' OR (closed_at IS NOT NULL AND frozen_result <> '' AND result_sha256 <> ''))
);

-- A closed period is frozen: no UPDATE or DELETE of it, whatever the columns (and in PostgreSQL no
-- TRUNCATE of the table).
{{if .SQLite -}}
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
{{- else -}}
-- +goose StatementBegin
CREATE FUNCTION comp_period_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION 'comp period % is closed', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER comp_periods_frozen BEFORE UPDATE OR DELETE ON comp_periods
    FOR EACH ROW EXECUTE FUNCTION comp_period_frozen();
-- refuse_change() is defined by 00001.
CREATE TRIGGER comp_periods_no_truncate BEFORE TRUNCATE ON comp_periods
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
{{- end}}

-- Each closed period's statements, one row per payee, so that one payee's frozen statement is read without
-- the whole frozen result. Written once, when the period closes; never changed.
CREATE TABLE comp_period_statements (
    period     TEXT NOT NULL REFERENCES comp_periods (id),
    payee_kind TEXT NOT NULL CHECK (({{.OneOf "payee_kind" "ae" "partner"}})),
    payee_id   {{.Int}} NOT NULL,
    total      {{.Int}} NOT NULL,
    statement  TEXT NOT NULL,
    PRIMARY KEY (period, payee_kind, payee_id)
);
CREATE INDEX comp_period_statements_payee ON comp_period_statements (payee_kind, payee_id);
{{template "append_only" .On "comp_period_statements"}}

CREATE TABLE comp_payout_imports (
    id          {{.AutoID}},
    file_name   TEXT NOT NULL DEFAULT '',
    rows        {{.Int}} NOT NULL,
    total       {{.Int}} NOT NULL,
    imported_at {{.Int}} NOT NULL,
    imported_by {{.Int}} REFERENCES users (id)
);

CREATE TABLE comp_payouts (
    id          {{.AutoID}},
    period      TEXT NOT NULL,
    payee_kind  TEXT NOT NULL CHECK (({{.OneOf "payee_kind" "ae" "partner"}})),
    payee_id    {{.Int}} NOT NULL,
    amount      {{.Int}} NOT NULL,
    reference   TEXT NOT NULL,
    import_id   {{.Int}} NOT NULL REFERENCES comp_payout_imports (id),
    line        {{.Int}} NOT NULL,
    imported_at {{.Int}} NOT NULL,
    imported_by {{.Int}} REFERENCES users (id)
);
-- A payment is imported once: the same reference for the same payee and period is a duplicate.
CREATE UNIQUE INDEX comp_payouts_reference ON comp_payouts (period, payee_kind, payee_id, reference);

-- The period's closed-won deals, read by every calculation.
CREATE INDEX opportunities_won_close_date ON opportunities (close_date) WHERE stage = 'closed_won';
