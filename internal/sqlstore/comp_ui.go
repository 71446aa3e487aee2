package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// What the compensation pages need besides statements: whose statements a caller may pick from (the
// team picker, the partner picker) and the payouts recorded for one statement. Both apply the same
// scope as the statements themselves (comp_scope.go).

// CompPayee is someone a caller may open a statement of.
type CompPayee struct {
	Kind tandem.PayeeKind `json:"kind"`
	ID   int64            `json:"id"`
	Name string           `json:"name"`
}

// CompPayees returns the payees of kind whose statements actor may see, by name: for AEs the users with
// the role ae or who own a won deal (all of them for revops and executives, else the actor and the
// people who report to it); for partners every partner (revops and executives), the partners a partner
// manager manages, or a partner user's own partner.
func (s *Store) CompPayees(ctx context.Context, actor tandem.Actor, kind tandem.PayeeKind) ([]CompPayee, error) {
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var q string
	switch kind {
	case tandem.PayeeAE:
		q = `SELECT id, name FROM users WHERE partner_id IS NULL AND (role = 'ae' OR id IN
			(SELECT owner_id FROM opportunities WHERE stage = 'closed_won' AND owner_id IS NOT NULL))`
	case tandem.PayeePartner:
		q = `SELECT id, name FROM partners`
	default:
		return nil, tandem.FieldError("kind", "%q is not ae or partner", kind)
	}
	out := []CompPayee{}
	err = eachRow(ctx, s.read, q, nil, func(scan func(...any) error) error {
		p := CompPayee{Kind: kind}
		if err := scan(&p.ID, &p.Name); err != nil {
			return err
		}
		// The scope is a set of ids already read; filtering here keeps one query for every role.
		if sc.Sees(kind, p.ID) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comp payees: %w", err)
	}
	slices.SortFunc(out, func(a, b CompPayee) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// CompPayout is one payment recorded for a statement.
type CompPayout struct {
	Amount     tandem.Money `json:"amount"`
	Reference  string       `json:"reference"`
	ImportID   int64        `json:"import_id"`
	Line       int          `json:"line"`
	ImportedAt time.Time    `json:"imported_at"`
}

// CompPayouts returns the payments recorded for one payee's statement of period id, oldest first:
// ENOTFOUND when actor may not see that statement.
func (s *Store) CompPayouts(ctx context.Context, actor tandem.Actor, id string, kind tandem.PayeeKind, payeeID int64) ([]CompPayout, error) {
	p, err := tandem.ParseCompPeriod(id)
	if err != nil {
		return nil, err
	}
	sc, err := s.compScopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !sc.Sees(kind, payeeID) {
		return nil, tandem.NotFound("payouts of", fmt.Sprintf("%s %d in %s", kind, payeeID, p.ID))
	}
	out, err := queryAll(ctx, s.read, fmt.Sprintf("payouts of %s %d in %s", kind, payeeID, p.ID),
		`SELECT amount, reference, import_id, line, imported_at FROM comp_payouts
		WHERE period = $1 AND payee_kind = $2 AND payee_id = $3 ORDER BY id`, []any{p.ID, string(kind), payeeID},
		func(scan func(...any) error) (CompPayout, error) {
			var c CompPayout
			err := scan(&c.Amount, &c.Reference, &c.ImportID, &c.Line, timeCol{&c.ImportedAt})
			return c, err
		})
	return orEmpty(out), err
}
