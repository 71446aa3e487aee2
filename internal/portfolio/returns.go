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
