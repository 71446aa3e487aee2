-- A registration's industry vertical: the published policy routes by it (healthcare is partner-led at
-- any size), so the registration form, bulk upload and API collect it. '' when none was given.

-- +goose Up
ALTER TABLE registrations ADD COLUMN vertical TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE registrations DROP COLUMN vertical;
