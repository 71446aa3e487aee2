-- The opportunity list's default order is the most recently changed first (updated_at DESC, id DESC).
-- Without an index the database sorts every deal for each page: on the demo's 60,000 deals the RevOps
-- list took about 1 s of SQLite time a page, with this index a few milliseconds.
-- (Added after 00012_forecast.sql.)

-- +goose Up
CREATE INDEX opportunities_updated_at ON opportunities (updated_at, id);

-- +goose Down
DROP INDEX opportunities_updated_at;
