-- Pages (issue 10): the home page's pipeline by motion, stage and category, and its pipeline trend by
-- month, read off covering indexes instead of sorting every opportunity for the GROUP BY (on the demo
-- company the pipeline cells went from 115 ms to 14 ms of SQLite time).

-- +goose Up
CREATE INDEX opportunities_pipeline_cells ON opportunities (routing_motion, stage, forecast_category, currency, acv);
CREATE INDEX opportunities_created_on ON opportunities (created_on, routing_motion, currency, acv);

-- +goose Down
DROP INDEX opportunities_created_on;
DROP INDEX opportunities_pipeline_cells;
