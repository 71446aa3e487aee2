// Package forecast forecasts a quarter's won value per attribution category — direct, partner-sourced,
// partner-led, partner-influenced — and in total, each with its own P10/P50/P90 band, and replays a
// history to show how well those bands held (the backtest). It is pure: it takes deals (Deal) and
// returns numbers; ReadHistory reads a CSV export through the import machinery (internal/importer,
// kind "history"), and a store-backed caller builds the same Deal records from its opportunities.
//
// # What it sees
//
// A forecast is made "as of" the end of a day. Only deals created on or before that day exist, and only
// outcomes closed on or before it are known: a deal closed later is open as of then, showing the amount
// it showed while open (Deal.AsOf). The full history and the export a CRM would have produced that day
// therefore give the same forecast, which is what makes the backtest honest.
//
// # The method, per category, from that category's own deals only
//
//  1. Time to close. Each deal is followed from its creation (age 0, in days) to its close, won or lost,
//     or to the as-of day (right-censored). Daily hazards of winning and of losing by age are estimated
//     over all of the category's deals (the Aalen–Johansen estimator of competing risks, i.e. Kaplan–Meier
//     with two ways out). Ages with fewer than 30 deals at risk, and all ages past two years, share one
//     constant tail hazard (events over deal-days of exposure). This captures cycle length and slippage:
//     a deal older than the category's usual cycle has a lower chance of closing in the weeks left.
//  2. Amount bands. A large deal wins less often and takes longer than a small one in most books; one
//     table for all would put the small deals' odds and timing on the large deals' value and run high.
//     So the category's deals are also split by the amount they show while open into up to four bands
//     of about equal size (quantiles of up to 10,000 amounts, every k-th in id order; fewer bands when
//     one would hold fewer than 100 closed deals, none below two), and each band gets its own hazards,
//     fitted as in 1 over its deals alone.
//  3. Open deals. For a deal of age a, the probability of being won in the quarter's remaining days
//     [max(as-of+1, quarter start), quarter end] given it is open at a follows from the cumulative
//     incidences of its amount band (the category's when there are no bands or its amount is unknown).
//     A segment (the optional segment column: partner tier, region, product…) changes the odds that a
//     close is a win by its own win share shrunk toward the share its deals' amount bands lead one to
//     expect (the category's without bands), with the weight of 20 closed deals (empirical Bayes), so a
//     segment of large deals is not marked down twice; closing timing stays the band's. An open deal
//     without an amount is valued by drawing from the won amounts of its segment (at least 10 of
//     them), else the category's.
//  4. Deals not yet created. For each of the last eight complete quarters the category fully existed in,
//     the wins closed in that quarter by deals created later than the same offset into it are counted.
//     Their count is drawn from a gamma–Poisson (negative binomial) with the counts' mean and, when they
//     vary more than Poisson, their variance; amounts are drawn from those wins.
//  5. Common variation. Win rates move from quarter to quarter together for all of a category's deals.
//     The between-quarter variance τ² of the win share's log-odds (DerSimonian–Laird over the last eight
//     complete quarters by closing quarter) gives one normal log-odds shift per simulated quarter,
//     applied to the win odds of every open deal and, as the ratio of shifted to base win share, to the
//     expected count of not-yet-created wins. When τ² > 0 the quarter's closes so far (log-odds y with
//     variance v) are evidence of this quarter's level: the shift has mean τ²/(τ²+v)·(y − pooled) and
//     variance τ²·v/(τ²+v) (a normal–normal update); the pooled share's sampling variance is added.
//  6. Monte Carlo. DefaultSimulations (2,000) quarters are drawn. Open deals are grouped by age band
//     (days for the first four weeks, then weeks; four weeks at a time where there are amount bands),
//     amount band, segment and whether their amount is known; each group draws its number of wins
//     from a binomial with the group's mean probability, and the amounts of those wins without
//     replacement from the group's. Each simulated value is won-to-date plus the wins to come, in
//     integer minor units.
//
// Each category's random source is derived from the stored seed and the category's name alone
// (FNV-1a → PCG), so changing partner history leaves the direct band byte-identical. The total's band
// is the 10th/50th/90th percentile of the per-simulation sums of the four categories — not the sum of
// the bands, which would overstate the spread of independent parts. Deals are indexed by (category,
// id), so input row order never matters. Quantiles are the inverse empirical distribution: the smallest
// simulated value that at least p of the simulations do not exceed.
//
// # Money and rounding
//
// Amounts are tandem.Money (integer minor units) throughout. The one rounding: where a group has more
// than 16 wins (and more than 16 non-wins) the sum of the drawn amounts is taken from its normal
// approximation (mean and finite-population variance) and rounded to the minor unit, half away from
// zero; the same for more than 16 draws with replacement. Probabilities and rates are float64.
//
// # What it does not model
//
// Stage: a one-row-per-deal export carries only today's stage, which would leak the future into a
// backtest, so stage is not used until stage history is stored. Trend and seasonality in deal
// creation: the not-yet-created part averages the last eight quarters.
//
// # Outside win probabilities
//
// A deal may carry WinProbability, another model's estimate that it will be won (Tandem's own is
// internal/prediction's, stored per open deal). It is ignored unless Options.WinProbabilityWeight w is
// above zero, so by default every output is what it was without it. With w > 0, open deals that carry
// one are grouped in cells by it as well (twenty buckets of 0.05), and each such cell's odds that a
// close is a win become exp((1−w)·log(model odds) + w·log(p/(1−p))), p the bucket's middle: w = 1
// trusts the outside estimate alone for whether a close is a win, w = 0.5 meets halfway. When the deal
// closes (in the quarter or not), the quarter's common shift and the deals not yet created stay the
// model's. The weight belongs to the caller to validate by backtest: the estimate is of winning ever,
// not within the quarter, which the model's close-timing still decides.
//
// # Backtest
//
// History.Backtest forecasts every quarter from the history's fifth (the first holds its earliest
// created day) to the last one ended by its latest date, as of quarter start + 7·W days for each week
// W, and pairs each line with the won value that actually closed in the quarter; Score gives coverage
// (share of actuals within P10–P90), P50 MAPE and bias per group.
package forecast
