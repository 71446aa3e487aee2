-- Pages (issue 10) on the demo company:
-- * opportunities_won_owner: the owners of won deals (the compensation pages' AE picker, an AE's
--   statement, a period's AEs) read off a small partial index instead of every deal of every owner.
-- * opportunities_won_account: each account's first won deal (a new customer, on the portfolio page)
--   read in order off a covering index instead of sorting the won deals looked up one by one.
-- * registrations_credited_deal, registrations_credited_account: whether a won deal carries an approved
--   or won registration (a period's comp input asks it of every deal) read off small partial indexes
--   of those registrations (the deals query of a quarter took a third less time).
-- * opportunities_cannibalised: the flagged deals' count and id sum in the portfolio's and the comp
--   results' data version read off a partial index instead of scanning every deal twice.
-- (SQLite also gets a covering index of comp_periods' heading columns; PostgreSQL keeps the frozen
-- documents out of line, so reading the heading does not walk them.)

-- +goose Up
CREATE INDEX opportunities_won_owner ON opportunities (owner_id, close_date) WHERE stage = 'closed_won';
CREATE INDEX opportunities_won_account ON opportunities (account_id, close_date) WHERE stage = 'closed_won';
CREATE INDEX opportunities_cannibalised ON opportunities (id) WHERE cannibalisation_flag;
CREATE INDEX registrations_credited_deal ON registrations (opportunity_id, partner_id) WHERE status = 'approved' OR status = 'won';
CREATE INDEX registrations_credited_account ON registrations (account_id, partner_id, product_type)
    WHERE opportunity_id IS NULL AND (status = 'approved' OR status = 'won');

-- +goose Down
DROP INDEX registrations_credited_account;
DROP INDEX registrations_credited_deal;
DROP INDEX opportunities_cannibalised;
DROP INDEX opportunities_won_account;
DROP INDEX opportunities_won_owner;
