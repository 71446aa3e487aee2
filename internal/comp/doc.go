// Package comp owns Tandem's compensation engine: the versioned, effective-dated YAML compensation
// plan (Parse, Check, RenderMarkdown/RenderHTML), attribution of each opportunity to one category
// (Plan.Attribute), the period calculation that pays AEs and partners from one attribution record
// (Calculate), gross profit per deal and its roll-ups, adjustments and clawbacks after a period has
// closed (Adjust, WithAdjustments), deterministic exports (MarshalResult and its streaming form
// WriteResultJSON, WriteStatementCSV) and the what-if comparison of a draft plan (Compare). The
// package is pure: no I/O beyond io.Writer and byte slices.
//
// # The rules, in order
//
// Values. A deal's list value is its ACV; its net value is ACV less its discount. Both are converted
// to the plan currency through the plan's fx table with exact rationals and rounded once per deal.
// Commission, margins, SPIFF bands (by default), MDF and cost of goods use the net value; gross
// profit's discount is list − net, so ACV − discount is the net value exactly.
//
// Splits. When an escalation split a deal, the partner's share of the net value is rounded half to
// even and the AE side gets the remainder, so the two sum to the net value to the cent. The partner's
// margin basis is its share, the AE's credit and commission basis the rest; the lines carry the
// conflict and its rationale.
//
// AE. Deals are taken in close-date order (then opportunity id). A deal's quota credit is its AE-side
// net value × the plan's quota credit for its attribution category (100 % for all four by default);
// commission is paid on that credit: the base rate up to the first accelerator threshold (attainment
// = credit / quota), each accelerator's rate above its threshold. A deal that crosses a threshold is
// paid at both rates, its credit split exactly at the threshold (thresholds are amounts of the AE's
// quota, rounded half to even), one line per rate. A partner-led deal also pays the AE who owns it the
// co-sell SPIFF of the band its value falls in (From inclusive, To exclusive; the plan says whether
// bands compare net or list value). Co-sell deals pay the AE full commission and the partner its full
// margin.
//
// Anti-cannibalisation. A deal flagged as undercutting a partner-registered deal pays its AE nothing:
// one forfeit line with amount 0 whose explanation states the commission (and SPIFF) forfeited. Its
// quota credit does not count toward attainment either (a forfeited deal must not push the AE over an
// accelerator threshold for the deals after it), and the statement is flagged for performance review.
// The partner is still paid.
//
// Partner. The margin is the tier's resale margin when the partner is a reseller, its referral margin
// otherwise (referral and co-sell partners), on the partner's basis; a deal covered by an approved
// registration adds the registration bonus on the same basis. MDF (a share of net value) is accrued per
// partner deal in gross profit, never paid on a statement.
//
// Gross profit per deal is ACV − discount − partner margin (with the registration bonus) − SPIFF −
// MDF − cost of goods (the deal's COGS share of net value).
//
// # Money and rounding
//
// Money is tandem.Money, integer cents. There is one rounding rule, half to even ("banker's
// rounding"), applied exactly once per amount: each line's amount is basis × rate rounded half to
// even from the exact product; converted values, split shares, thresholds and attainment likewise.
// Nothing is rounded twice and no float64 is involved. A statement's total is the exact sum of its
// lines, its credit the exact sum of its lines' quota credit.
//
// # Closed periods
//
// A closed period's Input is frozen as JSON. Calculate is deterministic — everything is sorted, and
// explanations are built from the input only — so recalculating the frozen input gives byte-identical
// MarshalResult output. A change to a deal after its period closed is never written into the closed
// statement: Adjust compares the frozen result with a recalculation from current data under the same
// plan and returns adjustment (positive) or clawback (negative) lines for the open period.
package comp
