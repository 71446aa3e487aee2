// Package compensation owns the compensation workflows around the pure calculator (internal/comp):
// plan versions (draft, check, publish; the plan in force on a day), period runs (the live result of
// an open period with the adjustments that land in it, statements scoped to who may see them), the
// close that freezes a period, reproducing a closed period, what-ifs, gross profit, attribution
// recomputes, and the payout file with its reconciliation. The server, the CLI, the demo and the
// jobs call these functions alike.
//
// The store (internal/sqlstore) stays storage: it reads and writes the records of the domain
// (tandem.CompInput, CompPeriod, CompPlanVersion, frozen documents, payouts) and never calculates.
// Transactions stay in its hands: a workflow whose writes must be atomic hands the store either the
// finished records (ClosePeriod: StoreClosedPeriod rechecks and writes in one transaction) or a
// callback the store runs inside its transaction (PublishCompPlanVersion's plan check,
// RecomputeAttribution's rules). Store lists what the workflows need.
package compensation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// PayoutColumns are the columns a payout file must have (any order, case-insensitive, others ignored).
var PayoutColumns = []string{"period", "payee_kind", "payee", "amount", "reference"}

// PayoutStore is what a payout import reads and writes (the SQL store).
type PayoutStore interface {
	PayoutPayees(ctx context.Context, actor tandem.Actor) (aes, partners []tandem.PayeeRecord, err error)
	StorePayouts(ctx context.Context, actor tandem.Actor, fileName string, rows []tandem.Payout) (*tandem.PayoutImport, error)
}

// maxPayoutErrors is how many row errors one refused import reports.
const maxPayoutErrors = 50

type payoutRow struct {
	line      int
	period    string
	kind      comp.PayeeKind
	payeeID   int64
	amount    tandem.Money
	reference string
}

// ImportPayouts reads a payout file — columns period (2026-Q3), payee_kind (ae or partner), payee
// (an AE's email; a partner's external id or name), amount (decimal, e.g. 1234.56), reference (the
// payment's reference, unique per payee and period) — and stores every row, or none: any bad row
// refuses the file with an EINVALID error listing each problem as "FILE: line N: column "C": reason".
// A payment imported before (same period, payee and reference) is ECONFLICT. Revops only.
func ImportPayouts(ctx context.Context, st PayoutStore, actor tandem.Actor, fileName string, src io.Reader) (*tandem.PayoutImport, error) {
	// The payees are read first: reading them is revops-only, so anyone else is refused before the file is read.
	aes, partners, err := st.PayoutPayees(ctx, actor)
	if err != nil {
		return nil, err
	}
	payees := newPayeeDirectory(aes, partners)
	if fileName == "" {
		fileName = "payouts.csv"
	}
	r, col, refusal := csvio.OpenWhole(fileName, src, PayoutColumns)
	if r == nil {
		return nil, refusal.Err()
	}
	var rows []payoutRow
	seen := map[string]int{}
	problem := func(line int, column, format string, args ...any) {
		if len(refusal.Problems) < maxPayoutErrors {
			refusal.Add((&csvio.Error{Line: line, Column: column, Reason: fmt.Sprintf(format, args...)}).Error())
		}
	}
	for {
		rec, more, err := refusal.Next(r)
		if err != nil {
			return nil, refusal.Refuse(err.Error())
		}
		if !more {
			break
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
		var bad *tandem.Error
		if err != nil || field("amount") == "" {
			problem(rec.Line, "amount", "%q is not an amount like 1234.56", field("amount"))
			ok = false
		} else if errors.As(tandem.CheckSignedAmount("amount", amount), &bad) {
			problem(rec.Line, "amount", "%q %s", field("amount"), bad.Message)
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
	if err := refusal.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, refusal.Refuse("the file has no payouts")
	}
	out := make([]tandem.Payout, len(rows))
	for i, row := range rows {
		out[i] = tandem.Payout{Line: row.line, Period: row.period, PayeeKind: string(row.kind), PayeeID: row.payeeID,
			Amount: row.amount, Reference: row.reference}
	}
	return st.StorePayouts(ctx, actor, fileName, out)
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

func newPayeeDirectory(aes, partners []tandem.PayeeRecord) payeeDirectory {
	d := payeeDirectory{aes: map[string]int64{}, partnerExt: map[string]int64{}, partnerNames: map[string][]namedPartner{}}
	for _, ae := range aes {
		d.aes[strings.ToLower(strings.TrimSpace(ae.Email))] = ae.ID
	}
	for _, p := range partners {
		key := strings.ToLower(strings.TrimSpace(p.Name))
		d.partnerNames[key] = append(d.partnerNames[key], namedPartner{p.ID, p.ExternalID})
		d.partnerExt[strings.ToLower(p.ExternalID)] = p.ID
	}
	return d
}
