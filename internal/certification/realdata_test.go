package certification

import (
	"io"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/shareddata"
)

// TestCompareOnIBMWinLoss runs the comparison on IBM's public "Sales Win Loss" sample (78,025 real
// opportunities), standing resellers in for certified partners and field sales for the rest, with
// the days from identification to close as the cycle. It checks the counts against a direct tally and
// that intervals this large narrow as they should; the summary is logged.
func TestCompareOnIBMWinLoss(t *testing.T) {
	t.Parallel()
	path := shareddata.Path(t, "ibm-sales-win-loss/WA_Fn-UseC_-Sales-Win-Loss.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := csvio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	route, result, days := r.Index("Route To Market"), r.Index("Opportunity Result"), r.Index("Total Days Identified Through Closing")
	if route < 0 || result < 0 || days < 0 {
		t.Fatalf("columns missing from %v", r.Header())
	}
	var deals []Deal
	tally := map[bool][2]int{} // certified → deals, wins
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var certified bool
		switch rec.Fields[route] {
		case "Reseller":
			certified = true
		case "Fields Sales":
		default:
			continue
		}
		d, err := strconv.ParseFloat(rec.Fields[days], 64)
		if err != nil {
			t.Fatalf("line %d: days %q", rec.Line, rec.Fields[days])
		}
		won := rec.Fields[result] == "Won"
		deals = append(deals, Deal{Partner: rec.Fields[route], Certified: certified, Won: won, CycleDays: d})
		c := tally[certified]
		c[0]++
		if won {
			c[1]++
		}
		tally[certified] = c
	}
	c, err := Compare(deals, Options{Seed: 1, Replicates: 500})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(c.Summary)
	if c.Certified.Deals != 34758 || c.Uncertified.Deals != 37262 {
		t.Errorf("deals %d / %d; SOURCE.md counts 34,758 reseller and 37,262 field-sales rows", c.Certified.Deals, c.Uncertified.Deals)
	}
	for certified, g := range map[bool]Group{true: c.Certified, false: c.Uncertified} {
		if want := tally[certified]; g.Deals != want[0] || g.Wins != want[1] {
			t.Errorf("certified=%v: %d deals, %d wins; tally %v", certified, g.Deals, g.Wins, want)
		}
		if g.WinHigh-g.WinLow > 0.015 || g.WinLow > g.WinRate || g.WinRate > g.WinHigh {
			t.Errorf("certified=%v: win rate %.4f with interval %.4f–%.4f; want a tight interval around it", certified, g.WinRate, g.WinLow, g.WinHigh)
		}
	}
	// With some 35,000 deals a side, a difference of more than two points cannot be noise.
	if math.Abs(c.WinRate.Estimate) > 0.02 && !c.WinRate.Significant {
		t.Errorf("a %.1f-point difference over 72,000 deals reported as not significant", c.WinRate.Estimate*100)
	}
}
