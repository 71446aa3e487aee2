-- A partner user's account list is the accounts of its partner's deals and registrations
-- (sqlstore.scopeAccounts): these indexes answer "the partner's account ids" from the index alone.
-- They replace the single-column partner indexes, which they cover.

-- +goose Up
CREATE INDEX opportunities_partner_account ON opportunities (partner_id, account_id) WHERE partner_id IS NOT NULL;
DROP INDEX opportunities_partner_id;
CREATE INDEX registrations_partner_account ON registrations (partner_id, account_id);
DROP INDEX registrations_partner_id;
