-- Joint forecast (issue 9): the opportunity history the forecast reads "as of" any day, the weekly
-- forecast snapshots, and the managers' forecast submissions with their adjustments.
--
-- History is written by triggers on opportunities, so every write path (API, import, re-route,
-- escalation and attribution decisions, routing) is captured without the store's write code knowing.
-- A trigger cannot see the store's injected clock, so a change's time is the row's updated_at, which
-- every write path sets from that clock in the same statement. A creation writes no history row: the
-- values a deal was created with are its current values with the later changes undone, and created_at
-- is its birth. source is 'store' for what the triggers capture and 'import' for history imported from
-- a CRM (Salesforce OpportunityHistory / OpportunityFieldHistory, HubSpot property history).
-- Values are text: enumerations as stored, acv in minor units, close_date and owner/partner ids as the
-- integers the opportunities table holds ('' for NULL).

-- +goose Up
CREATE TABLE opportunity_history (
    id             {{.AutoID}},
    opportunity_id {{.Int}} NOT NULL REFERENCES opportunities (id),
    field          TEXT NOT NULL CHECK (({{.OneOf "field" "stage" "acv" "close_date" "forecast_category" "owner_id" "partner_id" "routing_motion" "attribution"}})),
    old_value      TEXT NOT NULL,
    new_value      TEXT NOT NULL,
    changed_at     {{.Int}} NOT NULL,
    source         TEXT NOT NULL CHECK (({{.OneOf "source" "store" "import"}}))
);
CREATE INDEX opportunity_history_opportunity ON opportunity_history (opportunity_id, changed_at);
CREATE INDEX opportunity_history_changed_at ON opportunity_history (changed_at);

{{if .SQLite -}}
-- +goose StatementBegin
CREATE TRIGGER opportunity_history_capture AFTER UPDATE ON opportunities
BEGIN
    INSERT INTO opportunity_history (opportunity_id, field, old_value, new_value, changed_at, source)
    SELECT NEW.id, 'stage', OLD.stage, NEW.stage, NEW.updated_at, 'store' WHERE OLD.stage IS NOT NEW.stage
    UNION ALL
    SELECT NEW.id, 'acv', CAST(OLD.acv AS TEXT), CAST(NEW.acv AS TEXT), NEW.updated_at, 'store' WHERE OLD.acv IS NOT NEW.acv
    UNION ALL
    SELECT NEW.id, 'close_date', COALESCE(CAST(OLD.close_date AS TEXT), ''), COALESCE(CAST(NEW.close_date AS TEXT), ''), NEW.updated_at, 'store'
        WHERE OLD.close_date IS NOT NEW.close_date
    UNION ALL
    SELECT NEW.id, 'forecast_category', OLD.forecast_category, NEW.forecast_category, NEW.updated_at, 'store'
        WHERE OLD.forecast_category IS NOT NEW.forecast_category
    UNION ALL
    SELECT NEW.id, 'owner_id', COALESCE(CAST(OLD.owner_id AS TEXT), ''), COALESCE(CAST(NEW.owner_id AS TEXT), ''), NEW.updated_at, 'store'
        WHERE OLD.owner_id IS NOT NEW.owner_id
    UNION ALL
    SELECT NEW.id, 'partner_id', COALESCE(CAST(OLD.partner_id AS TEXT), ''), COALESCE(CAST(NEW.partner_id AS TEXT), ''), NEW.updated_at, 'store'
        WHERE OLD.partner_id IS NOT NEW.partner_id
    UNION ALL
    SELECT NEW.id, 'routing_motion', OLD.routing_motion, NEW.routing_motion, NEW.updated_at, 'store'
        WHERE OLD.routing_motion IS NOT NEW.routing_motion
    UNION ALL
    SELECT NEW.id, 'attribution', OLD.attribution, NEW.attribution, NEW.updated_at, 'store'
        WHERE OLD.attribution IS NOT NEW.attribution;
END;
-- +goose StatementEnd
{{- else -}}
-- +goose StatementBegin
CREATE FUNCTION opportunity_history_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO opportunity_history (opportunity_id, field, old_value, new_value, changed_at, source)
    SELECT NEW.id, c.field, c.old_value, c.new_value, NEW.updated_at, 'store'
    FROM (VALUES
        ('stage', OLD.stage, NEW.stage),
        ('acv', OLD.acv::text, NEW.acv::text),
        ('close_date', COALESCE(OLD.close_date::text, ''), COALESCE(NEW.close_date::text, '')),
        ('forecast_category', OLD.forecast_category, NEW.forecast_category),
        ('owner_id', COALESCE(OLD.owner_id::text, ''), COALESCE(NEW.owner_id::text, '')),
        ('partner_id', COALESCE(OLD.partner_id::text, ''), COALESCE(NEW.partner_id::text, '')),
        ('routing_motion', OLD.routing_motion, NEW.routing_motion),
        ('attribution', OLD.attribution, NEW.attribution)
    ) AS c (field, old_value, new_value)
    WHERE c.old_value IS DISTINCT FROM c.new_value;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER opportunity_history_capture AFTER UPDATE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION opportunity_history_capture();
{{- end}}

-- One row per quarter, as-of day and category (the four and 'total'): the unique key is what makes the
-- weekly job exactly once across instances (a second writer's insert does nothing). Money in minor units.
CREATE TABLE forecast_snapshots (
    id          {{.AutoID}},
    quarter     TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (({{.OneOf "category" "direct" "partner_sourced" "partner_led" "partner_influenced" "total"}})),
    won_to_date {{.Int}} NOT NULL,
    commit_amount {{.Int}} NOT NULL,
    best_case   {{.Int}} NOT NULL,
    pipeline    {{.Int}} NOT NULL,
    p10         {{.Int}} NOT NULL,
    p50         {{.Int}} NOT NULL,
    p90         {{.Int}} NOT NULL,
    seed        {{.Int}} NOT NULL,
    taken_at    {{.Int}} NOT NULL,
    UNIQUE (quarter, as_of, category)
);

-- A manager's submission: the roll-up they saw, their adjustment on top (negative or positive) and why.
-- Each is also written to the audit log. level is who the number is for: a team (scope = the manager's
-- user id), a region (a country or region name), a partner tier, or the company (the CRO's number).
CREATE TABLE forecast_submissions (
    id           {{.AutoID}},
    quarter      TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (({{.OneOf "level" "team" "region" "partner_tier" "company"}})),
    scope        TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL CHECK (({{.OneOf "category" "direct" "partner_sourced" "partner_led" "partner_influenced" "total"}})),
    roll_up      {{.Int}} NOT NULL,
    adjustment   {{.Int}} NOT NULL,
    amount       {{.Int}} NOT NULL,
    reason       TEXT NOT NULL,
    submitted_by {{.Int}} REFERENCES users (id),
    submitted_at {{.Int}} NOT NULL
);
CREATE INDEX forecast_submissions_quarter ON forecast_submissions (quarter, level, scope, submitted_at);

