package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/portfolio"
)

const portfolioSynopsis = `recommend --history FILE.csv --budget AMOUNT [--max-cut 20%] [--min MOTION=AMOUNT ...]

  recommend  fit a diminishing-returns curve per motion to a monthly history and print next month's
             split of the budget that maximises expected gross margin: one JSON object per motion
             {"motion", "current", "recommended", "expected_gross_margin", "p10", "p90", "explanation"}
             sorted by motion, then one with "motion": "total". Amounts are plain decimal numbers with
             two places; the recommended amounts sum to the budget exactly. Margins are per month once
             the split has taken effect; p10/p90 are bootstrap percentiles.

The history has the columns month (YYYY-MM), motion, spend and gross_margin (plain numbers, at most two
decimals); other columns are ignored. The current split is the last month's.`

func runPortfolio(ctx context.Context, env *Env, args []string) error {
	return verbCommand{name: "portfolio", synopsis: portfolioSynopsis, hint: "recommend", verbs: []subcommand{
		{"recommend", runPortfolioRecommend},
	}}.run(ctx, env, args)
}

// minimumsFlag collects repeated --min MOTION=AMOUNT flags.
type minimumsFlag map[string]tandem.Money

func (f minimumsFlag) String() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + f[k].String()
	}
	return strings.Join(parts, ",")
}

func (f minimumsFlag) Set(s string) error {
	name, amount, ok := strings.Cut(s, "=")
	motion := portfolio.NormalizeMotion(name)
	if !ok || motion == "" {
		return fmt.Errorf("%q: write MOTION=AMOUNT, e.g. co_sell=25000", s)
	}
	m, _, err := tandem.ParseMoney(amount)
	if err != nil {
		return fmt.Errorf("%q: amount %q is not a number", s, amount)
	}
	if m < 0 {
		return fmt.Errorf("%q: a minimum cannot be negative", s)
	}
	if _, dup := f[motion]; dup {
		return fmt.Errorf("%q: motion %s already has a minimum", s, motion)
	}
	f[motion] = m
	return nil
}

func runPortfolioRecommend(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "portfolio recommend", "--history FILE.csv --budget AMOUNT [--max-cut 20%] [--min MOTION=AMOUNT ...]")
	historyPath := fs.String("history", "", "the monthly history CSV (required; - reads standard input)")
	budgetText := fs.String("budget", "", "next month's total budget, e.g. 250000 or $250,000.00 (required)")
	maxCutText := fs.String("max-cut", "20%", "the largest cut of a motion's current spend, in percent (0–100)")
	mins := minimumsFlag{}
	fs.Var(mins, "min", "a motion's minimum as MOTION=AMOUNT; repeat for more motions")
	seed := fs.Uint64("seed", 1, "the bootstrap's random seed (the same seed gives the same output)")
	replicates := fs.Int("replicates", portfolio.DefaultReplicates, "bootstrap replicates per motion")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *historyPath == "" || *budgetText == "" {
		return fmt.Errorf("%w: --history FILE.csv and --budget AMOUNT are required", errUsage)
	}
	budget, _, err := tandem.ParseMoney(*budgetText)
	if err != nil {
		return fmt.Errorf("%w: --budget %q is not an amount", errUsage, *budgetText)
	}
	if budget < 0 {
		return fmt.Errorf("%w: --budget %s is negative", errUsage, *budgetText)
	}
	maxCut, err := parsePercent(*maxCutText)
	if err != nil {
		return fmt.Errorf("%w: --max-cut %v", errUsage, err)
	}
	if *replicates < 1 {
		return fmt.Errorf("%w: --replicates %d: need at least 1", errUsage, *replicates)
	}

	in, name, err := openInput(env, *historyPath)
	if err != nil {
		return err
	}
	defer in.Close()
	history, err := portfolio.ReadHistory(name, in)
	if err != nil {
		return err
	}
	models, err := portfolio.Fit(history, portfolio.FitOptions{Seed: *seed, Replicates: *replicates})
	if err != nil {
		return err
	}
	rec, err := portfolio.Recommend(models, portfolio.Limits{Budget: budget, MaxCut: maxCut, Minimums: mins})
	if err != nil {
		if e := (*tandem.Error)(nil); errors.As(err, &e) && e.Field != "" {
			return fmt.Errorf("%w: --%s: %s", errUsage, e.Field, e.Message)
		}
		return err
	}
	return writeRecommendation(env.Stdout, rec)
}

// parsePercent parses "20%" or "20" as the fraction 1/5; it must lie between 0 and 100 percent.
func parsePercent(s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if !ok {
		return nil, fmt.Errorf("%q is not a percentage such as 20%%", s)
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(100, 1)) > 0 {
		return nil, fmt.Errorf("%q is not between 0%% and 100%%", s)
	}
	return r.Quo(r, big.NewRat(100, 1)), nil
}

// recommendationLine is one printed JSON object; amounts are decimal numbers in major units.
type recommendationLine struct {
	Motion              string      `json:"motion"`
	Current             json.Number `json:"current"`
	Recommended         json.Number `json:"recommended"`
	ExpectedGrossMargin json.Number `json:"expected_gross_margin"`
	P10                 json.Number `json:"p10"`
	P90                 json.Number `json:"p90"`
	Explanation         string      `json:"explanation"`
}

func writeRecommendation(w io.Writer, rec portfolio.Recommendation) error {
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	line := func(motion string, o portfolio.Outcome, explanation string) recommendationLine {
		return recommendationLine{
			Motion: motion, Current: json.Number(o.Current.String()), Recommended: json.Number(o.Recommended.String()),
			ExpectedGrossMargin: json.Number(o.ExpectedGrossMargin.String()),
			P10:                 json.Number(o.P10.String()), P90: json.Number(o.P90.String()),
			Explanation: explanation,
		}
	}
	for _, p := range rec.Motions {
		if err := enc.Encode(line(p.Motion, p.Outcome, p.Explanation)); err != nil {
			return err
		}
	}
	if err := enc.Encode(line("total", rec.Total, rec.Explanation)); err != nil {
		return err
	}
	return out.Flush()
}
