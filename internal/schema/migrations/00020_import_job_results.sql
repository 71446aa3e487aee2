-- What the web import shows of a job (issue 10 #14): whether it was a dry run (checked, then rolled
-- back), the column mapping it used, every problem found (a JSON array of {line, column, value,
-- reason}, capped like the importer's report) and the rows it rejected, as a CSV to download.

-- +goose Up
ALTER TABLE import_jobs ADD COLUMN dry_run {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE import_jobs ADD COLUMN mapping TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN problems TEXT NOT NULL DEFAULT '';
-- problem_count is an INTEGER on both engines.
ALTER TABLE import_jobs ADD COLUMN problem_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE import_job_rejects (
    job_id {{.Int}} PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    csv    TEXT NOT NULL
);

-- +goose Down
DROP TABLE import_job_rejects;
ALTER TABLE import_jobs DROP COLUMN problem_count;
ALTER TABLE import_jobs DROP COLUMN problems;
ALTER TABLE import_jobs DROP COLUMN mapping;
ALTER TABLE import_jobs DROP COLUMN dry_run;
