package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// OpportunityNames are the display names of an opportunity's account, owner and partner; empty when the
// deal has none.
type OpportunityNames struct {
	Account, Owner, Partner string
}

// EachOpportunity calls fn for every opportunity matching f (f.Limit caps the count when above zero;
// f.Offset is ignored), in f's order, with the names of its account, owner and partner. It runs one query
// and hands rows over as they are read, so an export of the whole pipeline never holds it in memory.
func (s *Store) EachOpportunity(ctx context.Context, actor tandem.Actor, f OpportunityFilter,
	fn func(o *tandem.Opportunity, names OpportunityNames) error) error {
	from, w, order, err := opportunityQuery(actor, f)
	if err != nil {
		return err
	}
	if from == `opportunities o` {
		from = `opportunities o LEFT JOIN accounts a ON a.id = o.account_id`
	}
	from += ` LEFT JOIN users u ON u.id = o.owner_id LEFT JOIN partners p ON p.id = o.partner_id`
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+opportunityColumns+`, a.name, u.name, u.email, p.name FROM `+
		from+w.sql()+order+limit, w.args...)
	if err != nil {
		return fmt.Errorf("export opportunities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var account, owner, ownerEmail, partner sql.NullString
		o, err := scanOpportunity(rows.Scan, &account, &owner, &ownerEmail, &partner)
		if err != nil {
			return fmt.Errorf("export opportunities: %w", err)
		}
		names := OpportunityNames{Account: account.String, Owner: owner.String, Partner: partner.String}
		if names.Owner == "" { // a user added without a name is still someone: show the address
			names.Owner = ownerEmail.String
		}
		if err := fn(&o, names); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export opportunities: %w", err)
	}
	return nil
}
