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
    id             INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    field          TEXT NOT NULL CHECK ((field = 'stage' OR field = 'acv' OR field = 'close_date' OR field = 'forecast_category' OR field = 'owner_id' OR field = 'partner_id' OR field = 'routing_motion' OR field = 'attribution')),
    old_value      TEXT NOT NULL,
    new_value      TEXT NOT NULL,
    changed_at     INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK ((source = 'store' OR source = 'import'))
);
CREATE INDEX opportunity_history_opportunity ON opportunity_history (opportunity_id, changed_at);
CREATE INDEX opportunity_history_changed_at ON opportunity_history (changed_at);

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

-- One row per quarter, as-of day and category (the four and 'total'): the unique key is what makes the
-- weekly job exactly once across instances (a second writer's insert does nothing). Money in minor units.
CREATE TABLE forecast_snapshots (
    id          INTEGER PRIMARY KEY,
    quarter     TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    category    TEXT NOT NULL CHECK ((category = 'direct' OR category = 'partner_sourced' OR category = 'partner_led' OR category = 'partner_influenced' OR category = 'total')),
    won_to_date INTEGER NOT NULL,
    commit_amount INTEGER NOT NULL,
    best_case   INTEGER NOT NULL,
    pipeline    INTEGER NOT NULL,
    p10         INTEGER NOT NULL,
    p50         INTEGER NOT NULL,
    p90         INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    taken_at    INTEGER NOT NULL,
    UNIQUE (quarter, as_of, category)
);

-- A manager's submission: the roll-up they saw, their adjustment on top (negative or positive) and why.
-- Each is also written to the audit log. level is who the number is for: a team (scope = the manager's
-- user id), a region (a country or region name), a partner tier, or the company (the CRO's number).
CREATE TABLE forecast_submissions (
    id           INTEGER PRIMARY KEY,
    quarter      TEXT NOT NULL,
    level        TEXT NOT NULL CHECK ((level = 'team' OR level = 'region' OR level = 'partner_tier' OR level = 'company')),
    scope        TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL CHECK ((category = 'direct' OR category = 'partner_sourced' OR category = 'partner_led' OR category = 'partner_influenced' OR category = 'total')),
    roll_up      INTEGER NOT NULL,
    adjustment   INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    submitted_by INTEGER REFERENCES users (id),
    submitted_at INTEGER NOT NULL
);
CREATE INDEX forecast_submissions_quarter ON forecast_submissions (quarter, level, scope, submitted_at);

