package portfolio

import (
	"math/big"

	tandem "github.com/tandem-revops/tandem"
)

// ROMI returns the return on marketing investment, (attributable gross margin − spend) ÷ spend, as an
// exact fraction (2 means every unit spent came back three times as margin: 200 % ROMI). It fails with
// EINVALID when spend is not positive, where ROMI is undefined.
func ROMI(attributableGrossMargin, spend tandem.Money) (*big.Rat, error) {
	if spend <= 0 {
		return nil, tandem.FieldError("spend", "ROMI needs a positive spend, not %s", spend)
	}
	return big.NewRat(int64(attributableGrossMargin-spend), int64(spend)), nil
}

// CAC returns the customer acquisition cost, spend ÷ new customers, rounded half to even to the cent.
// It fails with EINVALID when there are no new customers or the spend is negative.
func CAC(spend tandem.Money, newCustomers int64) (tandem.Money, error) {
	if newCustomers <= 0 {
		return 0, tandem.FieldError("new_customers", "CAC needs at least one new customer, not %d", newCustomers)
	}
	if spend < 0 {
		return 0, tandem.FieldError("spend", "%s is negative", spend)
	}
	return spend.MulRate(big.NewRat(1, newCustomers)), nil
}

// LTV returns a customer's lifetime value from the gross margin a customer brings per period, the share
// of customers retained from one period to the next, and an optional discount rate per period (nil or 0
// for none). The formula is the expected discounted margin of a customer who stays each period with
// probability retention, counting the current period:
//
//	LTV = margin · Σₜ (retention / (1+discount))ᵗ = margin · (1+discount) / (1 + discount − retention)
//
// Without discounting this is margin ÷ (1 − retention): margin times the expected lifetime in periods.
// The result is exact, rounded half to even to the cent once. It fails with EINVALID when retention is
// outside [0, 1), or equal to 1 without a discount (an infinite lifetime), or the discount is negative.
func LTV(marginPerPeriod tandem.Money, retention, discount *big.Rat) (tandem.Money, error) {
	if retention == nil || retention.Sign() < 0 || retention.Cmp(big.NewRat(1, 1)) > 0 {
		return 0, tandem.FieldError("retention", "must be between 0 and 1")
	}
	d := new(big.Rat)
	if discount != nil {
		if discount.Sign() < 0 {
			return 0, tandem.FieldError("discount", "cannot be negative")
		}
		d.Set(discount)
	}
	onePlusD := new(big.Rat).Add(big.NewRat(1, 1), d)
	denom := new(big.Rat).Sub(onePlusD, retention)
	if denom.Sign() <= 0 {
		return 0, tandem.FieldError("retention", "100%% retention without a discount rate gives an infinite lifetime")
	}
	return marginPerPeriod.MulRate(new(big.Rat).Quo(onePlusD, denom)), nil
}

// LTVOf returns the lifetime value of the average customer won in a returns row: the row's
// attributable gross margin per won deal taken as one year of a customer's margin (deals are valued by
// their annual contract value), kept each following year with probability retention (the annual
// customer retention rate), undiscounted:
//
//	LTV = (gross margin ÷ wins) ÷ (1 − retention)
//
// computed exactly and rounded half to even to the cent once. It is LTV(margin per win, retention, nil)
// without the intermediate rounding. It fails with EINVALID without wins, without a retention rate, or
// when retention is outside [0, 1) (100 % retention would be an infinite lifetime).
func LTVOf(grossMargin tandem.Money, wins int64, retention *big.Rat) (tandem.Money, error) {
	if wins <= 0 {
		return 0, tandem.FieldError("wins", "LTV needs at least one won deal, not %d", wins)
	}
	one := big.NewRat(1, 1)
	if retention == nil || retention.Sign() < 0 || retention.Cmp(one) >= 0 {
		return 0, tandem.FieldError("retention", "LTV needs an annual retention rate in [0, 1)")
	}
	lifetime := new(big.Rat).Sub(one, retention)
	lifetime.Mul(lifetime, new(big.Rat).SetInt64(wins))
	return grossMargin.MulRate(lifetime.Inv(lifetime)), nil
}

// AccountWin is one won deal's account and close month, what Retention reads.
type AccountWin struct {
	Account int64
	Month   Month
}

// Retention returns the annual customer retention rate at month end: of the accounts with a won deal
// closing in the year before the last twelve months (end−23 … end−12), the share that won another deal
// in the last twelve months (end−11 … end). It is exact; ok is false when no account won in the earlier
// year (no rate can be measured).
func Retention(wins []AccountWin, end Month) (rate *big.Rat, ok bool) {
	before, after := map[int64]bool{}, map[int64]bool{}
	for _, w := range wins {
		switch {
		case w.Month >= end-23 && w.Month <= end-12:
			before[w.Account] = true
		case w.Month > end-12 && w.Month <= end:
			after[w.Account] = true
		}
	}
	if len(before) == 0 {
		return nil, false
	}
	kept := 0
	for a := range before {
		if after[a] {
			kept++
		}
	}
	return big.NewRat(int64(kept), int64(len(before))), true
}
