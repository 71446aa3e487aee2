package policy

import (
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// Currencies returns the currencies the policy prices deals in: its own and every one it has an fx rate
// for, sorted.
func (p *Policy) Currencies() []string {
	out := append([]string{p.Currency()}, p.FXCodes()...)
	slices.Sort(out)
	return slices.Compact(out)
}

// CheckCurrency is the one currency validation every path shares — the registration form, bulk upload,
// the API, tandem route and tandem import: a deal's currency must be one the policy can convert
// ("" is the policy's own). Its message is safe to show a partner.
func (p *Policy) CheckCurrency(currency string) error {
	if currency == "" || strings.EqualFold(currency, p.Currency()) {
		return nil
	}
	if p.HasFX(currency) {
		return nil
	}
	return tandem.FieldError("currency", "%s is not a currency the programme accepts (use one of %s)",
		currency, strings.Join(p.Currencies(), ", "))
}
