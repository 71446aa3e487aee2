package forecast

import (
	"cmp"
	"fmt"
	"slices"

	tandem "github.com/tandem-revops/tandem"
)

// SnapshotDeal is one deal as a weekly snapshot recorded it.
type SnapshotDeal struct {
	ID        string
	Category  Category
	Outcome   Outcome
	Amount    tandem.Money
	CloseDate Day // the expected close date of an open deal; the close date of a closed one
}

// Movement is how a category's (or the total's) open pipeline for a quarter changed between two
// snapshots, as a waterfall. The pipeline is the open deals whose close date falls in the quarter.
// Deals entering are counted at their new amount, deals leaving at their old one, so that exactly
//
//	End = Start + Added + PulledIn − PushedOut − Won − Lost − Removed + AmountChanged
type Movement struct {
	Category string
	Start    tandem.Money
	// Added: deals new to the pipeline — created since, reopened, or moved here from another category.
	Added tandem.Money
	// PulledIn: open deals whose close date moved into the quarter.
	PulledIn tandem.Money
	// PushedOut: open deals whose close date moved out of the quarter.
	PushedOut tandem.Money
	Won       tandem.Money
	Lost      tandem.Money
	// Removed: deals that left the pipeline otherwise — deleted, or moved to another category.
	Removed tandem.Money
	// AmountChanged: the net change in amount of deals in the pipeline at both snapshots.
	AmountChanged tandem.Money
	End           tandem.Money
	// Counts of deals per movement, for the waterfall's labels.
	AddedDeals, PulledInDeals, PushedOutDeals, WonDeals, LostDeals, RemovedDeals, ChangedDeals int
}

// Reconciles reports whether the waterfall adds up; Movements always returns ones that do.
func (m Movement) Reconciles() bool {
	return m.Start+m.Added+m.PulledIn-m.PushedOut-m.Won-m.Lost-m.Removed+m.AmountChanged == m.End
}

// Movements compares two snapshots of deals for quarter q and returns one waterfall per category in
// Categories order, then the total (the sum of the four). Input order does not matter. It fails on a
// deal without a valid category or an id repeated within a snapshot.
func Movements(from, to []SnapshotDeal, q Quarter) ([]Movement, error) {
	index := func(name string, s []SnapshotDeal) (map[string]SnapshotDeal, error) {
		m := make(map[string]SnapshotDeal, len(s))
		for _, d := range s {
			if categoryIndex(d.Category) < 0 {
				return nil, fmt.Errorf("%s snapshot: deal %q: category %q is not a category", name, d.ID, d.Category)
			}
			if _, dup := m[d.ID]; dup {
				return nil, fmt.Errorf("%s snapshot: deal %q: id used twice", name, d.ID)
			}
			m[d.ID] = d
		}
		return m, nil
	}
	before, err := index("first", from)
	if err != nil {
		return nil, err
	}
	after, err := index("second", to)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(before)+len(after))
	for id := range before {
		ids = append(ids, id)
	}
	for id := range after {
		if _, ok := before[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, cmp.Compare)

	out := make([]Movement, len(Categories)+1)
	for i, c := range Categories {
		out[i].Category = string(c)
	}
	out[len(Categories)].Category = Total
	for _, id := range ids {
		b, hadB := before[id]
		a, hasA := after[id]
		var bp, ap *SnapshotDeal
		if hadB {
			bp = &b
		}
		if hasA {
			ap = &a
		}
		addDeal(out, bp, ap, q, 1)
	}
	sumTotal(out)
	return out, nil
}

// UpdateMovements returns ms (as Movements returned them for q) with one deal's part changed: taken
// out as its snapshots were (old[0] the first, old[1] the second; nil: absent) and put in as they are
// now (now[0], now[1]). Each deal's part of a waterfall depends on its own two snapshots alone, so the
// result equals Movements over the changed snapshots. ms is not modified. The snapshots must have valid
// categories and ids used once (Movements checks them).
func UpdateMovements(ms []Movement, q Quarter, old, now [2]*SnapshotDeal) []Movement {
	out := slices.Clone(ms)
	addDeal(out, old[0], old[1], q, -1)
	addDeal(out, now[0], now[1], q, 1)
	sumTotal(out)
	return out
}

// addDeal adds one deal's part (sign −1: takes it out) to the categories' waterfalls; b and a are its
// snapshots on the first and second day, nil where it is absent.
func addDeal(out []Movement, b, a *SnapshotDeal, q Quarter, sign int) {
	inQuarter := func(d *SnapshotDeal) bool {
		return d != nil && d.Outcome == Open && d.CloseDate >= q.Start() && d.CloseDate <= q.End()
	}
	hadB, hasA := b != nil, a != nil
	wasIn, isIn := inQuarter(b), inQuarter(a)
	money := tandem.Money(sign)
	// step adds amount to one step of a waterfall and counts the deal in it.
	step := func(sum *tandem.Money, deals *int, amount tandem.Money) {
		*sum += money * amount
		*deals += sign
	}
	if wasIn {
		m := &out[categoryIndex(b.Category)]
		m.Start += money * b.Amount
		switch {
		case isIn && a.Category == b.Category:
			if a.Amount != b.Amount {
				step(&m.AmountChanged, &m.ChangedDeals, a.Amount-b.Amount)
			}
		case hasA && a.Category == b.Category && a.Outcome == Won:
			step(&m.Won, &m.WonDeals, b.Amount)
		case hasA && a.Category == b.Category && a.Outcome == Lost:
			step(&m.Lost, &m.LostDeals, b.Amount)
		case hasA && a.Category == b.Category && a.Outcome == Open:
			step(&m.PushedOut, &m.PushedOutDeals, b.Amount)
		default:
			step(&m.Removed, &m.RemovedDeals, b.Amount)
		}
	}
	if isIn {
		m := &out[categoryIndex(a.Category)]
		m.End += money * a.Amount
		switch {
		case wasIn && a.Category == b.Category:
			// counted above
		case hadB && b.Category == a.Category && b.Outcome == Open:
			step(&m.PulledIn, &m.PulledInDeals, a.Amount)
		default:
			step(&m.Added, &m.AddedDeals, a.Amount)
		}
	}
}

// sumTotal sets the last waterfall, the total, to the sum of the categories'.
func sumTotal(out []Movement) {
	total := &out[len(Categories)]
	*total = Movement{Category: Total}
	for _, m := range out[:len(Categories)] {
		total.Start += m.Start
		total.Added += m.Added
		total.PulledIn += m.PulledIn
		total.PushedOut += m.PushedOut
		total.Won += m.Won
		total.Lost += m.Lost
		total.Removed += m.Removed
		total.AmountChanged += m.AmountChanged
		total.End += m.End
		total.AddedDeals += m.AddedDeals
		total.PulledInDeals += m.PulledInDeals
		total.PushedOutDeals += m.PushedOutDeals
		total.WonDeals += m.WonDeals
		total.LostDeals += m.LostDeals
		total.RemovedDeals += m.RemovedDeals
		total.ChangedDeals += m.ChangedDeals
	}
}
