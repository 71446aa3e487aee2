-- Load (issue 11): two changes that let writers and readers go side by side.
--
-- Audit entries of a transaction wait here until it is about to commit; then, holding the chain's
-- head (audit_chain) for as short a time as possible, the store moves them into audit_log in order,
-- hashed and chained, and deletes them here (sqlstore/audit_chain.go). A committed transaction leaves
-- no row behind, so a transaction reading this table sees its own entries only. The head is therefore
-- the last lock an audited transaction takes: two of them cannot deadlock over it, and concurrent
-- writers wait on it for the chaining and the commit alone, not for their whole work.

-- +goose Up
{{template "audit_entries" .On "audit_pending"}}

-- The default order of the busiest lists, so that a page of 50 is read off an index instead of sorting
-- every row the caller may see: registrations newest first (all, and one partner's), opportunities
-- last changed first for a partner, accounts by name.
CREATE INDEX registrations_submitted_at ON registrations (submitted_at, id);
CREATE INDEX registrations_partner_submitted_at ON registrations (partner_id, submitted_at, id);
CREATE INDEX opportunities_partner_updated_at ON opportunities (partner_id, updated_at, id);
CREATE INDEX accounts_name ON accounts (name, id);
-- The registration search (a substring of the company name) and its count scan this, not the rows.
CREATE INDEX registrations_account_name ON registrations (account_name);

-- +goose Down
DROP INDEX registrations_account_name;
DROP INDEX accounts_name;
DROP INDEX opportunities_partner_updated_at;
DROP INDEX registrations_partner_submitted_at;
DROP INDEX registrations_submitted_at;
DROP TABLE audit_pending;
