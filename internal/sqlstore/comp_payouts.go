package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Payout reconciliation: the payouts actually made are imported from a CSV file (all rows or none; the
// file is read by internal/compensation) and compared with the statements, payee by payee.

// PayoutImport is one imported payout file.
type PayoutImport = tandem.PayoutImport

// PayoutPayees returns the payees a payout file may name: the vendor's users (AEs, by email) and the
// partners. Revops only: it is read to import payouts.
func (s *Store) PayoutPayees(ctx context.Context, actor tandem.Actor) (aes, partners []tandem.PayeeRecord, err error) {
	if err := requireCompAdmin(actor, "comp payouts", "", "import payouts"); err != nil {
		return nil, nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, email FROM users WHERE partner_id IS NULL`)
	if err != nil {
		return nil, nil, fmt.Errorf("payees: %w", err)
	}
	for rows.Next() {
		var p tandem.PayeeRecord
		if err := rows.Scan(&p.ID, &p.Email); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("payees: %w", err)
		}
		aes = append(aes, p)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("payees: %w", err)
	}
	rows, err = s.read.QueryContext(ctx, `SELECT id, external_id, name FROM partners ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("payees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p tandem.PayeeRecord
		if err := rows.Scan(&p.ID, &p.ExternalID, &p.Name); err != nil {
			return nil, nil, fmt.Errorf("payees: %w", err)
		}
		partners = append(partners, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("payees: %w", err)
	}
	return aes, partners, nil
}

// StorePayouts stores the payouts of one file, all or none, audited as one import. A payment stored
// before (same period, payee and reference) is ECONFLICT naming its line. Revops only.
func (s *Store) StorePayouts(ctx context.Context, actor tandem.Actor, fileName string, rows []tandem.Payout) (*PayoutImport, error) {
	if err := requireCompAdmin(actor, "comp payouts", "", "import payouts"); err != nil {
		return nil, err
	}
	imp := &PayoutImport{FileName: fileName, Rows: len(rows), ImportedBy: actor.UserID}
	for _, row := range rows {
		imp.Total += row.Amount
	}
	err := s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
		imp.ImportedAt = now
		if err := tx.QueryRowContext(ctx, `INSERT INTO comp_payout_imports (file_name, rows, total, imported_at, imported_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, fileName, len(rows), int64(imp.Total), now.UnixMicro(),
			dbID(actor.UserID)).Scan(&imp.ID); err != nil {
			return fmt.Errorf("import payouts: %w", err)
		}
		for _, row := range rows {
			_, err := tx.ExecContext(ctx, `INSERT INTO comp_payouts (period, payee_kind, payee_id, amount, reference, import_id,
				line, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, row.Period, row.PayeeKind,
				row.PayeeID, int64(row.Amount), row.Reference, imp.ID, row.Line, now.UnixMicro(), dbID(actor.UserID))
			if err != nil {
				if tandem.ErrorCode(s.mapErr(err, "payout")) == tandem.ECONFLICT {
					return tandem.Errorf(tandem.ECONFLICT, "%s: line %d: payment %q to %s %d for %s was imported before; nothing was written",
						fileName, row.Line, row.Reference, row.PayeeKind, row.PayeeID, row.Period)
				}
				return fmt.Errorf("import payouts: line %d: %w", row.Line, err)
			}
		}
		return appendAuditTx(ctx, tx, now, actor, "comp.payouts.import", "comp_payout_import", idString(imp.ID),
			map[string]any{"file": fileName, "rows": len(rows), "total": imp.Total})
	})
	if err != nil {
		return nil, err
	}
	return imp, nil
}

// Reconciliation statuses of one payee.
const (
	ReconMatched     = "matched"
	ReconUnderpaid   = "underpaid"
	ReconOverpaid    = "overpaid"
	ReconPaidNotOwed = "paid_not_owed"
	ReconOwedNotPaid = "owed_not_paid"
)

// ReconLine is one payee's expected and paid amounts.
type ReconLine struct {
	PayeeKind  tandem.PayeeKind `json:"payee_kind" enum:"ae,partner"`
	PayeeID    int64            `json:"payee_id"`
	Name       string           `json:"name"`
	Expected   tandem.Money     `json:"expected" doc:"the statement total, minor units"`
	Paid       tandem.Money     `json:"paid" doc:"the imported payouts, minor units"`
	Difference tandem.Money     `json:"difference" doc:"paid − expected"`
	Status     string           `json:"status" enum:"matched,underpaid,overpaid,paid_not_owed,owed_not_paid"`
	References []string         `json:"references" doc:"the payments' references"`
}

// Reconciliation compares a period's statements with the payouts imported for it.
type Reconciliation struct {
	Period        string       `json:"period"`
	Expected      tandem.Money `json:"expected" doc:"sum of the statement totals"`
	Paid          tandem.Money `json:"paid" doc:"sum of the payouts"`
	Difference    tandem.Money `json:"difference" doc:"paid − expected"`
	Matched       int          `json:"matched" doc:"payees paid exactly what they were owed"`
	Differences   []ReconLine  `json:"differences" doc:"every payee paid something else than owed: under- and overpaid, paid but not owed, owed but not paid"`
	MatchedPayees []ReconLine  `json:"matched_payees"`
}

// Reconcile compares the statements of period id with the payouts imported for it and lists every
// difference. Revops and executives only.
func (s *Store) Reconcile(ctx context.Context, actor tandem.Actor, id string) (*Reconciliation, error) {
	p, err := parsePeriod(id)
	if err != nil {
		return nil, err
	}
	if !compSeesAll(actor) {
		return nil, forbiddenOrHidden(actor, "comp reconciliation", id, "reconcile payouts")
	}
	res, err := s.periodResult(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	lines := map[payeeRef]*ReconLine{}
	get := func(k payeeRef) *ReconLine {
		l := lines[k]
		if l == nil {
			l = &ReconLine{PayeeKind: k.kind, PayeeID: k.id, References: []string{}}
			lines[k] = l
		}
		return l
	}
	for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
		for _, st := range list {
			l := get(payeeRef{st.PayeeKind, st.PayeeID})
			l.Name, l.Expected = st.Name, st.Total
		}
	}
	rows, err := s.read.QueryContext(ctx, `SELECT c.payee_kind, c.payee_id, c.amount, c.reference,
		COALESCE(u.name, p.name, '') FROM comp_payouts c
		LEFT JOIN users u ON c.payee_kind = 'ae' AND u.id = c.payee_id
		LEFT JOIN partners p ON c.payee_kind = 'partner' AND p.id = c.payee_id
		WHERE c.period = $1 ORDER BY c.id`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k payeeRef
		var amount tandem.Money
		var ref, name string
		if err := rows.Scan(&k.kind, &k.id, &amount, &ref, &name); err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", p.ID, err)
		}
		l := get(k)
		l.Paid += amount
		l.References = append(l.References, ref)
		if l.Name == "" {
			l.Name = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", p.ID, err)
	}
	out := &Reconciliation{Period: p.ID, Differences: []ReconLine{}, MatchedPayees: []ReconLine{}}
	for _, l := range lines {
		l.Difference = l.Paid - l.Expected
		switch {
		case l.Difference == 0:
			l.Status = ReconMatched
		case l.Expected == 0:
			l.Status = ReconPaidNotOwed
		case len(l.References) == 0:
			l.Status = ReconOwedNotPaid
		case l.Difference < 0:
			l.Status = ReconUnderpaid
		default:
			l.Status = ReconOverpaid
		}
		out.Expected += l.Expected
		out.Paid += l.Paid
		if l.Status == ReconMatched {
			out.Matched++
			out.MatchedPayees = append(out.MatchedPayees, *l)
		} else {
			out.Differences = append(out.Differences, *l)
		}
	}
	out.Difference = out.Paid - out.Expected
	order := func(a, b ReconLine) int {
		if c := cmp.Compare(a.PayeeKind, b.PayeeKind); c != 0 {
			return c
		}
		return cmp.Compare(a.PayeeID, b.PayeeID)
	}
	slices.SortFunc(out.Differences, order)
	slices.SortFunc(out.MatchedPayees, order)
	return out, nil
}
