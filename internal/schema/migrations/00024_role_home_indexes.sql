-- The role homes (issue 10): the leaders' bookings and partner-sourced share by month, and a partner
-- manager's partners with their open pipeline, read off covering indexes instead of looking up every
-- deal of the twelve months (or every partner deal) in the table.

-- +goose Up
CREATE INDEX opportunities_created_attribution ON opportunities (created_on, attribution, currency, acv);
CREATE INDEX opportunities_stage_close_date ON opportunities (stage, close_date, routing_motion, currency, acv);
CREATE INDEX opportunities_partner_pipeline ON opportunities (partner_id, stage, currency, acv) WHERE partner_id IS NOT NULL;
CREATE INDEX partners_manager_id ON partners (manager_id) WHERE manager_id IS NOT NULL;

-- +goose Down
DROP INDEX partners_manager_id;
DROP INDEX opportunities_partner_pipeline;
DROP INDEX opportunities_stage_close_date;
DROP INDEX opportunities_created_attribution;
