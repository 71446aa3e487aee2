-- MDF expiry as a background job (issue 12): a fund whose period is over is marked expired once, by
-- whichever instance gets there first, and its unspent budget lapses; expired_at is NULL until then.
-- (Added after 00014; 00015 and 00016 belong to other work.)

-- +goose Up
ALTER TABLE mdf_funds ADD COLUMN expired_at {{.Int}};

-- +goose Down
ALTER TABLE mdf_funds DROP COLUMN expired_at;
