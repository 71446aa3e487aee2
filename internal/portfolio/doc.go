// Package portfolio owns the enablement portfolio's numbers: the monthly spend-and-margin history by
// motion, the response curve fitted to it, the next month's budget split that maximises expected gross
// margin under the limits, the return arithmetic (ROMI, CAC, LTV) and returns by period, motion and
// segment with the spend and deal lines behind them. It does no I/O beyond reading a
// history from an io.Reader, so the CLI, the store-backed API and tests share one engine.
//
// # Returns, CAC, LTV and cycle time
//
// Per period (month or quarter), motion and segment: ROMI = (attributable gross margin − spend) ÷
// spend; CAC = spend ÷ new customers (an account's first won deal); cycle time = the mean days from
// creation to close of the won deals; and
//
//	LTV = (gross margin ÷ wins) ÷ (1 − retention)
//
// the margin of the row's average won deal, taken as one year of that customer's margin (deals are
// valued by annual contract value), times the customer's expected lifetime in years at the annual
// retention rate. Retention is measured from the deals themselves: of the accounts with a won deal in
// the year before the window's last twelve months, the share that won again in those twelve months
// (see Retention). There is no discounting; with no earlier-year customers, or 100 % retention, LTV
// is not shown. All money is exact and rounded half to even to the cent once.
//
// # The response model
//
// Each motion's monthly gross margin is modelled as a diminishing-returns curve of its spend:
//
//	margin(t) = base + scale·ln(1 + e(t)/k),   e(t) = w·spend(t) + (1−w)·spend(t−1)
//
// base is the margin the motion earns with no enablement spend, scale ≥ 0 sets how much spend can add,
// and k (a money amount) is where returns start to flatten: the marginal return of one more unit is
// scale/(k+e). The curve is concave and increasing, so money moved between motions always has a best
// split and the optimiser cannot be lured into extremes by a wiggly fit.
//
// Lag: w is the share of a month's spend that shows in the same month's margin; the rest shows the month
// after. w is chosen from {1, 0.75, 0.5, 0.25, 0} by the Bayesian information criterion (a lagged fit
// pays for its extra parameter, so "no lag" wins unless the data shows one), compared on the months whose
// previous month is in the history.
//
// Fitting: for a fixed k the model is linear in (base, scale), so those come from ordinary least squares
// in closed form (scale is held at 0 when the slope comes out negative) and k is found by a search over
// ln k: a 20-point grid between max spend/1000 and 3×max spend, refined by golden section. The upper bound is
// the model's one prior: returns visibly flatten within a few times the largest spend seen, so a noisy
// history cannot turn a motion into a straight line that would soak up the whole budget. Amounts are
// fitted in major units as float64; they are statistics, not ledger money.
//
// Uncertainty: a pairs bootstrap. The motion's (effective spend, margin) months are resampled with
// replacement and refitted, by default 200 times, with a random stream seeded from the request's seed
// and the motion's name, so results do not depend on the order of rows or motions. The lag weight is
// held at its chosen value in every replicate (the bootstrap is conditional on the lag choice).
//
// # The recommendation
//
// The objective is expected monthly gross margin once the split has taken full effect (a split held
// month after month has e = spend, so the lag drops out): the mean over bootstrap replicates of every
// motion's curve, which is again concave. Each motion has a floor, the larger of its minimum and its
// current spend less the maximum cut (rounded up to the cent so the cut never exceeds the limit); there is
// no ceiling. The continuous optimum equalises marginal returns: a bisection on the common marginal
// return λ, each motion's spend solving mean slope = λ above its floor. The split is then rounded to
// cents by the largest-remainder rule (ties to the motion that sorts first) so it sums to the budget
// exactly and no amount falls below its floor. A motion with too little history (fewer than 6 months, or
// fewer than 3 distinct spend levels) has no curve; it is kept at its current spend (or raised to its
// floor) and the rest is optimised.
//
// Gains compare the recommended split with last month's on the same curves; P10 and P90 are the 10th
// and 90th percentiles over bootstrap replicates (gonum's empirical quantile). Statistics are turned
// back into money by rounding half to even at the cent, the same rule as tandem.RoundHalfEven.
package portfolio
