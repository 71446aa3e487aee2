// Package tandem is Tandem's domain: the accounts, partners, users, opportunities, deal registrations,
// partner touches, conflicts and escalations that the rest of the program stores, routes and reports on,
// with their validation rules and error codes. It imports only the standard library and does no I/O.
//
// Money is exact: Money holds integer minor units (cents). The one rounding rule anywhere in Tandem is
// half-to-even at the minor unit, applied when a decimal with more places than the currency has is parsed
// or when a rate is applied (see RoundHalfEven).
package tandem
