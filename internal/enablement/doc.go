// Package enablement is the enablement portfolio's workflow (issue 12), called by the server and the
// command line alike: the MDF moves (each one decided by internal/mdf inside one store transaction and
// logged, money decisions audited), the spend ledger's CSV import and the comp engine's paid SPIFFs
// flowing into it, returns and ROMI by motion, segment and period with the deals and spend lines
// behind them, the next month's budget recommendation from the ledger's monthly history, and the
// certification coverage and certified-versus-uncertified comparison.
//
// Decisions where the issue is silent, in one place:
//   - A deal's ledger motion comes from its routing: co_sell → co_sell, direct (or unrouted) → direct,
//     partner_led → resell when the partner is a reseller or distributor, partner_sourced otherwise.
//   - A deal's segment is its ACV band: enterprise from 100,000, mid_market from 25,000, smb below
//     (major units of the deal's currency). Spend lines use the same segment names.
//   - A deal's attributable gross margin is the comp engine's gross profit of the deal (ACV − discount −
//     partner margin − SPIFFs − MDF share − cost of goods) for the quarter it closed in.
//   - Paid SPIFFs are the spiff lines of closed comp periods' AE statements; each becomes one ledger
//     line (kind spiff, motion co_sell — SPIFFs reward co-selling — month the quarter's last month,
//     source comp:QUARTER, ref ae:USER:deal:OPPORTUNITY), stored once however often the sync runs.
//   - LTV = (gross margin ÷ wins) ÷ (1 − annual retention): a won deal's margin is one year of its
//     customer's margin (ACV is annual), retention is measured from the deals of the two years ending
//     with the window (portfolio.Retention). Cycle time is the mean days from creation to close of
//     the won deals.
//   - The deal history (every closed deal, each quarter's gross profit, the selling scopes, the
//     certification comparison) is cached per data version (Cache): the first read after a write
//     computes, later reads reuse it.
//   - An MDF lead links to the opportunity whose external id it is, or to the deals of the account whose
//     external id or name it is opened on or after the request (sourced.go); MDF-sourced pipeline is
//     the ACV of the linked deals, won the ACV of those closed won.
//   - A paid MDF claim becomes one ledger line (kind mdf, the request's motion, month of payment) in the
//     same transaction as the payment.
package enablement
