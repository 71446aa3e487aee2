package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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
	if err := tandem.RequireCompAdmin(actor, "comp payouts", "", "import payouts"); err != nil {
		return nil, nil, err
	}
	aes, err = queryAll(ctx, s.read, "payees", `SELECT id, email FROM users WHERE partner_id IS NULL`, nil,
		func(scan func(...any) error) (tandem.PayeeRecord, error) {
			var p tandem.PayeeRecord
			err := scan(&p.ID, &p.Email)
			return p, err
		})
	if err != nil {
		return nil, nil, err
	}
	partners, err = queryAll(ctx, s.read, "payees", `SELECT id, external_id, name FROM partners ORDER BY id`, nil,
		func(scan func(...any) error) (tandem.PayeeRecord, error) {
			var p tandem.PayeeRecord
			err := scan(&p.ID, &p.ExternalID, &p.Name)
			return p, err
		})
	if err != nil {
		return nil, nil, err
	}
	return aes, partners, nil
}

// StorePayouts stores the payouts of one file, all or none, audited as one import. A payment stored
// before (same period, payee and reference) is ECONFLICT naming its line. Revops only.
func (s *Store) StorePayouts(ctx context.Context, actor tandem.Actor, fileName string, rows []tandem.Payout) (*PayoutImport, error) {
	if err := tandem.RequireCompAdmin(actor, "comp payouts", "", "import payouts"); err != nil {
		return nil, err
	}
	imp := &PayoutImport{FileName: fileName, Rows: len(rows), ImportedBy: actor.UserID}
	var total tandem.MoneySum
	for _, row := range rows {
		total.Add(row.Amount)
	}
	var err error
	if imp.Total, err = total.Total(fileName + ": the payouts'"); err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx, now time.Time) error {
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

// CompPeriodPayouts returns the payouts imported for period id, in import order, each with its
// payee's name.
func (s *Store) CompPeriodPayouts(ctx context.Context, id string) ([]tandem.CompPayout, error) {
	return queryAll(ctx, s.read, "payouts of "+id, `SELECT c.payee_kind, c.payee_id, c.amount, c.reference,
		COALESCE(u.name, p.name, '') FROM comp_payouts c
		LEFT JOIN users u ON c.payee_kind = 'ae' AND u.id = c.payee_id
		LEFT JOIN partners p ON c.payee_kind = 'partner' AND p.id = c.payee_id
		WHERE c.period = $1 ORDER BY c.id`, []any{id}, func(scan func(...any) error) (tandem.CompPayout, error) {
		var po tandem.CompPayout
		err := scan(&po.Payee.Kind, &po.Payee.ID, &po.Amount, &po.Reference, &po.Name)
		return po, err
	})
}
