package sqlstore

import (
	"context"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// The role homes' own numbers (the company-wide ones are PipelineCells and the trends): an AE's open
// conflicts, and a partner manager's partners with their open pipeline and waiting registrations.

// LevelCount is how many open conflicts sit at one escalation level.
type LevelCount struct {
	Level tandem.EscalationLevel
	Count int
}

// OpenConflictLevels counts the open conflicts whose AE is aeID, by escalation level. EFORBIDDEN for
// partner users.
func (s *Store) OpenConflictLevels(ctx context.Context, actor tandem.Actor, aeID int64) ([]LevelCount, error) {
	if err := forbidPartner(actor, "see channel conflicts"); err != nil {
		return nil, err
	}
	var out []LevelCount
	err := s.scanRows(ctx, fmt.Sprintf("open conflicts of AE %d", aeID), func(scan func(...any) error) error {
		var c LevelCount
		err := scan(&c.Level, &c.Count)
		out = append(out, c)
		return err
	}, `SELECT level, count(*) FROM conflicts WHERE status = $1 AND ae_id = $2 GROUP BY level ORDER BY level`,
		string(tandem.ConflictOpen), aeID)
	return out, err
}

// ManagedPartner is one partner a partner manager looks after: its open deals by currency and how many
// of its registrations wait for approval.
type ManagedPartner struct {
	ID        int64
	Name      string
	Open      []CurrencyAmount // open deals, by currency
	Submitted int              // registrations waiting for approval
}

// CurrencyAmount is a count of records and their summed amount in one currency.
type CurrencyAmount struct {
	Currency string
	Count    int
	Amount   tandem.Money
}

// ManagedPartners returns the partners managerID manages, by name, with their open pipeline and
// approval queue. EFORBIDDEN for partner users.
func (s *Store) ManagedPartners(ctx context.Context, actor tandem.Actor, managerID int64) ([]ManagedPartner, error) {
	if err := forbidPartner(actor, "see the partners a manager looks after"); err != nil {
		return nil, err
	}
	what := fmt.Sprintf("partners of manager %d", managerID)
	var out []ManagedPartner
	index := map[int64]int{}
	err := s.scanRows(ctx, what, func(scan func(...any) error) error {
		var p ManagedPartner
		if err := scan(&p.ID, &p.Name); err != nil {
			return err
		}
		index[p.ID] = len(out)
		out = append(out, p)
		return nil
	}, `SELECT id, name FROM partners WHERE manager_id = $1 ORDER BY name, id`, managerID)
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = s.scanRows(ctx, what, func(scan func(...any) error) error {
		var id int64
		var c CurrencyAmount
		if err := scan(&id, &c.Currency, &c.Count, &c.Amount); err != nil {
			return err
		}
		out[index[id]].Open = append(out[index[id]].Open, c)
		return nil
	}, `SELECT o.partner_id, o.currency, count(*), COALESCE(sum(o.acv), 0) FROM opportunities o
		JOIN partners p ON p.id = o.partner_id
		WHERE p.manager_id = $1 AND o.stage NOT IN ($2, $3)
		GROUP BY o.partner_id, o.currency ORDER BY o.partner_id, o.currency`,
		managerID, string(tandem.StageClosedWon), string(tandem.StageClosedLost))
	if err != nil {
		return nil, err
	}
	err = s.scanRows(ctx, what, func(scan func(...any) error) error {
		var id int64
		var n int
		if err := scan(&id, &n); err != nil {
			return err
		}
		out[index[id]].Submitted = n
		return nil
	}, `SELECT r.partner_id, count(*) FROM registrations r JOIN partners p ON p.id = r.partner_id
		WHERE p.manager_id = $1 AND r.status = $2 GROUP BY r.partner_id`, managerID, string(tandem.RegistrationSubmitted))
	return out, err
}

// scanRows is eachRow on the read pool; what names the read in errors.
func (s *Store) scanRows(ctx context.Context, what string, row func(scan func(...any) error) error, query string, args ...any) error {
	if err := eachRow(ctx, s.read, query, args, row); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
