-- Channel-conflict detection and escalation: what a conflict was about when it opened (the partners,
-- the AE, the deal size and the partner's tier, kept as they were so that the pattern review and the
-- precedent search read history, not today's records), a key that lets only one conflict be open per
-- pair of claims, and the anti-cannibalisation flag the compensation run reads.

-- +goose Up
ALTER TABLE conflicts ADD COLUMN pair_key TEXT NOT NULL DEFAULT '';
ALTER TABLE conflicts ADD COLUMN partner_id {{.Int}} REFERENCES partners (id);
ALTER TABLE conflicts ADD COLUMN other_partner_id {{.Int}} REFERENCES partners (id);
ALTER TABLE conflicts ADD COLUMN ae_id {{.Int}} REFERENCES users (id);
ALTER TABLE conflicts ADD COLUMN acv {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE conflicts ADD COLUMN partner_tier TEXT NOT NULL DEFAULT '';
-- Detection is idempotent: a second detection of the same pair while a conflict is open inserts nothing.
CREATE UNIQUE INDEX conflicts_open_pair ON conflicts (pair_key) WHERE status = 'open' AND pair_key <> '';
CREATE INDEX conflicts_other_registration_id ON conflicts (other_registration_id);
CREATE INDEX conflicts_opened_at ON conflicts (opened_at);

ALTER TABLE opportunities ADD COLUMN cannibalisation_flag {{.Bool}} NOT NULL DEFAULT {{.False}}{{if .SQLite}} CHECK (cannibalisation_flag = 0 OR cannibalisation_flag = 1){{end}};
