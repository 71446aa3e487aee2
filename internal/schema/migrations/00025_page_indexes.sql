-- Pages (issue 10) on the demo company:
-- * opportunities_won_owner: the owners of won deals (the compensation pages' AE picker, an AE's
--   statement, a period's AEs) read off a small partial index instead of every deal of every owner
--   (75 ms a view of /comp before).
-- * opportunities_won_account: each account's first won deal (a new customer, on the portfolio page)
--   read in order off a covering index instead of sorting the won deals looked up one by one.
-- * registrations_credited_deal, registrations_credited_account: whether a won deal carries an approved
--   or won registration (a period's comp input asks it of every deal) read off small partial indexes
--   of those registrations (the deals query of a quarter took a third less time).
-- * opportunities_cannibalised: the flagged deals' count and id sum in the portfolio's and the comp
--   results' data version read off a partial index instead of scanning every deal twice.
-- * comp_periods_heads (SQLite only): a period's heading columns (status, dates, plan, result hash) read
--   from a covering index; from the table SQLite walks every frozen document (megabytes) stored before
--   the result hash. PostgreSQL keeps the frozen documents out of line, so reading the heading does not
--   walk them.

-- +goose Up
CREATE INDEX opportunities_won_owner ON opportunities (owner_id, close_date) WHERE stage = 'closed_won';
CREATE INDEX opportunities_won_account ON opportunities (account_id, close_date) WHERE stage = 'closed_won';
CREATE INDEX opportunities_cannibalised ON opportunities (id) WHERE cannibalisation_flag;
CREATE INDEX registrations_credited_deal ON registrations (opportunity_id, partner_id) WHERE status = 'approved' OR status = 'won';
CREATE INDEX registrations_credited_account ON registrations (account_id, partner_id, product_type)
    WHERE opportunity_id IS NULL AND (status = 'approved' OR status = 'won');
{{- if .SQLite}}
CREATE INDEX comp_periods_heads ON comp_periods (status, starts_at, id, ends_at, closed_at, closed_by, plan_version_id, plan_version, result_sha256);
{{- end}}

-- +goose Down
DROP INDEX registrations_credited_account;
DROP INDEX registrations_credited_deal;
{{- if .SQLite}}
DROP INDEX comp_periods_heads;
{{- end}}
DROP INDEX opportunities_cannibalised;
DROP INDEX opportunities_won_account;
DROP INDEX opportunities_won_owner;
