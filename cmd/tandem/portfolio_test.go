package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tandem "github.com/tandem-revops/tandem"
)

var updatePortfolio = flag.Bool("update-portfolio", false, "rewrite cmd/tandem/testdata/portfolio_*.golden")

// portfolioHistory builds 36 months of history for three motions with known concave curves and a
// deterministic wobble standing in for noise: direct is over-funded, co_sell under-funded.
func portfolioHistory() string {
	type motion struct {
		name              string
		base, scale, k, s float64
	}
	motions := []motion{
		{"direct", 200000, 60000, 80000, 150000},
		{"co_sell", 80000, 150000, 30000, 40000},
		{"partner_sourced", 60000, 120000, 40000, 50000},
	}
	var b strings.Builder
	b.WriteString("month,motion,region,spend,gross_margin\n")
	for t := range 36 {
		for i, m := range motions {
			spend := math.Round(m.s*(1+0.5*math.Sin(float64(t)*1.7+float64(i)))*100) / 100
			gm := m.base + m.scale*math.Log1p(spend/m.k) + 3000*math.Cos(float64(t*7+i*3))
			fmt.Fprintf(&b, "%04d-%02d,%s,emea,%.2f,%.2f\n", 2023+t/12, t%12+1, m.name, spend, gm)
		}
	}
	return b.String()
}

func TestPortfolioRecommend(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, "history.csv", portfolioHistory())
	code, out, errOut := runTandem(t, "", "portfolio", "recommend", "--history", path, "--budget", "$250,000", "--min", "partner_sourced=60000", "--replicates", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := decodeLines(t, out)
	var motions []string
	var sum tandem.Money
	for _, r := range rows {
		motions = append(motions, r["motion"].(string))
		for _, key := range []string{"current", "recommended", "expected_gross_margin", "p10", "p90", "explanation"} {
			if _, ok := r[key]; !ok {
				t.Errorf("row %v lacks %q", r, key)
			}
		}
		if r["motion"] != "total" {
			m, _, err := tandem.ParseMoney(fmt.Sprint(r["recommended"]))
			if err != nil {
				t.Fatal(err)
			}
			sum += m
		}
	}
	if diff := cmp.Diff([]string{"co_sell", "direct", "partner_sourced", "total"}, motions); diff != "" {
		t.Errorf("motions (-want +got):\n%s", diff)
	}
	if sum != tandem.Major(250000) {
		t.Errorf("recommended amounts sum to %v, want 250000.00", sum)
	}
	// Output is stable for a seed: compare with the golden file.
	golden := filepath.Join("testdata", "portfolio_recommend.golden")
	if *updatePortfolio {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/tandem -run TestPortfolioRecommend -update-portfolio)", err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestPortfolioRecommendErrors(t *testing.T) {
	t.Parallel()
	good := writeTemp(t, "good.csv", portfolioHistory())
	bad := writeTemp(t, "bad.csv", "month,motion,spend,gross_margin\n2025-01,direct,100,5\n2025-02,direct,1O0,5\n")
	runFailureCases(t, []commandRun{
		{"no subcommand", []string{"portfolio"}, 2, "say recommend"},
		{"unknown subcommand", []string{"portfolio", "fit"}, 2, `unknown portfolio command "fit"`},
		{"missing budget", []string{"portfolio", "recommend", "--history", good}, 2, "--history FILE.csv and --budget AMOUNT are required"},
		{"bad budget", []string{"portfolio", "recommend", "--history", good, "--budget", "lots"}, 2, `--budget "lots" is not an amount`},
		{"bad max cut", []string{"portfolio", "recommend", "--history", good, "--budget", "1", "--max-cut", "120%"}, 2, `--max-cut "120%" is not between 0% and 100%`},
		{"bad min", []string{"portfolio", "recommend", "--history", good, "--budget", "1", "--min", "co_sell"}, 2, `"co_sell": write MOTION=AMOUNT`},
		{"twice the same min", []string{"portfolio", "recommend", "--history", good, "--budget", "1", "--min", "co_sell=1", "--min", "Co-Sell=2"}, 2, "motion co_sell already has a minimum"},
		{"min for an unknown motion", []string{"portfolio", "recommend", "--history", good, "--budget", "250000", "--min", "events=1"}, 2, `--min: motion "events" is not in the history (motions: co_sell, direct, partner_sourced)`},
		{"bad csv", []string{"portfolio", "recommend", "--history", bad, "--budget", "1"}, 1, bad + `:3: column "spend": "1O0" is not a plain number`},
		{"missing file", []string{"portfolio", "recommend", "--history", filepath.Join(t.TempDir(), "none.csv"), "--budget", "1"}, 1, "no such file"},
		{"infeasible minimums", []string{"portfolio", "recommend", "--history", good, "--budget", "250000", "--min", "co_sell=200000", "--min", "partner_sourced=60000"}, 1, "infeasible limits: the motions' floors need at least"},
	})
}

// TestPortfolioRecommendStdinAndRowOrder reads the history from standard input with its rows reversed
// and expects the same output as from the file.
func TestPortfolioRecommendStdinAndRowOrder(t *testing.T) {
	t.Parallel()
	hist := portfolioHistory()
	lines := strings.Split(strings.TrimSuffix(hist, "\n"), "\n")
	reversed := []string{lines[0]}
	for i := len(lines) - 1; i > 0; i-- {
		reversed = append(reversed, lines[i])
	}
	args := []string{"portfolio", "recommend", "--budget", "215411.73", "--max-cut", "30", "--replicates", "50", "--seed", "9"}
	code, fromFile, errOut := runTandem(t, "", append(args, "--history", writeTemp(t, "h.csv", hist))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, fromStdin, errOut := runTandem(t, strings.Join(reversed, "\n")+"\n", append(args, "--history", "-")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if diff := cmp.Diff(fromFile, fromStdin); diff != "" {
		t.Errorf("file vs reversed stdin (-file +stdin):\n%s", diff)
	}
	if !strings.Contains(fromFile, "the 30% max cut stops it here") {
		t.Errorf("--max-cut 30 not applied:\n%s", fromFile)
	}
}
