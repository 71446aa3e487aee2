package compensation

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	tandem "github.com/tandem-revops/tandem"
)

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
func Reconcile(ctx context.Context, st Store, actor tandem.Actor, id string) (*Reconciliation, error) {
	return (*Cache)(nil).Reconcile(ctx, st, actor, id)
}

// Reconcile is Reconcile with an open period's statements kept in c for the data version; the
// payouts are read each time.
func (c *Cache) Reconcile(ctx context.Context, st Store, actor tandem.Actor, id string) (*Reconciliation, error) {
	p, err := periodForAll(actor, "comp reconciliation", id, "reconcile payouts")
	if err != nil {
		return nil, err
	}
	res, err := c.wholeResult(ctx, st, p)
	if err != nil {
		return nil, err
	}
	lines := map[tandem.CompPayee]*ReconLine{}
	get := func(k tandem.CompPayee) *ReconLine {
		l := lines[k]
		if l == nil {
			l = &ReconLine{PayeeKind: k.Kind, PayeeID: k.ID, References: []string{}}
			lines[k] = l
		}
		return l
	}
	for _, list := range [][]tandem.CompStatement{res.AEs, res.Partners} {
		for _, s := range list {
			l := get(tandem.CompPayee{Kind: s.PayeeKind, ID: s.PayeeID})
			l.Name, l.Expected = s.Name, s.Total
		}
	}
	payouts, err := st.CompPeriodPayouts(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, po := range payouts {
		l := get(po.Payee)
		paid, err := tandem.AddMoney(l.Paid, po.Amount)
		if err != nil {
			return nil, tandem.MoneyRangeError(fmt.Sprintf("%s: payouts to %s %d", p.ID, po.Payee.Kind, po.Payee.ID))
		}
		l.Paid = paid
		l.References = append(l.References, po.Reference)
		if l.Name == "" {
			l.Name = po.Name
		}
	}
	out := &Reconciliation{Period: p.ID, Differences: []ReconLine{}, MatchedPayees: []ReconLine{}}
	var expected, paid tandem.MoneySum
	for _, l := range lines {
		if l.Difference, err = tandem.SubMoney(l.Paid, l.Expected); err != nil {
			return nil, tandem.MoneyRangeError(fmt.Sprintf("%s: the difference for %s %d", p.ID, l.PayeeKind, l.PayeeID))
		}
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
		expected.Add(l.Expected)
		paid.Add(l.Paid)
		if l.Status == ReconMatched {
			out.Matched++
			out.MatchedPayees = append(out.MatchedPayees, *l)
		} else {
			out.Differences = append(out.Differences, *l)
		}
	}
	if out.Expected, err = expected.Total(p.ID + ": expected pay"); err != nil {
		return nil, err
	}
	if out.Paid, err = paid.Total(p.ID + ": payouts"); err != nil {
		return nil, err
	}
	if out.Difference, err = tandem.SubMoney(out.Paid, out.Expected); err != nil {
		return nil, tandem.MoneyRangeError(p.ID + ": the difference")
	}
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
