package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// Payout reconciliation: the payouts actually made are imported from a CSV file (all rows or none) and
// compared with the statements, payee by payee.

// PayoutColumns are the columns a payout file must have (any order, case-insensitive, others ignored).
var PayoutColumns = []string{"period", "payee_kind", "payee", "amount", "reference"}

// maxPayoutErrors is how many row errors one refused import reports.
const maxPayoutErrors = 50

// PayoutImport is one imported payout file.
type PayoutImport struct {
	ID         int64        `json:"id"`
	FileName   string       `json:"file_name"`
	Rows       int          `json:"rows" doc:"payouts imported"`
	Total      tandem.Money `json:"total" doc:"sum of the amounts, minor units"`
	ImportedAt time.Time    `json:"imported_at"`
	ImportedBy int64        `json:"imported_by,omitempty"`
}

type payoutRow struct {
	line      int
	period    string
	kind      comp.PayeeKind
	payeeID   int64
	amount    tandem.Money
	reference string
}

// ImportCompPayouts reads a payout file — columns period (2026-Q3), payee_kind (ae or partner), payee
// (an AE's email; a partner's external id or name), amount (decimal, e.g. 1234.56), reference (the
// payment's reference, unique per payee and period) — and stores every row, or none: any bad row
// refuses the file with an EINVALID error listing each problem as "FILE: line N: column "C": reason".
// A payment imported before (same period, payee and reference) is ECONFLICT. Revops only.
func (s *Store) ImportCompPayouts(ctx context.Context, actor tandem.Actor, fileName string, src io.Reader) (*PayoutImport, error) {
	if err := requireCompAdmin(actor, "comp payouts", "", "import payouts"); err != nil {
		return nil, err
	}
	if fileName == "" {
		fileName = "payouts.csv"
	}
	fail := func(problems []string) error {
		return &tandem.Error{Code: tandem.EINVALID, Field: "file",
			Message: fmt.Sprintf("%s was not imported (nothing was written):\n%s", fileName, strings.Join(problems, "\n"))}
	}
	r, err := csvio.NewReader(src)
	if err != nil {
		return nil, fail([]string{fileName + ": " + err.Error()})
	}
	col := map[string]int{}
	var problems []string
	for _, name := range PayoutColumns {
		if col[name] = r.Index(name); col[name] < 0 {
			problems = append(problems, fmt.Sprintf("%s: line 1: column %q is missing (the file needs %s)", fileName, name,
				strings.Join(PayoutColumns, ", ")))
		}
	}
	if len(problems) > 0 {
		return nil, fail(problems)
	}
	payees, err := s.payeeDirectory(ctx)
	if err != nil {
		return nil, err
	}
	var rows []payoutRow
	seen := map[string]int{}
	problem := func(line int, column, format string, args ...any) {
		if len(problems) < maxPayoutErrors {
			e := &csvio.Error{Line: line, Column: column, Reason: fmt.Sprintf(format, args...)}
			problems = append(problems, fileName+": "+e.Error())
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var cerr *csvio.Error
		if errors.As(err, &cerr) {
			problems = append(problems, fileName+": "+cerr.Error())
			continue
		}
		if err != nil {
			return nil, fail([]string{fileName + ": " + err.Error()})
		}
		field := func(name string) string { return strings.TrimSpace(rec.Fields[col[name]]) }
		row := payoutRow{line: rec.Line}
		ok := true
		if p, err := comp.ParsePeriod(field("period")); err != nil {
			problem(rec.Line, "period", "%q is not a quarter like 2026Q3", field("period"))
			ok = false
		} else {
			row.period = p.ID
		}
		switch kind := comp.PayeeKind(strings.ToLower(field("payee_kind"))); kind {
		case comp.PayeeAE, comp.PayeePartner:
			row.kind = kind
		default:
			problem(rec.Line, "payee_kind", "%q is not ae or partner", field("payee_kind"))
			ok = false
		}
		if payee := field("payee"); payee == "" {
			problem(rec.Line, "payee", "is empty")
			ok = false
		} else if row.kind != "" {
			id, why := payees.find(row.kind, payee)
			if why != "" {
				problem(rec.Line, "payee", "%s", why)
				ok = false
			}
			row.payeeID = id
		}
		amount, _, err := tandem.ParseMoney(field("amount"))
		if err != nil || field("amount") == "" {
			problem(rec.Line, "amount", "%q is not an amount like 1234.56", field("amount"))
			ok = false
		}
		row.amount = amount
		if row.reference = field("reference"); row.reference == "" {
			problem(rec.Line, "reference", "is empty: every payment needs its reference")
			ok = false
		}
		if !ok {
			continue
		}
		key := fmt.Sprintf("%s|%s|%d|%s", row.period, row.kind, row.payeeID, row.reference)
		if first, dup := seen[key]; dup {
			problem(rec.Line, "reference", "repeats the payment on line %d (same period, payee and reference)", first)
			continue
		}
		seen[key] = rec.Line
		rows = append(rows, row)
	}
	if len(problems) > 0 {
		return nil, fail(problems)
	}
	if len(rows) == 0 {
		return nil, fail([]string{fileName + ": the file has no payouts"})
	}
	imp := &PayoutImport{FileName: fileName, Rows: len(rows), ImportedBy: actor.UserID}
	for _, row := range rows {
		imp.Total += row.amount
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
				line, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, row.period, string(row.kind),
				row.payeeID, int64(row.amount), row.reference, imp.ID, row.line, now.UnixMicro(), dbID(actor.UserID))
			if err != nil {
				if tandem.ErrorCode(s.mapErr(err, "payout")) == tandem.ECONFLICT {
					return tandem.Errorf(tandem.ECONFLICT, "%s: line %d: payment %q to %s %d for %s was imported before; nothing was written",
						fileName, row.line, row.reference, row.kind, row.payeeID, row.period)
				}
				return fmt.Errorf("import payouts: line %d: %w", row.line, err)
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

// payeeDirectory resolves the payees a payout file names: AEs by email, partners by external id or name
// (case-insensitive). A name two partners share names neither: a payment is never booked to a guess.
type payeeDirectory struct {
	aes        map[string]int64
	partnerExt map[string]int64
	// partnerNames holds, per lower-cased name, the partners with it.
	partnerNames map[string][]namedPartner
}

type namedPartner struct {
	id  int64
	ext string
}

// find returns the id of the payee of kind that name names, or why there is none.
func (d payeeDirectory) find(kind comp.PayeeKind, name string) (int64, string) {
	key := strings.ToLower(strings.TrimSpace(name))
	if kind == comp.PayeeAE {
		if id, ok := d.aes[key]; ok {
			return id, ""
		}
		return 0, fmt.Sprintf("no AE has the email %q", name)
	}
	if id, ok := d.partnerExt[key]; ok { // an external id beats a name
		return id, ""
	}
	switch named := d.partnerNames[key]; len(named) {
	case 0:
		return 0, fmt.Sprintf("no partner has the external id or name %q", name)
	case 1:
		return named[0].id, ""
	default:
		exts := make([]string, len(named))
		for i, n := range named {
			exts[i] = n.ext
		}
		return 0, fmt.Sprintf("%d partners are named %q (external ids %s): name the partner by its external id",
			len(named), name, strings.Join(exts, ", "))
	}
}

func (s *Store) payeeDirectory(ctx context.Context) (payeeDirectory, error) {
	d := payeeDirectory{aes: map[string]int64{}, partnerExt: map[string]int64{}, partnerNames: map[string][]namedPartner{}}
	rows, err := s.read.QueryContext(ctx, `SELECT id, email FROM users WHERE partner_id IS NULL`)
	if err != nil {
		return d, fmt.Errorf("payees: %w", err)
	}
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return d, fmt.Errorf("payees: %w", err)
		}
		d.aes[normalizeEmail(email)] = id
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return d, fmt.Errorf("payees: %w", err)
	}
	rows, err = s.read.QueryContext(ctx, `SELECT id, external_id, name FROM partners ORDER BY id`)
	if err != nil {
		return d, fmt.Errorf("payees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ext, name string
		if err := rows.Scan(&id, &ext, &name); err != nil {
			return d, fmt.Errorf("payees: %w", err)
		}
		key := strings.ToLower(strings.TrimSpace(name))
		d.partnerNames[key] = append(d.partnerNames[key], namedPartner{id, ext})
		d.partnerExt[strings.ToLower(ext)] = id
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("payees: %w", err)
	}
	return d, nil
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
	PayeeKind  comp.PayeeKind `json:"payee_kind" enum:"ae,partner"`
	PayeeID    int64          `json:"payee_id"`
	Name       string         `json:"name"`
	Expected   tandem.Money   `json:"expected" doc:"the statement total, minor units"`
	Paid       tandem.Money   `json:"paid" doc:"the imported payouts, minor units"`
	Difference tandem.Money   `json:"difference" doc:"paid − expected"`
	Status     string         `json:"status" enum:"matched,underpaid,overpaid,paid_not_owed,owed_not_paid"`
	References []string       `json:"references" doc:"the payments' references"`
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
	for _, list := range [][]comp.Statement{res.AEs, res.Partners} {
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
